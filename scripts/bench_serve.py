"""The served app under load: req/s and p99 of the gaps and recommendations endpoints and the
industry page, each as a ratio to /api/health on the same server (issue 15 item 4).

Builds the bundled data into a temporary store (or takes `--db`), serves it with uvicorn on
127.0.0.1 (`--workers N` processes on the one store), warms each URL up, then drives it at
`--connections` concurrent connections: with `wrk` when it is on PATH (for `--seconds` each),
else with an httpx2 AsyncClient (`--requests` each). Stops the server by itself. Goal: each at
least 80% of /health's req/s, p99 at most 50 ms (/health itself is the baseline, not judged).
The server: `uvicorn api.main:create_app --factory --workers N --log-level warning` (no access
log), with uvloop and httptools when installed (the first line says which).

`--backend neo4j` (default: CHAINKG_BACKEND) serves a Neo4j database instead, cleared and loaded
with the bundled data (`--neo4j-uri`, default CHAINKG_TEST_NEO4J_URI or NEO4J_URI: a throwaway
server such as scripts/neo4j/start.sh starts; it is cleared again at the end); `--backend both`
measures SQLite then Neo4j in one run and prints Neo4j's req/s as a ratio of SQLite's (goal:
within 2x, so at least 50%).

    python scripts/bench_serve.py [--workers 2] [--industry green-silicon] [--client httpx]
    eval "$(scripts/neo4j/start.sh)" && python scripts/bench_serve.py --backend both
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
from attack import free_port, serve, stop  # scripts/ is this script's own folder, so on sys.path

GOAL_RATIO, GOAL_P99_MS = 0.8, 50.0


def urls(industry: str) -> list[tuple[str, str]]:
    return [
        ("/api/health", "/api/health"),
        ("gaps", f"/api/industries/{industry}/gaps"),
        ("recommendations", f"/api/industries/{industry}/recommendations"),
        ("industry page", f"/industries/{industry}"),
    ]


def with_wrk(base: str, path: str, connections: int, seconds: int) -> tuple[float, float]:
    """(req/s, p99 ms) from wrk's own report."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", base + path],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses: \d+", out):
        raise RuntimeError(f"{path}: some answers were errors\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def with_httpx(base: str, path: str, connections: int, requests: int) -> tuple[float, float]:
    """(req/s, p99 ms): `requests` GETs, `connections` at a time."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        left = iter(range(requests))

        async def worker() -> None:
            for _ in left:
                start = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return requests / elapsed, latencies[int(0.99 * (len(latencies) - 1))] * 1000


def build_bundled(folder: Path) -> Path:
    from ingest.build import build_file

    return build_file(folder / "bench.db")


def neo4j_env(uri: str) -> dict[str, str]:
    return {
        "CHAINKG_BACKEND": "neo4j",
        "NEO4J_URI": uri,
        "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
        "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", "unused-password"),
        "NEO4J_DATABASE": os.environ.get("NEO4J_DATABASE", "neo4j"),
    }


def neo4j_store(uri: str) -> Any:
    from graph.neo4j_store import Neo4jStore

    env = neo4j_env(uri)
    return Neo4jStore(
        uri, user=env["NEO4J_USER"], password=env["NEO4J_PASSWORD"], database=env["NEO4J_DATABASE"]
    )


def load_neo4j(uri: str) -> None:
    """The Neo4j database cleared and loaded with the bundled data."""
    from ingest.build import build

    store = neo4j_store(uri)
    try:
        store.clear()
        build(store)
    finally:
        store.close()


def measure(args: argparse.Namespace, db: Path, env: dict[str, str]) -> dict[str, float]:
    """Serve the store, drive each URL, print the table; req/s by URL name."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(db, port, workers=args.workers, env=env)
    rates: dict[str, float] = {}
    try:
        for _, path in urls(args.industry):  # warm-up: every worker computes and keeps its answers
            asyncio.run(with_httpx(base, path, min(args.connections, 8 * args.workers), 16 * args.workers))
        backend = env.get("CHAINKG_BACKEND", "sqlite")
        print(
            f"{backend}: {args.client}, {args.connections} connections, {args.workers} worker(s), "
            f"{args.industry}, store {env.get('NEO4J_URI', db)}"
        )
        print(f"{'url':<18} {'req/s':>8} {'p99 ms':>8} {'vs /health':>10}")
        failed = False
        for name, path in urls(args.industry):
            if args.client == "wrk":
                rate, p99 = with_wrk(base, path, args.connections, args.seconds)
            else:
                rate, p99 = asyncio.run(with_httpx(base, path, args.connections, args.requests))
            rates[name] = rate
            ratio = rate / rates["/api/health"]
            if path != "/api/health":  # the baseline; the goal is about the answers
                failed |= ratio < GOAL_RATIO or p99 > GOAL_P99_MS
            print(f"{name:<18} {rate:>8.0f} {p99:>8.1f} {ratio:>9.0%}")
    finally:
        stop(server, timeout=20)
    print(
        f"goal (>= {GOAL_RATIO:.0%} of /health, p99 <= {GOAL_P99_MS:.0f} ms): {'missed' if failed else 'met'}"
    )
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="serve this store (default: the bundled data, built afresh)")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "neo4j", "both"),
        default=os.environ.get("CHAINKG_BACKEND") or "sqlite",
    )
    parser.add_argument(
        "--neo4j-uri",
        default=os.environ.get("CHAINKG_TEST_NEO4J_URI") or os.environ.get("NEO4J_URI"),
        help="a throwaway Neo4j: it is cleared, loaded with the bundled data, and cleared at the end",
    )
    parser.add_argument("--industry", default="green-silicon")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=8, help="per URL, with wrk")
    parser.add_argument("--requests", type=int, default=3000, help="per URL, with httpx")
    parser.add_argument(
        "--client", choices=("wrk", "httpx"), default="wrk" if shutil.which("wrk") else "httpx"
    )
    args = parser.parse_args()
    if args.backend != "sqlite" and not args.neo4j_uri:
        parser.error('no Neo4j: pass --neo4j-uri or run  eval "$(scripts/neo4j/start.sh)"  first')
    print(f"server: uvicorn, loop {loop_name()}, http {http_name()}")
    rates: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="chainkg-serve-") as folder:
        db = args.db or build_bundled(Path(folder))  # also where a Neo4j server keeps its secret
        if args.backend in ("sqlite", "both"):
            rates["sqlite"] = measure(args, db, {"CHAINKG_BACKEND": "sqlite"})
        if args.backend in ("neo4j", "both"):
            load_neo4j(args.neo4j_uri)
            try:
                rates["neo4j"] = measure(args, db, neo4j_env(args.neo4j_uri))
            finally:
                store = neo4j_store(args.neo4j_uri)
                try:
                    store.clear()
                finally:
                    store.close()
    if len(rates) == 2:
        print("neo4j req/s as a share of sqlite's (goal: within 2x, >= 50%):")
        for name, rate in rates["neo4j"].items():
            print(f"  {name:<18} {rate / rates['sqlite'][name]:>6.0%}")
    return 0


def loop_name() -> str:
    """What uvicorn's "auto" picks: uvloop and httptools when installed, else asyncio and h11."""
    return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


def http_name() -> str:
    return "httptools" if importlib.util.find_spec("httptools") else "h11"


if __name__ == "__main__":
    raise SystemExit(main())

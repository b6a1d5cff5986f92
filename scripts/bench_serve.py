"""The served app under load: req/s and p99 of the gaps and recommendations endpoints and the
industry page, each as a ratio to /api/health on the same server (issue 15 item 4).

Builds the bundled data into a temporary store (or takes `--db`), serves it with uvicorn on
127.0.0.1 (`--workers N` processes on the one store), warms each URL up, then drives it at
`--connections` concurrent connections: with `wrk` when it is on PATH (for `--seconds` each),
else with an httpx2 AsyncClient (`--requests` each). Stops the server by itself. Goal: each at
least 80% of /health's req/s, p99 at most 50 ms.

    python scripts/bench_serve.py [--workers 2] [--industry green-silicon] [--client httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from attack import free_port, serve  # scripts/ is this script's own folder, so on sys.path

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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="serve this store (default: the bundled data, built afresh)")
    parser.add_argument("--industry", default="green-silicon")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=8, help="per URL, with wrk")
    parser.add_argument("--requests", type=int, default=3000, help="per URL, with httpx")
    parser.add_argument(
        "--client", choices=("wrk", "httpx"), default="wrk" if shutil.which("wrk") else "httpx"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chainkg-serve-") as folder:
        db = args.db or build_bundled(Path(folder))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(db, port, workers=args.workers)
        try:
            for _, path in urls(args.industry):  # warm-up: every worker computes and keeps its answers
                asyncio.run(
                    with_httpx(base, path, min(args.connections, 8 * args.workers), 16 * args.workers)
                )
            print(
                f"{args.client}, {args.connections} connections, {args.workers} worker(s), "
                f"{args.industry}, store {db}"
            )
            print(f"{'url':<18} {'req/s':>8} {'p99 ms':>8} {'vs /health':>10}")
            health = 0.0
            failed = False
            for name, path in urls(args.industry):
                if args.client == "wrk":
                    rate, p99 = with_wrk(base, path, args.connections, args.seconds)
                else:
                    rate, p99 = asyncio.run(with_httpx(base, path, args.connections, args.requests))
                health = health or rate
                ratio = rate / health
                failed |= ratio < GOAL_RATIO or p99 > GOAL_P99_MS
                print(f"{name:<18} {rate:>8.0f} {p99:>8.1f} {ratio:>9.0%}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    print(
        f"goal (>= {GOAL_RATIO:.0%} of /health, p99 <= {GOAL_P99_MS:.0f} ms): {'missed' if failed else 'met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Replay the attack review of issue 16 against a served app on loopback.

    python scripts/attack.py [--seconds 120]

Builds a throwaway store (the canonical test chain, two users, a firm renamed to a formula
with control characters), serves it with uvicorn on 127.0.0.1, runs each attack once and
prints one line per case and the summary `attack: N tried, N refused`. Bounded: at most
MAX_REQUESTS requests and `--seconds` of wall time; the server is stopped at the end. Exit
status 1 when any attack got through.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MAX_REQUESTS = 400
PASSWORD = "correct horse 42"
EVIL_FIRM = '=HYPERLINK("http://evil.example","点我")\x0b\x01'


class Budget:
    """Counts requests and time; refuses to go past either limit."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.sent = 0

    def spend(self, n: int = 1) -> None:
        self.sent += n
        if self.sent > MAX_REQUESTS or time.monotonic() > self.deadline:
            raise TimeoutError(f"attack budget spent ({self.sent} requests)")


def build_store(db: Path) -> str:
    """The store under attack; returns the county user's API token."""
    from graph.sqlite_store import SqliteStore
    from graph.store import Node
    from tests.project_library import library_changes
    from workflow import users

    store = SqliteStore(db)
    try:
        store.apply(library_changes())
        (firm,) = store.find_nodes("Enterprise", where={"name": "全国一号"})
        store.upsert_nodes([Node(firm.id, "Enterprise", {**firm.props, "name": EVIL_FIRM})])
        users.create_user(store, "sheng", "province", "530000", password=PASSWORD)
        return users.create_user(store, "wuhua", "county", "530102", password=PASSWORD)[1]
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    db: Path, port: int, *, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The app under uvicorn on 127.0.0.1:`port` (`workers` processes on one store), once it answers."""
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite", **(env or {})}
    env.pop("CHAINKG_SECRET", None)
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--workers", str(workers)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the app did not start within 60 s")


def login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    client.cookies.clear()
    return client.post("/login", data={"username": name, "password": password, "next": "/projects"})


def cases(
    client: httpx.Client, base: str, token: str, budget: Budget
) -> list[tuple[str, Callable[[], bool]]]:
    """(what is tried, a check that returns True when the app refused it)."""
    bearer = {"Authorization": f"Bearer {token}"}
    project = {"name": "攻击测试项目", "industry": "demo", "investment_yi": 3}

    def get(path: str, **kw: object) -> httpx.Response:
        budget.spend()
        return client.get(path, **kw)  # type: ignore[arg-type]

    def post(path: str, **kw: object) -> httpx.Response:
        budget.spend()
        return client.post(path, **kw)  # type: ignore[arg-type]

    def parallel_guesses() -> bool:
        budget.spend(31)

        def guess(password: str) -> int:
            with httpx.Client(base_url=base, timeout=60) as own:
                return login(own, "sheng", password).status_code

        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(guess, [f"wrong {i}" for i in range(30)] + [PASSWORD]))
        # three free attempts, then each waits 1 s, 2 s, ...: a handful reach the hash, not 31
        checked = codes.count(401) + codes.count(303)
        return checked <= 6 and codes.count(429) >= 25 and 500 not in codes

    def owner_not_locked_out() -> bool:
        time.sleep(2.5)  # the growing delay after three guesses: seconds, never ten minutes
        while True:
            response = login(client, "sheng", PASSWORD)
            budget.spend()
            if response.status_code != 429:
                break
            time.sleep(min(65.0, float(response.headers.get("retry-after", "1"))))
        client.cookies.clear()
        return response.status_code == 303

    def formula_in_targets() -> bool:
        from openpyxl import load_workbook

        response = get("/industries/demo/targets.xlsx")
        if response.status_code != 200:
            return False
        book = load_workbook(io.BytesIO(response.content))
        return not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)

    def duplicate_race() -> bool:
        budget.spend(10)

        def declare(_: int) -> int:
            with httpx.Client(base_url=base, timeout=60) as own:
                return own.post(
                    "/api/projects", json={**project, "name": "并发同名项目"}, headers=bearer
                ).status_code

        with ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(declare, range(10)))
        return codes.count(201) == 1 and 500 not in codes

    def page_form_version(version: str) -> Callable[[], bool]:
        def attempt() -> bool:
            login(client, "wuhua", PASSWORD)
            budget.spend()
            made = post(
                "/api/projects", json={**project, "name": f"版本{len(version)}"}, headers=bearer
            ).json()
            page = get(f"/projects/{made['id']}")
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
            data = {"csrf": csrf[1] if csrf else "", "version": version, "notes": "x"}
            response = post(f"/projects/{made['id']}/edit", data=data)
            client.cookies.clear()
            return response.status_code < 500

        return attempt

    big = b"{" + b" " * 5_000_000 + b"}"
    return [
        ("31 parallel guesses at one password", parallel_guesses),
        ("the owner is only delayed, not locked out", owner_not_locked_out),
        ("a formula firm name in targets.xlsx", formula_in_targets),
        (
            "control characters in a stored name: plan.docx",
            lambda: get("/industries/demo/plan.docx").status_code == 200,
        ),
        (
            "Markdown link markup in plan.md",
            lambda: "](http" not in get("/industries/demo/plan.md").text.replace("\\](", ""),
        ),
        (
            "NUL in a project name via the API",
            lambda: (
                post("/api/projects", json={**project, "name": "a\x00b"}, headers=bearer).status_code == 422
            ),
        ),
        (
            "\\x0b in a project name via the API",
            lambda: (
                post("/api/projects", json={**project, "name": "a\x0bb"}, headers=bearer).status_code == 422
            ),
        ),
        ("10 parallel declarations of one name", duplicate_race),
        (
            "anonymous 5 MB JSON body",
            lambda: (
                post("/api/projects", content=big, headers={"content-type": "application/json"}).status_code
                == 413
            ),
        ),
        ("anonymous project write", lambda: post("/api/projects", json=project).status_code == 401),
        (
            "non-ASCII session cookie",
            lambda: get("/projects", headers={"cookie": "chainkg_session=é.é".encode()}).status_code < 500,  # type: ignore[dict-item]
        ),
        ("version=² on a page form", page_form_version("²")),
        ("a 5,000-digit version on a page form", page_form_version("9" * 5000)),
        (
            "a rebinding Host header",
            lambda: get("/health", headers={"host": "attacker.example"}).status_code == 400,
        ),
        (
            "framing and sniffing of the login page",
            lambda: "frame-ancestors 'none'" in get("/login").headers.get("content-security-policy", ""),
        ),
        (
            "a forged bearer token",
            lambda: get("/api/me", headers={"Authorization": "Bearer " + "A" * 43}).status_code == 401,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="wall-time bound (default 180)")
    args = parser.parse_args()
    budget = Budget(args.seconds)
    with tempfile.TemporaryDirectory(prefix="chainkg-attack-") as folder:
        db = Path(folder) / "kg.db"
        token = build_store(db)
        port = free_port()
        server = serve(db, port)
        tried = refused = 0
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=60) as client:
                for what, check in cases(client, base, token, budget):
                    tried += 1
                    try:
                        held = check()
                    except TimeoutError as exc:
                        print(f"  stopped: {exc}")
                        break
                    except (httpx.HTTPError, ValueError, KeyError) as exc:
                        held = False
                        what += f" ({type(exc).__name__}: {exc})"
                    refused += held
                    print(f"  {'refused' if held else 'GOT THROUGH'}: {what}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"attack: {tried} tried, {refused} refused ({budget.sent} requests)")
    return 0 if tried == refused else 1


if __name__ == "__main__":
    sys.exit(main())

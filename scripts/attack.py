"""Replay the attack review of issue 16 against a served app on loopback.

    python scripts/attack.py [--seconds 120]

Builds a throwaway store (the canonical test chain, three users, one with a password hashed at
the old 240k iterations, a firm renamed to a formula with control characters, a firm sitting on
the id an import computes for another name), serves it with uvicorn on 127.0.0.1, runs each
attack once (the import attacks through `chainkg import` on the same store) and
prints one line per case and the summary `attack: N tried, N refused`. Bounded: at most
MAX_REQUESTS requests and `--seconds` of wall time; the server is stopped at the end. Exit
status 1 when any attack got through.
"""

from __future__ import annotations

import argparse
import io
import json
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
SQUATTED = "云南冒名企业有限公司"
RANKING_HEADER = ["rank", "name", "province", "revenue_wan_cny"]
PRIVATE = ("china-private-500", "--edition", "2026")


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
    from ingest.importer import stable_id
    from tests.project_library import library_changes
    from workflow import users

    store = SqliteStore(db)
    try:
        store.apply(library_changes())
        (firm,) = store.find_nodes("Enterprise", where={"name": "全国一号"})
        store.upsert_nodes([Node(firm.id, "Enterprise", {**firm.props, "name": EVIL_FIRM})])
        users.create_user(store, "sheng", "province", "530000", password=PASSWORD)
        old, _ = users.create_user(store, "laoyonghu", "prefecture", "530100", password=PASSWORD)
        weak = users.hash_password(PASSWORD, iterations=240_000)  # hashed before the 600k setting
        store.upsert_nodes([Node(old.id, "User", {**old.props, "password_hash": weak})])
        # a firm holding the id an import computes for another name (as a 40-bit collision left it)
        store.upsert_nodes([Node(stable_id("ent", SQUATTED), "Enterprise", {"name": "另一家公司"})])
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


def stop(server: subprocess.Popen[bytes], *, timeout: float = 10) -> None:
    """End a server `serve` started: asked first, killed after `timeout` seconds."""
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()


def cli_import(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`chainkg import ARGS` on the store under attack."""
    return subprocess.run(
        [sys.executable, "-m", "api", "import", *args],
        env={**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def ranking_xlsx(
    path: Path, rows: list[list[object]], *, dimension: str | None = None, header: list[str] = RANKING_HEADER
) -> Path:
    """A ranking workbook; with `dimension`, its dimension tag rewritten to understate the rows."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    book.save(path)
    if dimension:
        honest = path.with_suffix(".honest.xlsx")
        path.rename(honest)
        with zipfile.ZipFile(honest) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<dimension ref="[^"]+"', f'<dimension ref="{dimension}"'.encode(), data)
                dst.writestr(item, data)
    return path


def login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    client.cookies.clear()
    return client.post("/login", data={"username": name, "password": password, "next": "/projects"})


def cases(
    client: httpx.Client, base: str, token: str, budget: Budget, db: Path
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

    def cross_site_login(headers: dict[str, str]) -> Callable[[], bool]:
        def attempt() -> bool:
            client.cookies.clear()
            budget.spend()
            data = {"username": "sheng", "password": PASSWORD, "next": "/projects"}
            response = client.post("/login", data=data, headers=headers)
            signed_in = "chainkg_session" in response.cookies
            client.cookies.clear()
            return response.status_code == 403 and not signed_in

        return attempt

    def store_files_private() -> bool:
        names = [db.name, f"{db.name}-wal", f"{db.name}-shm", "login-attempts.db"]
        found = [db.parent / n for n in names if (db.parent / n).exists()]
        return len(found) == len(names) and all(f.stat().st_mode & 0o077 == 0 for f in found)

    def weak_secret() -> bool:
        from api.auth import WeakSecret
        from api.main import create_app
        from graph.settings import Settings

        held = True
        for value in ("a" * 64, "ab" * 24, "changeme" * 5, "9f" + "0" * 60 + "1a"):
            os.environ["CHAINKG_SECRET"] = value
            try:
                create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))
                held = False
            except WeakSecret:
                pass
            finally:
                os.environ.pop("CHAINKG_SECRET", None)
        return held

    def old_hash_upgraded() -> bool:
        from graph.sqlite_store import SqliteStore

        if login(client, "laoyonghu", PASSWORD).status_code != 303:
            return False
        client.cookies.clear()
        budget.spend()
        store = SqliteStore(db)
        try:
            user = store.get_node("user:laoyonghu")
        finally:
            store.close()
        return user is not None and str(user.props["password_hash"]).startswith("pbkdf2_sha256$600000$")

    def understated_dimension(folder: Path) -> bool:
        rows: list[list[object]] = [[i, f"云南维度企业{i}有限公司", "云南省", 100 * i] for i in range(1, 4)]
        path = ranking_xlsx(folder / "lying.xlsx", rows, dimension="A1:D1")
        done = cli_import(db, *PRIVATE, str(path), "--dry-run", "--json")
        return done.returncode == 0 and json.loads(done.stdout)["rows_read"] == 3

    def zero_rows_warn(folder: Path) -> bool:
        header = ["ts_code", "symbol", "name", "fullname", "enname", "area", "industry"]
        path = ranking_xlsx(folder / "empty.xlsx", [], header=header)
        shown = cli_import(db, "ashare-basic", str(path))
        report = json.loads(cli_import(db, "ashare-basic", str(path), "--json").stdout or "{}")
        warned = "warning: " in shown.stdout and "0 data rows read" in shown.stdout
        return warned and "already imported" not in shown.stdout and len(report.get("warnings", [])) == 1

    def collided_ids(folder: Path) -> bool:
        path = folder / "collide.csv"
        names = ("云南合成企业1239210有限公司", "云南合成企业1805334有限公司")  # one 40-bit id
        path.write_text(
            ",".join(RANKING_HEADER) + "\n" + "".join(f"{i},{n},云南省,500\n" for i, n in enumerate(names, 1))
        )
        done = cli_import(db, *PRIVATE, str(path), "--dry-run", "--json")
        report = json.loads(done.stdout) if done.returncode == 0 else {}
        return report.get("new") == 2 and report.get("nodes") == 2 and report.get("rejected") == 0

    def squatted_id(folder: Path) -> bool:
        from graph.sqlite_store import SqliteStore
        from ingest.importer import stable_id

        path = folder / "squat.csv"
        path.write_text(",".join(RANKING_HEADER) + f"\n1,{SQUATTED},云南省,500\n")
        done = cli_import(db, *PRIVATE, str(path))
        store = SqliteStore(db)
        try:
            firm = store.get_node(stable_id("ent", SQUATTED))
        finally:
            store.close()
        kept = firm is not None and firm.props.get("name") == "另一家公司"
        return done.returncode != 0 and f"{path}:2" in done.stderr + done.stdout and kept

    def in_folder(check: Callable[[Path], bool]) -> Callable[[], bool]:
        def run() -> bool:
            with tempfile.TemporaryDirectory(prefix="chainkg-attack-files-") as folder:
                return check(Path(folder))

        return run

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
        ("a sign-in posted from another site (Origin)", cross_site_login({"origin": "http://evil.example"})),
        (
            "a sign-in posted from another site (Sec-Fetch-Site)",
            cross_site_login({"sec-fetch-site": "cross-site"}),
        ),
        ("a sign-in posted from a sandboxed frame (Origin: null)", cross_site_login({"origin": "null"})),
        ("the store, its -wal and -shm and the sign-in attempts readable by others", store_files_private),
        ("weak CHAINKG_SECRET values (repeated, a pattern, a placeholder, little variety)", weak_secret),
        ("a password left at 240k PBKDF2 iterations after its owner signs in", old_hash_upgraded),
        ("an xlsx whose dimension tag understates its rows", in_folder(understated_dimension)),
        ("an import of zero rows passed off as nothing changed", in_folder(zero_rows_warn)),
        ("two names whose 40-bit firm ids collided", in_folder(collided_ids)),
        ("an import onto another firm's id", in_folder(squatted_id)),
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
                for what, check in cases(client, base, token, budget, db):
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
            stop(server)
    print(f"attack: {tried} tried, {refused} refused ({budget.sent} requests)")
    return 0 if tried == refused else 1


if __name__ == "__main__":
    sys.exit(main())

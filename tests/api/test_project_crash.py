"""A crash in the middle of writes loses nothing committed and leaves nothing half-written.

`chainkg serve` runs as a subprocess on its own store; four clients fire a bounded burst of
declarations and updates over loopback; the server is killed with SIGKILL mid-burst, restarted,
and then every acknowledged write must be there, and every project must have its edges and an
audit entry for each of its versions (and no audit entry may point at nothing).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SqliteStore
from tests.api.test_browser import _free_port
from tests.project_library import a_project, library_changes, library_db, sign_up
from workflow.users import create_user

WRITERS = 4
MAX_REQUESTS_PER_WRITER = 60
KILL_AFTER_ACKS = 24


@contextmanager
def library_server(root: Path, users: Mapping[str, tuple[str, str]], password: str) -> Iterator[str]:
    """`chainkg serve` on a store in `root` holding the project library's graph and `users`; its URL."""
    db = library_db(root / "kg.db")
    sign_up(db, users, password)
    port = _free_port()
    proc = start_server(db, port, root / "serve.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"}
    env.pop("CHAINKG_SECRET", None)
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(
                    "chainkg serve did not start: " + log.read_text(errors="replace")
                ) from None
            time.sleep(0.1)


def call(
    port: int, method: str, path: str, token: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.fixture
def server_db(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    db = tmp_path / "kg.db"
    store = SqliteStore(db)
    store.apply(library_changes())
    _, token = create_user(store, "wuhua", "county", "530102", password="crash-test-pw")
    store.close()
    yield db, token


def test_kill_9_mid_burst_loses_no_acknowledged_write(server_db: tuple[Path, str], tmp_path: Path):
    db, token = server_db
    port = _free_port()
    log = tmp_path / "serve.log"
    proc = start_server(db, port, log)
    acked_created: list[str] = []
    acked_versions: dict[str, int] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def writer(n: int) -> None:
        mine: list[str] = []
        for i in range(MAX_REQUESTS_PER_WRITER):
            try:
                if mine and i % 2:
                    pid = mine[-1]
                    status, body = call(
                        port, "PATCH", f"/api/projects/{pid}", token, {"funds_in_place_yi": i / 10}
                    )
                else:
                    status, body = call(
                        port,
                        "POST",
                        "/api/projects",
                        token,
                        a_project(name=f"压测项目-{n}-{i}", funds_in_place_yi=0),
                    )
            except OSError:
                return  # the server is gone
            if status in (200, 201) and body:
                with lock:
                    if status == 201:
                        acked_created.append(body["id"])
                        mine.append(body["id"])
                    acked_versions[body["id"]] = max(acked_versions.get(body["id"], 0), body["version"])
                    if len(acked_versions) + sum(acked_versions.values()) >= KILL_AFTER_ACKS:
                        enough.set()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=30), "the burst did not get going: " + log.read_text(errors="replace")
    os.kill(proc.pid, signal.SIGKILL)  # mid-burst: the writers are still sending
    proc.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    assert acked_created

    proc = start_server(db, port, log)
    try:
        for pid, version in acked_versions.items():
            status, body = call(port, "GET", f"/api/projects/{pid}", token)
            assert status == 200, pid
            assert body["version"] >= version
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    store = SqliteStore(db)
    try:
        projects = store.find_nodes("Project")
        assert {p.id for p in projects} >= set(acked_created)
        for project in projects:
            edges = {e.type for e in store.find_edges(source=project.id)}
            assert {"LOCATED_IN", "IN_INDUSTRY"} <= edges, project.id
            versions = sorted(
                int(store.get_node(e.source).props["version"])
                for e in store.find_edges(type="ABOUT", target=project.id)
            )
            assert versions == list(range(1, int(project.props["version"]) + 1)), project.id  # one entry each
        for entry in store.find_nodes("AuditEntry"):
            assert [e.target for e in store.find_edges(source=entry.id, type="ABOUT")] == [
                entry.props["project"]
            ]
            assert store.get_node(str(entry.props["project"])) is not None
    finally:
        store.close()

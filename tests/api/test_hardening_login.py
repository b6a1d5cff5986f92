"""Signing in, as the attack review of issue 16 found it (item 10): a sign-in posted from another
site is refused, the store and the sign-in attempts are private files, a weak CHAINKG_SECRET
stops the server with a message saying why, and a password hashed at the old 240k PBKDF2
iterations is hashed again at 600k when its owner next signs in."""

from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import auth
from api.main import create_app
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from graph.store import Node
from tests.project_library import library_changes
from workflow import users

PASSWORD = "correct horse 42"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("login") / "kg.db"
    store = SqliteStore(path)
    store.apply(library_changes())
    users.create_user(store, "sheng", "province", "530000", password=PASSWORD)
    store.close()
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(auth.SECRET_ENV, raising=False)
        with TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))) as test_client:
            yield test_client


def login(client: TestClient, headers: dict[str, str]) -> int:
    client.cookies.clear()
    response = client.post(
        "/login",
        data={"username": "sheng", "password": PASSWORD, "next": "/projects"},
        headers=headers,
        follow_redirects=False,
    )
    signed_in = auth.SESSION_COOKIE in response.cookies
    assert signed_in == (response.status_code == 303), response.text
    client.cookies.clear()
    return response.status_code


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"referer": "http://evil.example/login.html"},
        {"origin": "http://testserver.evil.example"},
        {"sec-fetch-site": "cross-site", "origin": "http://evil.example"},
        {"sec-fetch-site": "same-site", "origin": "http://intranet.testserver"},
        {"sec-fetch-site": "cross-site"},
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(client: TestClient, headers: dict[str, str]):
    assert login(client, headers) == 403


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no browser: curl, the tests
        {"origin": "http://testserver"},
        {"referer": "http://testserver/login?next=/projects"},
        {"sec-fetch-site": "same-origin", "origin": "http://testserver"},
        {"origin": "https://kg.example.org", "x-forwarded-host": "kg.example.org"},  # behind a proxy
    ],
)
def test_a_sign_in_from_this_site_goes_ahead(client: TestClient, headers: dict[str, str]):
    assert login(client, headers) == 303


def test_other_page_forms_from_another_site_are_refused_and_the_api_is_left_alone(client: TestClient):
    evil = {"origin": "http://evil.example"}
    assert client.post("/logout", headers=evil, follow_redirects=False).status_code == 403
    # the JSON API takes bearer tokens only: no Origin check, the token check answers
    assert client.post("/api/projects", json={}, headers=evil).status_code == 401


def test_the_store_its_wal_shm_and_answers_and_the_sign_in_attempts_are_private(tmp_path: Path):
    previous = os.umask(0o022)  # the usual umask: files would be world-readable
    try:
        store = SqliteStore(tmp_path / "kg.db")
        store.apply(library_changes())
        store.keep_answer("gaps", store.views_version(), '{"industry": "green-silicon"}')
        throttle = auth.LoginThrottle(tmp_path)
        throttle.begin("sheng", "10.0.0.1")
        secret = auth.load_secret(tmp_path) if auth.SECRET_ENV not in os.environ else None
        names = ["kg.db", "kg.db-wal", "kg.db-shm", "kg.db-answers", auth.LoginThrottle.FILE]
        modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in names}
        throttle.close()
        store.close()
    finally:
        os.umask(previous)
    assert modes == dict.fromkeys(names, 0o600)
    if secret is not None:
        assert stat.S_IMODE((tmp_path / auth.SECRET_FILE).stat().st_mode) == 0o600


def test_a_store_made_world_readable_before_is_made_private_on_open(tmp_path: Path):
    store = SqliteStore(tmp_path / "kg.db")
    store.apply(library_changes())
    store.close()
    for name in ("kg.db", "kg.db-wal", "kg.db-shm"):
        if (tmp_path / name).exists():
            (tmp_path / name).chmod(0o644)  # as a store created before the fix was
    store = SqliteStore(tmp_path / "kg.db")
    try:
        modes = {
            name: stat.S_IMODE((tmp_path / name).stat().st_mode)
            for name in ("kg.db", "kg.db-wal", "kg.db-shm")
            if (tmp_path / name).exists()
        }
    finally:
        store.close()
    assert "kg.db" in modes and set(modes.values()) == {0o600}


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("s3cr3t", "too short (6 characters, at least 32)"),
        ("a" * 64, "one character repeated"),
        ("ab" * 24, "a pattern of 2 characters repeated"),
        ("0123456789abcdef" * 3, "a pattern of 16 characters repeated"),
        ("changeme" * 5, "a placeholder, not a secret"),
        ("your-secret-key-goes-here-2024-xyz", "a placeholder, not a secret"),
        ("django-insecure-k2j4h5g6f7d8s9a0q1w2e3r4", "a placeholder, not a secret"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbc", "too little variety (3 different characters in 41"),
        ("9f" + "0" * 60 + "1a", "too little variety (5 different characters in 64"),
    ],
)
def test_a_weak_secret_stops_the_server_saying_why(
    db: Path, monkeypatch: pytest.MonkeyPatch, value: str, why: str
):
    monkeypatch.setenv(auth.SECRET_ENV, value)
    with pytest.raises(auth.WeakSecret, match="^" + re.escape(f"CHAINKG_SECRET is {why}")):
        create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))


def test_chainkg_serve_refuses_a_weak_secret_before_it_listens(db: Path):
    done = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--port", "9"],
        env={**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite", auth.SECRET_ENV: "x" * 40},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "CHAINKG_SECRET is one character repeated" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "value", [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(24)]
)
def test_a_random_secret_starts_the_server(db: Path, monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(auth.SECRET_ENV, value)
    with TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))) as started:
        assert started.get("/health").status_code == 200


def test_a_password_hashed_at_the_old_iterations_is_hashed_again_at_sign_in(tmp_path: Path):
    store = SqliteStore(tmp_path / "kg.db")
    try:
        store.apply(library_changes())
        node, _ = users.create_user(store, "kunming", "prefecture", "530100", password=PASSWORD)
        old = users.hash_password(PASSWORD, iterations=240_000)
        store.upsert_nodes([Node(node.id, "User", {**node.props, "password_hash": old})])
        assert users.authenticate(store, "kunming", "wrong password") is None
        assert store.get_node(node.id).props["password_hash"] == old  # type: ignore[union-attr]
        signed_in = users.authenticate(store, "kunming", PASSWORD)
        assert signed_in is not None
        stored = str(store.get_node(node.id).props["password_hash"])  # type: ignore[union-attr]
        assert stored.startswith("pbkdf2_sha256$600000$") and stored != old
        assert users.verify_password(PASSWORD, stored) and not users.verify_password("wrong", stored)
        rest = {k: v for k, v in store.get_node(node.id).props.items() if k != "password_hash"}  # type: ignore[union-attr]
        assert rest == {k: v for k, v in node.props.items() if k != "password_hash"}  # nothing else moved
        assert users.authenticate(store, "kunming", PASSWORD) is not None  # and it still signs in
        assert store.get_node(node.id).props["password_hash"] == stored  # type: ignore[union-attr]
    finally:
        store.close()

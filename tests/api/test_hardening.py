"""What an attack review got through (issue 16), each case replayed: formula and control
characters in stored names reach no export live or as a crash, the pages' forms take junk
numbers and cookies without a 500, big bodies are refused unread, pages carry their security
headers."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph.sqlite_store import SqliteStore
from graph.store import Node
from tests.api.conftest import client_on

EVIL = '=HYPERLINK("http://evil.example","点我")\x0b\x01'


@pytest.fixture(scope="module")
def evil_client(canonical_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The canonical store with its top target firm renamed to a formula holding control characters
    (as an import before the fix could store it)."""
    db = tmp_path_factory.mktemp("evil") / "kg.db"
    shutil.copy(canonical_db, db)
    store = SqliteStore(db)
    (firm,) = store.find_nodes("Enterprise", where={"name": "全国一号"})
    store.upsert_nodes([Node(firm.id, "Enterprise", {**firm.props, "name": EVIL})])
    store.close()
    with client_on(db) as client:
        yield client


def test_targets_workbook_holds_no_formula_and_no_control_character(evil_client: TestClient):
    from openpyxl import load_workbook

    response = evil_client.get("/industries/demo/targets.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book["目标企业-新引进"]["B4"].value == '\'=HYPERLINK("http://evil.example","点我")'
    assert book["目标企业-新引进"]["B4"].data_type == "s"
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_word_and_markdown_plans_survive_stored_control_characters(evil_client: TestClient):
    from docx import Document

    response = evil_client.get("/industries/demo/plan.docx")
    assert response.status_code == 200
    cells = [c.text for t in Document(io.BytesIO(response.content)).tables for r in t.rows for c in r.cells]
    assert '=HYPERLINK("http://evil.example","点我")' in cells
    text = evil_client.get("/industries/demo/plan.md").text
    assert '| =HYPERLINK\\("http://evil.example","点我"\\) |' in text and "\x0b" not in text


def test_cli_export_of_targets_neutralises_formulas(evil_client: TestClient, tmp_path: Path):
    import os
    import subprocess
    import sys

    from openpyxl import load_workbook

    db = evil_client.app.state.store.path  # type: ignore[attr-defined]
    out = tmp_path / "t.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "api", "export", "targets", "demo", "-o", str(out)],
        env={**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert load_workbook(out)["目标企业-新引进"]["B4"].value.startswith("'=")


def test_an_anonymous_big_body_is_refused_before_it_is_read(client: TestClient):
    big = client.post(
        "/api/projects", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert big.status_code == 413  # over CHAINKG_MAX_BODY_BYTES, whoever sends it
    anonymous = client.post("/api/projects", json={"name": "x"})
    assert anonymous.status_code == 401 and anonymous.json()["message"].startswith("请提供访问令牌")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(30):
            yield b" " * 100_000

    streamed = client.post(
        "/api/industries/demo/scenario", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize("cookie", ["é.é", "ü" * 50 + "." + "x"])
def test_a_non_ascii_session_cookie_is_no_session(client: TestClient, cookie: str):
    client.cookies.clear()
    raw = ("chainkg_session=" + cookie).encode("utf-8")  # what a hostile client can put on the wire
    response = client.get("/projects", headers={"cookie": raw}, follow_redirects=False)  # type: ignore[dict-item]
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize("version", ["²", "5" * 5000, "-1", "1e3"])
def test_page_forms_take_any_version_text_without_a_server_error(version: str):
    from api.routes.projects import form_version

    assert form_version(version) is None
    assert form_version("12") == 12


def test_pages_carry_security_headers_and_unknown_hosts_are_refused(client: TestClient):
    page = client.get("/login")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    rebound = client.get("/health", headers={"host": "attacker.example"})
    assert rebound.status_code == 400


def test_the_cli_prints_stored_markup_and_escape_sequences_literally(tmp_path: Path):
    import os
    import subprocess
    import sys

    from tests.project_library import TODAY, WUHUA, a_project, library_changes
    from workflow import projects

    db = tmp_path / "kg.db"
    store = SqliteStore(db)
    store.apply(library_changes())
    project = projects.declare(store, WUHUA, a_project(), today=TODAY)
    hostile = "[/bold]坏[link=http://evil.example]链接[/link]\x1b]8;;http://x\x07终端\x1b[2J"
    store.upsert_nodes(
        [Node(project.id, "Project", {**project.props, "name": hostile})]
    )  # stored before the fix
    store.close()
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite", "COLUMNS": "300"}
    for args in (["projects", "list"], ["projects", "show", project.id]):
        done = subprocess.run(
            [sys.executable, "-m", "api", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "[/bold]坏[link=http://evil.example]链接[/link]" in done.stdout
        assert "\x1b" not in done.stdout and "\x07" not in done.stdout


def test_users_can_be_disabled_and_removed_and_replace_without_password_ends_the_password(tmp_path: Path):
    from graph.errors import NotFoundError
    from tests.project_library import library_changes
    from workflow import users

    store = SqliteStore(tmp_path / "kg.db")
    store.apply(library_changes())
    _, token = users.create_user(store, "sheng", "province", "530000", password="long enough 1")
    users.create_user(store, "sheng", "province", "530000", replace=True)  # --replace --no-password
    assert users.authenticate(store, "sheng", "long enough 1") is None
    _, token = users.create_user(store, "sheng", "province", "530000", password="long enough 2", replace=True)
    assert users.user_by_token(store, token) is not None
    users.disable_user(store, "sheng")
    assert (
        users.user_by_token(store, token) is None
        and users.authenticate(store, "sheng", "long enough 2") is None
    )
    users.remove_user(store, "sheng")
    assert store.get_node(users.user_id("sheng")) is None
    with pytest.raises(NotFoundError):
        users.remove_user(store, "sheng")
    store.close()


def test_tokens_expire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.project_library import library_changes
    from workflow import users

    store = SqliteStore(tmp_path / "kg.db")
    store.apply(library_changes())
    _, token = users.create_user(store, "sheng", "province", "530000")
    assert users.user_by_token(store, token) is not None
    later = users.time.time() + 91 * 86400  # CHAINKG_TOKEN_DAYS is 90
    monkeypatch.setattr(users.time, "time", lambda: later)
    assert users.user_by_token(store, token) is None
    store.close()


def test_a_user_name_with_a_trailing_newline_is_refused(tmp_path: Path):
    from graph.errors import ValidationError
    from tests.project_library import library_changes
    from workflow import users

    store = SqliteStore(tmp_path / "kg.db")
    store.apply(library_changes())
    with pytest.raises(ValidationError, match="name"):
        users.create_user(store, "sheng\n", "province", "530000")
    store.close()

"""Fixtures of the web-app tests: an embedded store holding the canonical chain (hand-computed
answers in tests/analysis), the bundled dataset when it loads, and a test client on each; the
project library (tests/project_library.py) with its users signed up, served to a real Chromium
for the browser tests, and their sign-in helpers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from ingest.build import build_file
from tests.api.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, require_browser
from tests.api.test_project_crash import library_server
from tests.canonical import canonical_changes
from tests.project_library import PASSWORD, USERS, library_db, sign_up


def client_on(db: Path) -> TestClient:
    return TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite")))


@pytest.fixture(scope="session")
def canonical_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("canonical") / "kg.db"
    store = SqliteStore(db)
    store.apply(canonical_changes())
    store.close()
    return db


@pytest.fixture
def canonical_copy(canonical_db: Path, tmp_path: Path) -> Path:
    """A copy of the canonical store for one test to write to (`tmp_path / "kg.db"`)."""
    db = tmp_path / "kg.db"
    shutil.copy(canonical_db, db)
    return db


@pytest.fixture(scope="module")
def client(canonical_db: Path) -> Iterator[TestClient]:
    with client_on(canonical_db) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the bundled data/ (a dataset that does not load fails here)."""
    return build_file(tmp_path_factory.mktemp("bundled") / "kg.db")


@pytest.fixture(scope="module")
def bundled_client(bundled_db: Path) -> Iterator[TestClient]:
    with client_on(bundled_db) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh project library for the module, its `USERS` signed up (`tokens`)."""
    return library_db(tmp_path_factory.mktemp("library") / "kg.db")


@pytest.fixture(scope="module")
def tokens(db: Path) -> dict[str, str]:
    return sign_up(db, USERS, PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chainkg serve` on a fresh project library with `USERS`, for the browser tests; its URL."""
    require_browser()
    with library_server(tmp_path_factory.mktemp("library-serve"), USERS, PASSWORD) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    """A Chromium tab on `server`; outside hosts blocked, and no script error or outside request
    may happen."""
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []

    def only_localhost(route: Route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", only_localhost)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield tab
        finally:
            browser.close()
    assert not errors, errors
    assert blocked == [], blocked


def sign_in(page: Any, server: str, name: str) -> None:
    """Sign `name` in through the login form the pages send a visitor to."""
    page.goto(server + "/projects")
    assert "/login?next=" in page.url  # the pages need a login
    page.fill('input[name="username"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url("**/projects")
    assert page.locator("#me").get_attribute("data-role") == USERS[name][0]


def sign_out(page: Any) -> None:
    page.click('.project-user form button[type="submit"]')
    page.wait_for_url("**/login")


def review_and_approve(page: Any, server: str, project_url: str) -> None:
    """昆明市 reviews the project at `project_url` (it may not approve), then the province approves it;
    signed in as the province at the end."""
    sign_in(page, server, "kunming")
    page.goto(project_url)
    assert page.locator("#decision-approve").count() == 0  # a prefecture cannot approve
    page.click("#decision-review")
    page.wait_for_url(project_url)
    assert page.locator("#review-status").get_attribute("data-status") == "prefecture_reviewed"
    sign_out(page)
    sign_in(page, server, "sheng")
    page.goto(project_url)
    page.click("#decision-approve")
    page.wait_for_url(project_url)
    assert page.locator("#review-status").get_attribute("data-status") == "province_approved"

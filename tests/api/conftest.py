"""Fixtures of the web-app tests: an embedded store holding the canonical chain (hand-computed
answers in tests/analysis), the bundled dataset when it loads, and a test client on each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from ingest.build import build
from tests.canonical import canonical_changes


def client_on(db: Path) -> TestClient:
    return TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite")))


@pytest.fixture(scope="session")
def canonical_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("canonical") / "kg.db"
    store = SqliteStore(db)
    store.apply(canonical_changes())
    store.close()
    return db


@pytest.fixture(scope="module")
def client(canonical_db: Path) -> Iterator[TestClient]:
    with client_on(canonical_db) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the bundled data/ (a dataset that does not load fails here)."""
    db = tmp_path_factory.mktemp("bundled") / "kg.db"
    store = SqliteStore(db)
    try:
        build(store)
    finally:
        store.close()
    return db


@pytest.fixture(scope="module")
def bundled_client(bundled_db: Path) -> Iterator[TestClient]:
    with client_on(bundled_db) as test_client:
        yield test_client

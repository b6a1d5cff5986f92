"""Fixtures shared by the graph tests."""

from __future__ import annotations

import pytest

from graph.sqlite_store import SqliteStore
from ingest.build import build


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    """A store file holding the bundled data, and the whole graph read from it."""
    path = tmp_path_factory.mktemp("views") / "kg.db"
    store = SqliteStore(path)
    build(store)
    whole = store.graph()
    store.close()
    return path, whole

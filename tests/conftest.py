"""Shared fixtures: a store on each backend, the bundled dataset, and the canonical small chain.

The `store` fixture runs every test that uses it on the embedded SQLite store and on a real
Neo4j server. Neo4j is reached at $CHAINKG_TEST_NEO4J_URI (scripts/neo4j/start.sh prints it);
without it the Neo4j cases skip with the reason, and with CHAINKG_REQUIRE_NEO4J=1 (CI) a skip is
a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from graph.sqlite_store import SqliteStore
from graph.store import GraphStore

NEO4J_URI_ENV = "CHAINKG_TEST_NEO4J_URI"
# the 12 industries of the bundled data/, in the order of the measures
BUNDLED_INDUSTRIES = (
    "plateau-agriculture",
    "green-aluminium",
    "green-silicon",
    "advanced-manufacturing",
    "green-energy",
    "new-materials",
    "biomedicine",
    "digital-economy",
    "culture-tourism-wellness",
    "modern-logistics",
    "export-oriented",
    "tobacco",
)


def _require(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0", "false")


def skip_or_fail(reason: str, require_flag: str) -> NoReturn:
    """Skip with `reason`, or fail when the environment says this part is required."""
    if _require(require_flag):
        pytest.fail(f"{reason} (and {require_flag}=1 makes this a failure)")
    pytest.skip(reason)


def neo4j_store_or_skip() -> GraphStore:
    uri = os.environ.get(NEO4J_URI_ENV)
    if not uri:
        skip_or_fail(
            f"no Neo4j server: {NEO4J_URI_ENV} is unset (scripts/neo4j/start.sh starts one)",
            "CHAINKG_REQUIRE_NEO4J",
        )
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(
        uri,
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", "unused-password"),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )
    store.clear()
    return store


@pytest.fixture(params=["sqlite", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store on each backend."""
    if request.param == "sqlite":
        backend: GraphStore = SqliteStore(tmp_path / "test.db")
    else:
        backend = neo4j_store_or_skip()
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    backend = SqliteStore(tmp_path / "test.db")
    yield backend
    backend.close()


@pytest.fixture
def reference_data() -> Path:
    """$CHAINKG_REFERENCE_DATA, the shared folder of real third-party files."""
    folder = os.environ.get("CHAINKG_REFERENCE_DATA")
    if not folder or not Path(folder).is_dir():
        skip_or_fail(
            "CHAINKG_REFERENCE_DATA is not set to the reference data folder", "CHAINKG_REQUIRE_REFERENCE_DATA"
        )
    return Path(folder)  # type: ignore[arg-type]

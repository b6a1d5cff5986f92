"""The embedded store while an import writes: others open it and read what was there before,
and an import alone on the file writes with the rollback journal, then puts the WAL back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Node

SRC = {"source": "测试", "as_of": "2024", "confidence": "high"}


def _region(node_id: str) -> ChangeSet:
    return ChangeSet(nodes=(Node(node_id, "Region", {"name": node_id, **SRC}),))


def _mode(store: SqliteStore) -> str:
    return str(store._conn.execute("PRAGMA journal_mode").fetchone()[0])


@pytest.fixture
def made(tmp_path: Path) -> Path:
    store = SqliteStore(tmp_path / "kg.db")
    store.apply(_region("r1"))
    store.close()
    return tmp_path / "kg.db"


def test_a_store_opens_and_reads_while_another_process_writes(made: Path):
    """Opening used to write (the schema's meta rows) and so waited out the 30 s timeout behind
    an import's transaction, then failed: `cannot open the embedded store ... locked`."""
    writer = sqlite3.connect(made, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE meta SET value = value + 1 WHERE key = 'version'")
    try:
        store = SqliteStore(made)
        assert [n.id for n in store.find_nodes("Region")] == ["r1"]
        version = store.version()
        store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert version == SqliteStore(made).version()


def test_an_import_alone_writes_with_the_rollback_journal_and_others_read_the_store_before(made: Path):
    store = SqliteStore(made)
    assert _mode(store) == "wal"
    with store.writing(ends_checked=True) as writer:
        assert _mode(store) == "delete"
        assert store._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        writer.apply(_region("r2"))
        reader = SqliteStore(made)  # opened during the import
        assert [n.id for n in reader.find_nodes("Region")] == ["r1"]
    assert _mode(store) == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    assert [n.id for n in reader.find_nodes("Region")] == ["r1", "r2"]
    assert _mode(reader) == "wal"
    reader.close()
    store.close()


def test_an_import_beside_another_open_connection_keeps_the_wal(made: Path):
    store, reader = SqliteStore(made), SqliteStore(made)  # a server reading the store, say
    with store.writing(ends_checked=True) as writer:
        assert _mode(store) == "wal"
        writer.apply(_region("r2"))
        assert [n.id for n in reader.find_nodes("Region")] == ["r1"]
    assert [n.id for n in reader.find_nodes("Region")] == ["r1", "r2"]
    reader.close()
    store.close()


def test_a_failed_import_with_the_rollback_journal_leaves_the_store_as_it_was(made: Path):
    store = SqliteStore(made)
    version = store.version()
    with pytest.raises(RuntimeError, match="a rejected row"), store.writing(ends_checked=True) as writer:
        assert _mode(store) == "delete"
        writer.apply(_region("r2"))
        raise RuntimeError("a rejected row")
    assert _mode(store) == "wal"
    assert [n.id for n in store.find_nodes("Region")] == ["r1"] and store.version() == version
    store.close()
    assert not (made.parent / "kg.db-journal").exists()

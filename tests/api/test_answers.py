"""The answers the analysis commands keep in the store (`api.answers`): asked again while the store
stays, a question is answered with what was kept; any write ends it; keeping one is not a write."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from analysis.rules import RULES_PATH
from api.answers import answer_key, digest, fingerprint_files
from graph import sqlite_store as sqlite_module
from graph.sqlite_store import SqliteStore
from graph.store import GraphStore, Node
from tests.api.test_cli import run
from tests.ingest.tiny_dataset import write_tiny_dataset


def _meta(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def _answers(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT key, version FROM answers ORDER BY rowid"))


def test_the_embedded_store_keeps_an_answer_for_its_version_only(store: GraphStore):
    version = store.version()
    store.keep_answer("k", version, '{"a": 1}')
    if store.backend == "neo4j":  # a shared server keeps none
        assert store.kept_answer("k", version) is None
        return
    assert store.kept_answer("k", version) == '{"a": 1}'
    assert store.kept_answer("k", version + 1) is None
    assert store.kept_answer("other", version) is None
    assert store.version() == version  # keeping an answer is not a write of the graph


def test_keeping_is_no_write_and_drops_older_versions_and_the_oldest(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
):
    db = sqlite_store.path
    sqlite_store.upsert_nodes([Node("a", "Region", {"name": "甲"})])
    before = _meta(db)
    version = sqlite_store.version()
    sqlite_store.keep_answer("old", version, "1")
    assert _meta(db) == before  # neither the version nor the views' counter moved
    sqlite_store.upsert_nodes([Node("b", "Region", {"name": "乙"})])
    newer = sqlite_store.version()
    assert newer == version + 1
    monkeypatch.setattr(sqlite_module, "KEPT_ANSWERS", 2)
    for key in ("x", "y", "z"):
        sqlite_store.keep_answer(key, newer, key)
    # the older version's answer is gone, and of the three only the last two are kept
    assert _answers(db) == [("y", newer), ("z", newer)]
    # an answer kept for an older version (computed before a write landed) is never found
    sqlite_store.keep_answer("late", version, "stale")
    assert sqlite_store.kept_answer("late", newer) is None


def test_a_store_another_process_is_writing_keeps_nothing_and_waits_briefly(sqlite_store: SqliteStore):
    db = sqlite_store.path
    version = sqlite_store.version()
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import's long write transaction
    try:
        sqlite_store.keep_answer("k", version, "text")  # no error, no wait of the 30 s timeout
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert sqlite_store.kept_answer("k", version) is None
    # the store's own wait for writes is as it was
    assert sqlite_store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    sqlite_store.keep_answer("k", version, "text")
    assert sqlite_store.kept_answer("k", version) == "text"


def test_the_fingerprint_covers_the_rules_and_the_code(tmp_path: Path):
    files = fingerprint_files()
    names = {(p.parent.name, p.name) for p in files}
    assert RULES_PATH in files
    assert {("analysis", "gaps.py"), ("graph", "sqlite_store.py"), ("api", "present.py")} <= names
    one, two = tmp_path / "a.py", tmp_path / "b.yaml"
    one.write_text("x = 1\n")
    two.write_text("strong_at: 3\n")
    first = digest([one, two])
    two.write_text("strong_at: 4\n")
    assert digest([one, two]) != first
    assert answer_key(("gaps", "green-silicon", None)) != answer_key(("gaps", "green-silicon", "530500"))


def test_a_command_asked_again_prints_the_kept_answer_until_a_write(tmp_path: Path):
    data = write_tiny_dataset(tmp_path / "data")
    db = tmp_path / "kg.db"
    run(["build", "--data", str(data)], db)
    first = json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)
    # computed: longi-baoshan (Baoshan) is a major on si-wafer, presence 2 < 3: weak; the rest missing
    assert {n["id"]: n["status"] for n in first["nodes"]} == {
        "industrial-silicon": "missing",
        "si-wafer": "weak",
        "si-cell": "missing",
    }
    version = _meta(db)["version"]
    assert [v for _, v in _answers(db)] == [version]
    # what the next run prints is what was kept: change the kept text and both outputs show it
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE answers SET body = ?", (json.dumps({**first, "completeness": 99.9}),))
    assert json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)["completeness"] == 99.9
    assert "完整度 99.9/100" in run(["gaps", "green-silicon"], db).stdout
    # another question is computed and kept on its own
    baoshan = json.loads(run(["gaps", "green-silicon", "--prefecture", "保山", "--json"], db).stdout)
    assert {n["id"]: n["status"] for n in baoshan["nodes"]}["si-wafer"] == "strong"  # 2 >= 2 there
    assert len(_answers(db)) == 2
    # a write ends every kept answer: longi-baoshan now leads on si-cell too (3 >= 3: strong)
    operates = data / "operates" / "green-silicon.csv"
    operates.write_text(
        operates.read_text(encoding="utf-8")
        + "longi-baoshan,si-cell,leader,,,隆基绿能2023年年度报告,2023,high\n",
        encoding="utf-8",
    )
    run(["build", "--data", str(data)], db)
    assert _meta(db)["version"] > version
    after = json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)
    assert {n["id"]: n["status"] for n in after["nodes"]}["si-cell"] == "strong"
    assert after["completeness"] != 99.9
    assert [v for _, v in _answers(db)] == [_meta(db)["version"]]


def test_kept_and_computed_answers_print_alike(tmp_path: Path):
    db = tmp_path / "kg.db"
    run(["build", "--data", str(write_tiny_dataset(tmp_path / "data"))], db)
    questions = [
        ["recommend", "green-silicon"],
        ["leaders", "green-silicon", "--k", "2"],
        ["scenario", "绿色硅", "--add", "通威", "--prefecture", "保山"],
    ]
    for args in questions:
        for form in ([], ["--json"]):
            computed = run([*args, *form], db).stdout
            assert run([*args, *form], db).stdout == computed
    assert len(_answers(db)) == len(questions)  # a table and its JSON share one kept answer
    assert "通威" in run(["leaders", "green-silicon", "--k", "2"], db).stdout

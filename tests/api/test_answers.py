"""The answers the analysis commands keep in the store (`api.answers`): asked again while the store
stays, a question is answered with what was kept; any write ends it; keeping one is not a write."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
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
    with sqlite3.connect(db.with_name(db.name + "-answers")) as conn:
        return list(conn.execute("SELECT key, stamp FROM answers ORDER BY rowid"))


def test_the_embedded_store_keeps_an_answer_for_its_stamp_only(store: GraphStore):
    stamp = store.views_version()
    store.keep_answer("k", stamp, '{"a": 1}')
    if store.backend == "neo4j":  # a shared server keeps none
        assert store.kept_answer("k", stamp) is None
        return
    assert store.kept_answer("k", stamp) == '{"a": 1}'
    assert store.kept_answer("k", stamp + 1) is None
    assert store.kept_answer("other", stamp) is None


def test_the_views_stamp_moves_with_what_a_view_holds_only(store: GraphStore):
    stamp = store.views_version()
    store.upsert_nodes([Node("p1", "Project", {"name": "某项目"})])  # the project library
    store.upsert_nodes([Node("u1", "User", {"name": "张三"})])  # a sign-in's write
    assert store.views_version() == stamp
    store.upsert_nodes([Node("r1", "Region", {"name": "甲"})])
    assert store.views_version() != stamp


def test_keeping_writes_nothing_to_the_store_and_drops_older_stamps_and_the_oldest(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
):
    db = sqlite_store.path
    sqlite_store.upsert_nodes([Node("a", "Region", {"name": "甲"})])
    observer = sqlite3.connect(db)  # what a server watches: PRAGMA data_version moves with any commit
    seen = observer.execute("PRAGMA data_version").fetchone()
    before = _meta(db)
    stamp = sqlite_store.views_version()
    sqlite_store.keep_answer("old", stamp, "1")
    assert _meta(db) == before and observer.execute("PRAGMA data_version").fetchone() == seen
    observer.close()
    sqlite_store.upsert_nodes([Node("b", "Region", {"name": "乙"})])
    newer = sqlite_store.views_version()
    assert newer != stamp
    monkeypatch.setattr(sqlite_module, "KEPT_ANSWERS", 2)
    for key in ("x", "y", "z"):
        sqlite_store.keep_answer(key, newer, key)
    # the older stamp's answer is gone, and of the three only the last two are kept
    assert _answers(db) == [("y", newer), ("z", newer)]
    # an answer kept for an older stamp (computed before a write landed) is never found
    sqlite_store.keep_answer("late", stamp, "stale")
    assert sqlite_store.kept_answer("late", newer) is None


def test_a_store_restored_from_a_backup_and_written_again_finds_none_of_the_later_answers(
    tmp_path: Path,
):
    """A counter would come back to the number it had when the later answer was kept, with other
    data; the views' token never does."""
    db, backup = tmp_path / "kg.db", tmp_path / "backup.db"
    store = SqliteStore(db)
    store.upsert_nodes([Node("r1", "Region", {"name": "甲"})])
    store.close()
    shutil.copy(db, backup)  # (closed: the WAL is in the file)
    store = SqliteStore(db)
    store.upsert_nodes([Node("r2", "Region", {"name": "乙"})])
    later = store.views_version()
    store.keep_answer("gaps", later, "with r1 and r2")
    store.close()
    shutil.copy(backup, db)  # the backup restored; the answers file beside it stays
    store = SqliteStore(db)
    try:
        store.upsert_nodes([Node("r3", "Region", {"name": "丙"})])  # as many writes since as before
        assert store.views_version() != later
        assert store.kept_answer("gaps", store.views_version()) is None
    finally:
        store.close()


def test_an_answers_file_of_another_layout_is_made_again(tmp_path: Path):
    db = tmp_path / "kg.db"
    with sqlite3.connect(tmp_path / "kg.db-answers") as old:
        old.execute("CREATE TABLE answers (key TEXT, store INTEGER, stamp INTEGER, body TEXT)")
    store = SqliteStore(db)
    try:
        store.keep_answer("k", store.views_version(), "text")
        assert store.kept_answer("k", store.views_version()) == "text"
    finally:
        store.close()


def test_keeping_waits_briefly_for_another_process_and_never_for_the_store(sqlite_store: SqliteStore):
    db = sqlite_store.path
    stamp = sqlite_store.views_version()
    sqlite_store.keep_answer("first", stamp, "1")  # the answers file exists
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import's long write transaction on the store
    try:
        sqlite_store.keep_answer("during-import", stamp, "2")
        assert sqlite_store.kept_answer("during-import", stamp) == "2"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    other = sqlite3.connect(db.with_name(db.name + "-answers"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another command keeping its answer
    try:
        sqlite_store.keep_answer("busy", stamp, "3")  # no error, no wait of the store's 30 s
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert sqlite_store.kept_answer("busy", stamp) is None
    sqlite_store.keep_answer("busy", stamp, "3")
    assert sqlite_store.kept_answer("busy", stamp) == "3"


def test_a_store_whose_answers_file_cannot_be_opened_answers_without_keeping(tmp_path: Path):
    db = tmp_path / "kg.db"
    (tmp_path / "kg.db-answers").mkdir()  # in the way, as a read-only folder would be
    store = SqliteStore(db)
    try:
        store.keep_answer("k", store.views_version(), "text")
        assert store.kept_answer("k", store.views_version()) is None
    finally:
        store.close()


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
    views = _meta(db)["views_token"]
    assert [v for _, v in _answers(db)] == [views]
    # what the next run prints is what was kept: change the kept text and both outputs show it
    with sqlite3.connect(db.with_name(db.name + "-answers")) as conn:
        conn.execute("UPDATE answers SET body = ?", (json.dumps({**first, "completeness": 99.9}),))
    assert json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)["completeness"] == 99.9
    assert "完整度 99.9/100" in run(["gaps", "green-silicon"], db).stdout
    # the project library's writes (and users' sign-ins) leave what an industry's view holds
    library = SqliteStore(db)
    library.upsert_nodes([Node("proj-1", "Project", {"name": "某硅片项目"})])
    library.close()
    assert json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)["completeness"] == 99.9
    # a damaged kept answer is computed again (and kept again)
    with sqlite3.connect(db.with_name(db.name + "-answers")) as conn:
        conn.execute("UPDATE answers SET body = '{not json'")
    assert json.loads(run(["gaps", "green-silicon", "--json"], db).stdout) == first
    with sqlite3.connect(db.with_name(db.name + "-answers")) as conn:
        conn.execute("UPDATE answers SET body = ?", (json.dumps({**first, "completeness": 99.9}),))
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
    assert _meta(db)["views_token"] != views
    after = json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)
    assert {n["id"]: n["status"] for n in after["nodes"]}["si-cell"] == "strong"
    assert after["completeness"] != 99.9
    assert [v for _, v in _answers(db)] == [_meta(db)["views_token"]]


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


def test_a_kept_answer_is_printed_without_the_analyses(tmp_path: Path):
    """Asked again, a command imports neither networkx nor the services (0.14 s and more of its
    start-up): only what prints the kept JSON."""
    db = tmp_path / "kg.db"
    run(["build", "--data", str(write_tiny_dataset(tmp_path / "data"))], db)
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"}

    def imported(args: list[str]) -> str:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "api", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-500:]
        return done.stderr

    for args in (["gaps", "green-silicon"], ["leaders", "green-silicon", "--json"]):
        first = imported(args)
        assert "networkx" in first and "api.services" in first  # computed
        again = imported(args)
        assert "networkx" not in again and "api.services" not in again and "analysis.gaps" not in again


def test_a_one_command_process_computes_its_answer_without_the_cyclic_collector(tmp_path: Path):
    """`chainkg` (`api.cli.main`) runs one command and ends: computing an answer turns Python's
    cyclic collector off for the rest of the process; printing a kept answer, or a process
    running commands in-process (a test's CliRunner), leaves it on."""
    from click.testing import CliRunner

    from api.cli import cli

    db = tmp_path / "kg.db"
    run(["build", "--data", str(write_tiny_dataset(tmp_path / "data"))], db)
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"}
    code = (
        "import gc, sys\nfrom api.cli import main\nsys.argv = ['chainkg', 'gaps', 'green-silicon', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('collector on:', gc.isenabled())"
    )

    def collector_after() -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr[-500:]
        return done.stdout.splitlines()[-1]

    assert collector_after() == "collector on: False"  # computed
    assert collector_after() == "collector on: True"  # asked again: the kept answer printed
    db.with_name(db.name + "-answers").unlink()
    assert gc.isenabled()
    done = CliRunner().invoke(cli, ["gaps", "green-silicon", "--json"], env={"CHAINKG_DB": str(db)})
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["industry"] == "green-silicon" and gc.isenabled()

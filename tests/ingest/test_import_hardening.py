"""Imports as an attacker or an unlucky register makes them (issue 16 item 9): a sheet with no
rows warns instead of saying "nothing changed", imported firm ids do not collide in a
million-row register, and an id that an import computes for one firm never overwrites another."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.sqlite_store import SqliteStore
from graph.store import Node
from ingest.build import build_file
from ingest.importer import key_id, stable_id
from ingest.registry import import_file
from ingest.resolve import normalise
from tests.ingest.tiny_dataset import write_tiny_dataset

ASHARE_HEADER = "ts_code,symbol,name,fullname,enname,area,industry\n"


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    return build_file(tmp_path / "kg.db", write_tiny_dataset(tmp_path / "data"))


def cli_import(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", "import", *args],
        env={**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_no_data_rows_warns_on_the_cli_and_in_the_json_report(
    tiny_db: Path, tmp_path: Path, kind: str
):
    path = tmp_path / f"a.{kind}"
    if kind == "csv":
        path.write_text(ASHARE_HEADER, encoding="utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(ASHARE_HEADER.strip().split(","))
        book.save(path)
    warning = f"{path}: 0 data rows read: nothing to import"
    shown = cli_import(tiny_db, "ashare-basic", str(path))
    assert shown.returncode == 0, shown.stderr
    assert f"warning: {warning}" in shown.stdout
    assert "already imported" not in shown.stdout
    report = cli_import(tiny_db, "ashare-basic", str(path), "--json")
    assert report.returncode == 0, report.stderr
    body = json.loads(report.stdout)
    assert body["rows_read"] == 0 and len(body["warnings"]) == 1
    assert body["warnings"][0].startswith(warning)


def test_a_file_with_rows_has_no_warning(tiny_db: Path, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text(
        ASHARE_HEADER + "601012.SH,601012,隆基绿能,隆基绿能科技股份有限公司,LONGi,陕西,电气设备\n"
    )
    body = json.loads(cli_import(tiny_db, "ashare-basic", str(path), "--json").stdout)
    assert body["rows_read"] == 1 and body["warnings"] == []


def test_firm_ids_do_not_collide_among_a_million_names():
    # two names of a synthetic register whose ids collided when ids had 40 bits
    assert stable_id("ent", "云南合成企业1239210有限公司") != stable_id("ent", "云南合成企业1805334有限公司")
    name = "云南合成企业0000042有限公司"
    assert normalise(name) == "云南合成企业0000042"
    assert stable_id("ent", name) == key_id("ent", "云南合成企业0000042")
    assert len(stable_id("ent", name)) - len("ent-") >= 16  # at least 64 bits
    count = 1_200_000  # more than the 1.15M-row file of the attack review
    ids = {key_id("ent", f"云南合成企业{i:07d}") for i in range(count)}
    assert len(ids) == count
    # the old 40-bit ids of the same names: the birthday bound bites (this pair and others)
    old = {hashlib.sha1(f"云南合成企业{i:07d}".encode()).hexdigest()[:10] for i in (1239210, 1805334)}
    assert len(old) == 1


def test_an_import_never_overwrites_a_different_firm_that_has_the_same_id(tiny_db: Path, tmp_path: Path):
    taken = stable_id("ent", "云南新兴企业有限公司")  # as if another firm's name had hashed to it
    store = SqliteStore(tiny_db)
    try:
        store.upsert_nodes([Node(taken, "Enterprise", {"name": "另一家公司", "stock_code": "000001"})])
        before, ranked = store.get_node(taken), len(store.find_edges(type="RANKED_IN"))
        text = "rank,name,province,revenue_wan_cny\n1,通威股份有限公司,四川省,13910000\n2,云南新兴企业有限公司,云南省,500000\n"
        path = tmp_path / "p2026.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValidationError) as refused:
            import_file(store, "china-private-500", path)
        refusal = f"{path}:3: id {taken} already belongs to another firm, 另一家公司 (000001)"
        assert refusal in str(refused.value)
        assert store.get_node(taken) == before
        assert len(store.find_edges(type="RANKED_IN")) == ranked  # nothing written, the valid row neither
    finally:
        store.close()


def test_the_same_firm_re_imported_under_its_id_is_no_conflict(tiny_db: Path, tmp_path: Path):
    path = tmp_path / "p2026.csv"
    path.write_text("rank,name,province,revenue_wan_cny\n1,云南新兴企业有限公司,云南省,500000\n")
    store = SqliteStore(tiny_db)
    try:
        first, _ = import_file(store, "china-private-500", path)
        again, result = import_file(store, "china-private-500", path)
        assert first.count("new") == 1 and again.count("matched") == 1 and not result.changed
    finally:
        store.close()


def test_a_listed_firm_kept_apart_from_a_group_of_the_same_short_name_gets_its_own_node(
    tiny_db: Path, tmp_path: Path
):
    group = stable_id("ent", "滨化集团")  # an earlier ranking import's firm: no stock code
    path = tmp_path / "a.csv"
    path.write_text(
        ASHARE_HEADER + '601678.SH,601678,滨化股份,滨化集团股份有限公司,"Befar Group",山东,化工原料\n'
    )
    store = SqliteStore(tiny_db)
    try:
        store.upsert_nodes([Node(group, "Enterprise", {"name": "滨化集团"})])
        plan, _ = import_file(store, "ashare-basic", path)
        (outcome,) = plan.outcomes
        assert outcome.status == "uncertain" and outcome.enterprise_id != group
        assert store.get_node(group).props == {"name": "滨化集团"}  # type: ignore[union-attr]
        listed = store.get_node(str(outcome.enterprise_id))
        assert listed is not None and listed.props["name"] == "滨化集团股份有限公司"
        assert listed.props["possible_duplicate_of"] == [group]
        assert not import_file(store, "ashare-basic", path)[1].changed
    finally:
        store.close()

"""Imports of the real published files ($CHAINKG_REFERENCE_DATA) into a store holding the bundled data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.sqlite_store import SqliteStore
from ingest.build import build
from ingest.curated import bundled_data_dir
from ingest.registry import import_file

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    db = SqliteStore(tmp_path_factory.mktemp("ref") / "kg.db")
    build(db)
    yield db
    db.close()


def test_fortune_global_500_2024(store, reference_data: Path):
    path = reference_data / "fortune_global500/global500_2024_stablemap.csv"
    plan, _result = import_file(store, "fortune-global-500", path, edition="2024")
    assert plan.rows_read == 500 and plan.count("rejected") == 0
    assert plan.count("matched") + plan.count("new") + plan.count("uncertain") == 500
    by_name = {o.name: o for o in plan.outcomes}
    with (bundled_data_dir() / "aliases/fortune_global500.csv").open(encoding="utf-8") as handle:
        aliases = list(csv.DictReader(handle))
    linked = [a for a in aliases if a["enterprise_id"]]
    assert len(linked) >= 50
    wrong = [
        (a["alias"], a["enterprise_id"], by_name[a["alias"]].enterprise_id)
        for a in linked
        if by_name[a["alias"]].enterprise_id != a["enterprise_id"]
    ]
    assert not wrong, f"Chinese Fortune companies that did not resolve to the same bundled firm: {wrong}"
    matched = [o.enterprise_id for o in plan.outcomes if o.status == "matched"]
    assert len(matched) == len(set(matched)), "two rows of one list merged into one firm"
    again = import_file(store, "fortune-global-500", path, edition="2024")[1]
    assert not again.changed


def test_private_500_2026(store, reference_data: Path):
    path = reference_data / "china_private500_2026/private_enterprises_2026.csv"
    plan, _ = import_file(store, "china-private-500", path)
    assert plan.edition == "2026" and plan.rows_read == 500 and plan.count("rejected") == 0
    matched = [o.enterprise_id for o in plan.outcomes if o.status == "matched"]
    assert len(matched) == len(set(matched)) and len(matched) >= 50
    assert not import_file(store, "china-private-500", path)[1].changed


def test_china_500_partial_two_editions_coexist(store, reference_data: Path):
    path = reference_data / "china_enterprise500_partial/china_enterprise500_top120_2023_2025_partial.csv"
    plan, _ = import_file(store, "china-500", path)
    assert plan.rows_read == 360 and plan.count("rejected") == 0
    editions = {e.key for e in store.find_edges(target="china-500", type="RANKED_IN")}
    assert {"2023", "2024", "2025"} <= editions


def test_ashare_basics_and_the_chain_graph(store, reference_data: Path):
    basics = import_file(
        store, "ashare-basic", reference_data / "ashare_stock_basic/a_share_stock_basic.csv"
    )[0]
    assert basics.rows_read == 5418 and basics.count("rejected") == 0
    mappings = bundled_data_dir() / "mappings"
    kg = reference_data / "ashare_chain_kg/derived_from_surrealdb_sql"
    products, written = import_file(
        store,
        "chain-table",
        kg / "product_product.jsonl",
        mapping=mappings / "ashare_chain_products.yaml",
        skip_invalid=True,
    )
    assert products.rows_read == 110153
    # the rejected rows are the extractor's noise: self-relations and pairs both classified and flowing
    assert products.count("rejected") < 0.1 * products.rows_read
    assert written.edges_created > 100_000
    companies, _ = import_file(
        store,
        "chain-table",
        kg / "company_product.jsonl",
        mapping=mappings / "ashare_chain_companies.yaml",
        skip_invalid=True,
    )
    assert companies.rows_read == 53785 and companies.count("matched") > 45_000

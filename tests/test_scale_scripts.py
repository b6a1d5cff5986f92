"""The synthetic register: the same files for the same flags, and the real importers take them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from gen_register import chain_names, generate  # noqa: E402

from graph.sqlite_store import SqliteStore  # noqa: E402
from ingest.build import build  # noqa: E402
from ingest.registry import import_file  # noqa: E402


def test_the_register_is_deterministic_and_imports_whole(tmp_path):
    firms, links = generate(tmp_path / "a", 40)
    again = generate(tmp_path / "b", 40)
    assert firms.read_bytes() == again[0].read_bytes() and links.read_bytes() == again[1].read_bytes()
    rows = [json.loads(line) for line in links.read_text(encoding="utf-8").splitlines()]
    assert len(firms.read_text(encoding="utf-8").splitlines()) == 41  # header + 40 firms
    assert len({(r["company_code"], r["product_name"]) for r in rows}) == len(rows)  # no link twice
    store = SqliteStore(tmp_path / "kg.db")
    try:
        build(store)
        report, written = import_file(store, "ashare-basic", firms)
        assert report.summary()["new"] == 40 and written.nodes_created == 40
        mapping = ROOT / "data/mappings/ashare_chain_companies.yaml"
        report, written = import_file(store, "chain-table", links, mapping=mapping)
        assert report.summary()["matched"] == len(rows)
        made = [
            e for e in store.find_edges(type="OPERATES_IN") if e.props.get("origin", "").startswith("import")
        ]
        # one edge to its vendor product per row, and one to the chain link the product words
        # of data/mappings map it to (the generator names a fifth of its products after links)
        to_products = [e for e in made if e.target.startswith("prod-")]
        chain = {n.id for n in store.find_nodes("ChainNode") if not n.id.startswith("prod-")}
        to_links = [e for e in made if e.target in chain]
        named_after_links = [r for r in rows if r["product_name"] in set(chain_names())]
        assert len(to_products) + len(named_after_links) == len(rows)
        # every row's edge, plus the operations the product words add (3 here)
        assert len(to_links) > len(named_after_links)
        assert written.edges_created == len(to_products) + len(to_links) == len(made)
        on_chains = {r["product_name"] for r in rows} & set(chain_names())
        assert on_chains, "some links land on the bundled chains"
    finally:
        store.close()

#!/usr/bin/env python3
"""Benchmark (not a test): reading one industry's view from the embedded store on its own against
loading the whole graph, in the same process, on the bundled data plus the largest real import
(the A-share chain graph's 110k product relations), which is where the difference matters.

    CHAINKG_REFERENCE_DATA=../shared/data python scripts/bench_industry_view.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.schema import NODE_LABELS
from graph.sqlite_store import SqliteStore
from ingest.build import build
from ingest.registry import import_file

INDUSTRY = "green-silicon"


def main() -> int:
    folder = os.environ.get("CHAINKG_REFERENCE_DATA")
    if not folder:
        print("set CHAINKG_REFERENCE_DATA to the reference data folder", file=sys.stderr)
        return 2
    products = Path(folder) / "ashare_chain_kg/derived_from_surrealdb_sql/product_product.jsonl"
    mapping = Path(__file__).resolve().parent.parent / "data/mappings/ashare_chain_products.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store = SqliteStore(db)
        build(store)
        import_file(store, "chain-table", products, mapping=mapping, skip_invalid=True)
        counts = store.counts()
        store.close()
        print(f"store: {sum(v for k, v in counts.items() if k in NODE_LABELS)} nodes after the import")
        timings = {}
        for label, read in (
            ("whole graph (baseline)", lambda s: s.graph()),
            (f"one industry ({INDUSTRY})", lambda s: s.graph(INDUSTRY)),
        ):
            fresh = SqliteStore(db)  # nothing cached
            start = time.perf_counter()
            view = read(fresh)
            timings[label] = time.perf_counter() - start
            fresh.close()
            print(f"{label:<32} {timings[label]:7.2f} s  ({view.number_of_nodes()} nodes)")
    whole, one = timings.values()
    print(f"ratio whole / one industry: {whole / one:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

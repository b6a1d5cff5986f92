#!/usr/bin/env python3
"""Benchmark (not a test): import time and peak memory for the largest real file, the A-share
chain graph's product relations, against a baseline in the same process (only reading and
parsing the file), so the figure is a ratio that does not depend on the machine's speed.

    CHAINKG_REFERENCE_DATA=../shared/data python scripts/bench_import.py
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.sqlite_store import SqliteStore
from ingest.registry import import_file
from ingest.tables import read_table


def measure(label: str, work) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {seconds:8.2f} s   peak Python memory {peak / 2**20:8.1f} MiB   ({result})")
    return seconds, peak


def main() -> int:
    folder = os.environ.get("CHAINKG_REFERENCE_DATA")
    if not folder:
        print("set CHAINKG_REFERENCE_DATA to the reference data folder", file=sys.stderr)
        return 2
    path = Path(folder) / "ashare_chain_kg/derived_from_surrealdb_sql/product_product.jsonl"
    mapping = Path(__file__).resolve().parent.parent / "data/mappings/ashare_chain_products.yaml"
    print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    base_s, base_m = measure("baseline: read and parse only", lambda: f"{len(read_table(path))} rows")
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")

        def full() -> str:
            plan, result = import_file(store, "chain-table", path, mapping=mapping, skip_invalid=True)
            return f"{plan.rows_read} rows, {result.nodes_created} nodes and {result.edges_created} edges written"

        imp_s, imp_m = measure("import: resolve, plan, one transaction", full)
        again_s, _ = measure(
            "re-import: nothing changes",
            lambda: str(
                import_file(store, "chain-table", path, mapping=mapping, skip_invalid=True)[1].changed
            ),
        )
        store.close()
    print(
        f"ratio import / parse: time {imp_s / base_s:.1f}x, peak memory {imp_m / base_m:.1f}x; "
        f"re-import / import: {again_s / imp_s:.2f}x"
    )
    print(f"process max resident set: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Benchmark (not a test): how long `recommend` (the industry's view, its gaps and both target
lists) takes on the store with the whole A-share chain table imported (the companies, then their
product links mapped to our chain links), as a ratio to the bundled store, measured in the same
run; and how many candidate groups each gap link has before and after the import.

    CHAINKG_REFERENCE_DATA=../shared/data python scripts/bench_recommend.py [--top 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.gaps import chain_gaps
from analysis.recommend import is_target, target_context, target_lists
from analysis.rules import load_rules
from graph.sqlite_store import SqliteStore
from graph.store import GraphStore
from ingest.build import build_file
from ingest.registry import import_file

ROOT = Path(__file__).resolve().parent.parent


def timed_recommend(db: Path, industry: str, repeats: int = 3) -> float:
    """The best of `repeats` cold runs: a fresh store each time, so no view is cached."""
    best = float("inf")
    for _ in range(repeats):
        store = SqliteStore(db)
        start = time.perf_counter()
        view = store.graph(industry)
        target_lists(view, industry, gaps=chain_gaps(view, industry))
        best = min(best, time.perf_counter() - start)
        store.close()
    return best


def candidates_per_gap(store: GraphStore, industry: str) -> list[int]:
    """For each gap link, the number of groups that are targets on it."""
    view = store.graph(industry)
    ctx = target_context(view, chain_gaps(view, industry), load_rules())
    return [
        len({ctx.root[f] for f, _ in ctx.operators[n.id] if is_target(ctx, f, n.id)}) for n in ctx.gaps.gaps
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=0, help="also print each list's top N per industry")
    args = parser.parse_args()
    folder = os.environ.get("CHAINKG_REFERENCE_DATA")
    if not folder:
        print("set CHAINKG_REFERENCE_DATA to the reference data folder", file=sys.stderr)
        return 2
    reference = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        bundled, imported = Path(tmp) / "bundled.db", Path(tmp) / "imported.db"
        for db in (bundled, imported):
            build_file(db)
        with closing(SqliteStore(imported)) as store:
            start = time.perf_counter()
            import_file(store, "ashare-basic", reference / "ashare_stock_basic/a_share_stock_basic.csv")
            plan, _ = import_file(
                store,
                "chain-table",
                reference / "ashare_chain_kg/derived_from_surrealdb_sql/company_product.jsonl",
                mapping=ROOT / "data/mappings/ashare_chain_companies.yaml",
                skip_invalid=True,
            )
            print(f"import: {time.perf_counter() - start:.0f} s; {plan.notes[-1]}")
        with closing(SqliteStore(bundled)) as store:
            industries = sorted(n.id for n in store.find_nodes("Industry"))
        print(
            f"{'industry':<26} {'bundled s':>9} {'imported s':>10} {'ratio':>6} {'median cand. before/after':>26}"
        )
        all_before: list[int] = []
        all_after: list[int] = []
        for industry in industries:
            with closing(SqliteStore(bundled)) as store:
                before = candidates_per_gap(store, industry)
            with closing(SqliteStore(imported)) as store:
                after = candidates_per_gap(store, industry)
            all_before += before
            all_after += after
            small, big = timed_recommend(bundled, industry), timed_recommend(imported, industry)
            print(
                f"{industry:<26} {small:9.3f} {big:10.3f} {big / small:5.1f}x "
                f"{statistics.median(before or [0]):>12} / {statistics.median(after or [0])}"
            )
        print(
            f"median candidate groups per gap link, all industries: "
            f"{statistics.median(all_before)} bundled, {statistics.median(all_after)} after the import"
        )
        if args.top:
            with closing(SqliteStore(imported)) as store:
                for industry in industries:
                    view = store.graph(industry)
                    lists = target_lists(view, industry, top=args.top)
                    for name, rows in (("增资扩产", lists.expand), ("新引进", lists.new)):
                        print(f"\n{industry} {name}")
                        for rank, rec in enumerate(rows, start=1):
                            warn = f"  ⚠ {'；'.join(rec.warnings)}" if rec.warnings else ""
                            print(f"  {rank:2}. {rec.name} · {rec.node_name} · {rec.score:.1f}{warn}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

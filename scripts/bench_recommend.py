#!/usr/bin/env python3
"""Benchmark (not a test): how long `recommend` (the industry's view, its gaps and both target
lists) takes on the store with the whole A-share chain table imported, as a ratio to the bundled
store, measured in the same run; and how many candidate groups each gap link has on the bundled
store and after each import step: the companies with their product links mapped to our chain
links, then their Shenwan industries mapped to our chain links (data/mappings/).

    CHAINKG_REFERENCE_DATA=../shared/data python scripts/bench_recommend.py [--top 10]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import yaml

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


def candidates_per_gap(store: GraphStore, industry: str) -> dict[str, int]:
    """For each gap link, the number of groups that are targets on it."""
    view = store.graph(industry)
    ctx = target_context(view, chain_gaps(view, industry), load_rules())
    return {
        n.id: len({ctx.root[f] for f, _ in ctx.operators[n.id] if is_target(ctx, f, n.id)})
        for n in ctx.gaps.gaps
    }


IMPORTS = (
    # (label, source, file under the reference data folder, mapping under data/mappings)
    (
        "products",
        "chain-table",
        "ashare_chain_kg/derived_from_surrealdb_sql/company_product.jsonl",
        "ashare_chain_companies.yaml",
    ),
    (
        "industries",
        "chain-table",
        "ashare_chain_kg/original/company_industry.json",
        "ashare_chain_industries.yaml",
    ),
)


def last_mapping_links() -> set[str]:
    """The chain links the last import's word table names."""
    spec = yaml.safe_load((ROOT / "data/mappings" / IMPORTS[-1][3]).read_text(encoding="utf-8"))
    table = ROOT / "data/mappings" / spec["links"]
    with table.open(encoding="utf-8", newline="") as f:
        return {row["node_id"] for row in csv.DictReader(f)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=0, help="also print each list's top N per industry")
    parser.add_argument(
        "--links", action="store_true", help="also print each gap link's candidates after each step"
    )
    args = parser.parse_args()
    folder = os.environ.get("CHAINKG_REFERENCE_DATA")
    if not folder:
        print("set CHAINKG_REFERENCE_DATA to the reference data folder", file=sys.stderr)
        return 2
    reference = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        # one store per step: the bundled data, then each import on a copy of the step before
        stores = [Path(tmp) / "bundled.db"] + [Path(tmp) / f"{label}.db" for label, *_ in IMPORTS]
        build_file(stores[0])
        shutil.copy(stores[0], stores[1])
        with closing(SqliteStore(stores[1])) as store:
            start = time.perf_counter()
            import_file(store, "ashare-basic", reference / "ashare_stock_basic/a_share_stock_basic.csv")
            print(f"import companies: {time.perf_counter() - start:.0f} s")
        for step, (label, source, file, mapping) in enumerate(IMPORTS, start=1):
            if step > 1:
                shutil.copy(stores[step - 1], stores[step])
            with closing(SqliteStore(stores[step])) as store:
                start = time.perf_counter()
                plan, _ = import_file(
                    store,
                    source,
                    reference / file,
                    mapping=ROOT / "data/mappings" / mapping,
                    skip_invalid=True,
                )
                print(f"import {label}: {time.perf_counter() - start:.0f} s; {plan.notes[-1]}")
        with closing(SqliteStore(stores[0])) as store:
            industries = sorted(n.id for n in store.find_nodes("Industry"))
        steps = ["bundled"] + [label for label, *_ in IMPORTS]
        print(
            f"{'industry':<26} {'bundled s':>9} "
            + " ".join(f"{'+' + s + ' s':>14} {'ratio':>6}" for s in steps[1:])
            + "   median candidates: "
            + " / ".join(steps)
        )
        medians: list[list[int]] = [[] for _ in stores]
        per_link: list[tuple[str, list[int | None]]] = []
        for industry in industries:
            counts = []
            for db in stores:
                with closing(SqliteStore(db)) as store:
                    counts.append(candidates_per_gap(store, industry))
            for pool, found in zip(medians, counts, strict=True):
                pool += found.values()
            per_link += [(f"{industry} {link}", [c.get(link) for c in counts]) for link in counts[-1]]
            seconds = [timed_recommend(db, industry) for db in stores]
            print(
                f"{industry:<26} {seconds[0]:9.3f} "
                + " ".join(f"{s:14.3f} {s / seconds[0]:5.1f}x" for s in seconds[1:])
                + "   "
                + " / ".join(f"{statistics.median(c.values() or [0]):g}" for c in counts)
            )
        print(
            "median candidate groups per gap link, all industries: "
            + ", ".join(f"{statistics.median(m):g} {s}" for m, s in zip(medians, steps, strict=True))
        )
        # the links the last mapping names that are gaps at every step: where its words reach
        named = last_mapping_links()
        reached = [
            [c for c in row if c is not None]
            for name, row in per_link
            if name.split()[1] in named and None not in row
        ]
        print(
            f"the {len(reached)} gap links the {steps[-1]} mapping names: median "
            + ", ".join(f"{statistics.median(c[i] for c in reached):g} {s}" for i, s in enumerate(steps))
        )
        if args.links:
            for name, row in per_link:
                print(f"  {name:<60} " + " / ".join("-" if c is None else str(c) for c in row))
        if args.top:
            with closing(SqliteStore(stores[-1])) as store:
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

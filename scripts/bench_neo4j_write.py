#!/usr/bin/env python
"""Time the Neo4j store's batched writer against a naive one-statement-per-row writer.

Loads the bundled dataset (or, if it does not load, a synthetic graph of the same shape; or,
with `--store PATH`, every node and edge of an embedded store such as one holding an imported
register) into Neo4j in one process, clearing in between, and prints both times and their
ratio. A warm-up runs both writers first on the bundled data (JIT, query caches): the batched
writer `--warm-up` times (a fresh server's JIT takes ten rounds or more to settle: 9 s, 2.4 s,
1.2 s, ..., 0.4-0.5 s), the naive one once; with `--store`, the batched writer also writes the
store twice (a large transaction's code paths warm up too: 8.7 s, then 4.1-4.6 s on a 10k-firm
register). Then the batched write is timed `--repeat` times (one run is at the mercy of the
machine's load; the median is the figure) and the naive one once (thousands of transactions, an
average in itself). Not a test; run it against a throwaway server:

    eval "$(scripts/neo4j/start.sh)" && python scripts/bench_neo4j_write.py
    python scripts/bench_neo4j_write.py --store /tmp/register.db   # a larger input
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from graph import cypher
from graph.errors import ChainKGError
from graph.neo4j_store import Neo4jStore, edge_row, node_row
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, Node

SRC = {"source": "synthetic benchmark", "as_of": "2024", "confidence": "low"}


def synthetic_changes(seed: int = 7) -> ChangeSet:
    """About 2,000 nodes and 6,000 edges shaped like the curated dataset."""
    rng = random.Random(seed)
    industries = [Node(f"industry-{i}", "Industry", {"name": f"产业{i}", **SRC}) for i in range(12)]
    chain = [
        Node(
            f"chain-{i}",
            "ChainNode",
            {"name": f"环节{i}", "stage": rng.choice(["upstream", "midstream", "downstream"]), **SRC},
        )
        for i in range(300)
    ]
    firms = [
        Node(
            f"firm-{i}",
            "Enterprise",
            {"name": f"企业{i}", "aliases": [f"E{i}"], "ownership": "private", **SRC},
        )
        for i in range(1500)
    ]
    regions = [
        Node(f"region-{i}", "Region", {"name": f"地区{i}", "level": "county", **SRC}) for i in range(150)
    ]
    lists = [Node(f"list-{i}", "RankingList", {"name": f"榜单{i}", **SRC}) for i in range(38)]
    edges: dict[tuple[str, str, str, str], Edge] = {}

    def add(source: Node, edge_type: str, target: Node, key: str = "", **props: object) -> None:
        edge = Edge(source.id, edge_type, target.id, key, {**props, **SRC})
        edges.setdefault(edge.ident, edge)

    for i, node in enumerate(chain):
        add(node, "PART_OF", industries[i % 12])
        if i % 12 < 11:
            add(node, "FEEDS", chain[i + 1] if i + 1 < len(chain) else chain[0])
    for firm in firms:
        for target in rng.sample(chain, 2):
            add(firm, "OPERATES_IN", target, role=rng.choice(["leader", "major", "player"]))
        add(firm, "HAS_SITE", rng.choice(regions), key="hq", kind="hq")
    for firm in rng.sample(firms, 600):
        add(firm, "RANKED_IN", rng.choice(lists), key="2024", edition="2024", rank=rng.randint(1, 500))
    while len(edges) < 6000:
        a, b = rng.sample(firms, 2)
        add(a, "SUPPLIES", b)
    return ChangeSet(nodes=(*industries, *chain, *firms, *regions, *lists), edges=tuple(edges.values()))


def dataset(store: Path | None = None) -> tuple[str, ChangeSet]:
    if store is not None:
        if not store.is_file():
            raise SystemExit(f"--store {store}: no such file")
        source = SqliteStore(store)
        try:
            return f"{store}", ChangeSet(nodes=tuple(source.find_nodes()), edges=tuple(source.find_edges()))
        finally:
            source.close()
    try:
        from ingest.curated import load_dataset

        return "bundled dataset", load_dataset()
    except ChainKGError as exc:
        print(f"(bundled dataset does not load: {exc}; using a synthetic graph)", file=sys.stderr)
        return "synthetic graph", synthetic_changes()


def naive_write(store: Neo4jStore, changes: ChangeSet) -> None:
    """One auto-commit statement per node and per edge: what a first attempt usually does.
    It sends the store's own upsert statements (for nodes the one-statement MERGE form, which
    creates or updates), each with a single row, so only batching differs."""
    with store._driver.session(database=store.database) as session:
        for node in changes.nodes:
            session.run(cypher.upsert_nodes(node.label), rows=[node_row(node)]).consume()
        for edge in changes.edges:
            session.run(cypher.upsert_edges(edge.type), rows=[edge_row(edge)]).consume()


def timed(label: str, store: Neo4jStore, write: Callable[[], object]) -> tuple[float, dict[str, int]]:
    store.clear()
    start = time.perf_counter()
    write()
    elapsed = time.perf_counter() - start
    print(f"{label:<34} {elapsed:8.2f} s")
    return elapsed, store.counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--uri", default=os.environ.get("CHAINKG_TEST_NEO4J_URI") or os.environ.get("NEO4J_URI")
    )
    parser.add_argument("--user", default=os.environ.get("NEO4J_USER", "neo4j"))
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD", "unused-password"))
    parser.add_argument("--database", default=os.environ.get("NEO4J_DATABASE", "neo4j"))
    parser.add_argument(
        "--batch-size", type=int, default=10_000, help="rows in one UNWIND statement (default 10000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed batched writes; the median counts (default 5)"
    )
    parser.add_argument("--warm-up", type=int, default=15, help="untimed batched writes first (default 15)")
    parser.add_argument("--store", type=Path, help="write every node and edge of this embedded store")
    args = parser.parse_args()
    if not args.uri:
        parser.error('no Neo4j: pass --uri or run  eval "$(scripts/neo4j/start.sh)"  first')

    what, changes = dataset(args.store)
    print(f"{what}: {len(changes.nodes)} nodes, {len(changes.edges)} edges")
    store = Neo4jStore(
        args.uri, user=args.user, password=args.password, database=args.database, batch_size=args.batch_size
    )
    batched_label = f"batched (UNWIND, {args.batch_size} rows/batch)"
    naive_label = "naive (one auto-commit per row)"
    try:
        # the first round warms the JVM and the query caches for both writers (on the bundled
        # data, which has every label and type, so a large --store is not written naively twice)
        warm_up = changes if args.store is None else dataset()[1]
        print("-- warm-up")
        for _ in range(max(1, args.warm_up)):
            timed(batched_label, store, lambda: store.apply(warm_up))
        timed(naive_label, store, lambda: naive_write(store, warm_up))
        for _ in range(0 if args.store is None else 2):
            timed(batched_label, store, lambda: store.apply(changes))
        print("-- measured")
        runs = [timed(batched_label, store, lambda: store.apply(changes)) for _ in range(max(1, args.repeat))]
        naive, naive_counts = timed(naive_label, store, lambda: naive_write(store, changes))
        store.clear()
    finally:
        store.close()
    batched_counts = runs[-1][1]
    if batched_counts != naive_counts:
        raise SystemExit(f"the two writers disagree: {batched_counts} != {naive_counts}")
    times = sorted(t for t, _ in runs)
    batched = statistics.median(times)
    print(f"batched median {batched:.2f} s (min {times[0]:.2f}, max {times[-1]:.2f}, {len(times)} runs)")
    print(f"ratio naive / batched (median): {naive / batched:.1f}x")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Time one batched write of the bundled data with each property layout, on one warm server.

The store keeps each property twice: natively (for people querying in Cypher) and in the
canonical JSON `_props` (read back verbatim, compared to detect changes, searched by
`nodes_containing`). This trial measures what storing them once would gain, before anyone
rewrites the store for it:

- `today`: the store's rows as they are (native properties and `_props`);
- `native`: native properties only, plus a JSON `_extra` for what Neo4j cannot hold (maps,
  nulls, mixed or empty lists, ints past 64 bits), absent when empty;
- `json`: the canonical JSON `_props` only, with the ids, keys and names (what the store's own
  reads, change detection, name indexes and searches use; Cypher users would lose the rest);
- `bare`: ids and keys only (the floor: what the statements and the commit cost without data).

Each round clears the graph and writes the bundled data once per layout with the store's
batched writer (layouts alternate, so the machine's load falls on all of them alike); medians
after `--warm-up` rounds. With `--naive N`, the one-auto-commit-statement-per-row writer is
timed N times per real layout too (its single-row MERGE statement adapted to the layout), so
that the ratio the benchmark reports can be estimated for each. Not a test; run it against a
throwaway server:

    eval "$(scripts/neo4j/start.sh)" && python scripts/neo4j/layout_trial.py --naive 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import graph.neo4j_store as ns
from graph import cypher, schema
from graph.store import ChangeSet, Edge, Node, canonical_props
from ingest.curated import load_dataset

EXTRA = "_extra"
RESERVED = frozenset({"id", "key", cypher.PROPS, EXTRA})
Rows = tuple[Callable[[Node], dict[str, Any]], Callable[[Edge], dict[str, Any]]]


def native_map(props: Mapping[str, Any], **identity: str) -> dict[str, Any]:
    """Native properties for what Neo4j can hold, the rest as canonical JSON in `_extra`."""
    native: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for k, v in props.items():
        if v is None:
            continue  # the canonical form drops nulls
        if isinstance(k, str) and k and k not in RESERVED and ns._is_property_value(v):
            native[k] = list(v) if isinstance(v, tuple) else v
        else:
            extra[k] = v
    if extra:
        native[EXTRA] = canonical_props(extra)
    return {**native, **identity}


def json_map(props: Mapping[str, Any], **identity: str) -> dict[str, Any]:
    """The canonical JSON, the identity and a string name (the name indexes'), nothing else."""
    name = props.get("name")
    return {
        **({"name": name} if isinstance(name, str) else {}),
        cypher.PROPS: canonical_props(props),
        **identity,
    }


def _edge(edge: Edge, properties: dict[str, Any]) -> dict[str, Any]:
    return {"source": edge.source, "target": edge.target, "key": edge.key, "properties": properties}


LAYOUTS: dict[str, Rows] = {
    "today": (ns.node_row, ns.edge_row),
    "native": (
        lambda n: {"id": n.id, "properties": native_map(n.props, id=n.id)},
        lambda e: _edge(e, native_map(e.props, key=e.key)),
    ),
    "json": (
        lambda n: {"id": n.id, "properties": json_map(n.props, id=n.id)},
        lambda e: _edge(e, json_map(e.props, key=e.key)),
    ),
    "bare": (lambda n: {"id": n.id, "properties": {"id": n.id}}, lambda e: _edge(e, {"key": e.key})),
}


def native_upsert_nodes(label: str) -> str:
    """`cypher.upsert_nodes` for the `native` layout: the stored map compared with the row's."""
    remove = ":".join(sorted(schema.NODE_LABELS - {label}))
    return f"""
UNWIND $rows AS row
OPTIONAL MATCH (o:{cypher.NODE_LABEL} {{id: row.id}})
WITH row, properties(o) AS old
MERGE (n:{cypher.NODE_LABEL} {{id: row.id}})
WITH n, row, old
FOREACH (_ IN CASE WHEN old IS NULL OR old <> row.properties OR NOT n:{label} THEN [1] ELSE [] END |
  SET n = row.properties, n:{label} REMOVE n:{remove})
RETURN count(CASE WHEN old IS NULL THEN 1 END) AS created,
       count(CASE WHEN old IS NOT NULL AND old <> row.properties THEN 1 END) AS updated
"""


def native_upsert_edges(edge_type: str) -> str:
    """`cypher.upsert_edges` for the `native` layout: the stored map compared with the row's."""
    return f"""
UNWIND $rows AS row
MATCH (s:{cypher.NODE_LABEL} {{id: row.source}})
MATCH (t:{cypher.NODE_LABEL} {{id: row.target}})
OPTIONAL MATCH (s)-[old:{edge_type} {{key: row.key}}]->(t)
WITH s, t, row, old
WHERE old IS NULL OR properties(old) <> row.properties
FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END |
  CREATE (s)-[r:{edge_type}]->(t) SET r = row.properties)
FOREACH (_ IN CASE WHEN old IS NULL THEN [] ELSE [1] END | SET old = row.properties)
RETURN count(CASE WHEN old IS NULL THEN 1 END) AS created, count(old) AS updated
"""


NAIVE_STATEMENTS = {
    "today": (cypher.upsert_nodes, cypher.upsert_edges),
    "json": (cypher.upsert_nodes, cypher.upsert_edges),
    "native": (native_upsert_nodes, native_upsert_edges),
}


def use(layout: str) -> None:
    """Make the store's batched writer build its rows in `layout` (module-level row builders)."""
    # a trial's monkeypatch of the store's row builders (the only way to swap them in)
    ns.node_row, ns.edge_row = LAYOUTS[layout]  # type: ignore[assignment]


def batched(store: ns.Neo4jStore, changes: ChangeSet) -> float:
    store.clear()
    start = time.perf_counter()
    store.apply(changes)
    return time.perf_counter() - start


def naive(store: ns.Neo4jStore, changes: ChangeSet, layout: str) -> float:
    (node_row, edge_row), (nodes, edges) = LAYOUTS[layout], NAIVE_STATEMENTS[layout]
    store.clear()
    start = time.perf_counter()
    with store._driver.session(database=store.database) as session:
        for node in changes.nodes:
            session.run(nodes(node.label), rows=[node_row(node)]).consume()
        for edge in changes.edges:
            session.run(edges(edge.type), rows=[edge_row(edge)]).consume()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", default=os.environ.get("CHAINKG_TEST_NEO4J_URI"))
    parser.add_argument("--rounds", type=int, default=10, help="timed rounds (default 10)")
    parser.add_argument("--warm-up", type=int, default=8, help="untimed rounds per layout (default 8)")
    parser.add_argument("--naive", type=int, default=0, help="naive writes per real layout (default 0)")
    args = parser.parse_args()
    if not args.uri:
        parser.error('no Neo4j: pass --uri or run  eval "$(scripts/neo4j/start.sh)"  first')
    changes = load_dataset()
    with_extra = sum(EXTRA in native_map(n.props) for n in changes.nodes) + sum(
        EXTRA in native_map(e.props) for e in changes.edges
    )
    print(
        f"bundled data: {len(changes.nodes)} nodes, {len(changes.edges)} edges; {with_extra} rows need _extra"
    )
    store = ns.Neo4jStore(args.uri, batch_size=10_000)
    try:
        for layout in LAYOUTS:
            use(layout)
            for _ in range(args.warm_up):
                batched(store, changes)
        times: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
        for _ in range(args.rounds):
            for layout in LAYOUTS:
                use(layout)
                times[layout].append(batched(store, changes))
        use("today")
        naive_times: dict[str, list[float]] = {layout: [] for layout in NAIVE_STATEMENTS}
        for _ in range(args.naive):
            for layout in NAIVE_STATEMENTS:
                naive_times[layout].append(naive(store, changes, layout))
        store.clear()
    finally:
        use("today")
        store.close()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for layout, runs in times.items():
        median = statistics.median(runs)
        line = f"{layout:<7} batched median {median:.3f} s (min {min(runs):.3f}, max {max(runs):.3f})"
        if naive_times.get(layout):
            slow = statistics.median(naive_times[layout])
            line += f"; naive {slow:.2f} s; ratio {slow / median:.1f}x"
        print(line)


if __name__ == "__main__":
    main()

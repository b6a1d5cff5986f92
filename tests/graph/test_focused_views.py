"""A focused view (`graph.store.Focus`): the part of an industry's view one question reads. Both
stores read exactly `focused_view` of the whole graph, with each link's count of operators; the
firms they leave out are the ones the focus does not name."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pytest

from analysis.regions import YUNNAN, region_descendants
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, Focus, GraphStore, Node
from graph.view import OPERATOR_COUNTS, focused_view, industry_view, operator_count
from tests.graph.test_industry_views import _store_and_another, as_sets, tricky_graph
from tests.test_dataset import INDUSTRIES

CROWD = 5  # extra firms on link b, none of them in the local region


def _tricky(backend: str, tmp_path) -> tuple[GraphStore, Callable[[], GraphStore]]:
    """`tricky_graph` with a local region `yn` where f2 (on a1) has a site, on `backend`, and
    how to open another store on the same data."""
    store, another = _store_and_another(backend, tmp_path)
    tricky_graph(store, crowd=CROWD)
    store.apply(
        ChangeSet(
            nodes=(Node("yn", "Region", {"name": "云"}),),
            edges=(Edge("f2", "HAS_SITE", "yn", "plant", {"kind": "plant"}),),
        )
    )
    return store, another


# what every focused view of `ind` holds besides firms: the chain, its records, regions, lists
FIXED = {"ind", "a", "a1", "b", "pol", "inst", "cn", "yn", "list"}
CROWDED = {f"m{i}" for i in range(CROWD)}


@pytest.mark.parametrize(
    ("focus", "firms"),
    [
        # f2 is located in yn; its customer-side partner y comes with it
        (Focus(frozenset({"yn"})), {"f2", "y"}),
        # every firm on b: c1 with its cycle of parents, and the crowd
        (Focus(frozenset({"yn"}), links=frozenset({"b"})), {"f2", "y", "c1", "c2"} | CROWDED),
        # f1 is ranked: its group up to top (p1, sib) and sib's partner x; not its second parent p2
        (Focus(frozenset({"yn"}), ranked=True), {"f2", "y", "f1", "p1", "top", "sib", "x"}),
        # a named firm, with its group
        (Focus(frozenset({"yn"}), firms=frozenset({"c1"})), {"f2", "y", "c1", "c2"}),
        # nothing local: no firm at all
        (Focus(frozenset()), set()),
    ],
    ids=["local", "links", "ranked", "named", "none"],
)
@pytest.mark.parametrize("backend", ["sqlite", "neo4j"])
def test_a_focused_read_takes_the_firms_the_focus_names_and_counts_the_rest(tmp_path, focus, firms, backend):
    store, another = _tricky(backend, tmp_path)
    try:
        whole = store.graph()
        fresh = another()  # nothing kept: the focus is read
        try:
            part = fresh.focused_graph("ind", focus)
        finally:
            fresh.close()
        assert set(part) == FIXED | firms
        assert as_sets(part) == as_sets(focused_view(whole, "ind", focus))
        # every edge among what it holds, in the whole graph's order
        assert list(part.edges(keys=True)) == list(focused_view(whole, "ind", focus).edges(keys=True))
        # a: f1; a1: f2; b: c1 and the crowd, held or not
        assert part.graph[OPERATOR_COUNTS] == {"a": 1, "a1": 1, "b": 1 + CROWD}
        assert [operator_count(part, link) for link in ("a", "a1", "b")] == [1, 1, 1 + CROWD]
        # the whole view counts its own
        assert [operator_count(industry_view(whole, "ind"), n) for n in ("a", "a1", "b")] == [1, 1, 1 + CROWD]
    finally:
        _closed(store, backend)


@pytest.mark.parametrize("backend", ["sqlite", "neo4j"])
def test_a_view_kept_in_the_process_is_what_a_focus_gets(tmp_path, backend):
    """A served process keeps the industry's whole view: a focused question reads it instead
    (it holds every focused part, and the analyses count its operators themselves); a process
    keeping the whole graph cuts the part from it."""
    store, another = _tricky(backend, tmp_path)
    try:
        focus = Focus(frozenset({"yn"}))
        # the whole graph kept: the part is cut from it, as a store reads it
        store.graph()
        cut = store.focused_graph("ind", focus)
        fresh = another()
        try:
            read = fresh.focused_graph("ind", focus)
        finally:
            fresh.close()
        assert as_sets(cut) == as_sets(read) and cut.graph[OPERATOR_COUNTS] == read.graph[OPERATOR_COUNTS]
        # the industry's whole view kept: that view itself
        whole = store.graph("ind")
        assert store.focused_graph("ind", focus) is whole
        assert OPERATOR_COUNTS not in whole.graph
    finally:
        _closed(store, backend)


def _closed(store: GraphStore, backend: str) -> None:
    if backend == "neo4j":
        store.clear()
    store.close()


@pytest.mark.parametrize("industry", sorted(INDUSTRIES))
def test_the_bundled_industries_read_in_focus_are_their_focused_views(db, industry):
    path, whole = db
    local = frozenset(region_descendants(whole, YUNNAN))
    links = frozenset(
        sorted(n for n, d in industry_view(whole, industry).nodes(data="label") if d == "ChainNode")[:3]
    )
    for focus in (Focus(local), Focus(local, links=links, ranked=True)):
        store = SqliteStore(path)
        try:
            part = store.focused_graph(industry, focus)
        finally:
            store.close()
        expected = focused_view(whole, industry, focus)
        assert as_sets(part) == as_sets(expected)
        assert part.graph[OPERATOR_COUNTS] == expected.graph[OPERATOR_COUNTS]
        assert not nx.is_frozen(part)
        full = industry_view(whole, industry)
        assert set(part) <= set(full)
        assert part.graph[OPERATOR_COUNTS] == {
            n: operator_count(full, n) for n, d in full.nodes(data="label") if d == "ChainNode"
        }


def test_an_older_store_s_target_index_is_made_again_with_the_source(tmp_path):
    """A store whose `edges_by_target` has (target, type) only gets the index with the source
    when first opened; its data stay, and the ends of a link's operations come off the index
    alone (no row of the table read)."""
    import sqlite3

    path = tmp_path / "kg.db"
    store, _another = _tricky("sqlite", tmp_path)
    before = store.find_edges()
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX edges_by_target")
    conn.execute("CREATE INDEX edges_by_target ON edges(target, type)")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        assert store._index_columns("edges_by_target") == ["target", "type", "source"]
        assert store.find_edges() == before
        plan = store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT source FROM edges WHERE target IN ('a', 'b') AND type = 'OPERATES_IN'"
        ).fetchall()
        assert "COVERING INDEX edges_by_target" in plan[0][3]
        assert store.sources("OPERATES_IN", ["b"]) == {"c1"} | CROWDED
    finally:
        store.close()

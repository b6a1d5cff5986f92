"""A store hands an industry's analyses exactly `industry_view` of the whole graph, however it
reads it (the embedded store reads one industry with a few queries instead of the whole file)."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pytest

from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, GraphStore, Node, StoreConveniences
from graph.view import OUTSIDE_VIEWS, industry_view
from ingest.build import build
from tests.test_dataset import INDUSTRIES


def as_sets(view: nx.MultiDiGraph) -> tuple[dict, set]:
    nodes = {n: repr(sorted(d.items())) for n, d in view.nodes(data=True)}
    edges = {(u, v, k, repr(sorted(d.items()))) for u, v, k, d in view.edges(keys=True, data=True)}
    return nodes, edges


@pytest.mark.parametrize("industry", sorted(INDUSTRIES))
def test_one_industry_read_alone_equals_its_part_of_the_whole(db, industry):
    path, whole = db
    store = SqliteStore(path)  # a fresh store: nothing cached, so the industry is read on its own
    try:
        alone = store.graph(industry)
        assert store._view is None, "the whole graph must not have been loaded"
        expected = industry_view(whole, industry)
        assert as_sets(alone) == as_sets(expected)
        # in the whole graph's order too (the analyses walk the adjacency in that order)
        assert list(alone) == list(expected)
        assert list(alone.edges(keys=True)) == list(expected.edges(keys=True))
        assert nx.is_frozen(alone) and store.graph(industry) is alone  # shared read-only, not copied
    finally:
        store.close()


def test_a_write_refreshes_the_industry_views(db, tmp_path):
    import shutil

    from graph.store import Node

    copy = tmp_path / "kg.db"
    shutil.copy(db[0], copy)
    store = SqliteStore(copy)
    try:
        props = {k: v for k, v in store.graph("tobacco").nodes["tobacco"].items() if k != "label"}
        store.upsert_nodes([Node("tobacco", "Industry", {**props, "lead_department": "测试"})])
        assert store.graph("tobacco").nodes["tobacco"]["lead_department"] == "测试"
    finally:
        store.close()


def test_neo4j_reads_one_industry_with_cypher_as_its_part_of_the_whole(db):
    from tests.conftest import neo4j_store_or_skip

    store = neo4j_store_or_skip()
    try:
        build(store)
        whole = db[1]
        for industry in ("green-silicon", "biomedicine", "tobacco"):
            alone = store.graph(industry)
            assert store._view is None, "the whole graph must not have been read"
            assert as_sets(alone) == as_sets(industry_view(whole, industry))
    finally:
        store.close()


def test_a_dropped_view_is_freed_though_it_was_kept_out_of_the_collectors_sight(db, tmp_path):
    """Views are built with the collector paused and kept frozen (`gc.freeze`); networkx views
    hold reference cycles (a graph's cached edge views point back at it), so when a write moves
    the store on, the dropped view must be given back to the collector, or a served process
    would keep every version's views for good."""
    import gc
    import shutil
    import weakref

    from graph.store import Node

    copy = tmp_path / "kg.db"
    shutil.copy(db[0], copy)
    store = SqliteStore(copy)
    try:
        view = store.graph("tobacco")
        assert list(view.edges)  # the cached edge view: a cycle back to the graph
        gone = weakref.ref(view)
        del view
        gc.collect()
        assert gone() is not None, "kept by the store while the version stands"
        store.upsert_nodes(
            [
                Node(
                    "x-firm",
                    "Enterprise",
                    {"name": "某企业", "source": "t", "as_of": "2026", "confidence": "low"},
                )
            ]
        )
        store.graph("tobacco")  # the store reads the new version and drops the old views
        gc.collect()
        assert gone() is None, "a dropped view must be collectable"
        assert gc.isenabled()
    finally:
        store.close()


def test_the_collector_comes_back_after_a_failed_build():
    import gc

    from graph.view import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a read failed")
    assert gc.isenabled()


def tricky_graph(store: GraphStore, *, groups: int = 0, crowd: int = 0) -> None:
    """A small chain with everything the industry read must take or leave, as `industry_view`
    decides: a shared segment's product of another industry (left, with its firm), a policy and
    an institution on the chain and the industry (taken) and a project and a target (left), a firm with two parents (the
    first by id is the one followed up), a cycle of parents, a group member working elsewhere
    (taken), a partner of a group member (taken) and that partner's partner (left); `groups`
    extra parent-child pairs far from the chain, `crowd` extra firms on a link (the read takes
    all ties at once when the store has no more of them than the industry has firms, else it
    looks them up by firm)."""
    node = Node
    nodes = [
        node("ind", "Industry", {"name": "示例"}),
        node("other", "Industry", {"name": "其他"}),
        node("cn", "Region", {"name": "中国"}),
        node("a", "ChainNode", {"name": "A", "stage": "upstream"}),
        node("a1", "ChainNode", {"name": "A1", "stage": "upstream", "industries": ["ind"]}),
        node("a2", "ChainNode", {"name": "A2", "stage": "upstream", "industries": ["other"]}),
        node("b", "ChainNode", {"name": "B", "stage": "midstream"}),
        node("proj", "Project", {"name": "项目"}),
        node("pol", "Policy", {"name": "政策"}),
        node("inst", "Institution", {"name": "院校"}),
        node("tgt", "Target", {"name": "目标"}),
        node("list", "RankingList", {"name": "榜单"}),
    ]
    firms = ["f1", "f2", "f3", "p1", "p2", "top", "c1", "c2", "sib", "x", "y", "z", "far"]
    nodes += [node(f, "Enterprise", {"name": f.upper()}) for f in firms]
    nodes += [node(f"g{i}", "Enterprise", {"name": f"G{i}"}) for i in range(2 * groups)]
    nodes += [node(f"m{i}", "Enterprise", {"name": f"M{i}"}) for i in range(crowd)]
    edges = [
        Edge("a", "PART_OF", "ind"),
        Edge("b", "PART_OF", "ind"),
        Edge("a1", "PART_OF", "a"),
        Edge("a2", "PART_OF", "a"),
        Edge("a2", "PART_OF", "other"),
        Edge("a", "FEEDS", "b"),
        Edge("f1", "OPERATES_IN", "a", props={"role": "leader"}),
        Edge("f2", "OPERATES_IN", "a1"),
        Edge("far", "OPERATES_IN", "a2"),  # another industry's product only
        Edge("c1", "OPERATES_IN", "b"),
        Edge("f1", "HAS_SITE", "cn", "hq", {"kind": "hq"}),
        Edge("f1", "RANKED_IN", "list", "2024"),
        Edge("f1", "SUBSIDIARY_OF", "p2"),
        Edge("f1", "SUBSIDIARY_OF", "p1"),  # p1 < p2: followed up
        Edge("p1", "SUBSIDIARY_OF", "top"),
        Edge("sib", "SUBSIDIARY_OF", "top"),  # a group member on no link: taken
        Edge("c1", "SUBSIDIARY_OF", "c2"),
        Edge("c2", "SUBSIDIARY_OF", "c1"),  # a cycle
        Edge("sib", "SUPPLIES", "x"),  # a group member's partner: taken
        Edge("y", "SUPPLIES", "f2"),  # a firm's customer-side partner: taken
        Edge("x", "SUPPLIES", "z"),  # a partner's partner: left
        Edge("proj", "TARGETS", "b"),
        Edge("pol", "SUPPORTS", "ind"),
        Edge("inst", "TRAINS_FOR", "a1"),
        Edge("tgt", "TARGETS", "a"),  # a target: left
    ]
    edges += [Edge(f"g{2 * i}", "SUBSIDIARY_OF", f"g{2 * i + 1}") for i in range(groups)]
    edges += [Edge(f"m{i}", "OPERATES_IN", "b") for i in range(crowd)]
    store.apply(ChangeSet(nodes=tuple(nodes), edges=tuple(edges)))


def _store_and_another(backend: str, tmp_path) -> tuple[GraphStore, Callable[[], GraphStore]]:
    """A store on `backend` (Neo4j: the test server, cleared) and how to open another on the same data."""
    if backend == "sqlite":
        return SqliteStore(tmp_path / "kg.db"), lambda: SqliteStore(tmp_path / "kg.db")
    from graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_store_or_skip

    store = neo4j_store_or_skip()
    assert isinstance(store, Neo4jStore)
    return store, lambda: Neo4jStore(
        store.uri, user=store.user, password="unused-password", database=store.database
    )


@pytest.mark.parametrize("backend", ["sqlite", "neo4j"])
@pytest.mark.parametrize(("groups", "crowd"), [(0, 20), (40, 0)], ids=["ties-at-once", "ties-by-firm"])
def test_the_industry_read_takes_what_industry_view_takes_and_no_more(tmp_path, groups, crowd, backend):
    store, another = _store_and_another(backend, tmp_path)
    try:
        tricky_graph(store, groups=groups, crowd=crowd)
        whole = store.graph()
        fresh = another()
        try:
            alone = fresh.graph("ind")
        finally:
            fresh.close()
        assert as_sets(alone) == as_sets(industry_view(whole, "ind"))
        taken = {
            n
            for n, d in alone.nodes(data=True)
            if d["label"] in {"Enterprise", "Project", "Policy", "Institution", "Target"}
        }
        crowded = {f"m{i}" for i in range(crowd)}
        assert taken - crowded == {
            "f1",
            "f2",
            "c1",
            "c2",
            "p1",
            "top",
            "sib",
            "x",
            "y",
            "pol",
            "inst",
        }
        assert set(alone) - taken == {"ind", "a", "a1", "b", "cn", "list"}
        # the chain alone, walked by the store and by the generic look-ups alike
        assert [n.id for n in store.chain_of("ind")] == ["a", "a1", "b"]
        assert [n.id for n in StoreConveniences.chain_of(store, "ind")] == ["a", "a1", "b"]
        assert list(alone) == sorted(alone)  # in id order, as the whole graph is read
    finally:
        if backend == "neo4j":
            store.clear()
        store.close()


def test_no_industry_view_holds_a_label_outside_views(db):
    _, whole = db
    for industry in INDUSTRIES:
        held = {d["label"] for _, d in industry_view(whole, industry).nodes(data=True)}
        assert held and not held & OUTSIDE_VIEWS, industry


def test_neo4j_keeps_the_industry_views_through_the_project_librarys_writes():
    """As on the embedded store: the meta node's `views` moves only with a write touching what
    an industry's view holds, seen by another store object on the same server; a clear drops
    everything."""
    from graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_store_or_skip

    store = neo4j_store_or_skip()
    other = None
    try:
        tricky_graph(store)
        assert isinstance(store, Neo4jStore)
        other = Neo4jStore(store.uri, user=store.user, password="unused-password", database=store.database)
        kept, kept_elsewhere, version = store.graph("ind"), other.graph("ind"), store.version()
        store.apply(
            ChangeSet(
                nodes=(
                    Node("proj2", "Project", {"name": "新项目"}),
                    Node("audit", "AuditEntry", {"action": "create"}),
                ),
                edges=(Edge("proj2", "TARGETS", "a"), Edge("audit", "ABOUT", "proj2")),
            )
        )
        store.delete_nodes(["proj", "tgt"])
        assert store.version() == version + 2
        assert store.graph("ind") is kept and other.graph("ind") is kept_elsewhere
        store.upsert_edges([Edge("f3", "OPERATES_IN", "b")])
        assert "f3" in store.graph("ind") and "f3" in other.graph("ind") and "f3" not in kept
        fresh = store.graph("ind")
        store.clear()
        assert store.graph("ind") is not fresh
    finally:
        store.close()
        if other is not None:
            other.close()


def test_the_project_librarys_writes_keep_the_industry_views(tmp_path):
    """A write of projects, targets, activities, audit entries or users moves the store's
    version (the served answers are computed again) but keeps every industry's view, in this
    process and in another on the same file; a write of anything a view holds drops them."""
    store, other = SqliteStore(tmp_path / "kg.db"), None
    try:
        tricky_graph(store)
        other = SqliteStore(tmp_path / "kg.db")
        kept, kept_elsewhere, version = store.graph("ind"), other.graph("ind"), store.version()
        library = ChangeSet(
            nodes=(
                Node("proj2", "Project", {"name": "新项目"}),
                Node("audit", "AuditEntry", {"action": "create"}),
            ),
            edges=(
                Edge("proj2", "TARGETS", "a"),
                Edge("proj2", "INVESTED_BY", "f1"),
                Edge("audit", "ABOUT", "proj2"),
            ),
        )
        store.apply(library)
        store.delete_nodes(["proj", "tgt"])
        assert store.version() == version + 2
        assert store.graph("ind") is kept and other.graph("ind") is kept_elsewhere
        assert "proj2" in store.graph()  # the whole graph (with the records) is read again
        store.upsert_edges([Edge("f3", "OPERATES_IN", "b")])
        fresh = store.graph("ind")
        assert fresh is not kept and "f3" in fresh and "f3" not in kept
        assert other.graph("ind") is not kept_elsewhere and "f3" in other.graph("ind")
        with store.writing() as writer:  # a bulk import's own SQL counts as touching anything
            writer.connection.execute("SELECT 1")
        assert store.graph("ind") is not fresh
    finally:
        store.close()
        if other is not None:
            other.close()


def test_the_industry_views_kept_are_the_latest_used_within_the_budget(db, monkeypatch):
    """`CHAINKG_VIEW_ROWS` bounds the nodes and edges of the views a process keeps; the least
    recently used go first, the one just asked for stays whatever its size, and a dropped view
    is freed."""
    import gc
    import weakref

    from graph.settings import open_store

    path, _ = db
    sizes = {}
    store = SqliteStore(path)
    for industry in ("tobacco", "green-silicon", "biomedicine"):
        view = store.graph(industry)
        sizes[industry] = view.number_of_nodes() + view.number_of_edges()
    store.close()
    monkeypatch.setenv("CHAINKG_DB", str(path))
    # tobacco and either of the others fit, not all three
    budget = sizes["tobacco"] + max(sizes["green-silicon"], sizes["biomedicine"])
    monkeypatch.setenv("CHAINKG_VIEW_ROWS", str(budget))
    store = open_store()
    try:
        tobacco = store.graph("tobacco")
        silicon = store.graph("green-silicon")
        assert store.graph("tobacco") is tobacco  # both fit; tobacco is now the latest used
        gone = weakref.ref(silicon)
        del silicon
        biomedicine = store.graph("biomedicine")  # over the budget: green-silicon goes first
        assert store.graph("tobacco") is tobacco and store.graph("biomedicine") is biomedicine
        gc.collect()
        assert gone() is None
        assert len(store._industry_views) == 2
    finally:
        store.close()
    monkeypatch.setenv("CHAINKG_VIEW_ROWS", "0")  # nothing but the view in use
    store = open_store()
    try:
        first = store.graph("tobacco")
        assert store.graph("tobacco") is first and len(store._industry_views) == 1
        store.graph("biomedicine")
        assert len(store._industry_views) == 1 and store.graph("tobacco") is not first
    finally:
        store.close()


def test_a_new_store_has_16_kb_pages_and_an_older_one_keeps_its_own(tmp_path):
    import sqlite3

    from graph.sqlite_store import PAGE_SIZE

    store = SqliteStore(tmp_path / "new.db")
    tricky_graph(store)
    store.close()
    older = tmp_path / "older.db"
    sqlite3.connect(older).executescript("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t(x);")
    again = SqliteStore(older)
    try:
        tricky_graph(again)
        assert "f1" in again.graph("ind")
    finally:
        again.close()
    sizes = [
        sqlite3.connect(p).execute("PRAGMA page_size").fetchone()[0] for p in (tmp_path / "new.db", older)
    ]
    assert sizes == [PAGE_SIZE, 4096] and PAGE_SIZE == 16384

"""A store hands an industry's analyses exactly `industry_view` of the whole graph, however it
reads it (the embedded store reads one industry with a few queries instead of the whole file)."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.sqlite_store import SqliteStore
from graph.view import industry_view
from ingest.build import build
from tests.test_dataset import INDUSTRIES


def as_sets(view: nx.MultiDiGraph) -> tuple[dict, set]:
    nodes = {n: repr(sorted(d.items())) for n, d in view.nodes(data=True)}
    edges = {(u, v, k, repr(sorted(d.items()))) for u, v, k, d in view.edges(keys=True, data=True)}
    return nodes, edges


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("views") / "kg.db"
    store = SqliteStore(path)
    build(store)
    whole = store.graph()
    store.close()
    return path, whole


@pytest.mark.parametrize("industry", sorted(INDUSTRIES))
def test_one_industry_read_alone_equals_its_part_of_the_whole(db, industry):
    path, whole = db
    store = SqliteStore(path)  # a fresh store: nothing cached, so the industry is read on its own
    try:
        alone = store.graph(industry)
        assert store._view is None, "the whole graph must not have been loaded"
        assert as_sets(alone) == as_sets(industry_view(whole, industry))
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

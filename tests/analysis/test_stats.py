"""`chainkg stats` (`api.services.stats`) counts in the store (labels, types, provenance, the firms in Yunnan) what the
whole graph's `graph_stats` counts, without reading the graph."""

from __future__ import annotations

import pytest

from analysis.stats import graph_stats
from api.services import stats as store_stats
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, GraphStore, Node
from ingest.build import build
from tests.conftest import neo4j_store_or_skip

SOURCED = {"source": "s", "as_of": "2024", "confidence": "high"}


def small_graph(store: GraphStore) -> None:
    """Five facts, two of them sourced (a number counts as given; empty, null or missing does
    not), a project (not a fact), and two firms in Yunnan (one at a county, one at two places)
    and one outside it."""
    region = {"name": "r", **SOURCED}
    store.apply(
        ChangeSet(
            nodes=(
                Node("ind", "Industry", {"name": "示例", **SOURCED, "source": ""}),
                Node("a", "ChainNode", {"name": "A", **SOURCED, "as_of": None}),
                Node("b", "ChainNode", {"name": "B", **SOURCED, "as_of": 2024}),
                Node("p", "Project", {"name": "项目"}),
                Node("530000", "Region", region),
                Node("530100", "Region", region),
                Node("530102", "Region", region),
                Node("440000", "Region", region),
                Node("f1", "Enterprise", {"name": "F1", **SOURCED}),
                Node("f2", "Enterprise", {"name": "F2", **SOURCED}),
                Node("f3", "Enterprise", {"name": "F3", **SOURCED}),
            ),
            edges=(
                Edge("a", "PART_OF", "ind"),
                Edge("a", "FEEDS", "b", props=SOURCED),
                Edge("b", "FEEDS", "a", props={**SOURCED, "confidence": ""}),
                Edge("530100", "PART_OF", "530000"),
                Edge("530102", "PART_OF", "530100"),
                Edge("f1", "HAS_SITE", "530102", "hq", {"kind": "hq", **SOURCED}),
                Edge("f2", "HAS_SITE", "530000", "hq", {"kind": "hq", **SOURCED}),
                Edge("f2", "HAS_SITE", "530100", "plant", {"kind": "plant", **SOURCED}),
                Edge("f3", "HAS_SITE", "440000", "hq", {"kind": "hq", **SOURCED}),
            ),
        )
    )


def check_small(store: GraphStore) -> None:
    small_graph(store)
    figures = store_stats(store)
    assert figures == graph_stats(store.graph())
    # facts: ind, a, b, 4 regions, 3 firms, 2 FEEDS, 4 HAS_SITE = 16; unsourced: ind, a, b->a
    assert figures["sourced_fraction"] == round(13 / 16, 4)
    assert (figures["yunnan_enterprises"], figures["enterprises"]) == (2, 3)
    assert (figures["nodes"], figures["edges"]) == (11, 9)
    assert (figures["chain_nodes"], figures["feeds_edges"], figures["projects"]) == (2, 2, 1)


def test_stats_counted_by_the_embedded_store(tmp_path):
    store = SqliteStore(tmp_path / "kg.db")
    try:
        check_small(store)
    finally:
        store.close()


def test_stats_counted_by_neo4j():
    store = neo4j_store_or_skip()
    try:
        check_small(store)
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", "neo4j"])
def test_stats_of_the_bundled_data_as_the_whole_graph_counts_them(backend, tmp_path):
    store = SqliteStore(tmp_path / "kg.db") if backend == "sqlite" else neo4j_store_or_skip()
    try:
        build(store)
        figures = store_stats(store)
        assert figures == graph_stats(store.graph())
        assert figures["sourced_fraction"] == 1.0 and figures["yunnan_enterprises"] >= 150
    finally:
        store.close()

"""The GraphStore contract, run on every backend through the parametrised `store` fixture."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.errors import ConflictError, SchemaError
from graph.store import ChangeSet, Edge, Node

SRC = {"source": "test", "as_of": "2024", "confidence": "high"}


def small_graph() -> ChangeSet:
    return ChangeSet(
        nodes=(
            Node("al", "Industry", {"name": "绿色铝", **SRC}),
            Node("al-alumina", "ChainNode", {"name": "氧化铝", "stage": "upstream", **SRC}),
            Node("al-primary", "ChainNode", {"name": "电解铝", "stage": "midstream", **SRC}),
            Node("chalco", "Enterprise", {"name": "中国铝业", "aliases": ["中铝"], **SRC}),
            Node("530000", "Region", {"name": "云南省", "level": "province", **SRC}),
        ),
        edges=(
            Edge("al-alumina", "PART_OF", "al", props=SRC),
            Edge("al-primary", "PART_OF", "al", props=SRC),
            Edge("al-alumina", "FEEDS", "al-primary", props=SRC),
            Edge("chalco", "OPERATES_IN", "al-alumina", props={"role": "leader", **SRC}),
            Edge("chalco", "HAS_SITE", "530000", key="plant", props={"kind": "plant", **SRC}),
        ),
    )


def test_upsert_then_read(store):
    result = store.apply(small_graph())
    assert (result.nodes_created, result.edges_created) == (5, 5)
    node = store.get_node("chalco")
    assert node.label == "Enterprise"
    assert node.props["aliases"] == ["中铝"]
    assert store.get_node("nobody") is None
    assert [n.id for n in store.find_nodes("ChainNode")] == ["al-alumina", "al-primary"]
    assert [n.id for n in store.find_nodes("ChainNode", where={"stage": "midstream"})] == ["al-primary"]
    feeds = store.find_edges(type="FEEDS")
    assert [(e.source, e.target) for e in feeds] == [("al-alumina", "al-primary")]
    assert store.counts()["Enterprise"] == 1
    assert store.counts()["OPERATES_IN"] == 1


def test_sources_and_ids_read_the_ids_alone(store):
    store.apply(small_graph())
    store.upsert_nodes([Node("yunlv", "Enterprise", {"name": "云铝股份", **SRC})])
    store.upsert_edges(
        [
            Edge("yunlv", "OPERATES_IN", "al-primary", props={"role": "major", **SRC}),
            Edge("yunlv", "OPERATES_IN", "al-alumina", props={"role": "player", **SRC}),
            Edge("yunlv", "HAS_SITE", "530000", key="hq", props={"kind": "hq", **SRC}),
            Edge("chalco", "HAS_SITE", "530000", key="branch", props={"kind": "branch", **SRC}),
        ]
    )
    assert store.sources("OPERATES_IN", ["al-alumina"]) == {"chalco", "yunlv"}
    assert store.sources("OPERATES_IN", ["al-primary", "al-primary", "nowhere"]) == {"yunlv"}
    # chalco's two sites in one region: each firm once
    assert store.sources("HAS_SITE", iter(["530000"])) == {"chalco", "yunlv"}
    assert store.sources("FEEDS", ["al-primary"]) == {"al-alumina"}
    assert store.sources("OPERATES_IN", []) == set()
    assert store.sources("NO_SUCH_TYPE", ["al-alumina"]) == set()
    assert store.ids("Enterprise") == ["chalco", "yunlv"]
    assert store.ids("ChainNode") == ["al-alumina", "al-primary"]
    assert store.ids("Park") == [] and store.ids("NoSuchLabel") == []


def test_node_props_and_edge_ends_read_only_what_is_asked(store):
    store.apply(small_graph())
    store.upsert_nodes([Node("yunlv", "Enterprise", {"name": "云铝股份", "stock_code": "000807", **SRC})])
    found = store.node_props("Enterprise", ("name", "aliases", "stock_code"))
    assert [(n.id, n.label, dict(n.props)) for n in found] == [
        ("chalco", "Enterprise", {"name": "中国铝业", "aliases": ["中铝"]}),
        ("yunlv", "Enterprise", {"name": "云铝股份", "stock_code": "000807"}),
    ]
    assert store.edge_ends("PART_OF") == {("al-alumina", "al"), ("al-primary", "al")}
    assert store.edge_ends("SUPPLIES") == set()


def test_a_bad_pattern_in_a_batch_names_the_first_edge_at_fault(store):
    store.apply(small_graph())
    bad = ChangeSet(
        edges=(
            Edge("chalco", "OPERATES_IN", "al-primary", props=SRC),
            Edge("al-primary", "OPERATES_IN", "chalco", props=SRC),
            Edge("chalco", "OPERATES_IN", "nobody", props=SRC),
        )
    )
    with pytest.raises(SchemaError, match=r"\(ChainNode\)-\[:OPERATES_IN\]->\(Enterprise\)"):
        store.apply(bad)
    assert store.find_edges(source="chalco", type="OPERATES_IN", target="al-primary") == []


def test_a_node_deleted_in_a_transaction_is_gone_for_its_later_change_sets(store):
    store.apply(small_graph())
    with pytest.raises(SchemaError, match="node 'chalco' does not exist"), store.writing() as writer:
        writer.apply(ChangeSet(edges=(Edge("chalco", "OPERATES_IN", "al-primary", props=SRC),)))
        writer.apply(ChangeSet(delete_nodes=("chalco",)))
        writer.apply(ChangeSet(edges=(Edge("chalco", "OPERATES_IN", "al-alumina", props=SRC),)))
    assert store.get_node("chalco") is not None  # rolled back, all of it
    assert store.find_edges(source="chalco", target="al-primary") == []


def test_upsert_is_idempotent(store):
    store.apply(small_graph())
    again = store.apply(small_graph())
    assert not again.changed
    changed = store.upsert_nodes([Node("chalco", "Enterprise", {"name": "中国铝业股份有限公司", **SRC})])
    assert (changed.nodes_created, changed.nodes_updated) == (0, 1)
    assert store.get_node("chalco").props["name"] == "中国铝业股份有限公司"


def test_counts_on_a_mix_of_new_and_stored_rows(store):
    store.apply(small_graph())
    yunlv = Node("yunlv", "Enterprise", {"name": "云铝股份", **SRC})
    result = store.apply(
        ChangeSet(
            nodes=(
                yunlv,  # new
                Node("chalco", "Enterprise", {"name": "中国铝业", "aliases": ["中铝"], **SRC}),  # as stored
                Node("al", "Industry", {"name": "绿色铝产业", **SRC}),  # renamed
            ),
            edges=(
                Edge("yunlv", "OPERATES_IN", "al-primary", props={"role": "major", **SRC}),  # new end
                Edge("chalco", "OPERATES_IN", "al-alumina", props={"role": "major", **SRC}),  # changed
                Edge("chalco", "OPERATES_IN", "al-primary", props={"role": "player", **SRC}),  # new
                Edge("al-alumina", "FEEDS", "al-primary", props=SRC),  # as stored
            ),
        )
    )
    assert (result.nodes_created, result.nodes_updated) == (1, 1)
    assert (result.edges_created, result.edges_updated) == (2, 1)
    assert store.get_node("yunlv") == yunlv
    assert store.get_node("al").props["name"] == "绿色铝产业"
    assert [(e.target, e.props["role"]) for e in store.find_edges(source="chalco", type="OPERATES_IN")] == [
        ("al-alumina", "major"),
        ("al-primary", "player"),
    ]
    assert [e.target for e in store.find_edges(source="yunlv")] == ["al-primary"]


def test_a_new_row_given_twice_is_created_once_then_updated(store):
    store.apply(small_graph())
    first, second = ({"name": "云铝", **SRC}, {"name": "云铝股份", **SRC})
    same_twice = ChangeSet(
        nodes=(Node("yunlv", "Enterprise", first), Node("yunlv", "Enterprise", first)),
        edges=(Edge("yunlv", "OPERATES_IN", "al-primary", props=SRC),) * 2,
    )
    result = store.apply(same_twice)
    assert (result.nodes_created, result.nodes_updated, result.edges_created, result.edges_updated) == (
        1,
        0,
        1,
        0,
    )
    store.delete_nodes(["yunlv"])
    changed_twice = ChangeSet(
        nodes=(Node("yunlv", "Enterprise", first), Node("yunlv", "Enterprise", second)),
        edges=(
            Edge("yunlv", "OPERATES_IN", "al-primary", props={"role": "player", **SRC}),
            Edge("yunlv", "OPERATES_IN", "al-primary", props={"role": "major", **SRC}),
        ),
    )
    result = store.apply(changed_twice)
    assert (result.nodes_created, result.nodes_updated, result.edges_created, result.edges_updated) == (
        1,
        1,
        1,
        1,
    )
    assert store.get_node("yunlv").props["name"] == "云铝股份"
    assert [e.props["role"] for e in store.find_edges(source="yunlv")] == ["major"]
    assert store.counts()["Enterprise"] == 2


def test_a_stored_row_given_twice_is_written_in_its_order(store):
    """Rows naming stored nodes (and edges between them) more than once are written one after
    the other: each is compared with what the row before it left."""
    store.apply(small_graph())
    chalco = {"name": "中国铝业", "aliases": ["中铝"], **SRC}
    renamed = {**chalco, "name": "中国铝业股份有限公司"}
    edge = Edge("chalco", "OPERATES_IN", "al-primary", props={"role": "player", **SRC})
    changes = ChangeSet(
        nodes=(
            Node("chalco", "Enterprise", renamed),
            Node("chalco", "Enterprise", renamed),
            Node("530000", "Region", {"name": "云南", **SRC}),
            Node("530000", "Region", {"name": "云南省", "level": "province", **SRC}),
        ),
        edges=(edge, edge, Edge("chalco", "OPERATES_IN", "al-primary", props={"role": "major", **SRC})),
    )
    result = store.apply(changes)
    # chalco: changed, then the same again; the region: changed, then changed back; the edge:
    # created, the same again, then changed
    assert (result.nodes_created, result.nodes_updated, result.edges_created, result.edges_updated) == (
        0,
        3,
        1,
        1,
    )
    assert store.get_node("chalco").props["name"] == "中国铝业股份有限公司"
    assert store.get_node("530000").props == {"name": "云南省", "level": "province", **SRC}
    assert [e.props["role"] for e in store.find_edges(source="chalco", type="OPERATES_IN")] == [
        "leader",
        "major",
    ]
    again = store.apply(changes)
    assert (again.nodes_updated, again.edges_created, again.edges_updated) == (2, 0, 2)


def test_failed_change_writes_nothing(store):
    store.apply(small_graph())
    before = store.counts()
    bad = ChangeSet(
        nodes=(Node("new-firm", "Enterprise", {"name": "新企业", **SRC}),),
        edges=(Edge("new-firm", "OPERATES_IN", "no-such-node", props=SRC),),
    )
    with pytest.raises(SchemaError, match="no-such-node"):
        store.apply(bad)
    assert store.counts() == before
    assert store.get_node("new-firm") is None


def test_pattern_outside_schema_is_refused(store):
    store.apply(small_graph())
    with pytest.raises(SchemaError, match="not allowed"):
        store.upsert_edges([Edge("al-alumina", "OPERATES_IN", "chalco", props=SRC)])
    with pytest.raises(SchemaError, match="unknown node label"):
        store.upsert_nodes([Node("x", "Person", {})])
    assert store.get_node("x") is None


def test_delete_node_takes_its_edges(store):
    store.apply(small_graph())
    result = store.delete_nodes(["al-alumina"])
    assert result.nodes_deleted == 1
    assert result.edges_deleted == 3
    assert store.find_edges(type="FEEDS") == []
    assert store.find_edges(source="chalco", type="OPERATES_IN") == []


def test_delete_edge(store):
    store.apply(small_graph())
    result = store.apply(ChangeSet(delete_edges=(("al-alumina", "FEEDS", "al-primary", ""),)))
    assert result.edges_deleted == 1
    assert store.find_edges(type="FEEDS") == []


def test_parallel_edges_by_key(store):
    store.apply(small_graph())
    store.upsert_nodes([Node("fg500", "RankingList", {"name": "世界500强", **SRC})])
    store.upsert_edges(
        [
            Edge("chalco", "RANKED_IN", "fg500", key="2023", props={"edition": "2023", **SRC}),
            Edge("chalco", "RANKED_IN", "fg500", key="2024", props={"edition": "2024", **SRC}),
        ]
    )
    assert [e.key for e in store.find_edges(source="chalco", type="RANKED_IN")] == ["2023", "2024"]


def test_view_is_cached_until_the_next_write(store):
    store.apply(small_graph())
    first = store.graph()
    assert first.number_of_nodes() == 5
    assert first.nodes["chalco"]["label"] == "Enterprise"
    assert first.has_edge("al-alumina", "al-primary", key="FEEDS")
    assert store.graph() is first  # shared, not copied, while the store stays as it was
    with pytest.raises(nx.NetworkXError, match="Frozen"):
        first.remove_node("chalco")  # read-only: a caller cannot poison the cache
    assert first.copy().remove_node("chalco") is None and store.graph().has_node("chalco")
    version = store.version()
    store.upsert_nodes([Node("yunnan-aluminium", "Enterprise", {"name": "云铝股份", **SRC})])
    assert store.version() == version + 1
    assert store.graph().has_node("yunnan-aluminium")
    assert store.graph("al") is store.graph("al")
    store.upsert_nodes([Node("yunnan-aluminium", "Enterprise", {"name": "云铝股份", **SRC})])
    assert store.version() == version + 2  # every write transaction bumps it, a no-op too
    with pytest.raises(SchemaError):
        store.upsert_nodes([Node("x", "NoSuchLabel", {})])
    assert store.version() == version + 2  # a failed write is rolled back whole, its bump too


def test_industry_view(store):
    store.apply(small_graph())
    store.upsert_nodes(
        [
            Node("tobacco", "Industry", {"name": "烟草", **SRC}),
            Node("tb-leaf", "ChainNode", {"name": "烟叶", "stage": "upstream", **SRC}),
        ]
    )
    store.upsert_edges([Edge("tb-leaf", "PART_OF", "tobacco", props=SRC)])
    view = store.graph("al")
    assert {n for n, d in view.nodes(data=True) if d["label"] == "ChainNode"} == {"al-alumina", "al-primary"}
    assert "chalco" in view and "530000" in view and "tb-leaf" not in view


def test_values_round_trip_untouched(store):
    tricky = 'O\'Brien "quoted" \\ backslash; MATCH (n) DETACH DELETE n // 云南 ✓'
    store.upsert_nodes([Node("tricky", "Enterprise", {"name": tricky, "aliases": [tricky, "a,b"], **SRC})])
    node = store.get_node("tricky")
    assert node.props["name"] == tricky
    assert node.props["aliases"] == [tricky, "a,b"]
    assert store.find_nodes("Enterprise", where={"name": tricky})[0].id == "tricky"


def test_clear(store):
    store.apply(small_graph())
    store.clear()
    assert store.counts() == {}


def test_error_in_the_middle_of_a_write_rolls_back(store):
    store.apply(small_graph())
    before = store.counts()
    calls = []

    def fail_after_first_batch(n: int) -> None:
        calls.append(n)
        raise RuntimeError("disk full")

    more = ChangeSet(
        nodes=(Node("yunnan-aluminium", "Enterprise", {"name": "云铝股份", **SRC}),),
        edges=(Edge("yunnan-aluminium", "OPERATES_IN", "al-primary", props={"role": "major", **SRC}),),
    )
    with pytest.raises(RuntimeError, match="disk full"):
        store.apply(more, progress=fail_after_first_batch)
    assert calls, "the write must have started before failing"
    assert store.counts() == before
    assert store.get_node("yunnan-aluminium") is None


def test_expectations_are_checked_inside_the_write(store):
    store.apply(small_graph())
    renamed = Node("chalco", "Enterprise", {"name": "中国铝业股份有限公司", **SRC})
    ok = store.apply(
        ChangeSet(nodes=(renamed,), expect=(("chalco", "name", "中国铝业"), ("newco", "name", None)))
    )
    assert ok.nodes_updated == 1
    before = store.counts()
    stale = ChangeSet(
        nodes=(
            Node("chalco", "Enterprise", {"name": "中铝", **SRC}),
            Node("newco", "Enterprise", {"name": "新", **SRC}),
        ),
        expect=(("chalco", "name", "中国铝业"),),  # what was read before the rename above
    )
    with pytest.raises(ConflictError, match="chalco"):
        store.apply(stale)
    with pytest.raises(ConflictError, match="newco"):  # expected to exist with a name, but absent
        store.apply(
            ChangeSet(
                nodes=(Node("x1", "Enterprise", {"name": "x", **SRC}),), expect=(("newco", "name", "新"),)
            )
        )
    assert store.counts() == before
    assert store.get_node("chalco").props["name"] == "中国铝业股份有限公司"
    assert store.get_node("newco") is None and store.get_node("x1") is None


def test_a_stored_node_keeps_its_label(store):
    store.apply(small_graph())
    with pytest.raises(SchemaError, match="'al' is a Industry; it cannot become a Enterprise"):
        store.upsert_nodes([Node("al", "Enterprise", {"name": "绿色铝", **SRC})])
    assert store.get_node("al").label == "Industry"


def test_find_nodes_with_list_and_odd_keys_agrees_on_both_backends(store):
    store.apply(small_graph())
    assert [n.id for n in store.find_nodes("Enterprise", where={"aliases": ["中铝"]})] == ["chalco"]
    assert store.find_nodes("Enterprise", where={'we"ird': "x"}) == []
    assert [n.id for n in store.find_nodes("ChainNode", where={"stage": "upstream", "missing": None})] == [
        "al-alumina"
    ]


def test_a_write_with_its_ends_checked_still_refuses_a_missing_end_and_deletes_no_node(tmp_path):
    """The embedded store's import transaction (`ends_checked`: SQLite's foreign-key look-ups
    left out) still refuses an edge to a node that does not exist (the change set's own check),
    refuses to delete a node (nothing would cascade), and gives the foreign keys back after."""
    from graph.errors import StoreError
    from graph.sqlite_store import SqliteStore

    store = SqliteStore(tmp_path / "s.db")
    store.apply(small_graph())
    with (
        pytest.raises(SchemaError, match="node 'nobody' does not exist"),
        store.writing(ends_checked=True) as w,
    ):
        w.apply(ChangeSet(edges=(Edge("nobody", "OPERATES_IN", "al-primary", props=SRC),)))
    with pytest.raises(StoreError, match="deletes no node"), store.writing(ends_checked=True) as w:
        w.apply(ChangeSet(delete_nodes=("chalco",)))
    assert store.get_node("chalco") is not None
    assert store._conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    store.delete_nodes(["chalco"])  # with the foreign keys on, its edges go with it
    assert store.find_edges(source="chalco") == []
    store.close()


def test_indexes_set_aside_for_a_bulk_insert_come_back_and_a_failure_keeps_them(tmp_path):
    """`indexes_set_aside`: the edges' own indexes are gone during the insert and made again
    after it, with the same definitions; an error inside rolls the drop back with the rest."""
    from graph.sqlite_store import SqliteStore, indexes_set_aside

    def indexes(store: SqliteStore) -> list[tuple[str, str]]:
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'edges' AND sql IS NOT NULL"
        return sorted(store._conn.execute(sql).fetchall())

    store = SqliteStore(tmp_path / "s.db")
    store.apply(small_graph())
    kept = indexes(store)
    assert [name for name, _ in kept] == ["edges_by_target", "edges_by_type"]
    with store.writing() as writer, indexes_set_aside(writer.connection, "edges"):
        assert indexes(store) == []
        writer.connection.execute(
            "INSERT INTO edges(source, type, target, key, props) VALUES ('chalco', 'OPERATES_IN', 'al-primary', '', '{}')"
        )
    assert indexes(store) == kept
    assert [e.target for e in store.find_edges(type="OPERATES_IN") if e.source == "chalco"].count(
        "al-alumina"
    ) == 1
    with (
        pytest.raises(RuntimeError),
        store.writing() as writer,
        indexes_set_aside(writer.connection, "edges"),
    ):
        raise RuntimeError("a failed import")
    assert indexes(store) == kept
    store.close()

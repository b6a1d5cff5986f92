"""What only the Neo4j backend can get wrong: its schema setup, rollback of a multi-batch
transaction on the server, how connection and login failures are reported, and `sync`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ConstraintError, ServiceUnavailable

from graph import cypher
from graph.errors import SchemaError, StoreError
from graph.neo4j_store import BATCH_SIZE, Neo4jStore
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, Node
from graph.sync import sync
from tests.conftest import NEO4J_URI_ENV, neo4j_store_or_skip, skip_or_fail
from tests.graph.test_store import SRC, small_graph

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[2]
LAUNCHER_CACHE = Path(os.environ.get("CHAINKG_NEO4J_CACHE", REPO / "scripts" / "neo4j" / ".cache"))


@pytest.fixture
def neo4j() -> Iterator[Neo4jStore]:
    store = neo4j_store_or_skip()
    assert isinstance(store, Neo4jStore)
    try:
        yield store
    finally:
        store.close()


def run(store: Neo4jStore, query: str, **params: object) -> list[dict]:
    """A query through a driver of the test's own, to see what the server really holds."""
    with GraphDatabase.driver(store.uri, auth=("neo4j", "unused-password")) as driver:
        records = driver.execute_query(query, parameters_=params, database_=store.database).records
    return [r.data() for r in records]


def many_enterprises(count: int) -> tuple[Node, ...]:
    return tuple(
        Node(f"firm-{i:05d}", "Enterprise", {"name": f"企业{i}", "aliases": [f"e{i}"], **SRC})
        for i in range(count)
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_constraints_exist_after_open_and_opening_twice_is_fine(neo4j):
    again = Neo4jStore(neo4j.uri, user="neo4j", password="unused-password", database=neo4j.database)
    again.close()
    constraints = {c["name"]: c for c in run(neo4j, cypher.SHOW_CONSTRAINTS)}
    node_id = constraints["chainkg_node_id"]
    assert (node_id["type"], node_id["labelsOrTypes"], node_id["properties"]) == (
        "UNIQUENESS",
        ["Node"],
        ["id"],
    )
    assert "chainkg_meta_id" in constraints
    project_name = constraints["chainkg_project_county_name"]  # one project of a name in a county
    assert (project_name["labelsOrTypes"], project_name["properties"]) == (["Project"], ["county", "name"])
    indexes = {i["name"] for i in run(neo4j, cypher.SHOW_INDEXES)}
    assert {"chainkg_enterprise_name", "chainkg_chainnode_name", "chainkg_industry_name"} <= indexes
    # the server itself refuses a second node with an id, whatever its schema label
    neo4j.upsert_nodes([Node("dup", "Enterprise", {"name": "甲", **SRC})])
    with pytest.raises(ConstraintError):
        run(neo4j, "CREATE (:Node:Region {id: 'dup'})")
    # the store still works after the second open released its share of the driver
    assert neo4j.get_node("dup").label == "Enterprise"


def test_props_are_queryable_as_properties_and_round_trip_exactly(neo4j):
    odd = {
        "name": "云铝股份",
        "aliases": ["云铝", "Yunnan Aluminium"],
        "revenue": 5.4e10,
        "listed": True,
        "geo": {"lat": 25.0, "lon": 102.7},  # no maps as Neo4j properties: JSON copy only
        "mixed": [1, "a"],  # no mixed lists either
        "id": "not-the-node-id",  # a prop that shadows the layout's own property
        "huge": 2**70,
        **SRC,
    }
    neo4j.upsert_nodes([Node("yunnan-aluminium", "Enterprise", odd)])
    assert neo4j.get_node("yunnan-aluminium").props == odd
    stored = run(
        neo4j,
        "MATCH (n:Enterprise {name: $name}) RETURN n.id AS id, n.aliases AS aliases, n.geo AS geo",
        name="云铝股份",
    )
    assert stored == [{"id": "yunnan-aluminium", "aliases": ["云铝", "Yunnan Aluminium"], "geo": None}]
    assert [n.id for n in neo4j.find_nodes(where={"listed": True, "revenue": 5.4e10})] == ["yunnan-aluminium"]
    assert neo4j.find_nodes(where={"id": "yunnan-aluminium"}) == []
    assert [n.id for n in neo4j.find_nodes(where={"id": "not-the-node-id"})] == ["yunnan-aluminium"]


def test_progress_failing_after_the_first_batch_leaves_neo4j_unchanged(neo4j):
    neo4j.apply(small_graph())
    before = neo4j.counts()
    calls: list[int] = []

    def fail_after_first_batch(n: int) -> None:
        calls.append(n)
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        neo4j.apply(ChangeSet(nodes=many_enterprises(2500)), progress=fail_after_first_batch)
    assert calls == [BATCH_SIZE]
    assert neo4j.counts() == before
    assert run(neo4j, "MATCH (n:Node) WHERE n.id STARTS WITH 'firm-' RETURN count(n) AS n") == [{"n": 0}]


def test_server_error_in_a_later_batch_rolls_back_the_earlier_ones(neo4j, monkeypatch):
    neo4j.apply(small_graph())
    before = neo4j.counts()
    # The edge statement violates the id constraint on the server: a real Neo4j error raised
    # after three node batches (2,500 nodes) have been sent in the same transaction.
    broken = "UNWIND $rows AS row CREATE (:Node {id: 'chalco'})"
    monkeypatch.setattr(cypher, "upsert_edges", lambda edge_type: broken)
    monkeypatch.setattr(cypher, "create_edges", lambda edge_type: broken)  # the edge's firm is new
    done: list[int] = []
    firms = many_enterprises(2500)
    changes = ChangeSet(
        nodes=firms, edges=(Edge(firms[-1].id, "OPERATES_IN", "al-primary", props={"role": "major", **SRC}),)
    )
    with pytest.raises(StoreError, match=r"could not apply a change set: .*already exists") as raised:
        neo4j.apply(changes, progress=done.append)
    assert isinstance(raised.value.__cause__, ConstraintError)
    assert done == [1000, 1000, 500]
    assert neo4j.counts() == before
    assert neo4j.get_node(firms[0].id) is None


def test_unreachable_server_is_one_clear_store_error():
    port = closed_port()
    with pytest.raises(StoreError) as raised:
        Neo4jStore(f"bolt://127.0.0.1:{port}", user="neo4j", password="x", database="neo4j")
    message = str(raised.value)
    assert message.startswith(f"cannot reach Neo4j at bolt://127.0.0.1:{port}: ")
    assert "Connection refused" in message and "\n" not in message
    assert isinstance(raised.value.__cause__, ServiceUnavailable)


def test_malformed_uri_is_a_store_error():
    with pytest.raises(StoreError, match="cannot open Neo4j at http://"):
        Neo4jStore("http://127.0.0.1:7474", user="neo4j", password="x", database="neo4j")


def test_missing_database_is_a_store_error(neo4j):
    with pytest.raises(StoreError, match="database 'no-such-db'"):
        Neo4jStore(neo4j.uri, user="neo4j", password="x", database="no-such-db")


@pytest.fixture(scope="module")
def neo4j_with_password(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A second, throwaway server with auth on (about 7 s to start), from start.sh's cache."""
    if not os.environ.get(NEO4J_URI_ENV):
        skip_or_fail(f"no Neo4j server: {NEO4J_URI_ENV} is unset", "CHAINKG_REQUIRE_NEO4J")
    classes, lib = LAUNCHER_CACHE / "classes", LAUNCHER_CACHE / "lib"
    if not (classes / "StartNeo4j.class").exists() or not shutil.which("java"):
        skip_or_fail(
            f"no compiled Neo4j launcher in {LAUNCHER_CACHE} (run scripts/neo4j/start.sh)",
            "CHAINKG_REQUIRE_NEO4J",
        )
    home = tmp_path_factory.mktemp("neo4j-auth")
    port, password = closed_port(), "right-password-123"
    log = (home / "neo4j.log").open("w")
    proc = subprocess.Popen(
        [
            "java",
            "-Xmx512m",
            "-cp",
            f"{classes}:{lib}/*",
            "StartNeo4j",
            str(home / "db"),
            str(port),
            password,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while "NEO4J_READY" not in (home / "neo4j.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the auth-enabled Neo4j did not start:\n" + (home / "neo4j.log").read_text())
            time.sleep(0.3)
        yield f"bolt://127.0.0.1:{port}", password
    finally:
        proc.kill()  # a throwaway database in a temporary folder: no clean shutdown needed
        proc.wait(timeout=60)
        log.close()


def test_wrong_password_is_one_clear_store_error(neo4j_with_password):
    uri, password = neo4j_with_password
    with pytest.raises(StoreError) as raised:
        Neo4jStore(uri, user="neo4j", password="wrong-password", database="neo4j")
    assert str(raised.value).startswith(f"Neo4j at {uri} refused the login of user 'neo4j': ")
    assert isinstance(raised.value.__cause__, AuthError)
    with pytest.raises(StoreError, match=r"refused the login of user 'neo4j' \(NEO4J_PASSWORD is not set\)"):
        Neo4jStore(uri, user="neo4j", password=None, database="neo4j")
    store = Neo4jStore(uri, user="neo4j", password=password, database="neo4j")
    try:
        assert store.counts() == {}
    finally:
        store.close()


def test_view_sees_writes_made_through_another_store(neo4j):
    neo4j.apply(small_graph())
    assert not neo4j.graph().has_node("yunnan-aluminium")
    other = Neo4jStore(neo4j.uri, user="neo4j", password="unused-password", database=neo4j.database)
    try:
        other.upsert_nodes([Node("yunnan-aluminium", "Enterprise", {"name": "云铝股份", **SRC})])
    finally:
        other.close()
    assert neo4j.graph().has_node("yunnan-aluminium")


def test_sync_from_sqlite_gives_identical_reads(neo4j, tmp_path):
    source = SqliteStore(tmp_path / "source.db")
    try:
        source.apply(small_graph())
        source.upsert_nodes(
            [
                Node("fg500", "RankingList", {"name": "世界500强", **SRC}),
                Node("odd", "Enterprise", {"name": "O'Brien", "geo": {"lat": 1}, **SRC}),
            ]
        )
        source.upsert_edges(
            [
                Edge("chalco", "RANKED_IN", "fg500", key=year, props={"edition": year, "rank": rank, **SRC})
                for year, rank in (("2023", 301), ("2024", 287))
            ]
        )
        neo4j.upsert_nodes([Node("stale", "Enterprise", {"name": "旧", **SRC})])
        seen: list[int] = []

        result = sync(source, neo4j, progress=seen.append)

        assert (result.nodes_created, result.edges_created) == (7, 7)
        assert seen == [7, 7]
        assert [n for n in neo4j.find_nodes() if n.id != "stale"] == source.find_nodes()
        assert neo4j.find_edges() == source.find_edges()
        assert not sync(source, neo4j).changed

        pruned = sync(source, neo4j, prune=True)
        assert (pruned.nodes_deleted, pruned.changed) == (1, True)
        assert neo4j.find_nodes() == source.find_nodes()
        assert neo4j.counts() == source.counts()
        view, expected = neo4j.graph(), source.graph()
        assert dict(view.nodes(data=True)) == dict(expected.nodes(data=True))
        assert sorted(view.edges(keys=True, data=True)) == sorted(expected.edges(keys=True, data=True))
    finally:
        source.close()


def test_a_stored_node_cannot_change_label(neo4j):
    neo4j.upsert_nodes([Node("kunming", "Enterprise", {"name": "昆明", **SRC})])
    with pytest.raises(SchemaError, match="cannot become a Region"):
        neo4j.upsert_nodes([Node("kunming", "Region", {"name": "昆明", **SRC})])
    assert neo4j.get_node("kunming").label == "Enterprise"
    (row,) = run(neo4j, "MATCH (n:Node {id: 'kunming'}) RETURN labels(n) AS labels")
    assert sorted(row["labels"]) == ["Enterprise", "Node"]


@pytest.mark.parametrize(("at_once", "moves"), [(100, 1), (3, 8)], ids=["at-once", "in-batches"])
def test_a_graph_too_large_for_one_transaction_is_cleared_in_batches(monkeypatch, at_once, moves):
    """small_graph and two more firms: 7 nodes, 7 edges. A batch of 3 deletes the edges in
    3 + 3 + 1 and an empty last, the nodes in 3 + 3 + 1 and an empty last: 8 transactions, each
    moving the counters; within the limit, one transaction."""
    from graph import neo4j_store

    store = neo4j_store_or_skip()
    try:
        store.apply(small_graph())
        store.apply(
            ChangeSet(
                nodes=(
                    Node("f2", "Enterprise", {"name": "乙", **SRC}),
                    Node("f3", "Enterprise", {"name": "丙", **SRC}),
                ),
                edges=(
                    Edge("f2", "OPERATES_IN", "al-alumina", props={"role": "player", **SRC}),
                    Edge("f3", "OPERATES_IN", "al-primary", props={"role": "player", **SRC}),
                ),
            )
        )
        assert sum(store.counts().values()) == 14  # 7 nodes, 7 edges
        monkeypatch.setattr(neo4j_store, "CLEAR_AT_ONCE", at_once)
        version, views = store.version(), store.views_version()
        store.clear()
        assert sum(store.counts().values()) == 0
        assert store.version() == version + moves and store.views_version() == views + moves
    finally:
        store.close()

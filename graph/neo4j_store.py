"""The shared-server backend: a Neo4j 5.26 database reached with the official `neo4j` driver.

Behaves exactly like `SqliteStore`: a ChangeSet is one managed write transaction of batched
`UNWIND $rows` statements, checked against the schema first; the networkx view is cached until
the write counter on the database's meta node moves. All Cypher lives in `graph.cypher`.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import threading
from collections.abc import AsyncGenerator, Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import networkx as nx
from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationMinimumSeverity,
    RoutingControl,
    Transaction,
)
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graph import cypher, schema
from graph.errors import StoreError
from graph.store import (
    BatchWriter,
    ChangeSet,
    Edge,
    EdgeKey,
    Focus,
    Node,
    ProgressFn,
    StoreConveniences,
    T,
    WriteResult,
    batches,
    canonical_props,
    check_changes,
    check_expectations,
    check_unique,
    walked_chain,
    write_batches,
)
from graph.view import (
    KEPT_VIEW_ROWS,
    ON_CHAIN,
    ON_INDUSTRY,
    OPERATOR_COUNTS,
    KeptViews,
    Ties,
    build_view,
    focused_view,
    groups_and_partners,
    read_focus,
    ties_of,
    touches_views,
)

BATCH_SIZE = 1000
AnyTransaction = ManagedTransaction | Transaction  # a managed (retried) or an explicit one
# Property names the layout uses itself; props with these names live only in the JSON copy.
RESERVED_PROPERTIES = frozenset({"id", "key", cypher.PROPS})
CONNECTION_TIMEOUT_S = 15.0
CLEAR_AT_ONCE = 100_000  # nodes and edges `clear` deletes in one transaction (more: in batches)
# The store speaks Bolt only (the driver's HTTP Query API is a preview with other semantics).
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _batches(items: list[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    return batches(items, size)


def _grouped(items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


# -- one driver per process -------------------------------------------------------------------


@dataclass
class _SharedDriver:
    driver: Driver
    users: int = 0


_DRIVERS: dict[tuple[str, str, str | None], _SharedDriver] = {}
_DRIVERS_LOCK = threading.Lock()


def _acquire_driver(uri: str, user: str, password: str | None) -> tuple[tuple[str, str, str | None], Driver]:
    """The process's driver for (uri, user, password), created on first use.

    A driver holds its credentials, so the password is part of the key: a store opened with a
    wrong password never borrows another store's authenticated connections.
    """
    key = (uri, user, password)
    with _DRIVERS_LOCK:
        shared = _DRIVERS.get(key)
        if shared is None:
            auth = (user, password) if password is not None else None
            shared = _SharedDriver(
                GraphDatabase.driver(
                    uri,
                    auth=auth,
                    connection_timeout=CONNECTION_TIMEOUT_S,
                    # the server's hints ("type FEEDS does not exist yet" on an empty graph)
                    # would otherwise be logged as warnings on every first write of a type
                    notifications_min_severity=NotificationMinimumSeverity.OFF,
                )
            )
            _DRIVERS[key] = shared
        shared.users += 1
        return key, shared.driver


def _release_driver(key: tuple[str, str, str | None]) -> None:
    with _DRIVERS_LOCK:
        shared = _DRIVERS.get(key)
        if shared is None:
            return
        shared.users -= 1
        if shared.users <= 0:
            del _DRIVERS[key]
            shared.driver.close()


@atexit.register
def _close_all_drivers() -> None:
    with _DRIVERS_LOCK:
        for shared in _DRIVERS.values():
            shared.driver.close()
        _DRIVERS.clear()


# -- properties -------------------------------------------------------------------------------


def _is_property_value(value: Any) -> bool:
    """Whether Neo4j can hold `value` as a property: a scalar, or a non-empty list of scalars
    of one type (Neo4j has no maps, nulls or mixed lists as property values)."""
    if isinstance(value, bool | str | float):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, list | tuple) and value:
        kinds = {type(v) for v in value}
        return len(kinds) == 1 and all(_is_property_value(v) for v in value) and not (kinds & {list, tuple})
    return False


_SCALARS = frozenset({str, float, bool})


def property_map(props: Mapping[str, Any], canonical: str, **identity: str) -> dict[str, Any]:
    """What is stored on a node or relationship: the identity properties, the canonical JSON
    (read back verbatim) and every prop Neo4j can hold natively (for Cypher users and indexes).

    >>> property_map({"name": "铝", "tags": ["a"], "geo": {"lat": 1}}, "{}", id="al")
    {'name': '铝', 'tags': ['a'], '_props': '{}', 'id': 'al'}
    """
    stored = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in props.items()
        # a str, float or bool (most values) is a property as it is: no further checks
        if (type(v) in _SCALARS or _is_property_value(v))
        and isinstance(k, str)
        and k
        and k not in RESERVED_PROPERTIES
    }
    return {**stored, cypher.PROPS: canonical, **identity}


def node_row(node: Node) -> dict[str, Any]:
    """One row of `cypher.create_nodes` and `cypher.update_nodes`."""
    return {"id": node.id, "properties": property_map(node.props, canonical_props(node.props), id=node.id)}


def edge_row(edge: Edge) -> dict[str, Any]:
    """One row of `cypher.create_edges` and `cypher.upsert_edges`."""
    return {
        "source": edge.source,
        "target": edge.target,
        "key": edge.key,
        "properties": property_map(edge.props, canonical_props(edge.props), key=edge.key),
    }


async def _closes_with_loop(driver: AsyncDriver) -> AsyncGenerator[None, None]:
    """Suspended after its first step, this generator closes `driver` when it is closed: by
    `aclose()`, or by its event loop shutting down its async generators."""
    try:
        yield
    finally:
        await driver.close()


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())


class _FirstOf:
    """Keys a change set creates: `take(key)` is True for the first row of each (it creates
    the node or edge), False for any later row of the same key and for every other key."""

    def __init__(self, keys: Iterable[Hashable]) -> None:
        self._left = set(keys)

    def take(self, key: Hashable) -> bool:
        if key in self._left:
            self._left.remove(key)
            return True
        return False


# -- the store --------------------------------------------------------------------------------


class Neo4jStore(StoreConveniences):
    """GraphStore on a Neo4j 5.x database."""

    backend = "neo4j"

    def __init__(
        self,
        uri: str,
        *,
        user: str = "neo4j",
        password: str | None = None,
        database: str = "neo4j",
        batch_size: int = BATCH_SIZE,
        view_rows: int = KEPT_VIEW_ROWS,
    ) -> None:
        self.uri = uri
        self.batch_size = batch_size  # rows in one UNWIND statement (and ids in one label check)
        self.user = user
        self.database = database
        self._password_given = password is not None
        self._lock = threading.RLock()
        self._view: nx.MultiDiGraph | None = None
        self._industry_views = KeptViews(view_rows)  # kept while the meta node's `views` stays
        self._view_version: int | None = None
        self._views_stamp: int | None = None
        self._closed = False
        self._async: tuple[asyncio.AbstractEventLoop, AsyncDriver, AsyncGenerator[None, None]] | None = None
        scheme = uri.partition("://")[0]
        if "://" not in uri or scheme not in URI_SCHEMES:
            raise StoreError(
                f"cannot open Neo4j at {uri}: the URI must start with one of "
                + ", ".join(f"{s}://" for s in URI_SCHEMES)
            )
        try:
            self._driver_key, self._driver = _acquire_driver(uri, user, password)
        except (ValueError, DriverError) as exc:  # a malformed URI or driver option
            raise StoreError(f"cannot open Neo4j at {uri}: {_one_line(exc)}") from exc
        try:
            with self._driver_errors("connect"):
                self._driver.verify_connectivity()
                for statement in cypher.setup_statements():
                    self._driver.execute_query(statement, database_=database)
                self._driver.execute_query(
                    cypher.ENSURE_META, parameters_={"meta_id": cypher.META_ID}, database_=database
                )
        except BaseException:
            self.close()
            raise

    @contextmanager
    def _driver_errors(self, doing: str) -> Iterator[None]:
        """Turn the driver's exceptions into one StoreError with a clear message; anything
        else (a SchemaError, a caller's progress callback failing) passes through untouched."""
        try:
            yield
        except AuthError as exc:
            hint = "" if self._password_given else " (NEO4J_PASSWORD is not set)"
            raise StoreError(
                f"Neo4j at {self.uri} refused the login of user {self.user!r}{hint}: {_one_line(exc)}"
            ) from exc
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"cannot reach Neo4j at {self.uri}: {_one_line(exc)}") from exc
        except Neo4jError as exc:
            raise StoreError(
                f"Neo4j at {self.uri} (database {self.database!r}) could not {doing}: {_one_line(exc)}"
            ) from exc
        except DriverError as exc:
            raise StoreError(f"Neo4j driver failed to {doing} at {self.uri}: {_one_line(exc)}") from exc

    def _read(self, query: str, **params: Any) -> list[Any]:
        with self._driver_errors("read"):
            return self._driver.execute_query(
                query, parameters_=params, routing_=RoutingControl.READ, database_=self.database
            ).records

    # -- writes ---------------------------------------------------------------------------

    def apply(self, changes: ChangeSet, *, progress: ProgressFn | None = None) -> WriteResult:
        # execute_write retries the whole function on transient errors (deadlocks, leader
        # switches); counts start afresh each time, and `progress` may hear a batch twice.
        with self._lock:
            try:
                with (
                    self._driver_errors("apply a change set"),
                    self._driver.session(database=self.database) as session,
                ):
                    counts = session.execute_write(self._bump_and_write, changes, progress)
            finally:
                self._view = None
        return WriteResult(**counts)

    @contextmanager
    def writing(self, *, progress: ProgressFn | None = None) -> Iterator[BatchWriter]:
        # one explicit transaction (not retried: a streaming import cannot replay its rows)
        with self._lock:
            try:
                with (
                    self._driver_errors("write"),
                    self._driver.session(database=self.database) as session,
                    session.begin_transaction() as tx,
                ):
                    tx.run(cypher.BUMP_WRITES, meta_id=cypher.META_ID).consume()
                    yield BatchWriter(lambda changes: self._write(tx, changes, progress))
                    tx.commit()
            finally:
                self._view = None

    def _bump_and_write(
        self, tx: ManagedTransaction, changes: ChangeSet, progress: ProgressFn | None
    ) -> dict[str, int]:
        tx.run(cypher.BUMP_WRITES, meta_id=cypher.META_ID).consume()  # serialises writers first
        return self._write(tx, changes, progress)

    def _write(self, tx: AnyTransaction, changes: ChangeSet, progress: ProgressFn | None) -> dict[str, int]:
        check_expectations(
            changes.expect,
            lambda ids: {r["id"]: json.loads(r["props"]) for r in tx.run(cypher.EXISTING_NODES, ids=ids)},
        )
        check_unique(changes.unique, lambda label, where: self._ids_where(tx, label, where))
        stored: dict[str, str] = {}
        asked: set[str] = set()

        def labels_of(ids: set[str]) -> dict[str, str]:
            unasked = ids - asked
            if unasked:
                stored.update(self._labels_of(tx, unasked))
                asked.update(unasked)
            return {i: stored[i] for i in ids if i in stored}

        check_changes(changes, labels_of)
        if touches_views(changes, labels_of):
            tx.run(cypher.BUMP_VIEWS, meta_id=cypher.META_ID).consume()
        # The label check has just read which of the change set's nodes exist (writers are
        # serialised by the meta node, so that holds until commit): a node it does not hold,
        # and an edge touching one, cannot exist yet and is CREATEd, not MERGEd and compared.
        born = {n.id for n in changes.nodes} - stored.keys()
        new_nodes = _FirstOf(born)
        new_edges = _FirstOf(e.ident for e in changes.edges if e.source in born or e.target in born)
        upsert = partial(self._upsert, tx)
        return write_batches(
            changes,
            self.batch_size,
            upsert_nodes=lambda nodes: upsert(
                nodes, lambda n: (n.label, new_nodes.take(n.id)), node_row, lambda n: n.id
            ),
            upsert_edges=lambda edges: upsert(
                edges, lambda e: (e.type, new_edges.take(e.ident)), edge_row, lambda e: e.ident
            ),
            delete_edges=lambda keys: self._delete_edges(tx, keys),
            delete_nodes=lambda ids: self._delete_nodes(tx, ids),
            progress=progress,
        )

    @staticmethod
    def _upsert(
        tx: AnyTransaction,
        items: list[T],
        kind: Callable[[T], tuple[str, bool]],
        row: Callable[[T], dict[str, Any]],
        ident: Callable[[T], Hashable],
    ) -> tuple[int, int]:
        """Write one batch of nodes or edges (`row` tells which), one UNWIND statement per label
        or edge type (they cannot be parameters) and per way: `kind(item)` gives its label or
        type and whether it is new. New ones go first to the CREATE statement; the rest (stored
        nodes and edges that may be, and later rows of one created in this write) to the update
        statement, which compares the stored `_props` itself and writes only what changed. A key
        given twice goes to the update statements of successive rounds (its first row in the
        first), so that each statement names a key once and sees the rows before it written, in
        the given order, as the embedded store writes them. Returns (created, updated) as the
        statements count them.

        The statements are pipelined: each is sent as soon as its rows are built and the counts
        are read only after the last one, so the client builds a group's rows while the server
        still runs the group before (Bolt answers them in order)."""
        nodes = row is node_row
        create, update = (
            (cypher.create_nodes, cypher.update_nodes)
            if nodes
            else (cypher.create_edges, cypher.upsert_edges)
        )
        groups: dict[tuple[int, str], list[T]] = {}  # (0 new or the round of an update, name)
        seen: dict[Hashable, int] = {}
        for item in items:
            name, new = kind(item)
            if new:
                round_ = 0
            else:
                key = ident(item)
                round_ = seen[key] = seen.get(key, 0) + 1
            groups.setdefault((round_, name), []).append(item)
        sent = [
            (round_, tx.run((update if round_ else create)(name), rows=[row(item) for item in group]))
            for (round_, name), group in sorted(groups.items(), key=lambda g: g[0])
        ]
        created = updated = 0
        for round_, result in sent:
            record = result.single()
            if record:
                if not round_:
                    created += record["created"]
                elif nodes:
                    updated += record["updated"]
                else:
                    created += record["created"]
                    updated += record["updated"]
        return created, updated

    @staticmethod
    def _delete_edges(tx: AnyTransaction, keys: list[EdgeKey]) -> int:
        deleted = 0
        for edge_type, idents in _grouped(keys, lambda k: k[1]).items():
            if edge_type not in schema.EDGE_TYPES:
                continue  # no such edge can exist; like deleting an absent row
            rows = [{"source": s, "target": t, "key": k} for s, _, t, k in idents]
            deleted += tx.run(cypher.delete_edges(edge_type), rows=rows).single(strict=True)["edges"]
        return deleted

    @staticmethod
    def _delete_nodes(tx: AnyTransaction, ids: list[str]) -> tuple[int, int]:
        """(nodes deleted, edges deleted with them)."""
        edges = tx.run(cypher.COUNT_EDGES_OF_NODES, ids=ids).single(strict=True)["edges"]
        return tx.run(cypher.DELETE_NODES, ids=ids).single(strict=True)["nodes"], edges

    def _labels_of(self, tx: AnyTransaction, ids: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for batch in _batches(sorted(ids), self.batch_size):
            found.update({r["id"]: r["label"] for r in tx.run(cypher.LABELS_OF, ids=batch)})
        return found

    def views_version(self) -> int:
        """The meta node's `views` counter (see `GraphStore.views_version`)."""
        records = self._read(cypher.READ_STAMP, meta_id=cypher.META_ID)
        return int(records[0]["views"] or 0) if records else 0

    def kept_answer(self, key: str, stamp: int) -> str | None:
        """None: a shared server keeps no answers for the commands (its reads stay reads, and
        `chainkg serve` keeps its own in memory)."""
        return None

    def keep_answer(self, key: str, stamp: int, text: str) -> None:
        """Nothing is kept (see `kept_answer`)."""

    def clear(self) -> None:
        """In one transaction when the graph holds at most `CLEAR_AT_ONCE` nodes and edges; a
        larger one (a register's: deleting a million firms at once outgrows a server's
        transaction memory) a batch at a time, each batch moving the counters, so no reader keeps
        a half-cleared graph. A failure part way leaves the rest, which clearing again deletes."""

        def moved(tx: ManagedTransaction) -> None:
            tx.run(cypher.BUMP_WRITES, meta_id=cypher.META_ID).consume()
            tx.run(cypher.BUMP_VIEWS, meta_id=cypher.META_ID).consume()

        def clear_all(tx: ManagedTransaction) -> None:
            moved(tx)
            tx.run(cypher.CLEAR).consume()

        def batch(query: str) -> Callable[[ManagedTransaction], int]:
            def delete(tx: ManagedTransaction) -> int:
                moved(tx)
                return int(tx.run(query, limit=CLEAR_AT_ONCE).single(strict=True)["deleted"])

            return delete

        with self._lock:
            try:
                with (
                    self._driver_errors("clear the graph"),
                    self._driver.session(database=self.database) as session,
                ):
                    size = session.execute_read(
                        lambda tx: int(tx.run(cypher.COUNT_TO_CLEAR).single(strict=True)["entities"])
                    )
                    if size <= CLEAR_AT_ONCE:
                        session.execute_write(clear_all)
                    else:
                        for query in (cypher.CLEAR_EDGES_BATCH, cypher.CLEAR_NODES_BATCH):
                            while session.execute_write(batch(query)):
                                pass
            finally:
                self._view = None

    # -- reads ----------------------------------------------------------------------------

    @staticmethod
    def _node(record: Any) -> Node:
        return Node(record["id"], record["label"], json.loads(record["props"]))

    @staticmethod
    def _edge(record: Any) -> Edge:
        return Edge(
            record["source"], record["type"], record["target"], record["key"], json.loads(record["props"])
        )

    def get_node(self, node_id: str) -> Node | None:
        records = self._read(cypher.GET_NODE, id=node_id)
        return self._node(records[0]) if records else None

    def find_nodes(self, label: str | None = None, where: Mapping[str, Any] | None = None) -> list[Node]:
        if label is not None and label not in schema.NODE_LABELS:
            return []
        where = dict(where or {})
        # Strings (the common case, and what the name indexes serve) are matched in Cypher;
        # every item is then checked on the JSON copy, so results equal the embedded store's.
        pushed = {k: v for k, v in where.items() if isinstance(v, str) and k not in RESERVED_PROPERTIES}
        records = self._read(cypher.find_nodes(label, bool(pushed)), where=pushed)
        nodes = [self._node(r) for r in records]
        return [
            n
            for n in nodes
            if all(n.props.get(k) == v for k, v in where.items())  # None matches an absent property
        ]

    def _ids_where(self, tx: AnyTransaction, label: str, where: dict[str, str]) -> list[str]:
        """Inside a write: ids of `label` nodes holding the (string) values in `where`."""
        nodes = [self._node(r) for r in tx.run(cypher.find_nodes(label, True), where=where)]
        return [n.id for n in nodes if all(n.props.get(k) == v for k, v in where.items())]

    def find_edges(
        self, source: str | None = None, type: str | None = None, target: str | None = None
    ) -> list[Edge]:
        if type is not None and type not in schema.EDGE_TYPES:
            return []
        query = cypher.find_edges(type, by_source=source is not None, by_target=target is not None)
        records = self._read(query, source=source, target=target)
        return [self._edge(r) for r in records]

    def sources(self, type: str, targets: Iterable[str]) -> set[str]:
        if type not in schema.EDGE_TYPES:
            return set()
        return {r["id"] for r in self._read(cypher.sources(type), targets=sorted(set(targets)))}

    def ids(self, label: str) -> list[str]:
        if label not in schema.NODE_LABELS:
            return []
        return [r["id"] for r in self._read(cypher.ids(label))]

    def nodes_containing(self, label: str, text: str) -> list[Node]:
        if label not in schema.NODE_LABELS:
            return []
        return [self._node(r) for r in self._read(cypher.nodes_containing(label), text=text)]

    def counts(self) -> dict[str, int]:
        labels = self._read(cypher.COUNT_LABELS)
        types = self._read(cypher.COUNT_TYPES)
        return {**{r["name"]: r["count"] for r in labels}, **{r["name"]: r["count"] for r in types}}

    def version(self) -> int:
        """The meta node's write counter, bumped first in every write transaction."""
        records = self._read(cypher.READ_WRITES, meta_id=cypher.META_ID)
        return int(records[0]["writes"] or 0) if records else 0

    async def version_async(self) -> int:
        """`version` read with the driver's async client on the running event loop: a server
        checks the version for its requests without a worker thread per read. One auto-commit
        statement (RUN and PULL in one round trip; `execute_query`'s managed transaction adds a
        BEGIN and a COMMIT). The async driver (same URI and credentials) is made on the first call
        in a loop and closed by `aclose`, or when that loop shuts down (`asyncio.run` and uvicorn
        close a loop's async generators first), or when a call comes from another loop."""
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            self._drop_async()
            uri, user, password = self._driver_key
            driver = AsyncGraphDatabase.driver(
                uri,
                auth=(user, password) if password is not None else None,
                connection_timeout=CONNECTION_TIMEOUT_S,
                notifications_min_severity=NotificationMinimumSeverity.OFF,
            )
            closer = _closes_with_loop(driver)
            await anext(closer)  # started: the loop now finalises it when it shuts down
            self._async = (loop, driver, closer)
        with self._driver_errors("read"):
            async with self._async[1].session(
                database=self.database, default_access_mode=READ_ACCESS
            ) as session:
                result = await session.run(cypher.READ_WRITES, meta_id=cypher.META_ID)
                record = await result.single()
        return int(record["writes"] or 0) if record else 0

    def _drop_async(self) -> None:
        """Close the async driver made in another event loop, on that loop: scheduled there (it
        runs when that loop next runs, at once if it runs in another thread); a loop already
        closed closed the driver as it shut down."""
        if self._async is None:
            return
        loop, _, closer = self._async
        self._async = None
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(closer.aclose(), loop)

    async def aclose(self) -> None:
        """Close the async driver `version_async` made (in the loop it was made in)."""
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            _, _, closer = self._async
            self._async = None
            await closer.aclose()
        self._drop_async()

    def _move_to_stamp(self) -> None:
        """Drop what is kept for older counters. The counters are read before the data: a write
        landing in between makes the next call rebuild, never a stale view kept under a newer
        count."""
        records = self._read(cypher.READ_STAMP, meta_id=cypher.META_ID)
        version, views = (int(records[0][k] or 0) for k in ("writes", "views")) if records else (0, 0)
        if self._view_version != version:
            self._view = None
            self._view_version = version
        if self._views_stamp != views:
            self._industry_views.clear()
            self._views_stamp = views

    def graph(self, industry: str | None = None) -> nx.MultiDiGraph:
        """The whole graph, or one industry's part of it read with indexed Cypher queries (its
        surroundings, `_around`, exactly `industry_view`'s nodes); kept frozen (shared, not
        copied): the whole graph until the next write, an industry's part until a write touches
        what such a part holds (the meta node's `views`, `touches_views`)."""
        with self._lock:
            self._move_to_stamp()
            if industry is None:
                if self._view is None:
                    nodes = [self._node(r) for r in self._read(cypher.ALL_NODES)]
                    edges = [self._edge(r) for r in self._read(cypher.ALL_EDGES, source=None, target=None)]
                    self._view = nx.freeze(build_view(nodes, edges))
                return self._view
            return self._industry_views.of(
                industry, self._view, lambda: build_view(*self._around(industry)[:2])
            )

    def focused_graph(self, industry: str, focus: Focus) -> nx.MultiDiGraph:
        """The industry's view kept in this process if there is one, else `focus`'s part cut from
        the whole graph when that is kept (`graph.view.focused_view`), else read (`_around` with
        the focus, as the embedded store reads it), with each link's count of operators; not
        kept."""
        with self._lock:
            self._move_to_stamp()
            kept = self._industry_views.get(industry)
            if kept is not None:
                return kept
            if self._view is not None:
                return focused_view(self._view, industry, focus)
            nodes, edges, counts = self._around(industry, focus)
            view = build_view(nodes, edges)
            view.graph[OPERATOR_COUNTS] = counts
            return view

    def chain_of(self, industry: str) -> list[Node]:
        return sorted(self._chain_of(industry).values(), key=lambda n: n.id)

    def _chain_of(self, industry: str) -> dict[str, Node]:
        """`chain_walk` with each level's PART_OF edges read by their targets: the chain's nodes
        by id, as the walk read them."""

        def level(parents: list[str]) -> Iterator[tuple[str, Node]]:
            for batch in _batches(sorted(parents)):
                for r in self._read(cypher.PART_OF_INTO, ids=batch):
                    yield r["parent"], self._node(r)

        return walked_chain(industry, level)

    def _around(
        self, industry: str, focus: Focus | None = None
    ) -> tuple[list[Node], list[Edge], dict[str, int]]:
        """The nodes of `industry_view` (see `industry_nodes`, which this follows step by step,
        as the embedded store's `_around` does; with a `focus`, of `focused_view`) and the edges
        among them, read with Cypher that starts from the industry: its chain, the firms
        operating on it, the records on the chain and the industry, the firms' whole groups and
        their SUPPLIES partners, every region and list; and, with a focus, each link's count of
        operators."""
        chain = sorted(self._chain_of(industry))
        counts: dict[str, int] = {}
        if focus is None:
            firms = self.sources("OPERATES_IN", chain)  # (only an Enterprise operates on a link)
        else:
            operations = [
                (r["link"], r["firm"])
                for batch in _batches(chain)
                for r in self._read(cypher.OPERATIONS_INTO, ids=batch)
            ]
            firms, counts = read_focus(self, chain, operations, focus)
        records = {
            r["id"]
            for ends, labels in ((chain, ON_CHAIN), ([industry], ON_INDUSTRY))
            for batch in _batches(ends)
            for r in self._read(cypher.LABELLED_POINTING_AT, ids=batch, labels=sorted(labels))
        }

        # all the graph's group ties in one read when it has no more of them than the industry
        # has firms (a register names few groups), else those of the firms asked about
        stored = self._read(cypher.COUNT_GROUP_TIES)[0]["ties"]
        every = (
            ties_of((r["source"], r["type"], r["target"]) for r in self._read(cypher.EVERY_GROUP_TIE))
            if stored <= len(firms)
            else None
        )

        def ties(ids: set[str]) -> dict[str, Ties]:
            if every is not None:
                return {firm: every[firm] for firm in ids if firm in every}
            rows = [
                (r["source"], r["type"], r["target"])
                for batch in _batches(sorted(ids))
                for r in self._read(cypher.GROUP_TIES_AT, ids=batch)
            ]
            return ties_of(rows)

        around = {industry, *chain, *records, *groups_and_partners(firms, ties)}
        around |= {r["id"] for r in self._read(cypher.EVERY_REGION_AND_LIST)}
        ids = sorted(around)
        nodes = sorted(
            (self._node(r) for batch in _batches(ids) for r in self._read(cypher.NODES_BY_ID, ids=batch)),
            key=lambda n: n.id,
        )
        edges = sorted(
            (
                self._edge(r)
                for batch in _batches(ids)
                for r in self._read(cypher.EDGES_FROM, ids=batch)
                if r["target"] in around
            ),
            key=lambda e: e.ident,
        )
        return nodes, edges, counts

    def close(self) -> None:
        with self._lock:
            if self._closed or not hasattr(self, "_driver_key"):
                return
            self._closed = True
            _release_driver(self._driver_key)

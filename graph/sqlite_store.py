"""The embedded backend: one SQLite file (WAL) is the system of record.

Every write is one transaction. A row of the file's own `meta` table holds the store's version,
bumped inside every write transaction; the networkx views are cached until it moves, whichever
process wrote.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph import errors, schema
from graph.errors import StoreError
from graph.schema import PATTERNS, PROVENANCE_KEYS
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
    folded_candidates,
    walked_chain,
    write_batches,
    zero_counts,
)
from graph.text import json_value
from graph.view import (
    GROUP_TIES,
    KEPT_VIEW_ROWS,
    ON_CHAIN,
    ON_INDUSTRY,
    OPERATOR_COUNTS,
    EdgeRow,
    KeptViews,
    NodeRow,
    TieReader,
    Ties,
    collector_paused,
    focused_view,
    groups_and_partners,
    release_frozen,
    ties_of,
    touches_views,
    view_of,
)

if TYPE_CHECKING:
    import networkx as nx

BATCH_SIZE = 1000
PAGE_SIZE = 16384  # bytes a page of a new store file
# change detection inside the write: a row is rewritten only when it differs
NODE_CONFLICT = (
    "ON CONFLICT(id) DO UPDATE SET label = excluded.label, props = excluded.props "
    "WHERE nodes.label IS NOT excluded.label OR nodes.props IS NOT excluded.props"
)
EDGE_CONFLICT = (
    "ON CONFLICT(source, type, target, key) DO UPDATE SET props = excluded.props "
    "WHERE edges.props IS NOT excluded.props"
)
UPSERT_NODE = "INSERT INTO nodes(id, label, props) VALUES (?, ?, ?) " + NODE_CONFLICT
UPSERT_EDGE = "INSERT INTO edges(source, type, target, key, props) VALUES (?, ?, ?, ?, ?) " + EDGE_CONFLICT
# page cache while a write transaction is open (KiB, SQLite's negative form): a bulk import's
# upserts land all over the primary-key and target indexes, which must stay in memory to be fast
# (SQLite's default of 2 MB turns each row into page reads); given back when the write ends.
# 2 GB: a million firms' five million links write about 2.5 GB of pages in one transaction; at
# 1 GB the cache spills pages to the WAL and reads them back (the insert took 145 s on a loaded
# machine, 114 s with 4 GB); the cache only grows as far as the transaction's pages. 3.5 GB:
# at 2 GB the links import at 1M still spilled (insert, index builds and commit 54 s of CPU and
# 150 s at load 5; with 3.5 GB 49 s of CPU and 78 s at load 3.5-5; peak 4.0 GB against 3.8 GB)
WRITE_CACHE_KIB = 7 << 19
READ_CACHE_KIB = 2000  # SQLite's default
SORT_THREADS = min(4, os.cpu_count() or 1) - 1  # helper threads SQLite may sort with
KNOWN_LABELS = 2_000_000  # node labels remembered within one write transaction

_DDL = """
CREATE TABLE IF NOT EXISTS nodes (
    id    TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_by_label ON nodes(label);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    type   TEXT NOT NULL,
    target TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    key    TEXT NOT NULL DEFAULT '',
    props  TEXT NOT NULL,
    PRIMARY KEY (source, type, target, key)
);
CREATE INDEX IF NOT EXISTS edges_by_target ON edges(target, type, source);
CREATE INDEX IF NOT EXISTS edges_by_type ON edges(type);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(key, value) VALUES ('version', 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('views_token', random() & 9223372036854775807);
"""

BUMP_VERSION = "UPDATE meta SET value = value + 1 WHERE key = 'version'"
READ_VERSION = "SELECT value FROM meta WHERE key = 'version'"
# the industries' views are kept until a write touches what they can hold (`touches_views`): a
# second stamp, so the project library's writes keep them (a view of an industry of a hundred
# thousand firms takes seconds to read). A random token, not a counter: a store restored from a
# backup and written again would come back to an old count with other data, never to an old
# token, so nothing kept for a token (views in memory, `keep_answer`) is found for other data.
BUMP_VIEWS = "UPDATE meta SET value = random() & 9223372036854775807 WHERE key = 'views_token'"
READ_VIEWS = "SELECT value FROM meta WHERE key = 'views_token'"
SCHEMA_NAMES = frozenset({"nodes", "edges", "meta", "nodes_by_label", "edges_by_target", "edges_by_type"})
# `edges_by_target` holds each edge's source: the ends of a link's operations (100k at a million
# firms) come off the index alone, without a row of the table each (0.07 s against 0.3 s). A store
# whose index has (target, type) only has it made again when first opened (about 10 s at a
# million firms, once).
TARGET_INDEX_COLUMNS = ["target", "type", "source"]
META_KEYS = frozenset({"version", "views_token"})
# Answers kept for the commands (`keep_answer`) live in a file of their own beside the store
# (`answers_path`): a commit to the store's own file would move every server's `PRAGMA
# data_version` and drop what it keeps. The last few, of the current views' token only (a store
# made again at the same path, or restored from a backup, never reaches an old token with other
# data).
KEPT_ANSWERS = 64
ANSWER_COLUMNS = ["key", "stamp", "body"]  # the answers table's, as `_ANSWERS_DDL` makes it
ANSWER_WAIT_S = 0.1  # how long keeping an answer waits for another process's to end
_ANSWERS_DDL = """
CREATE TABLE IF NOT EXISTS answers (
    key   TEXT PRIMARY KEY,
    stamp INTEGER NOT NULL,
    body  TEXT NOT NULL
);
"""

READ_STAMP = "SELECT (SELECT value FROM meta WHERE key = 'version'), (SELECT value FROM meta WHERE key = 'views_token')"


def _make_private(path: Path) -> None:
    """A store made before files were created private (600): tighten it and its -wal and -shm
    files when this user owns them and others could read them."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = file.stat()
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                file.chmod(info.st_mode & 0o700)
        except OSError:  # missing, or not ours to change: connect reports real problems
            continue


PARSED_KEPT = 4096  # texts a read's JSON parser remembers


def _props_reader() -> Callable[[str], dict[str, Any]]:
    """`json.loads` for one read, parsing a text seen lately once: the edges of an imported
    table mostly carry the same provenance, and `view_of` copies what it takes, so sharing is
    safe. What it remembers is bounded (`PARSED_KEPT`): most texts of a large read are seen once."""
    parsed: dict[str, dict[str, Any]] = {}

    def read(text: str) -> dict[str, Any]:
        if text in parsed:
            return parsed[text]
        found: dict[str, Any] = json_value(text)
        if len(parsed) >= PARSED_KEPT:
            parsed.clear()
        parsed[text] = found
        return found

    return read


@contextmanager
def indexes_set_aside(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """`table`'s own indexes (not its primary key's) dropped for a bulk insert and made again
    from their stored SQL after it, inside the caller's open write transaction: building an
    index once from all its rows costs less than millions of inserts into it (5M operations
    into a 1M-firm store: 77 s for the insert with its indexes, 48 s for the insert and both
    indexes built after). Readers on other connections keep the indexes (their snapshot); an
    error inside leaves them dropped only until the transaction rolls back, as it must."""
    found = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
        " ORDER BY name",
        (table,),
    ).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in found:
        conn.execute(sql)


STAGE_ROWS = 50_000  # staged rows handed to SQLite at once
# NODE_CONFLICT for staged rows: a stored node keeps its label (a NULL label is refused: the
# insert stops, and `StagedWrite` names the node)
_STAGED_NODE_CONFLICT = (
    "ON CONFLICT(id) DO UPDATE SET label = CASE WHEN nodes.label = excluded.label THEN nodes.label END,"
    " props = excluded.props WHERE nodes.label IS NOT excluded.label OR nodes.props IS NOT excluded.props"
)


# The chain's operations (an Enterprise OPERATES_IN a link: the schema's one pattern of that
# type), from the links in the TEMP table `around`: their ends come off the covering
# `edges_by_target`, no row of the table read; CROSS JOIN keeps SQLite from starting elsewhere.
OPERATING = "FROM around a CROSS JOIN edges e ON e.target = a.id AND e.type = 'OPERATES_IN'"


class StagedWrite:
    """Nodes and edges gathered inside an open write transaction (`BatchWriter.connection`) and
    written when it is done by one upsert a table, in key order: a bulk import's rows go into
    TEMP tables kept in key order instead of a checked change set every few thousand rows, and
    no node's stored label is looked up one batch at a time.

    `finish` checks what `check_changes` checks, over all the staged rows at once and before
    anything is written (a label the schema lacks, an empty id, an id given with two labels, a
    stored node given another label, an edge whose end neither is staged nor stored, a pattern
    the schema does not allow), then upserts the nodes and then the edges with the store's own
    change detection; the last row given for a key wins, as in a change set. The counts are
    `BatchWriter.count`'s. Writing many rows sets the tables' other indexes aside meanwhile."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._labels: dict[str, str] = {}  # staged node id -> label
        # (source's label, or None and its id; type; target's the same) -> the first such edge
        self._patterns: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self._nodes: list[tuple[Any, ...]] = []
        self._edges: list[tuple[Any, ...]] = []
        self.staged_nodes = self.staged_edges = 0
        for table in ("staged_nodes", "staged_edges"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        # a row's rowid is its place in the order given (the last row for a key wins)
        conn.execute("CREATE TEMP TABLE staged_nodes(id TEXT, label TEXT, props TEXT)")
        conn.execute(
            "CREATE TEMP TABLE staged_edges(source TEXT, type TEXT, target TEXT, key TEXT, props TEXT)"
        )
        self._last_props: tuple[Any, str] = (None, "")  # an edge's properties and their JSON

    def add_node(self, node: Node) -> None:
        label, node_id = node.label, node.id
        given = self._labels.get(node_id)
        if given is None:
            if not node_id:
                schema.check_label(label)
                raise errors.SchemaError(f"a {label} node has an empty id")
            if label not in schema.NODE_LABELS:
                schema.check_label(label)
            self._labels[node_id] = label
        elif given != label:
            raise errors.SchemaError(f"node {node_id!r} given as {given} and as {label}")
        self._nodes.append((node_id, label, canonical_props(node.props)))
        if len(self._nodes) >= STAGE_ROWS:
            self._stage()

    def add_edge(self, edge: Edge) -> None:
        labels = self._labels
        source, kind, target = edge.source, edge.type, edge.target
        a, b = labels.get(source), labels.get(target)
        pattern = (a, a is None and source, kind, b, b is None and target)
        if pattern not in self._patterns:
            self._patterns[pattern] = (source, kind, target)
        props, text = self._last_props  # an import's edges mostly carry the same properties
        if props != edge.props:
            text = canonical_props(edge.props)
            self._last_props = (edge.props, text)
        self._edges.append((source, kind, target, edge.key, text))
        if len(self._edges) >= STAGE_ROWS:
            self._stage()

    def _stage(self) -> None:
        conn = self._conn
        if self._nodes:
            conn.executemany("INSERT INTO temp.staged_nodes VALUES (?, ?, ?)", self._nodes)
            self.staged_nodes += len(self._nodes)
            self._nodes.clear()
        if self._edges:
            conn.executemany("INSERT INTO temp.staged_edges VALUES (?, ?, ?, ?, ?)", self._edges)
            self.staged_edges += len(self._edges)
            self._edges.clear()

    def _check(self) -> None:
        conn = self._conn
        # the edges' ends staged after the edge, else stored (looked up once each)
        unknown = sorted(
            {
                end
                for pattern in self._patterns
                for label, end in ((pattern[0], pattern[1]), (pattern[3], pattern[4]))
                if label is None and end not in self._labels
            }
        )
        stored: dict[str, str] = {}
        for batch in _batches(unknown):
            marks = ",".join("?" * len(batch))
            stored.update(
                conn.execute(f"SELECT id, label FROM nodes WHERE id IN ({marks})", batch).fetchall()
            )
        for (a, a_id, kind, b, b_id), (source, _kind, target) in self._patterns.items():
            ends = []
            for label, end in ((a, a_id), (b, b_id)):
                label = label or self._labels.get(end) or stored.get(end)
                if label is None:
                    raise errors.SchemaError(
                        f"edge {source} -[{kind}]-> {target}: node {end!r} does not exist"
                    )
                ends.append(label)
            schema.check_pattern(ends[0], kind, ends[1])

    def _label_clash(self) -> None:
        """Raise for the stored node a staged one would give another label (the staged upsert
        writes NULL for such a label, which the table refuses: no look-up a row before it)."""
        clash = self._conn.execute(
            "SELECT s.id, n.label, s.label FROM temp.staged_nodes s JOIN main.nodes n ON n.id = s.id"
            " WHERE n.label <> s.label LIMIT 1"
        ).fetchone()
        if clash:
            raise errors.SchemaError(f"node {clash[0]!r} is a {clash[1]}; it cannot become a {clash[2]}")

    def finish(self) -> dict[str, int]:
        """Check and write everything staged (see the class); returns the counts written."""
        self._stage()
        self._check()
        conn = self._conn
        counts = zero_counts()
        for table, staged, key, columns, conflict in (
            ("nodes", self.staged_nodes, "id", "label, props", _STAGED_NODE_CONFLICT),
            ("edges", self.staged_edges, "source, type, target, key", "props", EDGE_CONFLICT),
        ):
            if not staged:
                continue
            top = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]
            aside = indexes_set_aside(conn, table) if staged * 2 >= top else contextlib.nullcontext()
            with aside:
                before = conn.total_changes
                # the last row given for a key, found by sorting keys and rowids alone (the
                # properties are read after the grouping)
                try:
                    conn.execute(
                        f"INSERT INTO {table}({key}, {columns}) SELECT {key}, {columns} FROM"
                        f" (SELECT max(rowid) AS last FROM temp.staged_{table} GROUP BY {key}) g"
                        f" CROSS JOIN temp.staged_{table} s ON s.rowid = g.last WHERE true {conflict}"
                    )
                except sqlite3.IntegrityError:
                    self._label_clash()
                    raise
                changed = conn.total_changes - before
            created = conn.execute(f"SELECT count(*) FROM {table} WHERE rowid > ?", (top,)).fetchone()[0]
            counts[f"{table}_created"], counts[f"{table}_updated"] = created, changed - created
        for table in ("staged_nodes", "staged_edges"):
            conn.execute(f"DROP TABLE temp.{table}")
        return counts


def _batches(items: list[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    return batches(items, size)


class SqliteStore(StoreConveniences):
    """GraphStore on a single SQLite file."""

    backend = "sqlite"

    def __init__(self, path: str | Path, *, view_rows: int = KEPT_VIEW_ROWS) -> None:
        """The store in the file at `path` (made if missing); `view_rows`: the nodes and edges of
        industries' views kept in memory (`KeptViews`)."""
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # it holds password and token hashes: private (600) from creation; SQLite gives the
            # -wal and -shm files the database file's mode
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except OSError:  # it exists (or cannot be made: connect says why)
                _make_private(self.path)
        try:
            self._conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            # a new file's pages (an existing one keeps its own): 16 KB pages make a register's
            # bulk import about a tenth faster than SQLite's 4 KB (the 1M links 78-86 s against
            # 86-96 s, paired) for an industry's read about 5% slower; set before WAL, which
            # fixes the page size
            self._conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # (a new file; or an import writing with the rollback journal, which puts WAL back
                # when it ends: opening meanwhile still reads what was there before it)
                self._journal_mode("wal")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            # reads of a large store: map the file instead of copying pages, and keep more of
            # them (a larger map saves about a tenth of an industry read at a million firms, but
            # an industry's firms lie all over the file, so the process would map nearly all of it)
            self._conn.execute("PRAGMA mmap_size=268435456")
            self._conn.execute("PRAGMA cache_size=-65536")
            if not self._schema_in_place():
                # a write: it would wait for an import to end
                if self._index_columns("edges_by_target") not in ([], TARGET_INDEX_COLUMNS):
                    self._conn.execute("DROP INDEX edges_by_target")  # an older store's
                self._conn.executescript(_DDL)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the embedded store at {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._view: nx.MultiDiGraph | None = None
        self._industry_views = KeptViews(view_rows)
        self._view_version: int | None = None
        self._views_stamp: int | None = None
        self._answers_conn: sqlite3.Connection | None = None

    def _schema_in_place(self) -> bool:
        """Whether the file has every table, index and meta row `_DDL` makes, read without a
        write (an import's long transaction holds the write lock)."""
        conn = self._conn
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        if not SCHEMA_NAMES <= names:
            return False
        keys = {k for (k,) in conn.execute("SELECT key FROM meta")}
        return META_KEYS <= keys and self._index_columns("edges_by_target") == TARGET_INDEX_COLUMNS

    def _index_columns(self, index: str) -> list[str]:
        """The columns of `index`, in order (none: no such index)."""
        return [row[2] for row in self._conn.execute("SELECT * FROM pragma_index_info(?)", (index,))]

    def _journal_mode(self, mode: str) -> bool:
        """Switch the file to `mode` (`wal`, `delete`) if it can be now: leaving WAL needs the
        file to itself (no other connection open), and while an import writes with the rollback
        journal nobody else can switch. Whether the file is in `mode` afterwards."""
        try:
            return bool(self._conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return False

    # -- writes ---------------------------------------------------------------------------

    def apply(self, changes: ChangeSet, *, progress: ProgressFn | None = None) -> WriteResult:
        with self.writing(progress=progress) as writer:
            writer.apply(changes)
        return writer.result

    @contextmanager
    def writing(
        self, *, progress: ProgressFn | None = None, ends_checked: bool = False
    ) -> Iterator[BatchWriter]:
        """One write transaction. `ends_checked`: the writer sees to it that every edge's ends
        exist (an import: each change set is checked before it is written, and a bulk path
        points only at nodes it read or wrote in this transaction) and deletes no node, so
        SQLite's own foreign-key look-ups (two an edge) are left out while it is open."""
        with self._lock:
            conn = self._conn
            # a bulk import's staging tables and sorts in memory, not in a temporary file
            # (TEMP tables only: the store itself is written with its journal as always)
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA threads = {SORT_THREADS}")  # a large sort's runs merged by helpers
            if ends_checked:
                conn.execute("PRAGMA foreign_keys = OFF")  # (a no-op inside a transaction: set before it)
            # An import, when no other connection has the file open, writes with the rollback
            # journal instead of the WAL: a large one's pages then go once into the file instead
            # of into the WAL and again into the file at the checkpoint (the 1M links import
            # 77-79 s against 85-87 s, paired); synced fully, as the WAL's NORMAL is not enough
            # for that journal. Others may still open the file and read what was there before.
            rollback = ends_checked and self._journal_mode("delete")
            if rollback:
                conn.execute("PRAGMA synchronous = FULL")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                conn.execute("PRAGMA foreign_keys = ON")
                self._back_to_wal(rollback)
                raise StoreError(f"cannot start a write on {self.path}: {exc}") from exc
            conn.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
            try:
                conn.execute(BUMP_VERSION)
                known: dict[str, str] = {}  # labels looked up during this transaction
                views = [False]  # whether a change set touched what the industries' views hold

                def write(changes: ChangeSet) -> dict[str, int]:
                    if ends_checked and changes.delete_nodes:
                        raise StoreError("a write with its edges' ends checked deletes no node (no cascade)")
                    return self._checked_write(changes, progress, known, views)

                writer = BatchWriter(write, conn)
                yield writer
                if views[0] or writer.connection_used:  # (a bulk import's own SQL: anything)
                    conn.execute(BUMP_VIEWS)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                conn.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
                conn.execute("PRAGMA foreign_keys = ON")
                self._back_to_wal(rollback)

    def _back_to_wal(self, rollback: bool) -> None:
        """After a write with the rollback journal: the WAL again (if another connection's open
        got in the way, the next store opened on the file puts it back)."""
        if rollback:
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._journal_mode("wal")

    def _checked_write(
        self,
        changes: ChangeSet,
        progress: ProgressFn | None,
        known: dict[str, str] | None = None,
        views: list[bool] | None = None,
    ) -> dict[str, int]:
        """Check and write one change set. `known` keeps the labels of stored nodes from one
        change set of a transaction to the next (a streaming import names the same products and
        firms batch after batch); a label never changes, and a deletion empties it. `views[0]`
        is set when the change set touches what the industries' views hold."""
        known = {} if known is None else known

        def labels_of(ids: set[str]) -> dict[str, str]:
            if len(known) > KNOWN_LABELS:
                known.clear()
            unseen = ids - known.keys()
            if unseen:
                known.update(self._labels_of(unseen))
            return {i: known[i] for i in ids if i in known}

        check_expectations(changes.expect, self._props_of)
        check_unique(changes.unique, lambda label, where: [n.id for n in self.find_nodes(label, where)])
        check_changes(changes, labels_of)
        if views is not None and not views[0]:
            views[0] = touches_views(changes, labels_of)
        if changes.delete_nodes:
            known.clear()
        return self._write(changes, progress)

    def _write(self, changes: ChangeSet, progress: ProgressFn | None) -> dict[str, int]:
        # change detection inside the write: an upsert that touches only rows that differ;
        # inserted rows take rowids past the batch's starting maximum, so they count as created
        return write_batches(
            changes,
            BATCH_SIZE,
            upsert_nodes=lambda batch: self._upsert(
                "nodes", UPSERT_NODE, [(n.id, n.label, canonical_props(n.props)) for n in batch]
            ),
            upsert_edges=lambda batch: self._upsert(
                "edges", UPSERT_EDGE, [(*e.ident, canonical_props(e.props)) for e in batch]
            ),
            delete_edges=self._delete_edges,
            delete_nodes=self._delete_nodes,
            progress=progress,
            in_key_order=True,
        )

    def _delete_edges(self, keys: list[EdgeKey]) -> int:
        sql = "DELETE FROM edges WHERE source = ? AND type = ? AND target = ? AND key = ?"
        return sum(self._conn.execute(sql, key).rowcount for key in keys)

    def _delete_nodes(self, ids: list[str]) -> tuple[int, int]:
        """(nodes deleted, edges deleted with them: the foreign keys cascade)."""
        marks = ",".join("?" * len(ids))
        edges = self._conn.execute(
            f"SELECT count(*) FROM edges WHERE source IN ({marks}) OR target IN ({marks})", [*ids, *ids]
        ).fetchone()[0]
        return self._conn.execute(f"DELETE FROM nodes WHERE id IN ({marks})", ids).rowcount, edges

    def _upsert(self, table: str, sql: str, rows: list[tuple[str, ...]]) -> tuple[int, int]:
        """Run an upsert over `rows`; return (rows created, rows updated)."""
        conn = self._conn
        top = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        before = conn.total_changes
        conn.executemany(sql, rows)
        changed = conn.total_changes - before
        created = conn.execute(f"SELECT count(*) FROM {table} WHERE rowid > ?", (top,)).fetchone()[0]
        return created, changed - created

    def _existing_nodes(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(f"SELECT id, label, props FROM nodes WHERE id IN ({marks})", ids)
        return {r[0]: (r[1], r[2]) for r in rows}

    def _props_of(self, ids: list[str]) -> dict[str, Mapping[str, Any]]:
        return {node_id: json.loads(props) for node_id, (_, props) in self._existing_nodes(ids).items()}

    def _labels_of(self, ids: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        id_list = sorted(ids)
        for batch in _batches(id_list):
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(f"SELECT id, label FROM nodes WHERE id IN ({marks})", batch)
            found.update({r[0]: r[1] for r in rows})
        return found

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(BUMP_VERSION)
                self._conn.execute(BUMP_VIEWS)
                self._conn.execute("DELETE FROM edges")
                self._conn.execute("DELETE FROM nodes")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def views_version(self) -> int:
        with self._lock:
            return int(self._conn.execute(READ_VIEWS).fetchone()[0])

    def answers_path(self) -> Path | None:
        """The file the commands' answers are kept in: the store's name with `-answers` (none
        for a store in memory)."""
        return None if str(self.path) == ":memory:" else self.path.with_name(self.path.name + "-answers")

    def _answers(self) -> sqlite3.Connection | None:
        """The answers file's connection, opened on first use (None when it cannot be: a
        read-only folder keeps no answers). Private (600) like the store: it holds its names."""
        if self._answers_conn is None:
            path = self.answers_path()
            if path is None:
                return None
            try:
                try:
                    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                except FileExistsError:
                    pass
                conn = sqlite3.connect(
                    str(path), isolation_level=None, check_same_thread=False, timeout=ANSWER_WAIT_S
                )
            except (OSError, sqlite3.Error):
                return None
            try:
                columns = [row[1] for row in conn.execute("PRAGMA table_info(answers)")]
                if columns and columns != ANSWER_COLUMNS:  # another release's: a cache, made again
                    conn.execute("DROP TABLE answers")
                conn.executescript(_ANSWERS_DDL)
            except sqlite3.Error:  # busy, or not an answers file
                conn.close()
                return None
            self._answers_conn = conn
        return self._answers_conn

    def kept_answer(self, key: str, stamp: int) -> str | None:
        with self._lock:
            conn = self._answers()
            if conn is None:
                return None
            try:
                row = conn.execute(
                    "SELECT body FROM answers WHERE key = ? AND stamp = ?", (key, stamp)
                ).fetchone()
            except sqlite3.Error:  # being written by another process, or not an answers file
                return None
        return None if row is None else str(row[0])

    def keep_answer(self, key: str, stamp: int, text: str) -> None:
        """Kept in the answers file (`answers_path`), with the answers of other stamps dropped,
        and at most `KEPT_ANSWERS` rows. The store's own file is not written: its version, its
        views and every server's data version stay."""
        with self._lock:
            conn = self._answers()
            if conn is None:
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute("DELETE FROM answers WHERE stamp != ?", (stamp,))
                    conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, stamp, text))
                    conn.execute(
                        "DELETE FROM answers WHERE rowid NOT IN"
                        " (SELECT rowid FROM answers ORDER BY rowid DESC LIMIT ?)",
                        (KEPT_ANSWERS,),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error:
                pass  # read-only, busy with another process's answer, or full: computed next time

    # -- reads ----------------------------------------------------------------------------

    def get_node(self, node_id: str) -> Node | None:
        with self._lock:
            row = self._conn.execute("SELECT id, label, props FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return Node(row[0], row[1], json.loads(row[2])) if row else None

    def find_nodes(self, label: str | None = None, where: Mapping[str, Any] | None = None) -> list[Node]:
        sql = "SELECT id, label, props FROM nodes"
        clauses: list[str] = []
        params: list[Any] = []
        if label is not None:
            clauses.append("label = ?")
            params.append(label)
        in_python: dict[str, Any] = {}
        for key, value in (where or {}).items():
            # SQL for plain values under plain keys; lists, None and odd keys compare in Python,
            # the way the Neo4j store compares them
            if isinstance(value, str | int | float) and re.fullmatch(r"[\w-]+", key):
                clauses.append("json_extract(props, ?) = ?")
                params.extend([f'$."{key}"', value])
            else:
                in_python[key] = value
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        nodes = [Node(r[0], r[1], json.loads(r[2])) for r in rows]
        return [n for n in nodes if all(n.props.get(k) == v for k, v in in_python.items())]

    def find_edges(
        self, source: str | None = None, type: str | None = None, target: str | None = None
    ) -> list[Edge]:
        clauses: list[str] = []
        params: list[str] = []
        for column, value in (("source", source), ("type", type), ("target", target)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT source, type, target, key, props FROM edges"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY source, type, target, key", params).fetchall()
        return [Edge(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def node_props(self, label: str, keys: tuple[str, ...]) -> list[Node]:
        if not keys or not all(re.fullmatch(r"[\w-]+", k) for k in keys):
            return super().node_props(label, keys)
        if len(keys) == 1:  # one key: its value's JSON text (SQL NULL: absent)
            key = keys[0]
            sql = f"SELECT id, props -> '$.\"{key}\"' FROM nodes WHERE label = ? ORDER BY id"
            with self._lock:
                rows = self._conn.execute(sql, (label,)).fetchall()
            return [Node(i, label, {} if v is None else {key: json.loads(v)}) for i, v in rows]
        # one JSON array of the wanted values a node, decoded in Python (SQL NULL: absent)
        paths = ", ".join(f"'$.\"{k}\"'" for k in keys)
        sql = f"SELECT id, json_extract(props, {paths}) FROM nodes WHERE label = ? ORDER BY id"
        with self._lock:
            rows = self._conn.execute(sql, (label,)).fetchall()
        found = []
        for node_id, values in rows:
            props = {k: v for k, v in zip(keys, json.loads(values), strict=True) if v is not None}
            found.append(Node(node_id, label, props))
        return found

    def edge_ends(self, type: str) -> set[tuple[str, str]]:
        with self._lock:
            return set(self._conn.execute("SELECT source, target FROM edges WHERE type = ?", (type,)))

    def sources(self, type: str, targets: Iterable[str]) -> set[str]:
        ends = sorted(set(targets))
        found: set[str] = set()
        with self._lock:
            for batch in _batches(ends, 500):  # each target's edges off `edges_by_target`
                marks = ",".join("?" * len(batch))
                found.update(
                    source
                    for (source,) in self._conn.execute(
                        f"SELECT source FROM edges WHERE target IN ({marks}) AND type = ?", (*batch, type)
                    )
                )
        return found

    def ids(self, label: str) -> list[str]:
        with self._lock:
            return [
                i for (i,) in self._conn.execute("SELECT id FROM nodes WHERE label = ? ORDER BY id", (label,))
            ]

    def nodes_containing(self, label: str, text: str) -> list[Node]:
        # one pass over the label's rows in SQLite, no JSON decoded but for the rows found
        sql = (
            "SELECT id, label, props FROM nodes WHERE label = ? AND (instr(props, ?) > 0 OR instr(id, ?) > 0)"
        )
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", (label, text, text)).fetchall()
        return [Node(r[0], r[1], json.loads(r[2])) for r in rows]

    def nodes_folded_containing(self, label: str, text: str) -> list[Node]:
        """The stored JSON or id with ASCII letters lowered (SQLite's `lower`) holding the text
        lowered, or the JSON holding a character whose folding could make part of it
        (`folded_candidates`)."""
        wanted, folding = folded_candidates(text)
        either = "".join(" OR instr(props, ?) > 0" for _ in folding)
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, label, props FROM nodes WHERE label = ?"
                f" AND (instr(lower(props), ?) > 0 OR instr(lower(id), ?) > 0{either}) ORDER BY id",
                (label, wanted, wanted, *folding),
            ).fetchall()
        props = _props_reader()
        return [Node(node_id, found, props(body)) for node_id, found, body in rows]

    def chain_of(self, industry: str) -> list[Node]:
        """Walked a level of PART_OF at a time from the industry (`_chain_of`)."""
        with self._lock:
            return sorted(self._chain_of(industry).values(), key=lambda node: node.id)

    def counts(self) -> dict[str, int]:
        with self._lock:
            labels = self._conn.execute("SELECT label, count(*) FROM nodes GROUP BY label").fetchall()
            types = self._conn.execute("SELECT type, count(*) FROM edges GROUP BY type").fetchall()
        return {**{k: v for k, v in labels}, **{k: v for k, v in types}}

    def sourced_counts(self, labels: Iterable[str], types: Iterable[str]) -> tuple[int, int]:
        """Counted by SQLite over the stored JSON (`sourced`: each provenance key neither
        missing, null nor empty)."""
        given = " AND ".join(f"coalesce(json_extract(props, '$.{key}'), '') != ''" for key in PROVENANCE_KEYS)
        facts = sourced = 0
        with self._lock:
            for table, column, names in (("nodes", "label", labels), ("edges", "type", types)):
                names = sorted(set(names))
                count, found = self._conn.execute(
                    f"SELECT count(*), total({given}) FROM {table} WHERE {column} IN ({','.join('?' * len(names))})",
                    names,
                ).fetchone()
                facts, sourced = facts + count, sourced + int(found)
        return facts, sourced

    def _all(self) -> nx.MultiDiGraph:
        """The whole graph's view, built from the rows as they come."""
        props = _props_reader()
        return view_of(
            (
                (node_id, label, props(text))
                for node_id, label, text in self._conn.execute(
                    "SELECT id, label, props FROM nodes ORDER BY id"
                )
            ),
            (
                (source, kind, target, key, props(text))
                for source, kind, target, key, text in self._conn.execute(
                    "SELECT source, type, target, key, props FROM edges ORDER BY source, type, target, key"
                )
            ),
        )

    def version(self) -> int:
        with self._lock:
            return int(self._conn.execute(READ_VERSION).fetchone()[0])

    def graph(self, industry: str | None = None) -> nx.MultiDiGraph:
        """The whole graph, or one industry's part of it. An industry's part is read with a few
        queries instead of the whole file (which after a large import takes minutes to load):
        exactly `industry_view`'s nodes (`_around`; tests compare the two). Each is read in one
        read transaction (a snapshot) and kept frozen: the whole graph until the version moves,
        an industry's part until a write touches what such a part holds (`touches_views`)."""
        with self._lock:
            self._move_to(self._stamp())
            if industry is None:
                if self._view is None:
                    import networkx as nx  # (see `graph.view.view_of`)

                    with collector_paused():
                        self._view = nx.freeze(self._snapshot(self._all))
                return self._view

            def read() -> nx.MultiDiGraph:
                with collector_paused():
                    return self._snapshot(lambda: view_of(*self._around(industry)[:2]))

            return self._industry_views.of(industry, self._view, read)

    def focused_graph(self, industry: str, focus: Focus) -> nx.MultiDiGraph:
        """The industry's view kept in this process if there is one (it holds the focused part),
        else `focus`'s part cut from the whole graph when that is kept (`graph.view.focused_view`),
        else read in one snapshot (`_around` with the focus; tests compare it with
        `focused_view`), with each link's count of operators, and not kept: a command asks one
        question."""
        with self._lock:
            self._move_to(self._stamp())
            kept = self._industry_views.get(industry)
            if kept is not None:
                return kept
            if self._view is not None:
                return focused_view(self._view, industry, focus)

            def read() -> nx.MultiDiGraph:
                nodes, edges, counts = self._around(industry, focus)
                view = view_of(nodes, edges)
                view.graph[OPERATOR_COUNTS] = counts
                return view

            with collector_paused(freeze=False):
                return self._snapshot(read)

    def _stamp(self) -> tuple[int, int]:
        """(version, views): the write counter and the industries' views' token."""
        version, views = self._conn.execute(READ_STAMP).fetchone()
        return int(version), int(views or 0)

    def _move_to(self, stamp: tuple[int, int]) -> None:
        """Drop the views kept for an older `stamp` (the whole graph's by the version, the
        industries' by the views' token), and let the collector see what `collector_paused`
        hid from it (a dropped view's few reference cycles are freed only by the collector)."""
        version, views = stamp
        if views != self._views_stamp:
            self._industry_views.clear()
            self._views_stamp = views
        if version != self._view_version:
            if self._view is not None:
                self._view = None
                release_frozen()
            self._view_version = version

    def _snapshot(self, read: Callable[[], T]) -> T:
        """`read()` inside one read transaction. A write landing since the stamp was read moves
        the cache to the snapshot's stamp (dropping what was cached), so older data is never
        cached under a newer stamp."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            self._move_to(self._stamp())
            return read()
        finally:
            conn.execute("COMMIT")

    def _around(
        self, industry: str, focus: Focus | None = None
    ) -> tuple[Iterator[NodeRow], Iterator[EdgeRow], dict[str, int]]:
        """The nodes of `industry_view` (see `industry_nodes`, which this follows step by step;
        with a `focus`, of `focused_view`) and the edges among them, read with indexed look-ups
        that start from the industry, so the read costs what the industry's surroundings cost,
        not what the store holds; and, with a focus, each chain link's count of operators."""
        conn = self._conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS around(id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM around")
        chain = set(self._chain_of(industry))
        conn.executemany("INSERT INTO around VALUES (?)", [(n,) for n in sorted(chain | {industry})])
        # every join below starts from the small `around` table (CROSS JOIN keeps SQLite from
        # choosing to scan the store's tables instead); the operations are `OPERATING`'s
        counts: dict[str, int] = {}
        if focus is None:
            conn.execute(f"INSERT OR IGNORE INTO around SELECT e.source {OPERATING}")
            firms = {firm for (firm,) in conn.execute("SELECT id FROM around")} - chain - {industry}
        else:
            firms, counts = self._focused_firms(chain, focus)
            conn.executemany("INSERT OR IGNORE INTO around VALUES (?)", [(firm,) for firm in sorted(firms)])
        records = [
            source
            for ends, labels in ((sorted(chain), ON_CHAIN), ([industry], ON_INDUSTRY))
            for source in self._pointing(ends, labels)
        ]
        grouped = groups_and_partners(firms, self._ties_reader(len(firms)))
        conn.executemany(
            "INSERT OR IGNORE INTO around VALUES (?)", [(n,) for n in {*records, *grouped} - firms]
        )
        conn.execute(
            "INSERT OR IGNORE INTO around SELECT id FROM nodes WHERE label IN ('Region', 'RankingList')"
        )
        props = _props_reader()
        # rows handed on as they come (the caller builds the view from them inside the read
        # transaction), never held all at once beside the view built from them
        nodes: Iterator[NodeRow] = (
            (node_id, label, props(text))
            for node_id, label, text in conn.execute(
                "SELECT n.id, n.label, n.props FROM around a CROSS JOIN nodes n ON n.id = a.id ORDER BY a.id"
            )
        )
        # in the whole graph's order (SQLite's byte order of UTF-8 is Python's order of str),
        # sorted by SQLite: `around` is walked in id order and each firm's edges come off the
        # primary key in order of type, so only each firm's few edges are sorted
        edges: Iterator[EdgeRow] = (
            (source, kind, target, key, props(text))
            for source, kind, target, key, text in conn.execute(
                "SELECT e.source, e.type, e.target, e.key, e.props FROM around s"
                " CROSS JOIN edges e ON e.source = s.id CROSS JOIN around t ON t.id = e.target"
                " ORDER BY s.id, e.type, e.target, e.key"
            )
        )
        return nodes, edges, counts

    def _focused_firms(self, chain: set[str], focus: Focus) -> tuple[set[str], dict[str, int]]:
        """`graph.view.read_focus` in SQL, for the chain's links in `around`: the firms operating
        on them that `focus` reads whole, and each link's count of operators. The operators (a
        hundred thousand for an industry at a million firms) are joined in SQLite, not handed
        to Python: the firms with a site in the focus's regions go to a TEMP table (off
        `edges_by_target`), and the operations off the same index are probed against it."""
        conn = self._conn
        counts = dict.fromkeys(sorted(chain), 0)
        counts.update(conn.execute(f"SELECT e.target, count(*) {OPERATING} GROUP BY e.target"))
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS focused(id TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute("DELETE FROM focused")
        for batch in _batches(sorted(focus.local)):  # the firms with a site in the regions
            marks = ",".join("?" * len(batch))
            conn.execute(
                "INSERT OR IGNORE INTO focused SELECT source FROM edges"
                f" WHERE target IN ({marks}) AND type = 'HAS_SITE'",
                batch,
            )
        if focus.ranked:  # and those on a ranking list
            conn.execute(
                "INSERT OR IGNORE INTO focused SELECT e.source FROM nodes n CROSS JOIN edges e"
                " ON e.target = n.id AND e.type = 'RANKED_IN' WHERE n.label = 'RankingList'"
            )
        conn.executemany("INSERT OR IGNORE INTO focused VALUES (?)", [(f,) for f in sorted(focus.firms)])
        firms = {
            firm
            for (firm,) in conn.execute(
                f"SELECT e.source {OPERATING} CROSS JOIN focused f ON f.id = e.source"
            )
        }
        for link in sorted(focus.links & chain):  # every operator of the links asked about
            firms.update(
                source
                for (source,) in conn.execute(
                    "SELECT source FROM edges WHERE target = ? AND type = 'OPERATES_IN'", (link,)
                )
            )
        return firms, counts

    def _chain_of(self, industry: str) -> dict[str, Node]:
        """`chain_walk` with each level's PART_OF edges read by their targets: the chain's nodes
        by id, as the walk read them."""

        def level(parents: list[str]) -> Iterator[tuple[str, Node]]:
            for batch in batches(parents, BATCH_SIZE):
                for child, parent, label, text in self._conn.execute(
                    "SELECT n.id, e.target, n.label, n.props FROM edges e CROSS JOIN nodes n ON n.id = e.source"
                    f" WHERE e.target IN ({','.join('?' * len(batch))}) AND e.type = 'PART_OF'"
                    " AND n.label = 'ChainNode'",
                    batch,
                ):
                    yield parent, Node(child, label, json_value(text))

        return walked_chain(industry, level)

    def _pointing(self, ends: list[str], labels: frozenset[str]) -> list[str]:
        """The nodes labelled one of `labels` with an edge into one of `ends` (of any of the edge
        types the schema allows out of those labels)."""
        types = sorted({kind for source, kind, _ in PATTERNS if source in labels})
        found: list[str] = []
        for batch in batches(ends, BATCH_SIZE):
            found += (
                source
                for (source,) in self._conn.execute(
                    "SELECT DISTINCT e.source FROM edges e CROSS JOIN nodes n ON n.id = e.source"
                    f" WHERE e.target IN ({','.join('?' * len(batch))})"
                    f" AND e.type IN ({','.join('?' * len(types))})"
                    f" AND n.label IN ({','.join('?' * len(labels))})",
                    [*batch, *types, *sorted(labels)],
                )
            )
        return found

    def _ties_reader(self, firms: int) -> TieReader:
        """`Ties` read from the store: all SUBSIDIARY_OF and SUPPLIES edges at once when the
        store has no more of them than the industry has firms (a register names few groups),
        else those of the firms asked about, by index."""
        conn, kinds = self._conn, ",".join(f"'{kind}'" for kind in GROUP_TIES)
        (stored,) = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM edges WHERE type IN ({kinds}) LIMIT ?)", (firms + 1,)
        ).fetchone()
        every = (
            ties_of(conn.execute(f"SELECT source, type, target FROM edges WHERE type IN ({kinds})"))
            if stored <= firms
            else None
        )

        def read(ids: set[str]) -> dict[str, Ties]:
            if every is not None:
                return {firm: every[firm] for firm in ids if firm in every}
            rows: list[tuple[str, str, str]] = []
            for batch in batches(sorted(ids), BATCH_SIZE):
                marks = ",".join("?" * len(batch))
                rows += conn.execute(
                    f"SELECT source, type, target FROM edges WHERE source IN ({marks}) AND type IN ({kinds})"
                    f" UNION SELECT source, type, target FROM edges WHERE target IN ({marks}) AND type IN ({kinds})",
                    [*batch, *batch],
                )
            return ties_of(rows)

        return read

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            if self._answers_conn is not None:
                self._answers_conn.close()

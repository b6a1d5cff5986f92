"""The GraphStore protocol every backend implements, and the pieces they share.

A write is a `ChangeSet` applied in one transaction: all of it or none of it, and only if its
preconditions (`expect`) still hold inside that transaction. Reads return
`Node`/`Edge` records or a networkx `MultiDiGraph` view (the whole graph or one industry).
"""

from __future__ import annotations

import json
import json.encoder
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from graph import schema
from graph.errors import ConflictError, SchemaError

if TYPE_CHECKING:
    import networkx as nx

ProgressFn = Callable[[int], None]


@dataclass(frozen=True)
class Node:
    """A node: stable id, one schema label, and JSON-serialisable properties."""

    id: str
    label: str
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.props.get("name", self.id))


@dataclass(frozen=True)
class Edge:
    """A directed edge. (source, type, target, key) identifies it; `key` tells apart parallel
    edges of one type, such as two editions of one ranking list."""

    source: str
    type: str
    target: str
    key: str = ""
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.source, self.type, self.target, self.key)


EdgeKey = tuple[str, str, str, str]


Expectation = tuple[str, str, Any]  # (node id, property, the value it must have; None: absent)
# (label, ((property, value), ...), node id): no node of that label but this one may hold all the values
Uniqueness = tuple[str, tuple[tuple[str, Any], ...], str]


@dataclass(frozen=True)
class ChangeSet:
    """What one transaction does: upserts, then deletions (a deleted node takes its edges).

    `expect` holds preconditions checked inside the transaction before anything is written
    (optimistic locking across processes): each (node id, property, value) must hold, a missing
    node or property counting as None; otherwise the store raises ConflictError and writes nothing.
    `unique` does the same for uniqueness (one project of a name in a county, whoever writes).
    """

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    delete_nodes: tuple[str, ...] = ()
    delete_edges: tuple[EdgeKey, ...] = ()
    expect: tuple[Expectation, ...] = ()
    unique: tuple[Uniqueness, ...] = ()

    def __len__(self) -> int:
        return len(self.nodes) + len(self.edges) + len(self.delete_nodes) + len(self.delete_edges)


@dataclass(frozen=True)
class WriteResult:
    """Counts of what a transaction changed; `changed` is False for a no-op."""

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_deleted: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_deleted: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.nodes_created,
                self.nodes_updated,
                self.nodes_deleted,
                self.edges_created,
                self.edges_updated,
                self.edges_deleted,
            )
        )


@dataclass(frozen=True)
class Focus:
    """The part of an industry's view a question reads (a focused view): of the firms operating
    on the chain, those with a site in one of the `local` regions (HAS_SITE), those operating on
    one of `links`, those on a ranking list when `ranked`, and those among `firms`, each with
    its whole group and partners; the chain, its records, the regions and lists as the whole
    view holds them. Every other operator is only counted: the view's graph attribute
    `graph.view.OPERATOR_COUNTS` gives each link's OPERATES_IN edges, in the store, held or not.

    A focused view is a part of the whole one (what it holds, it holds with every edge among
    them), and a store may give the whole view for it: the analyses read a link's count of
    operators through `graph.view.operator_count`. At a million firms, a gap table needs the
    province's own firms (a tenth of the industry's), not the hundred thousand firms elsewhere."""

    local: frozenset[str]
    links: frozenset[str] = frozenset()
    ranked: bool = False
    firms: frozenset[str] = frozenset()


@runtime_checkable
class GraphStore(Protocol):
    """What analyses, ingest and the interfaces need from a graph store."""

    backend: str

    def apply(self, changes: ChangeSet, *, progress: ProgressFn | None = None) -> WriteResult:
        """Apply `changes` in one transaction (batched); on any error nothing is written."""
        ...

    def writing(self, *, progress: ProgressFn | None = None) -> AbstractContextManager[BatchWriter]:
        """One write transaction left open for several change sets (each checked like `apply`'s);
        committed when the block ends, rolled back (nothing written) when it raises."""
        ...

    def upsert_nodes(self, nodes: Iterable[Node]) -> WriteResult: ...

    def upsert_edges(self, edges: Iterable[Edge]) -> WriteResult: ...

    def delete_nodes(self, ids: Iterable[str]) -> WriteResult: ...

    def get_node(self, node_id: str) -> Node | None: ...

    def find_nodes(self, label: str | None = None, where: Mapping[str, Any] | None = None) -> list[Node]:
        """Nodes with `label` whose properties equal every item of `where` (None: the property is
        absent), ordered by id."""
        ...

    def find_edges(
        self, source: str | None = None, type: str | None = None, target: str | None = None
    ) -> list[Edge]: ...

    def node_props(self, label: str, keys: tuple[str, ...]) -> list[Node]:
        """The nodes of `label` with only the properties `keys` (those they have), ordered by id:
        what an import needs of a million enterprises without reading everything else."""
        ...

    def edge_ends(self, type: str) -> set[tuple[str, str]]:
        """(source, target) of every edge of `type`, without their properties."""
        ...

    def sources(self, type: str, targets: Iterable[str]) -> set[str]:
        """The ids of the nodes with an edge of `type` into one of `targets`, without reading
        the edges' properties (a filter's firms: 100k of them at a million)."""
        ...

    def ids(self, label: str) -> list[str]:
        """The ids of the nodes of `label`, in order, without their properties."""
        ...

    def nodes_containing(self, label: str, text: str) -> list[Node]:
        """The nodes of `label` whose id or stored properties (canonical JSON) contain `text`,
        ordered by id: every node a name search for `text` can find, and maybe a few more, for it
        to check exactly without decoding every node's properties. Only for a `narrowable` text
        (Chinese, digits, punctuation: nothing case folding changes or JSON escapes)."""
        ...

    def nodes_folded_containing(self, label: str, text: str) -> list[Node]:
        """The nodes of `label` among which are all whose id or names (`NAME_KEYS`) hold `text`
        case-folded, ordered by id, with at least those names: for a `foldable` text (ASCII, as
        an English name), a few more than that for the caller to check exactly, without reading
        every node's properties where the store can narrow them (`folded_candidates`)."""
        ...

    def chain_of(self, industry: str) -> list[Node]:
        """The chain nodes of `industry` (`graph.view.chain_node_ids`), by id, read with what
        the chain holds, not with every chain node of the store (a register's import names tens
        of thousands of products)."""
        ...

    def counts(self) -> dict[str, int]:
        """Node counts per label and edge counts per type, in one dict."""
        ...

    def sourced_counts(self, labels: Iterable[str], types: Iterable[str]) -> tuple[int, int]:
        """(facts, sourced): how many nodes of `labels` and edges of `types` there are, and how
        many of them carry every one of `schema.PROVENANCE_KEYS` (`sourced`), counted by the store
        without reading them into Python where it can (`chainkg stats` on a register of a
        million firms)."""
        ...

    def graph(self, industry: str | None = None) -> nx.MultiDiGraph:
        """A networkx view of everything, or of one industry (see `industry_view`): the store's
        cached view itself, frozen (read-only, shared until the next write); a caller that wants
        to change it takes a copy (`view.copy()`)."""
        ...

    def focused_graph(self, industry: str, focus: Focus) -> nx.MultiDiGraph:
        """The part of one industry's view a question reads (`graph.store.Focus`: the firms it
        names whole, the other operators counted), frozen or not; a store may give the whole
        industry view, which holds that part (the analyses give the same answers on either)."""
        ...

    def version(self) -> int:
        """The store's version: bumped inside every write transaction, by whichever process
        writes, so an answer computed at one version is current while the version stays."""
        ...

    def views_version(self) -> int:
        """The industries' views' stamp: changed inside every write that touches what an
        industry's view can hold (`graph.view.touches_views`), so an answer computed from
        industries' views alone is current while it stays (the project library's writes, users'
        sign-ins and parks leave it). Only its equality means anything: the embedded store's is
        a random token, never the same for other data, even after a backup is restored."""
        ...

    def kept_answer(self, key: str, stamp: int) -> str | None:
        """The text `keep_answer` kept for `key` at `stamp`, if the store keeps answers and holds
        one for that key at that stamp."""
        ...

    def keep_answer(self, key: str, stamp: int, text: str) -> None:
        """Keep `text`, an answer computed from the store at `stamp` (a `version` or a
        `views_version`, read before computing), for later processes to find with `kept_answer`.
        Best effort: a store that cannot keep it now (a read-only folder, another process
        keeping one) keeps nothing and says nothing; the answer is computed again next time."""
        ...

    def clear(self) -> None:
        """Remove every node and edge (tests, and `build --fresh`)."""
        ...

    def close(self) -> None: ...


def sourced(props: Mapping[str, Any]) -> bool:
    """Whether a fact carries its provenance: each of `schema.PROVENANCE_KEYS` given, neither null nor
    empty."""
    return all(props.get(k) not in (None, "") for k in schema.PROVENANCE_KEYS)


class StoreConveniences:
    """Single-purpose writes expressed as a ChangeSet, shared by every backend."""

    def apply(self, changes: ChangeSet, *, progress: ProgressFn | None = None) -> WriteResult:
        raise NotImplementedError

    def upsert_nodes(self, nodes: Iterable[Node]) -> WriteResult:
        return self.apply(ChangeSet(nodes=tuple(nodes)))

    def upsert_edges(self, edges: Iterable[Edge]) -> WriteResult:
        return self.apply(ChangeSet(edges=tuple(edges)))

    def delete_nodes(self, ids: Iterable[str]) -> WriteResult:
        return self.apply(ChangeSet(delete_nodes=tuple(ids)))

    def find_nodes(self, label: str | None = None, where: Mapping[str, Any] | None = None) -> list[Node]:
        raise NotImplementedError

    def find_edges(
        self, source: str | None = None, type: str | None = None, target: str | None = None
    ) -> list[Edge]:
        raise NotImplementedError

    def graph(self, industry: str | None = None) -> nx.MultiDiGraph:
        raise NotImplementedError

    def focused_graph(self, industry: str, focus: Focus) -> nx.MultiDiGraph:
        """`GraphStore.focused_graph` as the whole industry view (a backend may read less)."""
        return self.graph(industry)

    def node_props(self, label: str, keys: tuple[str, ...]) -> list[Node]:
        """`GraphStore.node_props` through `find_nodes` (a backend may read less)."""
        return [
            Node(n.id, n.label, {k: n.props[k] for k in keys if k in n.props}) for n in self.find_nodes(label)
        ]

    def edge_ends(self, type: str) -> set[tuple[str, str]]:
        """`GraphStore.edge_ends` through `find_edges` (a backend may read less)."""
        return {(e.source, e.target) for e in self.find_edges(type=type)}

    def sources(self, type: str, targets: Iterable[str]) -> set[str]:
        """`GraphStore.sources` through `find_edges` (a backend may read less)."""
        return {e.source for target in set(targets) for e in self.find_edges(type=type, target=target)}

    def ids(self, label: str) -> list[str]:
        """`GraphStore.ids` through `find_nodes` (a backend may read less)."""
        return [n.id for n in self.find_nodes(label)]

    def sourced_counts(self, labels: Iterable[str], types: Iterable[str]) -> tuple[int, int]:
        """`GraphStore.sourced_counts` through `find_nodes` and `find_edges`, a label or type at a
        time (a backend may count in place)."""
        facts = [n.props for label in sorted(set(labels)) for n in self.find_nodes(label)]
        facts += [e.props for kind in sorted(set(types)) for e in self.find_edges(type=kind)]
        return len(facts), sum(map(sourced, facts))

    def nodes_folded_containing(self, label: str, text: str) -> list[Node]:
        """`GraphStore.nodes_folded_containing`: every node's names, matched exactly."""
        wanted = text.casefold()
        return [
            node
            for node in self.node_props(label, NAME_KEYS)
            if any(wanted in name.casefold() for name in names_of(node))
        ]

    def chain_of(self, industry: str) -> list[Node]:
        """`GraphStore.chain_of` from every chain node and PART_OF edge (a backend may walk the
        chain alone)."""
        links = {node.id: node for node in self.find_nodes("ChainNode")}
        below: dict[str, list[str]] = {}
        for edge in self.find_edges(type="PART_OF"):
            if edge.source in links:
                below.setdefault(edge.target, []).append(edge.source)
        members = chain_walk(
            industry,
            lambda parents: (
                (parent, child, "ChainNode", links[child].props)
                for parent in parents
                for child in below.get(parent, ())
            ),
        )
        return [links[node_id] for node_id in sorted(members)]

    def nodes_containing(self, label: str, text: str) -> list[Node]:
        """`GraphStore.nodes_containing` through `find_nodes` (a backend may search in place)."""
        return [node for node in self.find_nodes(label) if text in node.id + canonical_props(node.props)]


PartOf = tuple[str, str, str, Mapping[str, Any]]  # (parent, child, child's label, child's props)


def chain_walk(industry: str, children: Callable[[list[str]], Iterable[PartOf]]) -> set[str]:
    """The chain nodes of `industry`: a ChainNode PART_OF the industry, or PART_OF one of its
    chain nodes and naming the industry among its `industries` (so a product under a shared
    segment belongs only to the chains it names, and a vendor's sub-products imported under a
    curated node, which name no industry, never enter the chain analyses). Walked a level at a
    time: `children(parents)` gives the PART_OF edges into `parents`, whoever reads them (a view,
    a store).

    >>> parts = {"ind": [("a", "ChainNode", {})], "a": [("a1", "ChainNode", {"industries": ["ind"]}), ("p", "ChainNode", {})]}
    >>> sorted(chain_walk("ind", lambda ps: ((p, c, label, props) for p in ps for c, label, props in parts.get(p, ()))))
    ['a', 'a1']
    """
    members: set[str] = set()
    frontier = [industry]
    while frontier:
        reached = []
        for parent, child, label, props in children(frontier):
            if label != "ChainNode" or child in members:
                continue
            if parent != industry and industry not in props.get("industries", ()):
                continue
            members.add(child)
            reached.append(child)
        frontier = reached
    return members


def walked_chain(industry: str, level: Callable[[list[str]], Iterable[tuple[str, Node]]]) -> dict[str, Node]:
    """`chain_walk` over a store's reads: `level(parents)` gives (parent, child) for the PART_OF
    edges into `parents`; the chain's nodes by id, as the walk read them."""
    read: dict[str, Node] = {}

    def children(parents: list[str]) -> Iterator[PartOf]:
        for parent, found in level(parents):
            node = read.setdefault(found.id, found)
            yield parent, node.id, node.label, node.props

    return {node_id: read[node_id] for node_id in chain_walk(industry, children)}


NAME_KEYS = ("name", "name_en", "aliases")  # a node's names, besides its id
# the characters whose case folding holds an ASCII character (ß folds to ss, the Kelvin sign to
# k, the ligature ﬁ to fi); tests check the list against every code point
FOLDS_TO_ASCII = (
    "\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
)


def names_of(node: Node) -> list[str]:
    """A node's id and its names (`NAME_KEYS`), those given."""
    names = [node.id, str(node.props.get("name") or ""), str(node.props.get("name_en") or "")]
    names += [str(a) for a in node.props.get("aliases") or []]
    return [n for n in names if n]


def foldable(text: str) -> bool:
    """Whether `nodes_folded_containing` takes `text`: printable ASCII but `"` and `\\`, as an
    English name is (so a store can match it against its stored JSON with ASCII letters lowered).

    >>> foldable("LONGi Green"), foldable("隆基"), foldable('a"b'), foldable("")
    (True, False, False, False)
    """
    return bool(text) and all(ch.isascii() and ch.isprintable() and ch not in '"\\' for ch in text)


def folded_candidates(text: str) -> tuple[str, list[str]]:
    """What a store looks for to narrow `nodes_folded_containing` for a `foldable` text: the text
    with its ASCII letters lowered, to find in a stored text with its ASCII letters lowered, and
    the characters of `FOLDS_TO_ASCII` whose folding could make part of it, any of which a stored
    text holding could match too. A name holds the text case-folded only if one of these does: a
    stretch of ASCII in a folded name comes from a stretch of ASCII in the name, or takes in the
    folding of such a character (all of it inside, or its end at the text's start, or its start
    at the text's end).

    >>> folded_candidates("LONGi")  # İ folds to i and a combining dot; ﬂ to fl: "ﬂongi" holds it
    ('longi', ['İ', 'ﬂ', 'ﬄ'])
    >>> folded_candidates("ABB")[1], folded_candidates("solar")[1]
    ([], ['ß', 'ſ', 'ẞ'])
    """
    wanted = text.casefold()
    return wanted, [ch for ch in FOLDS_TO_ASCII if _could_make_part(ch.casefold(), wanted)]


def _could_make_part(folded: str, text: str) -> bool:
    """Whether a stretch of ASCII `text` could take in a part of `folded` (a character's
    folding) with the rest of the stretch outside it."""
    size = len(folded)
    for start in range(size):
        for end in range(start + 1, size + 1):
            part = folded[start:end]
            if part.isascii() and (
                part == text
                or (end == size and text.startswith(part))
                or (start == 0 and text.endswith(part))
                or (start == 0 and end == size and part in text)
            ):
                return True
    return False


def narrowable(text: str) -> bool:
    """Whether `nodes_containing` can narrow a name search for `text`: its characters are all
    ones no case folding makes or changes and JSON keeps as they are (letters of scripts without
    case such as Chinese, digits, spaces, punctuation but `"` and `\\`), so a stored name holds
    it case-folded exactly when its raw text does. A text with Latin letters is not (ß folds to
    ss, the Kelvin sign to k).

    >>> narrowable("云南 铝业 2024"), narrowable("隆基（保山）"), narrowable("longi"), narrowable('云"南')
    (True, True, False, False)
    >>> narrowable("Ⅰ"), narrowable("ⅰ"), narrowable("①"), narrowable("\\\\")
    (False, False, True, False)
    """
    return all(
        (ch.isascii() and ch.isprintable() and not ch.isalpha() and ch not in '"\\')
        or (
            (unicodedata.category(ch) == "Lo" or unicodedata.category(ch)[0] in "NPSZ")
            and ch.casefold() == ch.lower() == ch.upper() == ch
            and not ch.isascii()
        )
        for ch in text
    )


class BatchWriter:
    """Change sets applied one after another inside one open write transaction (a streaming
    import): `apply` checks and writes one batch, `result` adds up what all of them changed.
    The transaction commits when the `with` block ends, and rolls back if it raises."""

    def __init__(self, write: Callable[[ChangeSet], dict[str, int]], connection: Any = None) -> None:
        self._write = write
        self._counts = zero_counts()
        self._connection = connection
        self.connection_used = False

    @property
    def connection(self) -> Any:
        """The embedded store's sqlite3 connection, inside the open transaction: a bulk import
        stages and writes its rows in SQL there (None on a backend without one). Asking for it
        counts as writing anything (`connection_used`)."""
        self.connection_used = True
        return self._connection

    def apply(self, changes: ChangeSet) -> None:
        self.count(self._write(changes))

    def count(self, counts: Mapping[str, int]) -> None:
        """Add what a write made outside `apply` (a bulk import's SQL) to `result`."""
        for key, value in counts.items():
            self._counts[key] += value

    @property
    def result(self) -> WriteResult:
        return WriteResult(**self._counts)


T = TypeVar("T")
WRITE_COUNTS = (
    "nodes_created",
    "nodes_updated",
    "nodes_deleted",
    "edges_created",
    "edges_updated",
    "edges_deleted",
)


def batches(items: list[T], size: int) -> Iterator[list[T]]:
    """`items` in consecutive slices of at most `size` (the unit of one batched write)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_batches(
    changes: ChangeSet,
    size: int,
    *,
    upsert_nodes: Callable[[list[Node]], tuple[int, int]],
    upsert_edges: Callable[[list[Edge]], tuple[int, int]],
    delete_edges: Callable[[list[EdgeKey]], int],
    delete_nodes: Callable[[list[str]], tuple[int, int]],
    progress: ProgressFn | None = None,
    in_key_order: bool = False,
) -> dict[str, int]:
    """A checked ChangeSet written in batches of at most `size`, in the order every backend
    keeps (node upserts, edge upserts, edge deletions, node deletions), adding up the counts
    and telling `progress` the rows of each batch written.

    The backend's four writers each take one batch: `upsert_nodes` and `upsert_edges` return
    (created, updated), `delete_edges` the edges deleted, `delete_nodes` (nodes deleted, edges
    deleted with them). Deletion batches hold each id or edge key once. With `in_key_order`, the upserts
    go in key order (a stable sort: a row given twice is still written in its given order), so
    that consecutive writes touch neighbouring index pages.
    """
    nodes: Iterable[Node] = changes.nodes
    edges: Iterable[Edge] = changes.edges
    if in_key_order:
        nodes = sorted(nodes, key=lambda n: n.id)
        edges = sorted(edges, key=lambda e: e.ident)
    steps: tuple[tuple[Iterable[Any], Callable[[list[Any]], tuple[int, ...]], tuple[str, ...]], ...] = (
        (nodes, upsert_nodes, ("nodes_created", "nodes_updated")),
        (edges, upsert_edges, ("edges_created", "edges_updated")),
        (
            changes.delete_edges,
            lambda keys: (delete_edges(list(dict.fromkeys(tuple(k) for k in keys))),),
            ("edges_deleted",),
        ),
        (
            changes.delete_nodes,
            lambda ids: delete_nodes(list(dict.fromkeys(ids))),
            ("nodes_deleted", "edges_deleted"),
        ),
    )
    counts = zero_counts()
    for items, write, names in steps:
        for batch in batches(list(items), size):
            for name, count in zip(names, write(batch), strict=True):
                counts[name] += count
            if progress:
                progress(len(batch))
    return counts


def zero_counts() -> dict[str, int]:
    """The counters a backend's write fills in, as WriteResult takes them."""
    return dict.fromkeys(WRITE_COUNTS, 0)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
# json.dumps makes a new C encoder on every call (most of its cost for a small dict); this is the
# one it would make for `_CANONICAL`, made once (no circular-reference check: props are flat)
_MAKE_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_CANONICAL = (
    _MAKE_C_ENCODER(None, None, json.encoder.encode_basestring, None, ": ", ", ", True, False, True)
    if _MAKE_C_ENCODER is not None
    else None
)


def canonical_props(props: Mapping[str, Any]) -> str:
    """Properties as canonical JSON: the form stored and compared to detect real changes.

    >>> canonical_props({"name": "云南", "as_of": "2024", "note": None})
    '{"as_of": "2024", "name": "云南"}'
    """
    if None in props.values():
        props = {k: v for k, v in props.items() if v is not None}
    if _C_CANONICAL is not None and type(props) is dict:
        return "".join(_C_CANONICAL(props, 0))
    return _CANONICAL.encode(props)


def check_changes(changes: ChangeSet, existing_labels: Callable[[set[str]], dict[str, str]]) -> None:
    """Check a ChangeSet against the schema before any of it is written.

    `existing_labels(ids)` returns the labels of those ids already in the store.

    Raises:
        SchemaError: a label, type or pattern the schema does not allow, an edge to a node
            that will not exist, a node id given twice with two labels, or a stored node given
            another label.
    """
    labels: dict[str, str] = {}
    for node in changes.nodes:
        schema.check_label(node.label)
        if not node.id:
            raise SchemaError(f"a {node.label} node has an empty id")
        if labels.get(node.id, node.label) != node.label:
            raise SchemaError(f"node {node.id!r} given as {labels[node.id]} and as {node.label}")
        labels[node.id] = node.label
    if labels:  # an id names one thing: a stored node keeps its label
        for node_id, stored in existing_labels(set(labels)).items():
            if stored != labels[node_id]:
                raise SchemaError(f"node {node_id!r} is a {stored}; it cannot become a {labels[node_id]}")
    wanted = {e.source for e in changes.edges} | {e.target for e in changes.edges}
    missing_in_batch = wanted - labels.keys()
    if missing_in_batch:
        labels.update({k: v for k, v in existing_labels(missing_in_batch).items() if k not in labels})
    # each pattern is checked once per change set; only a failure walks the edges again, to
    # name the first edge at fault
    try:
        patterns = {(labels[e.source], e.type, labels[e.target]) for e in changes.edges}
        for pattern in patterns:
            schema.check_pattern(*pattern)
    except (KeyError, SchemaError):
        for edge in changes.edges:
            for end in (edge.source, edge.target):
                if end not in labels:
                    raise SchemaError(
                        f"edge {edge.source} -[{edge.type}]-> {edge.target}: node {end!r} does not exist"
                    ) from None
            schema.check_pattern(labels[edge.source], edge.type, labels[edge.target])
        raise


def check_expectations(
    expect: Iterable[Expectation], current_props: Callable[[list[str]], dict[str, Mapping[str, Any]]]
) -> None:
    """Check a ChangeSet's preconditions; backends call this inside the write transaction, after
    taking the lock that serialises writers, so nothing can change between check and write.

    `current_props(ids)` returns the stored properties of those ids that exist.

    Raises:
        ConflictError: naming the first node whose property is not the expected value.
    """
    wanted = list(expect)
    if not wanted:
        return
    found = current_props(sorted({node_id for node_id, _, _ in wanted}))
    for node_id, key, value in wanted:
        actual = found.get(node_id, {}).get(key)
        if actual != value:
            raise ConflictError(
                f"node {node_id!r} changed since it was read: {key} is {actual!r}, expected {value!r}"
            )


def check_unique(unique: Iterable[Uniqueness], find_ids: Callable[[str, dict[str, Any]], list[str]]) -> None:
    """Check a ChangeSet's uniqueness rules inside the write transaction (like `check_expectations`).

    `find_ids(label, where)` returns the ids of stored nodes of `label` holding every value in `where`.

    Raises:
        ConflictError: naming the node that already holds the values.
    """
    for label, values, own_id in unique:
        others = [i for i in find_ids(label, dict(values)) if i != own_id]
        if others:
            held = ", ".join(f"{k}={v!r}" for k, v in values)
            raise ConflictError(f"{label} {others[0]} already has {held}")

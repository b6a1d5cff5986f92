"""The networkx view of the graph, and the part of it one industry's analyses need.

Pure functions over Node/Edge records and networkx graphs, shared by every backend.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from graph.store import Focus, chain_walk

if TYPE_CHECKING:
    import networkx as nx

    from graph.store import ChangeSet, Edge, GraphStore, Node

NodeRow = tuple[str, str, Mapping[str, Any]]  # (id, label, props)
EdgeRow = tuple[str, str, str, str, Mapping[str, Any]]  # (source, type, target, key, props)


def build_view(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.MultiDiGraph:
    """The networkx form of a graph: node attributes are the properties plus `label`; each edge
    is keyed `TYPE` or `TYPE:key` and carries its properties plus `type`."""
    return view_of(
        ((node.id, node.label, node.props) for node in nodes),
        ((edge.source, edge.type, edge.target, edge.key, edge.props) for edge in edges),
    )


@contextmanager
def collector_paused(*, freeze: bool = True) -> Iterator[None]:
    """Python's cyclic garbage collector kept off a large view while it is read and built, and
    after, while it is kept: the hundreds of thousands of dicts of an industry of a hundred
    thousand firms set off collection after collection that scan everything built so far and
    find nothing (over half the build's time at a million firms), and every later full
    collection would scan the kept view again. So: collect what is garbage now, pause, build,
    and move what was built out of the collector's sight (`gc.freeze`), until the store that
    keeps it drops it (`release_frozen`); restored even on an error. `freeze=False` for a view
    read once and not kept: only the pause."""
    was_enabled = gc.isenabled()
    if freeze:
        gc.collect()  # nothing collectable is frozen with the view (in steady state a small pass)
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            freeze_kept()
        if was_enabled:
            gc.enable()


def freeze_kept() -> None:
    """Move everything alive now out of the collector's sight (`gc.freeze`), until
    `release_frozen`: for what a process keeps until the store moves on (a store's views, a
    server's kept answers), which a full collection would otherwise walk every time."""
    gc.freeze()


def release_frozen() -> None:
    """Give the collector back what `freeze_kept` froze, when what was kept is dropped for a
    newer version (networkx views hold a few reference cycles, so a dropped view is freed only
    by the collector). Everything frozen is released, whoever froze it."""
    gc.unfreeze()


KEPT_VIEW_ROWS = 1_500_000  # nodes and edges of the industries' views a store keeps by default


class KeptViews:
    """The industries' views a store keeps, least recently used first, within `budget` nodes
    and edges in all: at a million firms an industry's view holds about 300k of them (400-500
    MB), so a served process keeping all twelve would hold 5-6 GB. The view last asked for is
    kept whatever its size; a dropped one is given back to the collector (`release_frozen`)."""

    def __init__(self, budget: int = KEPT_VIEW_ROWS) -> None:
        self.budget = budget
        self._views: OrderedDict[str, tuple[nx.MultiDiGraph, int]] = OrderedDict()

    def get(self, industry: str) -> nx.MultiDiGraph | None:
        kept = self._views.get(industry)
        if kept is None:
            return None
        self._views.move_to_end(industry)
        return kept[0]

    def keep(self, industry: str, view: nx.MultiDiGraph) -> nx.MultiDiGraph:
        # counted off the adjacency dicts (`number_of_edges` walks networkx's degree views)
        rows = len(view._node) + sum(len(keyed) for ends in view._succ.values() for keyed in ends.values())
        self._views[industry] = (view, rows)
        self._views.move_to_end(industry)
        dropped = False
        while len(self._views) > 1 and sum(rows for _, rows in self._views.values()) > self.budget:
            self._views.popitem(last=False)
            dropped = True
        if dropped:
            release_frozen()
        return view

    def of(
        self, industry: str, whole: nx.MultiDiGraph | None, read: Callable[[], nx.MultiDiGraph]
    ) -> nx.MultiDiGraph:
        """`industry`'s kept view, else cut from the store's `whole` graph when it has one, else
        `read()` from the store; kept frozen (shared read-only)."""
        kept = self.get(industry)
        if kept is not None:
            return kept
        import networkx as nx  # (see `view_of`)

        found = industry_view(whole, industry) if whole is not None else read()
        return self.keep(industry, nx.freeze(found))

    def clear(self) -> None:
        """Drop every view (the store moved on)."""
        if self._views:
            self._views.clear()
            release_frozen()

    def __len__(self) -> int:
        return len(self._views)


def view_of(nodes: Iterable[NodeRow], edges: Iterable[EdgeRow]) -> nx.MultiDiGraph:
    """`build_view` of plain rows, (id, label, props) and (source, type, target, key, props), for a
    store's reads: it fills networkx's adjacency dicts (`_node`, `_succ`, `_pred`, the structure
    its docs describe) the way `add_node` and `add_edge` do, without their per-call overhead, which
    dominates reading an industry of a hundred thousand firms. The properties are copied.

    >>> g = view_of([("a", "Enterprise", {"name": "A"})], [("a", "HAS_SITE", "r", "hq", {"kind": "hq"})])
    >>> sorted(g.nodes(data=True)), list(g.edges(keys=True, data=True))
    ([('a', {'name': 'A', 'label': 'Enterprise'}), ('r', {})], [('a', 'r', 'HAS_SITE:hq', {'kind': 'hq', 'type': 'HAS_SITE'})])
    """
    # networkx is imported where a view is built, not with this module: a command answering from
    # what it kept (`api.answers`) reads no view and starts without it (0.14 s of its 0.4 s)
    import networkx as nx

    view = nx.MultiDiGraph()
    attrs, succ, pred = view._node, view._succ, view._pred
    for node_id, label, props in nodes:
        if node_id in attrs:
            attrs[node_id].update(props, label=label)
        else:
            succ[node_id], pred[node_id] = {}, {}
            attrs[node_id] = {**props, "label": label}
    for source, kind, target, key, props in edges:
        for end in (source, target):
            if end not in attrs:  # an edge's end with no node row becomes a bare node, as in add_edge
                succ[end], pred[end], attrs[end] = {}, {}, {}
        keyed = succ[source].get(target)
        if keyed is None:
            keyed = succ[source][target] = pred[target][source] = {}
        data = keyed.setdefault(f"{kind}:{key}" if key else kind, {})
        data.update(props, type=kind)
    return view


def chain_node_ids(view: nx.MultiDiGraph, industry: str) -> set[str]:
    """The chain nodes of `industry` in `view` (`graph.store.chain_walk`: PART_OF the industry
    directly, or through a parent chain node when the node itself lists `industry` among its
    `industries`)."""
    attrs, pred = view._node, view._pred  # the adjacency dicts: views over them cost more than the walk
    if industry not in pred:
        return set()
    return chain_walk(
        industry,
        lambda parents: (
            (parent, child, attrs[child].get("label"), attrs[child])
            for parent in parents
            for child, keyed in pred[parent].items()
            # the label first: most of a link's neighbours are firms
            if attrs[child].get("label") == "ChainNode" and _typed(keyed, "PART_OF")
        ),
    )


def _typed(keyed: Mapping[str, Mapping[str, object]], kind: str) -> bool:
    """Whether one of the parallel edges `keyed` (key -> attributes) is of type `kind`."""
    return any(data.get("type") == kind for data in keyed.values())


def _ends(adjacent: Mapping[str, Mapping[str, Mapping[str, object]]], kind: str) -> list[str]:
    """The neighbours in `adjacent` (a node's successors or predecessors: neighbour -> key ->
    attributes) joined by an edge of type `kind`, in adjacency order."""
    found = []
    for other, keyed in adjacent.items():
        for data in keyed.values():
            if data.get("type") == kind:
                found.append(other)
                break
    return found


class Ties(NamedTuple):
    """A firm's group and supply ties: its parents up SUBSIDIARY_OF (in adjacency order: the
    first is the one a group walk follows), its subsidiaries, and its SUPPLIES partners either way."""

    parents: list[str]
    children: list[str]
    partners: list[str]


NO_TIES = Ties([], [], [])
TieReader = Callable[[set[str]], Mapping[str, Ties]]  # ids -> the ties of those that have any
GROUP_TIES = ("SUBSIDIARY_OF", "SUPPLIES")
# who else an industry's analyses read, by label: the records pointing at its chain links, and at
# the industry itself
ON_CHAIN = frozenset({"Policy", "Institution"})
ON_INDUSTRY = frozenset({"Policy"})
# what no industry's view holds: the project library's records and its users, and the parks (a
# plan reads them apart). A write of nothing else leaves every industry's view as it was.
OUTSIDE_VIEWS = frozenset({"Project", "Target", "Activity", "AuditEntry", "User", "Park"})


def touches_views(changes: ChangeSet, labels_of: Callable[[set[str]], Mapping[str, str]]) -> bool:
    """Whether writing `changes` can change an industry's view: it writes or deletes a node of a
    label outside `OUTSIDE_VIEWS`, or an edge between two such nodes. `labels_of(ids)` gives the
    stored labels (before the write); a node of no known label counts as inside.

    >>> from graph.store import ChangeSet, Edge, Node
    >>> stored = {"p": "Project", "f": "Enterprise", "c": "ChainNode"}
    >>> labels_of = lambda ids: {i: stored[i] for i in ids if i in stored}
    >>> touches_views(ChangeSet(nodes=(Node("p", "Project", {}),), edges=(Edge("p", "TARGETS", "c"),)), labels_of)
    False
    >>> touches_views(ChangeSet(edges=(Edge("f", "OPERATES_IN", "c"),)), labels_of)
    True
    >>> touches_views(ChangeSet(delete_nodes=("p",)), labels_of), touches_views(ChangeSet(delete_nodes=("f",)), labels_of)
    (False, True)
    """
    given = {node.id: node.label for node in changes.nodes}
    if any(label not in OUTSIDE_VIEWS for label in given.values()):
        return True  # (no look-up: an import's change sets all end here)
    ends = {e for edge in changes.edges for e in (edge.source, edge.target)}
    ends |= {e for key in changes.delete_edges for e in (key[0], key[2])}
    stored = labels_of((ends | set(changes.delete_nodes)) - given.keys())

    def inside(node: str) -> bool:
        return given.get(node, stored.get(node)) not in OUTSIDE_VIEWS

    return (
        any(inside(node) for node in changes.delete_nodes)
        or any(inside(edge.source) and inside(edge.target) for edge in changes.edges)
        or any(inside(key[0]) and inside(key[2]) for key in changes.delete_edges)
    )


def view_ties(view: nx.MultiDiGraph) -> TieReader:
    """`Ties` read from a view's adjacency dicts."""
    succ, pred = view._succ, view._pred

    def read(ids: set[str]) -> dict[str, Ties]:
        found = {}
        for firm in ids:
            into = pred[firm]  # few firms have anything pointing at them
            tie = Ties(
                _ends(succ[firm], "SUBSIDIARY_OF"),
                _ends(into, "SUBSIDIARY_OF") if into else [],
                [*_ends(succ[firm], "SUPPLIES"), *(_ends(into, "SUPPLIES") if into else ())],
            )
            if tie != NO_TIES:
                found[firm] = tie
        return found

    return read


def ties_of(rows: Iterable[tuple[str, str, str]]) -> dict[str, Ties]:
    """`Ties` of the ends of SUBSIDIARY_OF and SUPPLIES edges (source, type, target), parents by
    id: the order a view read from the store keeps a firm's edges in."""
    found: dict[str, Ties] = {}

    def of(firm: str) -> Ties:
        tie = found.get(firm)
        if tie is None:
            tie = found[firm] = Ties([], [], [])
        return tie

    for source, kind, target in sorted(set(rows)):
        if kind == "SUBSIDIARY_OF":
            of(source).parents.append(target)
            of(target).children.append(source)
        else:
            of(source).partners.append(target)
            of(target).partners.append(source)
    return found


def groups_and_partners(enterprises: set[str], read: TieReader) -> set[str]:
    """`enterprises` with every firm of their groups (up SUBSIDIARY_OF to the top, following the
    first parent each time, then all subsidiaries of the top at any depth: the analyses reason
    about whole groups), and the SUPPLIES partners of every firm of those groups. `read` gives
    the ties of the firms asked about; each firm is asked about once."""
    known: dict[str, Ties] = {}

    def ties(ids: Iterable[str]) -> None:
        missing = {firm for firm in ids if firm not in known}
        if missing:
            found = read(missing)
            for firm in missing:
                known[firm] = found.get(firm, NO_TIES)

    ties(enterprises)
    roots: set[str] = set()
    for firm in enterprises:
        parents = known[firm].parents  # most of a register's firms have none
        current, seen = firm, {firm}
        while parents and parents[0] not in seen:
            current = parents[0]
            seen.add(current)
            ties((current,))
            parents = known[current].parents
        roots.add(current)
    members: set[str] = set()
    frontier = list(roots)
    while frontier:
        ties(frontier)
        below = []
        for current in frontier:
            if current not in members:
                members.add(current)
                below.extend(known[current].children)
        frontier = below
    groups = members | enterprises
    return groups.union(*(known[firm].partners for firm in groups))


def industry_view(view: nx.MultiDiGraph, industry: str) -> nx.MultiDiGraph:
    """The part of the graph the analyses of one industry need: the industry, its chain nodes,
    the enterprises operating on them with their whole groups and their ties, all regions and
    ranking lists, and the policies and institutions attached to the chain (no label of
    `OUTSIDE_VIEWS`: the project library is read apart, so its writes keep the views). In
    `view`'s order (a subgraph view would give the kept set's order, which varies by run)."""
    return _part(view, industry_nodes(view, industry))


def _part(view: nx.MultiDiGraph, keep: set[str]) -> nx.MultiDiGraph:
    """The nodes of `view` in `keep` and every edge among them, in `view`'s order."""
    import networkx as nx  # (see `view_of`)

    part = nx.MultiDiGraph()
    part.add_nodes_from((n, data) for n, data in view._node.items() if n in keep)
    part.add_edges_from(
        (source, target, key, data)
        for source in part
        for target, keyed in view._succ[source].items()
        if target in keep
        for key, data in keyed.items()
    )
    return part


def industry_nodes(view: nx.MultiDiGraph, industry: str, focus: Focus | None = None) -> set[str]:
    """The nodes of `industry_view`: the industry and its chain links (`chain_node_ids`), the
    records pointing at them (`ON_CHAIN`, `ON_INDUSTRY`), the firms operating on the links with
    their whole groups and partners (`groups_and_partners`), and every region and ranking list.
    With a `focus`, of the firms operating on the links only those it names (`focused_firms`)."""
    attrs, pred, succ = view._node, view._pred, view._succ
    chain = chain_node_ids(view, industry)
    keep: set[str] = {industry} | chain
    operations: list[tuple[str, str]] = []
    for node_id in chain:
        for src, keyed in pred[node_id].items():
            label = attrs[src].get("label")
            if label == "Enterprise":
                operations.extend(
                    (node_id, src) for data in keyed.values() if data.get("type") == "OPERATES_IN"
                )
            elif label in ON_CHAIN:
                keep.add(src)
    for src in pred[industry] if industry in pred else ():
        if attrs[src].get("label") in ON_INDUSTRY:
            keep.add(src)
    if focus is None:
        enterprises = {firm for _link, firm in operations}
    else:
        located = {
            firm
            for region in focus.local
            if region in pred
            for firm, keyed in pred[region].items()
            if _typed(keyed, "HAS_SITE")
        }
        operating = {firm for _link, firm in operations}
        ranked = {
            firm for firm in operating if any(_typed(keyed, "RANKED_IN") for keyed in succ[firm].values())
        }
        enterprises = focused_firms(operations, located, ranked if focus.ranked else set(), focus)
    keep |= groups_and_partners(enterprises, view_ties(view))
    keep |= {n for n, data in attrs.items() if data.get("label") in {"Region", "RankingList"}}
    return keep


OPERATOR_COUNTS = "operator_counts"  # a focused view's graph attribute: link -> its OPERATES_IN edges


def focused_firms(
    operations: Iterable[tuple[str, str]], located: set[str], ranked: set[str], focus: Focus
) -> set[str]:
    """Of the (link, firm) operations, the firms `focus` reads whole: `located` in its regions,
    on one of its links, `ranked` (given when the focus asks for them), or named."""
    return {
        firm
        for link, firm in operations
        if firm in located or link in focus.links or firm in ranked or firm in focus.firms
    }


def read_focus(
    store: GraphStore, chain: Iterable[str], operations: list[tuple[str, str]], focus: Focus
) -> tuple[set[str], dict[str, int]]:
    """What a store's focused read takes of the chain's (link, firm) `operations`: the firms
    `focus` reads whole (`focused_firms`; their sites and lists looked up in `store`), and each
    link's count of operations (`OPERATOR_COUNTS`)."""
    counts = dict.fromkeys(sorted(chain), 0)
    for link, _firm in operations:
        counts[link] += 1
    ends = {firm for _link, firm in operations}
    located = store.sources("HAS_SITE", focus.local) & ends
    ranked = store.sources("RANKED_IN", store.ids("RankingList")) & ends if focus.ranked else set()
    return focused_firms(operations, located, ranked, focus), counts


def operator_count(view: nx.MultiDiGraph, node: str) -> int:
    """How many OPERATES_IN edges point at `node` in the store: a focused view's count
    (`OPERATOR_COUNTS`), else the view's own."""
    counts = view.graph.get(OPERATOR_COUNTS)
    if counts is not None and node in counts:
        return int(counts[node])
    into = view._pred.get(node, {})
    return sum(1 for keyed in into.values() for data in keyed.values() if data.get("type") == "OPERATES_IN")


def focused_view(view: nx.MultiDiGraph, industry: str, focus: Focus) -> nx.MultiDiGraph:
    """`industry_view` cut down to `focus` (`industry_nodes` with it), with each chain link's
    count of operators in `view` (`OPERATOR_COUNTS`): what a store's focused read gives."""
    part = _part(view, industry_nodes(view, industry, focus))
    part.graph[OPERATOR_COUNTS] = {
        node: operator_count(view, node) for node in chain_node_ids(view, industry)
    }
    return part

"""Small views for questions about a few things, read with a store's indexed look-ups: an
industry's chain, one enterprise's profile, the project library's records. Each costs what it
touches, not what the store holds, so a page, a check on a project form or a report stays quick
after a bureau imports a register of a million firms (the whole graph of such a store takes
minutes and gigabytes to read; an industry's analyses read `GraphStore.graph(industry)`).

Each view is a part of the whole graph with everything its question reads: tests compare the
answers given on it with the answers given on the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from graph.store import Edge, GraphStore, Node
from graph.view import build_view

if TYPE_CHECKING:
    import networkx as nx

# what the project library's reports read: the records, the industries' quotas, the regions,
# and the audit entries ABOUT a project (funds in place over time)
RECORD_LABELS = ("Industry", "Region", "Project", "Target", "Activity", "AuditEntry")


def _among(nodes: list[Node], edges: Iterable[Edge]) -> nx.MultiDiGraph:
    """The view of `nodes` and those of `edges` with both ends among them."""
    ids = {node.id for node in nodes}
    return build_view(nodes, [e for e in edges if e.source in ids and e.target in ids])


def chain_members(store: GraphStore, industry: str) -> list[Node]:
    """The chain nodes of `industry` (`chain_node_ids`), by id (`GraphStore.chain_of`: they grow
    with the products named, not with the firms)."""
    return store.chain_of(industry)


def region_tree(store: GraphStore) -> tuple[list[Node], list[Edge]]:
    """Every region and the PART_OF edges among them."""
    regions = store.find_nodes("Region")
    ids = {r.id for r in regions}
    return regions, [e for e in store.find_edges(type="PART_OF") if e.source in ids and e.target in ids]


def region_view(store: GraphStore) -> nx.MultiDiGraph:
    """The region tree as a view (for `region_descendants`, `prefecture_of`)."""
    return build_view(*region_tree(store))


def enterprise_view(
    store: GraphStore, enterprise: str, tree: tuple[list[Node], list[Edge]] | None = None
) -> nx.MultiDiGraph:
    """What an enterprise's profile reads: the firm, every edge into or out of it and the nodes
    at their other ends, its line of parents up SUBSIDIARY_OF to the top of its group (the first
    parent each time, as `parent_of` takes it), and the region tree (where it is, and whether
    that is in Yunnan; `tree`, `region_tree` when the caller reads several firms)."""
    edges = store.find_edges(source=enterprise) + store.find_edges(target=enterprise)
    current, seen = enterprise, {enterprise}
    while True:
        up = store.find_edges(source=current, type="SUBSIDIARY_OF")
        if current != enterprise:
            edges += up
        if not up or up[0].target in seen:
            break
        current = up[0].target
        seen.add(current)
    regions, region_edges = tree or region_tree(store)
    known = {r.id for r in regions}
    ends = sorted({enterprise, *(end for e in edges for end in (e.source, e.target))} - known)
    nodes = [node for node in map(store.get_node, ends) if node is not None]
    return build_view([*nodes, *regions], [*edges, *region_edges])


def records_view(store: GraphStore) -> nx.MultiDiGraph:
    """What the project library's reports read (`RECORD_LABELS` and the ABOUT edges among
    them): it grows with the library, not with the register."""
    nodes = [node for label in RECORD_LABELS for node in store.find_nodes(label)]
    return _among(nodes, store.find_edges(type="ABOUT"))

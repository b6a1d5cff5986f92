"""The networkx view of the graph, and the part of it one industry's analyses need.

Pure functions over Node/Edge records and networkx graphs, shared by every backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from graph.store import Edge, Node


def build_view(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.MultiDiGraph:
    """The networkx form of a graph: node attributes are the properties plus `label`; each edge
    is keyed `TYPE` or `TYPE:key` and carries its properties plus `type`."""
    view = nx.MultiDiGraph()
    for node in nodes:
        view.add_node(node.id, **dict(node.props), label=node.label)
    for edge in edges:
        view.add_edge(
            edge.source,
            edge.target,
            key=f"{edge.type}:{edge.key}" if edge.key else edge.type,
            **dict(edge.props),
            type=edge.type,
        )
    return view


def chain_node_ids(view: nx.MultiDiGraph, industry: str) -> set[str]:
    """Chain nodes that are PART_OF `industry`: directly, or through a parent chain node when the
    node itself lists `industry` among its `industries`. So a product under a shared segment
    belongs only to the chains it names, and a vendor's sub-products imported under a curated
    node (they name no industry) never enter the chain analyses."""
    members: set[str] = set()
    frontier = [industry]
    while frontier:
        current = frontier.pop()
        for child, _, data in view.in_edges(current, data=True):
            attrs = view.nodes[child]
            if data.get("type") != "PART_OF" or attrs.get("label") != "ChainNode" or child in members:
                continue
            if current != industry and industry not in attrs.get("industries", ()):
                continue
            members.add(child)
            frontier.append(child)
    return members


def _typed(keyed: Mapping[str, Mapping[str, object]], kind: str) -> bool:
    """Whether one of the parallel edges `keyed` (key -> attributes) is of type `kind`."""
    return any(data.get("type") == kind for data in keyed.values())


def _whole_groups(view: nx.MultiDiGraph, enterprises: set[str]) -> set[str]:
    """`enterprises` with every firm of their groups: up SUBSIDIARY_OF to the top, then all
    subsidiaries of the top at any depth (the analyses reason about whole groups)."""
    succ, pred = view.succ, view.pred
    roots: set[str] = set()
    for firm in enterprises:
        current, seen = firm, {firm}
        while True:
            parents = [t for t, keyed in succ[current].items() if _typed(keyed, "SUBSIDIARY_OF")]
            if not parents or parents[0] in seen:
                break
            current = parents[0]
            seen.add(current)
        roots.add(current)
    members: set[str] = set()
    frontier = list(roots)
    while frontier:
        current = frontier.pop()
        if current in members:
            continue
        members.add(current)
        frontier.extend(c for c, keyed in pred[current].items() if _typed(keyed, "SUBSIDIARY_OF"))
    return members | enterprises


def industry_view(view: nx.MultiDiGraph, industry: str) -> nx.MultiDiGraph:
    """The part of the graph the analyses of one industry need: the industry, its chain nodes,
    the enterprises operating on them with their whole groups and their ties, all regions and
    ranking lists, and the projects, policies and institutions attached to the chain."""
    return nx.MultiDiGraph(view.subgraph(industry_nodes(view, industry)))


def trim_to_industry(view: nx.MultiDiGraph, industry: str) -> nx.MultiDiGraph:
    """`view` itself cut down to `industry_view`'s nodes, in place: for a store's read of an
    industry's surroundings, which is nearly all kept (no copy of what stays)."""
    keep = industry_nodes(view, industry)
    view.remove_nodes_from([n for n in view if n not in keep])
    return view


def industry_nodes(view: nx.MultiDiGraph, industry: str) -> set[str]:
    """The nodes of `industry_view`."""
    attrs, succ, pred = view.nodes, view.succ, view.pred
    chain = chain_node_ids(view, industry)
    keep: set[str] = {industry} | chain
    enterprises: set[str] = set()
    for node_id in chain:
        for src, keyed in pred[node_id].items():
            label = attrs[src].get("label")
            if label == "Enterprise" and _typed(keyed, "OPERATES_IN"):
                enterprises.add(src)
            elif label in {"Project", "Policy", "Institution"}:
                keep.add(src)
    for src in pred[industry]:
        if attrs[src].get("label") in {"Project", "Policy"}:
            keep.add(src)
    groups = _whole_groups(view, enterprises)
    partners = {t for f in groups for t, keyed in succ[f].items() if _typed(keyed, "SUPPLIES")}
    partners |= {s for f in groups for s, keyed in pred[f].items() if _typed(keyed, "SUPPLIES")}
    keep |= groups | partners
    keep |= {n for n, label in view.nodes(data="label") if label in {"Region", "RankingList"}}
    return keep

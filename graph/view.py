"""The networkx view of the graph, and the part of it one industry's analyses need.

Pure functions over Node/Edge records and networkx graphs, shared by every backend.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    """Chain nodes that are PART_OF `industry`, directly or through a parent chain node (a node that
    lists its `industries` belongs only to those)."""
    members: set[str] = set()
    frontier = [industry]
    while frontier:
        current = frontier.pop()
        for child, _, data in view.in_edges(current, data=True):
            attrs = view.nodes[child]
            if data.get("type") != "PART_OF" or attrs.get("label") != "ChainNode" or child in members:
                continue
            # a product under a shared segment belongs to the chains it names, not to all of the segment's
            if industry not in attrs.get("industries", [industry]):
                continue
            members.add(child)
            frontier.append(child)
    return members


def industry_view(view: nx.MultiDiGraph, industry: str) -> nx.MultiDiGraph:
    """The part of the graph the analyses of one industry need: the industry, its chain nodes,
    the enterprises operating on them with their groups, subsidiaries and ties, all regions and
    ranking lists, and the projects, policies and institutions attached to the chain."""
    chain = chain_node_ids(view, industry)
    keep: set[str] = {industry} | chain
    enterprises: set[str] = set()
    for node_id in chain:
        for src, _, data in view.in_edges(node_id, data=True):
            label = view.nodes[src].get("label")
            if label == "Enterprise" and data.get("type") == "OPERATES_IN":
                enterprises.add(src)
            elif label in {"Project", "Policy", "Institution"}:
                keep.add(src)
    for src in view.predecessors(industry):
        if view.nodes[src].get("label") in {"Project", "Policy"}:
            keep.add(src)
    related: set[str] = set()
    for ent in enterprises:
        for nbr in (*view.successors(ent), *view.predecessors(ent)):
            if view.nodes[nbr].get("label") == "Enterprise":
                related.add(nbr)
    keep |= enterprises | related
    keep |= {n for n, d in view.nodes(data=True) if d.get("label") in {"Region", "RankingList"}}
    return nx.MultiDiGraph(view.subgraph(keep))

"""Dataset statistics: how big the graph is and how much of it carries provenance."""

from __future__ import annotations

from typing import Any

import networkx as nx

from analysis.regions import YUNNAN, enterprises_in
from graph.schema import FACT_EDGE_TYPES, FACT_LABELS, PROVENANCE_KEYS


def _sourced(data: dict[str, Any]) -> bool:
    return all(data.get(k) not in (None, "") for k in PROVENANCE_KEYS)


def graph_stats(view: nx.MultiDiGraph) -> dict[str, Any]:
    """Counts of the graph's parts and `sourced_fraction`, the share of fact-bearing nodes and
    edges that carry source, as_of and confidence (1.0 when every fact is sourced).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("i", label="Industry", source="s", as_of="2024", confidence="high")
    >>> g.add_node("n", label="ChainNode", source="s", as_of="2024")
    >>> graph_stats(g)["sourced_fraction"]
    0.5
    """
    labels: dict[str, int] = {}
    facts = sourced = 0
    for _, data in view.nodes(data=True):
        label = data.get("label", "")
        labels[label] = labels.get(label, 0) + 1
        if label in FACT_LABELS:
            facts += 1
            sourced += _sourced(data)
    types: dict[str, int] = {}
    for _, _, data in view.edges(data=True):
        edge_type = data.get("type", "")
        types[edge_type] = types.get(edge_type, 0) + 1
        if edge_type in FACT_EDGE_TYPES:
            facts += 1
            sourced += _sourced(data)
    return {
        "industries": labels.get("Industry", 0),
        "chain_nodes": labels.get("ChainNode", 0),
        "feeds_edges": types.get("FEEDS", 0),
        "enterprises": labels.get("Enterprise", 0),
        "yunnan_enterprises": len(enterprises_in(view, YUNNAN)),
        "operates_in": types.get("OPERATES_IN", 0),
        "ranked_in": types.get("RANKED_IN", 0),
        "regions": labels.get("Region", 0),
        "projects": labels.get("Project", 0),
        "nodes": view.number_of_nodes(),
        "edges": view.number_of_edges(),
        "sourced_fraction": round(sourced / facts, 4) if facts else 1.0,
    }

"""Dataset statistics: how big the graph is and how much of it carries provenance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import networkx as nx

from analysis.regions import YUNNAN, enterprises_in
from graph.schema import FACT_EDGE_TYPES, FACT_LABELS
from graph.store import sourced


def graph_stats(view: nx.MultiDiGraph) -> dict[str, Any]:
    """Counts of the graph's parts and `sourced_fraction`, the share of fact-bearing nodes and
    edges that carry source, as_of and confidence (1.0 when every fact is sourced).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("i", label="Industry", source="s", as_of="2024", confidence="high")
    >>> g.add_node("n", label="ChainNode", source="s", as_of="2024")
    >>> graph_stats(g)["sourced_fraction"]
    0.5
    """
    counts: Counter[str] = Counter()
    facts = sourced_facts = 0
    for _, data in view.nodes(data=True):
        label = data.get("label", "")
        counts[label] += 1
        if label in FACT_LABELS:
            facts += 1
            sourced_facts += sourced(data)
    for _, _, data in view.edges(data=True):
        edge_type = data.get("type", "")
        counts[edge_type] += 1
        if edge_type in FACT_EDGE_TYPES:
            facts += 1
            sourced_facts += sourced(data)
    return stats_figures(
        counts,
        view.number_of_nodes(),
        view.number_of_edges(),
        len(enterprises_in(view, YUNNAN)),
        facts,
        sourced_facts,
    )


def stats_figures(
    counts: Mapping[str, int], nodes: int, edges: int, yunnan: int, facts: int, sourced_facts: int
) -> dict[str, Any]:
    """The figures `chainkg stats` shows, from the counts by label and edge type, the totals,
    the firms in Yunnan and how many facts of how many carry their provenance (`graph_stats`
    counts them in a view; a served store counts them in place, `api.services.stats`)."""
    return {
        "industries": counts.get("Industry", 0),
        "chain_nodes": counts.get("ChainNode", 0),
        "feeds_edges": counts.get("FEEDS", 0),
        "enterprises": counts.get("Enterprise", 0),
        "yunnan_enterprises": yunnan,
        "operates_in": counts.get("OPERATES_IN", 0),
        "ranked_in": counts.get("RANKED_IN", 0),
        "regions": counts.get("Region", 0),
        "projects": counts.get("Project", 0),
        "nodes": nodes,
        "edges": edges,
        "sourced_fraction": round(sourced_facts / facts, 4) if facts else 1.0,
    }

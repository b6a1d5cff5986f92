"""Analysis results shaped as JSON-ready dicts: one shape for the CLI's --json and the web API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

import networkx as nx

from analysis.enterprises import group_root, memberships, parent_of, ties
from analysis.gaps import ACTION_EN, ChainGaps, LocalFirm, candidate_ids, operators
from analysis.leaders import HeadquartersTarget, LeaderSet
from analysis.recommend import Recommendation, TargetLists
from analysis.scenario import ScenarioResult
from analysis.tracks import EXPAND, NEW

# one palette for statuses: the web map, the pages and the Word image
STATUS_COLOURS = {"strong": "#2e7d32", "weak": "#f0a202", "missing": "#c62828", "verify": "#8d8d8d"}


# a local firm's JSON is its fields (`asdict` would copy each value deeply: a tenth of a second
# for the ten thousand firms of a province's register on one chain)
LOCAL_FIRM_FIELDS = tuple(f.name for f in fields(LocalFirm))


def gaps_json(gaps: ChainGaps) -> dict[str, Any]:
    return {
        "industry": gaps.industry,
        "industry_name": gaps.industry_name,
        "prefecture": gaps.prefecture,
        "completeness": gaps.completeness,
        "config_version": gaps.config_version,
        "counts": {s: gaps.count(s) for s in ("strong", "weak", "missing", "verify")},
        "nodes": [
            {
                "id": n.id,
                "name": n.name,
                "stage": n.stage,
                "status": n.status,
                "shown_status": n.shown_status,
                "to_verify": n.to_verify,
                "rule": n.rule,
                "reason": n.reason,
                "evidence": asdict(n.evidence) if n.evidence else None,
                "share": n.share,
                "location_quotient": n.location_quotient,
                "criticality": n.criticality,
                "priority": n.priority,
                "betweenness": n.betweenness,
                "downstream_reach": n.downstream_reach,
                "single_firm_risk": n.single_firm_risk,
                "gap_type": n.gap_type,
                "action": n.action,
                "action_en": ACTION_EN[n.action],
                "presence": n.presence,
                "local_enterprises": [{k: getattr(f, k) for k in LOCAL_FIRM_FIELDS} for f in n.local_firms],
                "candidate_count": n.candidate_count,
            }
            for n in gaps.nodes
        ],
    }


def recommendation_json(rec: Recommendation) -> dict[str, Any]:
    return {
        "enterprise_id": rec.enterprise_id,
        "name": rec.name,
        "node_id": rec.node_id,
        "node_name": rec.node_name,
        "action": rec.action,
        "score": rec.score,
        "parts": [asdict(p) for p in rec.parts],
        "config_version": rec.config_version,
        "track": rec.track,
        "warnings": list(rec.warnings),
    }


def target_lists_json(lists: TargetLists) -> dict[str, list[dict[str, Any]]]:
    """{"expand": [...], "new": [...]}: 增资扩产 and 新引进, each best first."""
    return {
        "expand": [recommendation_json(r) for r in lists.expand],
        "new": [recommendation_json(r) for r in lists.new],
    }


def leaders_json(leaders: LeaderSet, headquarters: tuple[HeadquartersTarget, ...] = ()) -> dict[str, Any]:
    return {
        "industry": leaders.industry,
        "k": leaders.k,
        "set": [asdict(p) for p in leaders.picks],
        "covered_gaps": list(leaders.covered_gaps),
        "gain": leaders.gain,
        "total_gap_weight": leaders.total_gap_weight,
        "headquarters_targets": [asdict(t) for t in headquarters],
        "counts": {EXPAND: leaders.count(EXPAND), NEW: leaders.count(NEW)},
        "config_version": leaders.config_version,
    }


def scenario_json(result: ScenarioResult) -> dict[str, Any]:
    return {
        "industry": result.industry,
        "prefecture": result.prefecture,
        "landings": list(result.landings),
        "before": asdict(result.before),
        "after": asdict(result.after),
        "changed_nodes": [asdict(c) for c in result.changed_nodes],
        "config_version": result.config_version,
    }


# -- shapes added for the web app and its JSON API (the functions above are pinned by the CLI tests) --

STAGE_ORDER = ("upstream", "midstream", "downstream", "support")


def industry_json(industry: Mapping[str, Any], gaps: ChainGaps) -> dict[str, Any]:
    """One industry with its completeness, status counts and measure-1 yearly quota."""
    return {
        "id": gaps.industry,
        "name": gaps.industry_name,
        "name_en": industry.get("name_en"),
        "lead_department": industry.get("lead_department"),
        "yearly_project_quota": industry.get("yearly_project_quota"),
        "completeness": gaps.completeness,
        "counts": {s: gaps.count(s) for s in ("strong", "weak", "missing")},
        "node_count": len(gaps.nodes),
        "config_version": gaps.config_version,
    }


def link_json(view: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    """A reference to another node: its id, Chinese and English names."""
    data = view.nodes[node_id] if node_id in view else {}
    return {"id": node_id, "name": str(data.get("name", node_id)), "name_en": data.get("name_en")}


def _out(view: nx.MultiDiGraph, node: str, edge_type: str) -> list[tuple[str, dict[str, Any]]]:
    return sorted(
        ((t, d) for _, t, d in view.out_edges(node, data=True) if d.get("type") == edge_type),
        key=lambda p: p[0],
    )


def _in(view: nx.MultiDiGraph, node: str, edge_type: str) -> list[tuple[str, dict[str, Any]]]:
    return sorted(
        ((s, d) for s, _, d in view.in_edges(node, data=True) if d.get("type") == edge_type),
        key=lambda p: p[0],
    )


def enterprise_brief_json(view: nx.MultiDiGraph, enterprise: str, yunnan_firms: set[str]) -> dict[str, Any]:
    """One line of a search result: names, ownership, HQ, Yunnan presence, lists, chain nodes."""
    data = view.nodes[enterprise]
    hq = next((t for t, d in _out(view, enterprise, "HAS_SITE") if d.get("kind") == "hq"), None)
    return {
        "id": enterprise,
        "name": str(data.get("name", enterprise)),
        "name_en": data.get("name_en"),
        "aliases": list(data.get("aliases") or []),
        "ownership": data.get("ownership"),
        "hq_region": link_json(view, hq) if hq else None,
        "in_yunnan": enterprise in yunnan_firms,
        "tiers": [m.label for m in memberships(view, enterprise)],
        "node_count": len(_out(view, enterprise, "OPERATES_IN")),
    }


def enterprise_json(view: nx.MultiDiGraph, enterprise: str, yunnan_firms: set[str]) -> dict[str, Any]:
    """An enterprise's profile: names, codes, group, lists, sites, chain nodes and ties."""
    data = view.nodes[enterprise]
    parent = parent_of(view, enterprise)
    operates = []
    for node, edge in _out(view, enterprise, "OPERATES_IN"):
        attrs = view.nodes[node]
        operates.append(
            {
                "node": link_json(view, node),
                "stage": attrs.get("stage"),
                "industries": list(attrs.get("industries") or []),
                "role": edge.get("role", "player"),
                "capacity": edge.get("capacity"),
                "unit": edge.get("unit"),
                "source": edge.get("source"),
            }
        )
    return {
        **enterprise_brief_json(view, enterprise, yunnan_firms),
        "stock_code": data.get("stock_code"),
        "credit_code": data.get("credit_code"),
        "hq_city": data.get("hq_city"),
        "revenue_100m_cny": data.get("revenue_100m_cny"),
        "revenue_year": data.get("revenue_year"),
        "tags": list(data.get("tags") or []),
        "parent": link_json(view, parent) if parent else None,
        "group": link_json(view, group_root(view, enterprise)),
        "subsidiaries": [link_json(view, s) for s, _ in _in(view, enterprise, "SUBSIDIARY_OF")],
        "memberships": [
            {"list": m.list, "label": m.label, "edition": m.edition, "rank": m.rank}
            for m in memberships(view, enterprise)
        ],
        "sites": [
            {"region": link_json(view, r), "kind": d.get("kind", ""), "since": d.get("since")}
            for r, d in _out(view, enterprise, "HAS_SITE")
        ],
        "operates": operates,
        "ties": [
            {**link_json(view, other), "kind": kind}
            for other, kind in sorted(ties(view, {enterprise}).items())
        ],
        "source": data.get("source"),
        "as_of": None if data.get("as_of") is None else str(data.get("as_of")),
        "confidence": data.get("confidence"),
    }


def chain_node_json(
    view: nx.MultiDiGraph,
    gaps: ChainGaps,
    node_id: str,
    recommendations: TargetLists,
) -> dict[str, Any]:
    """A chain node in the context of one industry: its assessment, its Yunnan firms, the firms
    elsewhere that work on it (candidates) and the ranked targets for it."""
    attrs = view.nodes[node_id]
    assessed = gaps.node(node_id)
    assessment = next(n for n in gaps_json(gaps)["nodes"] if n["id"] == node_id)
    roles = {firm: str(d.get("role", "player")) for firm, d in _in(view, node_id, "OPERATES_IN")}
    parents = [t for t, _ in _out(view, node_id, "PART_OF") if view.nodes[t].get("label") == "ChainNode"]
    return {
        "id": node_id,
        "name": assessed.name,
        "name_en": attrs.get("name_en"),
        "stage": assessed.stage,
        "level": attrs.get("level"),
        "description": attrs.get("description"),
        "tags": list(attrs.get("tags") or []),
        "industry": link_json(view, gaps.industry),
        "industries": list(attrs.get("industries") or [gaps.industry]),
        "parent": link_json(view, parents[0]) if parents else None,
        "children": [link_json(view, c) for c, _ in _in(view, node_id, "PART_OF")],
        "upstream": [link_json(view, s) for s, _ in _in(view, node_id, "FEEDS")],
        "downstream": [link_json(view, t) for t, _ in _out(view, node_id, "FEEDS")],
        "assessment": assessment,
        "candidates": [
            {
                **link_json(view, firm),
                "role": roles.get(firm, "player"),
                "tiers": [m.label for m in memberships(view, firm)],
            }
            for firm in candidate_ids(view, assessed)
        ],
        "recommendations": target_lists_json(recommendations),
        "source": attrs.get("source"),
    }


def stage_columns(flow: nx.DiGraph, stages: Mapping[str, str]) -> dict[str, int]:
    """A column per node that runs upstream to downstream: stages in order, and inside a stage
    the node's depth along the material flow among that stage's nodes.

    >>> flow = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> stage_columns(flow, {"a": "upstream", "b": "midstream", "c": "midstream"})
    {'a': 0, 'b': 1, 'c': 2}
    """
    columns: dict[str, int] = {}
    start = 0
    for stage in STAGE_ORDER:
        members = sorted(n for n in stages if stages[n] == stage)
        if not members:
            continue
        inner = flow.subgraph(members)
        depth = dict.fromkeys(members, 0)
        if nx.is_directed_acyclic_graph(inner):
            for node in nx.topological_sort(inner):
                for nxt in inner.successors(node):
                    depth[nxt] = max(depth[nxt], depth[node] + 1)
        for node in members:
            columns[node] = start + depth[node]
        start += max(depth.values()) + 1
    return columns


def chain_graph_json(
    view: nx.MultiDiGraph, gaps: ChainGaps, *, with_enterprises: bool = False
) -> dict[str, Any]:
    """The chain of one industry as nodes (with status, criticality and a column from upstream
    to downstream) and edges (FEEDS flow, PART_OF classification); with the enterprises that
    operate on it and their OPERATES_IN edges when asked."""
    members = {n.id for n in gaps.nodes}
    flow = nx.DiGraph()
    flow.add_nodes_from(members)
    edges: list[dict[str, Any]] = []
    for source, target, data in view.edges(data=True):
        if source in members and target in members and data.get("type") in ("FEEDS", "PART_OF"):
            edges.append({"source": source, "target": target, "type": data["type"]})
            if data["type"] == "FEEDS":
                flow.add_edge(source, target)
    columns = stage_columns(flow, {n.id: n.stage for n in gaps.nodes})
    nodes = [
        {
            "id": n.id,
            "name": n.name,
            "name_en": view.nodes[n.id].get("name_en"),
            "stage": n.stage,
            "level": view.nodes[n.id].get("level"),
            "status": n.status,
            "shown_status": n.shown_status,
            "reason": n.reason,
            "evidence": n.evidence.level if n.evidence else None,
            "criticality": n.criticality,
            "priority": n.priority,
            "action": n.action,
            "column": columns.get(n.id, 0),
            "local_enterprises": [f.name for f in n.local_firms],
            "candidate_count": n.candidate_count,
        }
        for n in sorted(gaps.nodes, key=lambda n: (columns.get(n.id, 0), n.id))
    ]
    enterprises: list[dict[str, Any]] = []
    if with_enterprises:
        local = {f.id for n in gaps.nodes for f in n.local_firms}
        found: dict[str, list[dict[str, str]]] = {}
        for n in gaps.nodes:
            for firm, data in operators(view, n.id):
                found.setdefault(firm, []).append({"node": n.id, "role": str(data.get("role", "player"))})
        enterprises = [
            {**link_json(view, firm), "in_region": firm in local, "operates": ops}
            for firm, ops in sorted(found.items())
        ]
    edges.sort(key=lambda e: (e["type"], e["source"], e["target"]))
    return {
        "industry": gaps.industry,
        "industry_name": gaps.industry_name,
        "prefecture": gaps.prefecture,
        "completeness": gaps.completeness,
        "counts": {s: gaps.count(s) for s in ("strong", "weak", "missing")},
        "nodes": nodes,
        "edges": edges,
        "enterprises": enterprises,
    }

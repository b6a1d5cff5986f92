"""Which real enterprises to pursue for each gap, ranked by a score that is the sum of named parts,
each part with its value and a one-line reason in Chinese a planner can check.

Parts: fit to the node (role), scale and tier (500 lists, revenue), chain-leader pull (gaps of
the industry the firm covers), ties to firms already in Yunnan (以商招商), existing presence in
Yunnan, resource fit (green hydropower, gateway to South and Southeast Asia, local resources).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from analysis.enterprises import ancestors, group_members, group_root, memberships, name_of, ties
from analysis.gaps import ChainGaps, NodeAssessment, chain_gaps, operators
from analysis.regions import YUNNAN, enterprises_in
from analysis.rules import Rules, load_rules
from graph.errors import NotFoundError

ROLE_NAMES = {"leader": "龙头", "major": "骨干", "player": "参与者"}
STRONG_ROLES = ("leader", "major")


@dataclass(frozen=True)
class ScorePart:
    """One named part of a score: its points and why."""

    factor: str
    value: float
    reason: str


@dataclass(frozen=True)
class Recommendation:
    """A target enterprise for one chain node, with the parts its score is the sum of."""

    enterprise_id: str
    name: str
    node_id: str
    node_name: str
    action: str
    score: float
    parts: tuple[ScorePart, ...]
    config_version: str


@dataclass(frozen=True)
class TargetContext:
    """What every scoring of one chain shares, computed once."""

    view: nx.MultiDiGraph
    gaps: ChainGaps
    rules: Rules
    yunnan_firms: frozenset[str]
    gap_cover: dict[str, tuple[str, ...]]


def target_context(view: nx.MultiDiGraph, gaps: ChainGaps, rules: Rules) -> TargetContext:
    gap_cover: dict[str, list[str]] = {}
    for assessed in gaps.gaps:
        for firm, _ in operators(view, assessed.id):
            gap_cover.setdefault(firm, []).append(assessed.id)
    return TargetContext(
        view=view,
        gaps=gaps,
        rules=rules,
        yunnan_firms=frozenset(enterprises_in(view, YUNNAN)),
        gap_cover={k: tuple(v) for k, v in gap_cover.items()},
    )


def strong_locally(ctx: TargetContext, firm: str, node: str) -> bool:
    """Whether `firm`'s group already holds `node` in Yunnan as a leader or major firm."""
    group = group_members(ctx.view, firm)
    return any(
        other in group and other in ctx.yunnan_firms and data.get("role") in STRONG_ROLES
        for other, data in operators(ctx.view, node)
    )


def is_target(ctx: TargetContext, firm: str, node: str) -> bool:
    """Whether `firm` is one to pursue for `node`: located outside Yunnan, and its group not
    already strong on the node in Yunnan. A prefecture's analysis changes which links are gaps,
    not who is a target: moving a firm between prefectures is not 招大引强."""
    return firm not in ctx.yunnan_firms and not strong_locally(ctx, firm, node)


def _points(rules: Rules, factor: str, fraction: float) -> float:
    return round(rules.weights[factor] * max(0.0, min(1.0, fraction)), 2)


def _fit(ctx: TargetContext, node: NodeAssessment, role: str) -> ScorePart:
    value = ctx.rules.role_fit.get(role, 0.0)
    return ScorePart(
        "fit",
        _points(ctx.rules, "fit", value),
        f"在“{node.name}”环节为全国{ROLE_NAMES.get(role, role)}企业",
    )


def _scale(ctx: TargetContext, firm: str) -> ScorePart:
    rules, view = ctx.rules, ctx.view
    best, why = 0.0, "未进入500强等榜单"
    for member in memberships(view, firm):
        value = rules.tier_value.get(member.list, 0.0)
        if value > best:
            best, why = value, f"入选{member.label}"
    for parent in ancestors(view, firm):
        for member in memberships(view, parent):
            value = rules.tier_value.get(member.list, 0.0) * rules.group_tier_factor
            if value > best:
                best, why = value, f"所属集团{name_of(view, parent)}入选{member.label}"
    revenue = view.nodes[firm].get("revenue_100m_cny")
    if isinstance(revenue, int | float) and revenue > 1:
        by_revenue = math.log10(revenue) / math.log10(rules.revenue_full_at)
        if by_revenue > best:
            best = by_revenue
            why = f"营业收入约{revenue:,.0f}亿元（{view.nodes[firm].get('revenue_year', '')}年）"
        else:
            why += f"，营业收入约{revenue:,.0f}亿元"
    return ScorePart("scale", _points(rules, "scale", best), why)


def _pull(ctx: TargetContext, firm: str) -> ScorePart:
    covered = ctx.gap_cover.get(firm, ())
    if not covered:
        return ScorePart("pull", 0.0, "不覆盖本产业的薄弱或缺失环节")
    names = "、".join(name_of(ctx.view, n) for n in covered[:4]) + ("等" if len(covered) > 4 else "")
    return ScorePart(
        "pull",
        _points(ctx.rules, "pull", len(covered) / ctx.rules.pull_full_at),
        f"可覆盖本产业{len(covered)}个薄弱或缺失环节：{names}",
    )


def _ties(ctx: TargetContext, firm: str) -> ScorePart:
    partners = {
        k: v for k, v in ties(ctx.view, group_members(ctx.view, firm)).items() if k in ctx.yunnan_firms
    }
    if not partners:
        return ScorePart("ties", 0.0, "未发现与在滇企业的供应或合作关系")
    names = "、".join(name_of(ctx.view, p) for p in _by_relevance(ctx, set(partners))[:3])
    return ScorePart(
        "ties",
        _points(ctx.rules, "ties", len(partners) / ctx.rules.ties_full_at),
        f"与在滇企业{names}有供应或合作关系，可以商招商",
    )


def _by_relevance(ctx: TargetContext, firms: set[str]) -> list[str]:
    """`firms` with those operating most on this chain first (a planner reads the first names)."""
    chain = {n.id for n in ctx.gaps.nodes}

    def links(firm: str) -> int:
        return sum(
            1
            for _, t, d in ctx.view.out_edges(firm, data=True)
            if d.get("type") == "OPERATES_IN" and t in chain
        )

    return sorted(firms, key=lambda f: (-links(f), f))


def _presence(ctx: TargetContext, firm: str) -> ScorePart:
    here = _by_relevance(ctx, group_members(ctx.view, firm) & ctx.yunnan_firms)
    if not here:
        return ScorePart("presence", 0.0, "在云南尚无布局，属新进入")
    names = "、".join(name_of(ctx.view, f) for f in here[:2])
    return ScorePart(
        "presence", _points(ctx.rules, "presence", 1.0), f"集团已在云南布局（{names}），可增资扩产"
    )


def _resource(ctx: TargetContext, firm: str, node: str) -> ScorePart:
    tags = set(ctx.view.nodes[node].get("tags") or ())
    firm_tags = set(ctx.view.nodes[firm].get("tags") or ())
    fit = ctx.rules.resource_fit
    options = [(0.0, "无特别的资源匹配")]
    if "energy-intensive" in tags:
        options.append((fit["energy-intensive"], "高载能环节，可用云南绿色水电降本降碳"))
    if "export" in tags:
        if "south-southeast-asia" in firm_tags:
            options.append(
                (fit["export_with_asean_firm"], "外向型环节，企业已有南亚东南亚业务，可借云南通道辐射")
            )
        else:
            options.append((fit["export"], "外向型环节，云南是面向南亚东南亚的通道"))
    if "resource" in tags:
        options.append((fit["resource"], "依托云南的矿产、土地或生物资源"))
    value, reason = max(options, key=lambda o: o[0])
    return ScorePart("resource", _points(ctx.rules, "resource", value), reason)


def _score(ctx: TargetContext, firm: str, node: NodeAssessment, role: str) -> Recommendation:
    parts = (
        _fit(ctx, node, role),
        _scale(ctx, firm),
        _pull(ctx, firm),
        _ties(ctx, firm),
        _presence(ctx, firm),
        _resource(ctx, firm, node.id),
    )
    return Recommendation(
        enterprise_id=firm,
        name=name_of(ctx.view, firm),
        node_id=node.id,
        node_name=node.name,
        action=node.action,
        score=round(sum(p.value for p in parts), 2),
        parts=parts,
        config_version=ctx.rules.version,
    )


def _node_targets(ctx: TargetContext, node: NodeAssessment) -> list[Recommendation]:
    found = []
    for firm, data in operators(ctx.view, node.id):
        if not is_target(ctx, firm, node.id):
            continue
        found.append(_score(ctx, firm, node, str(data.get("role", "player"))))
    return found


def _ranked(recs: list[Recommendation]) -> list[Recommendation]:
    return sorted(recs, key=lambda r: (-r.score, r.enterprise_id, r.node_id))


def recommend_targets(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    node: str | None = None,
    top: int | None = None,
    prefecture: str | None = None,
    rules: Rules | None = None,
    gaps: ChainGaps | None = None,
) -> tuple[Recommendation, ...]:
    """Target enterprises for one chain node, or for all the industry's gaps, best first.

    For one `node`, every firm operating on it elsewhere, ranked. For the whole industry, each
    group once (its best-scoring firm), with the gap it scores best on. Firms located in Yunnan
    are not targets (with a prefecture too), and a firm whose group already holds the node in
    Yunnan as leader or major firm is not recommended for it.

    Raises:
        NotFoundError: an unknown industry, node or prefecture.
    """
    rules = rules or load_rules()
    gaps = gaps or chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    ctx = target_context(view, gaps, rules)
    limit = rules.top if top is None else top
    if node is not None:
        if node not in {n.id for n in gaps.nodes}:
            raise NotFoundError(
                "chain node", node, [n.id for n in gaps.nodes if node in n.id or n.id in node][:5]
            )
        return tuple(_ranked(_node_targets(ctx, gaps.node(node)))[:limit])
    # one row per group: a planner pursues 中铝集团 once, through whichever of its firms scores best
    best: dict[str, Recommendation] = {}
    for assessed in gaps.gaps:
        for rec in _node_targets(ctx, assessed):
            group = group_root(ctx.view, rec.enterprise_id)
            current = best.get(group)
            if current is None or (rec.score, assessed.priority) > (
                current.score,
                gaps.node(current.node_id).priority,
            ):
                best[group] = rec
    return tuple(_ranked(list(best.values()))[:limit])

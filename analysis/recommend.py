"""Which real enterprises to pursue for each gap, ranked by a score that is the sum of named parts,
each part with its value and a one-line reason in Chinese a planner can check.

Parts: fit to the node (role), scale and tier (500 lists, revenue), chain-leader pull (gaps of
the industry the firm covers), ties to firms already in Yunnan (以商招商), existing presence in
Yunnan, resource fit (green hydropower, gateway to South and Southeast Asia, local resources),
feasibility (a footprint in mainland China and in the west or South/Southeast Asia, less
penalties for distress and for platforms or asset-light firms) and intent signals (dated events,
decaying). Two lists: 增资扩产 (groups already in Yunnan) and 新引进 (new investors).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypedDict, TypeVar, Unpack

import networkx as nx

from analysis.enterprises import ancestors, group_members, group_root, memberships, name_of, ties
from analysis.gaps import ChainGaps, NodeAssessment, chain_gaps, operators
from analysis.regions import YUNNAN, located_in, region_descendants
from analysis.rules import Rules, load_rules
from analysis.tracks import EXPAND, NEW
from graph.errors import NotFoundError

V = TypeVar("V")
ROLE_NAMES = {"leader": "龙头", "major": "骨干", "player": "参与者"}
STRONG_ROLES = ("leader", "major")
SIGNAL_NAMES = {
    "investment": "投资",
    "expansion": "扩产",
    "fundraising": "募资",
    "land": "拿地",
    "visit": "考察洽谈",
}
CONFIDENCE_NAMES = {"high": "高置信", "medium": "中置信", "low": "低置信"}


@dataclass(frozen=True)
class ScorePart:
    """One named part of a score: its points and why."""

    factor: str
    value: float
    reason: str


@dataclass(frozen=True)
class Recommendation:
    """A target enterprise for one chain node, with the parts its score is the sum of.

    `track` is `expand` (增资扩产: its group is already in Yunnan) or `new` (新引进); `warnings`
    say in Chinese what makes the firm an unlikely investor (empty when nothing does)."""

    enterprise_id: str
    name: str
    node_id: str
    node_name: str
    action: str
    score: float
    parts: tuple[ScorePart, ...]
    config_version: str
    track: str = NEW
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetLists:
    """The two target lists: 增资扩产 (groups already in Yunnan) and 新引进 (new investors)."""

    expand: tuple[Recommendation, ...]
    new: tuple[Recommendation, ...]

    def ranked(self) -> tuple[Recommendation, ...]:
        """Both lists as one, best first."""
        return tuple(_ranked([*self.expand, *self.new]))


@dataclass(frozen=True)
class Feasibility:
    """What a group's footprint says about its investing in Yunnan: the part and the warnings."""

    part: ScorePart
    warnings: tuple[str, ...]
    blocking: bool  # a warning that rules the firm out of a 10亿 project (no mainland, distress, type)
    # (foreign_far and home_bound warn about where the firm invests, not whether it can)
    flags: frozenset[str] = frozenset()  # the penalties applied, by their rules.yaml names


@dataclass(frozen=True)
class TargetContext:
    """What every scoring of one chain shares, computed once: firms on each link, each firm's
    group, the groups already strong on each link in Yunnan, each group's feasibility and signals."""

    view: nx.MultiDiGraph
    gaps: ChainGaps
    rules: Rules
    yunnan_firms: frozenset[str]
    gap_cover: dict[str, tuple[tuple[str, float], ...]]  # firm -> (gap, its evidence factor) ...
    operators: Mapping[str, tuple[tuple[str, dict], ...]]
    root: Mapping[str, str]
    members: Mapping[str, frozenset[str]]
    strong_groups: Mapping[str, frozenset[str]]
    yunnan_groups: frozenset[str]
    stakes: Mapping[str, frozenset[str]]  # group -> the Yunnan firms it holds shares in (ties `stake`)
    feasibility: Mapping[str, Feasibility]  # by candidate firm
    signals: Mapping[str, ScorePart]  # by group


class OnDemand(Mapping[str, V]):
    """A mapping whose value for a key is computed the first time it is asked for, then kept:
    a chain's context names every firm that could be scored, but only the firms on the gaps
    (or the one node asked about) are, so only theirs are worked out."""

    def __init__(self, keys: Iterable[str], compute: Callable[[str], V]) -> None:
        self._keys = frozenset(keys)
        self._compute = compute
        self._known: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        if key not in self._known:
            if key not in self._keys:
                raise KeyError(key)
            self._known[key] = self._compute(key)
        return self._known[key]

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)


def target_context(view: nx.MultiDiGraph, gaps: ChainGaps, rules: Rules) -> TargetContext:
    yunnan_regions = frozenset(region_descendants(view, YUNNAN))
    yunnan_firms = frozenset(located_in(view, set(yunnan_regions)))
    ops = {n.id: tuple(operators(view, n.id)) for n in gaps.nodes}
    operating = {f for pairs in ops.values() for f, _ in pairs}
    root: OnDemand[str] = OnDemand(operating | yunnan_firms, lambda firm: group_root(view, firm))
    strong = {
        node: frozenset(root[f] for f, d in pairs if f in yunnan_firms and d.get("role") in STRONG_ROLES)
        for node, pairs in ops.items()
    }
    # a group holding shares in a Yunnan firm (a joint venture's foreign partner) already invests here
    stakes: dict[str, set[str]] = {}
    for held in yunnan_firms:
        for holder, keyed in view._pred[held].items():
            if any(d.get("type") == "SUPPLIES" and d.get("kind") == "stake" for d in keyed.values()):
                stakes.setdefault(group_root(view, holder), set()).add(held)
    yunnan_groups = frozenset(root[f] for f in yunnan_firms) | frozenset(stakes)
    # a group's members and signals are asked for by its root, which is a firm of the view
    groups = frozenset(n for n, d in view.nodes(data="label") if d == "Enterprise")
    members: OnDemand[frozenset[str]] = OnDemand(groups, lambda group: frozenset(group_members(view, group)))
    gap_cover: dict[str, list[tuple[str, float]]] = {}
    for assessed in gaps.gaps:
        for firm, data in ops[assessed.id]:
            gap_cover.setdefault(firm, []).append((assessed.id, evidence_factor(rules, data)))
    candidates = operating - yunnan_firms
    return TargetContext(
        view=view,
        gaps=gaps,
        rules=rules,
        yunnan_firms=yunnan_firms,
        gap_cover={k: tuple(v) for k, v in gap_cover.items()},
        operators=ops,
        root=root,
        members=members,
        strong_groups=strong,
        yunnan_groups=yunnan_groups,
        stakes={group: frozenset(held) for group, held in stakes.items()},
        feasibility=OnDemand(candidates, lambda f: firm_feasibility(view, f, rules, members[root[f]])),
        signals=OnDemand(groups, lambda group: signal_part(view, members[group], rules, yunnan_regions)),
    )


def strong_locally(ctx: TargetContext, firm: str, node: str) -> bool:
    """Whether `firm`'s group already holds `node` in Yunnan as a leader or major firm."""
    return ctx.root[firm] in ctx.strong_groups[node]


def is_target(ctx: TargetContext, firm: str, node: str) -> bool:
    """Whether `firm` is one to pursue for `node`: located outside Yunnan, and its group not
    already strong on the node in Yunnan. A prefecture's analysis changes which links are gaps,
    not who is a target: moving a firm between prefectures is not 招大引强."""
    return firm not in ctx.yunnan_firms and not strong_locally(ctx, firm, node)


def track_of(ctx: TargetContext, firm: str) -> str:
    """`expand` when the firm's group already has an entity in Yunnan or holds shares in a Yunnan
    firm (a tie `stake`), else `new`."""
    return EXPAND if ctx.root[firm] in ctx.yunnan_groups else NEW


def _province(region: str) -> str:
    return f"{region[:2]}0000" if len(region) == 6 and region.isdigit() else region


def _tags(view: nx.MultiDiGraph, firms: Iterable[str]) -> set[str]:
    return {t for f in firms for t in view.nodes[f].get("tags") or ()}


def _sites(view: nx.MultiDiGraph, firms: Iterable[str]) -> set[str]:
    return {t for f in firms for _, t, d in view.out_edges(f, data=True) if d.get("type") == "HAS_SITE"}


def _names(view: nx.MultiDiGraph, regions: Iterable[str], most: int = 3) -> str:
    ordered = sorted(regions)
    return "、".join(name_of(view, r) for r in ordered[:most]) + ("等" if len(ordered) > most else "")


def firm_feasibility(
    view: nx.MultiDiGraph, firm: str, rules: Rules, group: Iterable[str] | None = None
) -> Feasibility:
    """How realistic an investment in Yunnan is for `firm`: the footprint of its whole group
    (`group`, by default every entity of it), the type and health of the firm and the groups
    above it (a distressed or asset-light sister company says nothing about the firm).

    Points: weights.feasibility x (mainland when an entity has a site in mainland China, plus
    west_or_asean when one has a site in western China or South/Southeast Asia), less a penalty
    for each warning: no mainland footprint, a foreign group far from the west, distress, an
    online platform or asset-light firm, a scenic-area, venue or port operator bound to its home
    province (it runs a link of `home_bound_links` and its group has sites in one province only).

    Examples:
        >>> from analysis.rules import load_rules
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("f", ownership="foreign", tags=["asset-light"])
        >>> _ = g.add_edge("f", "310000", type="HAS_SITE", kind="branch")
        >>> f = firm_feasibility(g, "f", load_rules())
        >>> f.part.value, f.blocking  # 20 x 0.4 - 25 (foreign, far) - 30 (asset-light)
        (-47.0, True)
    """
    spec = rules.feasibility
    penalty = spec["penalties"]
    firms = set(group_members(view, firm) if group is None else group)
    sites = _sites(view, firms)
    provinces = {_province(r) for r in sites if r.isdigit()}
    mainland = {p for p in provinces if p not in spec["not_mainland"]}
    west = mainland & spec["western_provinces"]
    asean = sites & spec["asean_countries"]
    lineage = (firm, *ancestors(view, firm))
    tags = _tags(view, lineage)
    foreign = any(view.nodes[f].get("ownership") == "foreign" for f in lineage)
    light = tags & {"platform", "asset-light"}
    # a scenic-area, venue or port operator whose whole footprint is one province: its standing on
    # the link is its own place, which it runs against Yunnan's rather than investing here
    bound = {
        t
        for _, t, d in view.out_edges(firm, data=True)
        if d.get("type") == "OPERATES_IN" and t in spec["home_bound_links"]
    }
    home_bound = bool(bound) and len({_province(r) for r in sites}) == 1
    flagged = {
        "no_mainland": (not mainland, "在中国大陆无工厂、子公司或中国总部"),
        "foreign_far": (foreign and not (west or asean), "外资企业在中国西部和南亚东南亚均无布局"),
        "distressed": ("distressed" in tags, "企业处于ST、重整或破产等困境"),
        "type_mismatch": (
            bool(light),
            f"{'平台企业' if 'platform' in light else '轻资产服务企业'}，不能承担10亿元以上产业项目",
        ),
        "home_bound": (
            home_bound,
            f"{_names(view, bound, 2)}业务仅在{_names(view, sites, 1)}，属与云南竞争的本地运营方而非投资方",
        ),
    }
    flags = frozenset(k for k, (holds, _) in flagged.items() if holds)
    warnings = [text for k, (holds, text) in flagged.items() if holds]
    fraction, why = 0.0, []
    if mainland:
        fraction += spec["mainland"]
        why.append(f"在中国大陆有布局（{_names(view, mainland)}）")
    if west or asean:
        fraction += spec["west_or_asean"]
        why.append(f"在西部或南亚东南亚有布局（{_names(view, west | asean)}）")
    value = round(_points(rules, "feasibility", fraction) - sum(penalty[k] for k in flags), 2)
    reason = "；".join(why + warnings) or "未见可核实的布局"
    blocking = bool(flags - {"foreign_far", "home_bound"})
    return Feasibility(ScorePart("feasibility", value, reason), tuple(warnings), blocking, flags)


def listable(feasibility: Feasibility, rules: Rules) -> bool:
    """Whether a firm may be a chain leader or a headquarters target: never when it cannot carry
    a 10亿 project, and not with any other warning unless `list_warned` is set (as on the lists)."""
    return not feasibility.blocking and (rules.feasibility["list_warned"] or not feasibility.warnings)


def _months(date: str) -> int:
    return int(date[:4]) * 12 + int(date[5:7])


def signal_part(
    view: nx.MultiDiGraph, group: Iterable[str], rules: Rules, yunnan: frozenset[str]
) -> ScorePart:
    """The intent-signal part of a group: each dated signal of its entities counts its kind's
    weight x its region's weight x 0.5 ^ (age in months / half-life); the part is
    weights.signals x min(1, sum / full_at). The reason names the strongest signal.

    Examples:
        >>> from analysis.rules import load_rules
        >>> g = nx.MultiDiGraph()
        >>> _ = g.add_edge("f", "510000", type="SIGNALLED", kind="expansion", date="2025-12",
        ...                summary="成都扩产", source="公告")
        >>> signal_part(g, {"f"}, load_rules(), frozenset()).value  # 15 x 1.0 x 0.7 x 0.5
        5.25
    """
    spec = rules.signals
    now = _months(spec["reference_date"])
    western = rules.feasibility["western_provinces"]
    found: list[tuple[float, str, dict]] = []
    for firm in sorted(set(group)):
        for _, region, data in view.out_edges(firm, data=True):
            if data.get("type") != "SIGNALLED":
                continue
            date = str(data.get("date", ""))
            if len(date) < 7:
                continue
            if region in yunnan:
                where = "yunnan"
            elif _province(str(region)) in western:
                where = "west"
            elif region in rules.feasibility["asean_countries"]:
                where = "asean"
            else:
                where = "elsewhere"
            age = max(0, now - _months(date))
            weight = (
                spec["kind"].get(str(data.get("kind")), 0.0)
                * spec["region"][where]
                * 0.5 ** (age / spec["half_life_months"])
            )
            found.append((weight, str(region), data))
    if not found:
        return ScorePart("signals", 0.0, "未见近期投资、扩产、募资、拿地或考察信号")
    total = sum(w for w, _, _ in found)
    weight, region, data = max(found, key=lambda f: (f[0], str(f[2].get("date"))))
    kind = SIGNAL_NAMES.get(str(data.get("kind")), str(data.get("kind")))
    summary = str(data.get("summary", ""))
    reason = (
        f"{data.get('date')}在{name_of(view, region)}{kind}：{summary[:40]}"
        f"（{data.get('source', '')}）" + (f"等{len(found)}条信号" if len(found) > 1 else "")
    )
    return ScorePart("signals", _points(rules, "signals", total / spec["full_at"]), reason)


def _points(rules: Rules, factor: str, fraction: float) -> float:
    return round(rules.weights[factor] * max(0.0, min(1.0, fraction)), 2)


def evidence_factor(rules: Rules, operation: Mapping[str, object]) -> float:
    """How much an operation (a firm's OPERATES_IN edge) counts towards the fit and the pull: its
    confidence's `confidence_factor` (an edge with none stated counts as low)."""
    confidence = str(operation.get("confidence") or "low")
    return rules.confidence_factor.get(confidence, rules.confidence_factor["low"])


def evidence_text(rules: Rules, operation: Mapping[str, object]) -> str:
    """What an operation rests on, for a planner to check: its source (with the vendor's product
    or industry word when imported), as_of and confidence, and the factor when it counts less.

    Examples:
        >>> from analysis.rules import load_rules
        >>> evidence_text(load_rules(), {"source": "A股产业链知识图谱（公司所属申万2021三级行业）",
        ...     "product": "铝", "as_of": "2021", "confidence": "low"})
        '依据：A股产业链知识图谱（公司所属申万2021三级行业）“铝”，2021，低置信，按0.5计'
    """
    confidence = str(operation.get("confidence") or "")
    product = operation.get("product")
    factor = evidence_factor(rules, operation)
    return "，".join(
        [
            f"依据：{operation.get('source') or '未注明来源'}" + (f"“{product}”" if product else ""),
            str(operation.get("as_of") or "年份未注明"),
            CONFIDENCE_NAMES.get(confidence, "未注明置信度"),
            *([f"按{factor:g}计"] if factor < 1 else []),
        ]
    )


def _fit_points(rules: Rules, operation: Mapping[str, object]) -> float:
    role = str(operation.get("role", "player"))
    return _points(rules, "fit", rules.role_fit.get(role, 0.0) * evidence_factor(rules, operation))


def _fit(ctx: TargetContext, node: NodeAssessment, operation: Mapping[str, object]) -> ScorePart:
    role = str(operation.get("role", "player"))
    return ScorePart(
        "fit",
        _fit_points(ctx.rules, operation),
        f"在“{node.name}”环节为全国{ROLE_NAMES.get(role, role)}企业（{evidence_text(ctx.rules, operation)}）",
    )


def _own_scale_points(ctx: TargetContext, firm: str) -> float:
    """`_scale(...).value` for a firm with no group above it: its own lists and revenue."""
    rules, view = ctx.rules, ctx.view
    best = 0.0
    for target, keyed in view._succ[firm].items():
        for data in keyed.values():
            if data.get("type") == "RANKED_IN":
                best = max(best, rules.tier_value.get(str(data.get("list", target)), 0.0))
    revenue = view.nodes[firm].get("revenue_100m_cny")
    if isinstance(revenue, int | float) and revenue > 1:
        best = max(best, math.log10(revenue) / math.log10(rules.revenue_full_at))
    return _points(rules, "scale", best)


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


def _pull_points(ctx: TargetContext, firm: str) -> float:
    covered = ctx.gap_cover.get(firm, ())
    return _points(ctx.rules, "pull", sum(factor for _, factor in covered) / ctx.rules.pull_full_at)


def _pull(ctx: TargetContext, firm: str) -> ScorePart:
    covered = ctx.gap_cover.get(firm, ())
    if not covered:
        return ScorePart("pull", 0.0, "不覆盖本产业的薄弱或缺失环节")
    names = "、".join(name_of(ctx.view, n) for n, _ in covered[:4]) + ("等" if len(covered) > 4 else "")
    weak = sum(1 for _, factor in covered if factor < 1)
    return ScorePart(
        "pull",
        _pull_points(ctx, firm),
        f"可覆盖本产业{len(covered)}个薄弱或缺失环节：{names}"
        + (f"（其中{weak}个依据置信度低，折算计入）" if weak else ""),
    )


def _ties(ctx: TargetContext, firm: str) -> ScorePart:
    partners = {
        k: v for k, v in ties(ctx.view, set(ctx.members[ctx.root[firm]])).items() if k in ctx.yunnan_firms
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
    here = _by_relevance(ctx, set(ctx.members[ctx.root[firm]] & ctx.yunnan_firms))
    held = _by_relevance(ctx, set(ctx.stakes.get(ctx.root[firm], ())))
    if not here and held:
        names = "、".join(f"{name_of(ctx.view, f)}·{_where(ctx, f)}" for f in held[:2])
        return ScorePart(
            "presence", _points(ctx.rules, "presence", 1.0), f"集团持有云南企业股份（{names}），可增资扩产"
        )
    if not here:
        return ScorePart("presence", 0.0, "在云南尚无布局，属新进入")
    names = "、".join(f"{name_of(ctx.view, f)}·{_where(ctx, f)}" for f in here[:2])
    return ScorePart(
        "presence", _points(ctx.rules, "presence", 1.0), f"集团已在云南布局（{names}），可增资扩产"
    )


def _where(ctx: TargetContext, firm: str) -> str:
    """The Yunnan places of a firm's sites (prefecture or county names)."""
    yunnan = {r for r in _sites(ctx.view, {firm}) if r.startswith("53") and r != YUNNAN}
    return _names(ctx.view, yunnan, 2) if yunnan else "云南"


def _resource_options(ctx: TargetContext, firm: str, node: str) -> list[tuple[float, str]]:
    """What Yunnan's resources offer `firm` on `node`, as (fraction of the part, reason)."""
    tags = ctx.view.nodes[node].get("tags") or ()
    fit = ctx.rules.resource_fit
    options = [(0.0, "无特别的资源匹配")]
    if "energy-intensive" in tags:
        options.append((fit["energy-intensive"], "高载能环节，可用云南绿色水电降本降碳"))
    if "export" in tags:
        if "south-southeast-asia" in (ctx.view.nodes[firm].get("tags") or ()):
            options.append(
                (fit["export_with_asean_firm"], "外向型环节，企业已有南亚东南亚业务，可借云南通道辐射")
            )
        else:
            options.append((fit["export"], "外向型环节，云南是面向南亚东南亚的通道"))
    if "resource" in tags:
        options.append((fit["resource"], "依托云南的矿产、土地或生物资源"))
    return options


def _resource_points(ctx: TargetContext, firm: str, node: str) -> float:
    """`_resource(...).value`."""
    return _points(ctx.rules, "resource", max(value for value, _ in _resource_options(ctx, firm, node)))


def _resource(ctx: TargetContext, firm: str, node: str) -> ScorePart:
    value, reason = max(_resource_options(ctx, firm, node), key=lambda o: o[0])
    return ScorePart("resource", _points(ctx.rules, "resource", value), reason)


def outside_territory(view: nx.MultiDiGraph, firm: str, rules: Rules) -> dict[str, str]:
    """The links on which `firm` (or a group above it) works only inside a territory the state
    assigns it, one without Yunnan (rules `feasibility.outside_territory`), each with why."""
    spec = rules.feasibility["outside_territory"]
    return {
        link: f"{spec[owner]['why']}（{name_of(view, owner)}）"
        for owner in (firm, *ancestors(view, firm))
        if owner in spec
        for link in spec[owner]["links"]
    }


def feasibility_on(ctx: TargetContext, firm: str, node: str) -> Feasibility:
    """The firm's feasibility for one link: its own (`firm_feasibility`), less a penalty with a
    warning on a link of `by_product_links` (a by-product of plants built for something else,
    such as a refinery's petroleum coke: it sells there, it does not build there) and on a link
    where its group's assigned territory leaves Yunnan out (`outside_territory`: State Grid's
    pumped storage in China Southern Grid's Yunnan). Either rules the firm out on that link."""
    base = ctx.feasibility[firm]
    spec = ctx.rules.feasibility
    flagged = {}
    if node in spec["by_product_links"]:
        flagged["by_product"] = (
            f"“{name_of(ctx.view, node)}”是其主业的副产品，不会为此来滇建厂，宜按供应关系对接"
        )
    territory = outside_territory(ctx.view, firm, ctx.rules)
    if node in territory:
        flagged["outside_territory"] = f"{territory[node]}，不会在滇投资“{name_of(ctx.view, node)}”"
    if not flagged:
        return base
    value = round(base.part.value - sum(spec["penalties"][k] for k in flagged), 2)
    part = ScorePart("feasibility", value, "；".join((base.part.reason, *flagged.values())))
    return Feasibility(part, (*base.warnings, *flagged.values()), True, base.flags | set(flagged))


def _score(
    ctx: TargetContext, firm: str, node: NodeAssessment, operation: Mapping[str, object]
) -> Recommendation:
    feasible = feasibility_on(ctx, firm, node.id)
    parts = (
        _fit(ctx, node, operation),
        _scale(ctx, firm),
        _pull(ctx, firm),
        _ties(ctx, firm),
        _presence(ctx, firm),
        _resource(ctx, firm, node.id),
        feasible.part,
        ctx.signals[ctx.root[firm]],
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
        track=track_of(ctx, firm),
        warnings=feasible.warnings,
    )


# The edges that make a firm more than itself: a group (SUBSIDIARY_OF either way), supply ties and
# stakes (SUPPLIES either way), intent signals (SIGNALLED).
_GROUPING = frozenset({"SUBSIDIARY_OF", "SUPPLIES", "SIGNALLED"})


def _alone(view: nx.MultiDiGraph, firm: str) -> bool:
    """Whether `firm` has no edge of `_GROUPING`: its group is itself, with no ties, no stake in
    a Yunnan firm and no signals (so, outside Yunnan, its ties, presence and signals are 0)."""
    return not any(
        data.get("type") in _GROUPING
        for adjacent in (view._succ[firm], view._pred[firm])
        for keyed in adjacent.values()
        for data in keyed.values()
    )


def _score_bound(
    ctx: TargetContext, firm: str, node: NodeAssessment, operation: Mapping[str, object]
) -> float:
    """A score `_score` cannot exceed, from what is quick to read: the fit, the pull and the
    resource part as they are; the scale as it is for a firm without a parent group (else its
    most); the ties, the presence and the signals 0 for a firm on its own (`_alone`; else their
    most); the feasibility at its most (a footprint in mainland China and in the west, no
    penalty). The parts are added in `_score`'s order and rounded as it rounds, so the bound is
    at least the score (each part at least the scored one; rounding and adding keep the order)."""
    return _Bounds(ctx)(firm, node, operation)


class _Bounds:
    """`_score_bound` for the targets of one context: the most of each part worked out once, a
    firm's own parts once a firm."""

    def __init__(self, ctx: TargetContext) -> None:
        rules = ctx.rules
        spec = rules.feasibility
        self.ctx = ctx
        self.most = {part: _points(rules, part, 1.0) for part in ("scale", "ties", "presence", "signals")}
        self.feasibility = _points(rules, "feasibility", spec["mainland"] + spec["west_or_asean"])
        self.firms: dict[str, tuple[bool, float, float]] = {}  # firm -> (alone, scale, pull)

    def __call__(self, firm: str, node: NodeAssessment, operation: Mapping[str, object]) -> float:
        ctx, most = self.ctx, self.most
        known = self.firms.get(firm)
        if known is None:
            alone = _alone(ctx.view, firm)
            scale = _own_scale_points(ctx, firm) if alone else most["scale"]
            known = self.firms[firm] = (alone, scale, _pull_points(ctx, firm))
        alone, scale, pull = known
        parts = (
            _fit_points(ctx.rules, operation),
            scale,
            pull,
            0.0 if alone else most["ties"],
            0.0 if alone else most["presence"],
            _resource_points(ctx, firm, node.id),
            self.feasibility,
            0.0 if alone else most["signals"],
        )
        return round(sum(parts), 2)


def _best_targets(
    ctx: TargetContext, nodes: Iterable[NodeAssessment], limit: int, *, per_group: bool
) -> list[Recommendation]:
    """What the lists of `target_lists` take, at most `limit` a track, of the targets on `nodes`:
    with `per_group`, each group's best recommendation (by score, then its node's priority, then
    the order of the nodes and their operators), those with a feasibility warning left out unless
    `feasibility.list_warned`; else every recommendation. (The lists are the first `limit` of
    each track when ranked.)

    Every target (firm, node) is bounded first (`_score_bound`) and scored in the order of its
    bound, best first; one whose bound is below the `limit`-th score its track holds already is
    not scored, since it could not enter the list (nor, per group, change a group's row on it).
    At a million firms the gaps of a prefecture have some 80,000 targets, of which a handful
    of groups make the lists."""
    if limit <= 0:
        return []
    priority = {n.id: n.priority for n in ctx.gaps.nodes}
    warned = ctx.rules.feasibility["list_warned"]
    bound = _Bounds(ctx)
    pending = sorted(
        (-bound(firm, node, data), order, firm, node, data)
        for order, (node, firm, data) in enumerate(
            (node, firm, data) for node in nodes for firm, data in ctx.operators[node.id]
        )
        if is_target(ctx, firm, node.id)
    )
    kept: dict[object, tuple[tuple[float, float, int], Recommendation]] = {}
    held: dict[str, list[float]] = {EXPAND: [], NEW: []}  # the kept rows' scores per track, ascending

    def floor(track: str) -> float:
        scores = held[track]
        return scores[-limit] if len(scores) >= limit else -math.inf

    for negative, order, firm, node, data in pending:
        if -negative < min(floor(EXPAND), floor(NEW)):
            break
        track = track_of(ctx, firm)
        if -negative < floor(track):
            continue
        rec = _score(ctx, firm, node, data)
        if per_group and rec.warnings and not warned:
            # an industry's lists are what a bureau takes to a meeting: a firm with a
            # feasibility warning stays out (its node's own list shows it, with the warning)
            continue
        # one row per group: a planner pursues 中铝集团 once, through whichever of its firms scores best
        key = ctx.root[firm] if per_group else order
        rank = (rec.score, priority[node.id], -order)
        current = kept.get(key)
        if current is not None:
            if rank <= current[0]:
                continue
            held[track].remove(current[1].score)
        kept[key] = (rank, rec)
        bisect.insort(held[track], rec.score)
    return [rec for _, rec in kept.values()]


def _ranked(recs: list[Recommendation]) -> list[Recommendation]:
    return sorted(recs, key=lambda r: (-r.score, r.enterprise_id, r.node_id))


class TargetOptions(TypedDict, total=False):
    """The options of `target_lists` and `recommend_targets`: one chain node (else all the gaps),
    the lists' length (else rules.top), a prefecture, the rules, and the chain's gaps when the
    caller has them already."""

    node: str | None
    top: int | None
    prefecture: str | None
    rules: Rules | None
    gaps: ChainGaps | None


def target_lists(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    node: str | None = None,
    top: int | None = None,
    prefecture: str | None = None,
    rules: Rules | None = None,
    gaps: ChainGaps | None = None,
) -> TargetLists:
    """The two target lists for one chain node, or for all the industry's gaps, each best first
    and at most `top` long: 增资扩产 (`expand`: the firm's group already has an entity in Yunnan)
    and 新引进 (`new`).

    For one `node`, every firm operating on it elsewhere, ranked, with its warnings. For the whole
    industry, each group once (its best-scoring firm), with the gap it scores best on; firms with a
    feasibility warning are left out unless `feasibility.list_warned` is set. Firms located in Yunnan
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
        if node not in ctx.operators:
            raise NotFoundError(
                "chain node", node, [n.id for n in gaps.nodes if node in n.id or n.id in node][:5]
            )
        found = _best_targets(ctx, [gaps.node(node)], limit, per_group=False)
    else:
        found = _best_targets(ctx, gaps.gaps, limit, per_group=True)
    ranked = _ranked(found)
    return TargetLists(
        expand=tuple(r for r in ranked if r.track == EXPAND)[:limit],
        new=tuple(r for r in ranked if r.track == NEW)[:limit],
    )


def recommend_targets(
    view: nx.MultiDiGraph, industry: str, **options: Unpack[TargetOptions]
) -> tuple[Recommendation, ...]:
    """Both target lists (see `target_lists`) as one ranking, best first, at most `top` long.

    Raises:
        NotFoundError: an unknown industry, node or prefecture.
    """
    top = options.get("top")
    limit = (options.get("rules") or load_rules()).top if top is None else top
    return target_lists(view, industry, **options).ranked()[:limit]

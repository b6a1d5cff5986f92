"""Which links of a chain are strong, weak or missing in Yunnan (or one prefecture), how much
each matters, and what it calls for: 补链 fill, 强链 strengthen or 延链 extend.

Pure functions of a networkx view (see graph.view) and the versioned `Rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from analysis import production as prod
from analysis.production import Evidence, Production
from analysis.regions import YUNNAN, located_in, region_descendants
from analysis.rules import Rules, load_rules
from graph.errors import NotFoundError
from graph.view import chain_node_ids, operator_count

STRONG, WEAK, MISSING = "strong", "weak", "missing"
VERIFY = "verify"  # how a missing link with thin evidence is shown (待核实); never a status itself
STATUS_RANK = {MISSING: 0, WEAK: 1, STRONG: 2}
# Which rule decided a status (NodeAssessment.rule).
BY_FIRMS, BY_SHARE, BY_QUOTIENT, BY_OUTPUT, BY_REVIEW, BY_NOTHING = (
    "firms",
    "production-share",
    "location-quotient",
    "production",
    "review",
    "none",
)
FILL, STRENGTHEN, EXTEND = "补链", "强链", "延链"
ACTION_EN = {FILL: "fill", STRENGTHEN: "strengthen", EXTEND: "extend", "": ""}


@dataclass(frozen=True)
class LocalFirm:
    """An enterprise present in the region that operates on a chain node."""

    id: str
    name: str
    role: str
    capacity: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class NodeAssessment:
    """One chain node: local presence, supply elsewhere, criticality, status and action."""

    id: str
    name: str
    stage: str
    status: str
    presence: float
    local_firms: tuple[LocalFirm, ...]
    candidate_count: int  # operations on the link by firms outside the region (`operator_count`)
    betweenness: float
    downstream_reach: float
    single_firm_risk: float
    criticality: float
    structural_weight: float
    gap_type: str
    action: str
    priority: float
    rule: str = BY_NOTHING
    reason: str = ""
    evidence: Evidence | None = None
    share: float | None = None
    location_quotient: float | None = None

    @property
    def is_gap(self) -> bool:
        return self.status != STRONG

    @property
    def to_verify(self) -> bool:
        """A missing link the graph knows nothing about: shown as 待核实, not as a confident gap."""
        return self.status == MISSING and self.evidence is not None and self.evidence.level == prod.THIN

    @property
    def shown_status(self) -> str:
        """The status as pages, plans and maps show it: `verify` (待核实) for a thin missing link."""
        return VERIFY if self.to_verify else self.status


@dataclass(frozen=True)
class ChainGaps:
    """The assessment of a whole chain; `nodes` are sorted by priority, highest first."""

    industry: str
    industry_name: str
    prefecture: str | None
    completeness: float
    config_version: str
    nodes: tuple[NodeAssessment, ...]

    def node(self, node_id: str) -> NodeAssessment:
        for assessed in self.nodes:
            if assessed.id == node_id:
                return assessed
        raise NotFoundError("chain node", node_id, [n.id for n in self.nodes][:5])

    @property
    def gaps(self) -> tuple[NodeAssessment, ...]:
        return tuple(n for n in self.nodes if n.is_gap)

    def count(self, status: str) -> int:
        """Links with `status`; `verify` counts the missing links shown as 待核实."""
        if status == VERIFY:
            return sum(1 for n in self.nodes if n.to_verify)
        return sum(1 for n in self.nodes if n.status == status)


def require_industry(view: nx.MultiDiGraph, industry: str) -> None:
    """Raise NotFoundError unless `industry` is an Industry node of `view`."""
    if view.nodes.get(industry, {}).get("label") != "Industry":
        known = sorted(n for n, d in view.nodes(data=True) if d.get("label") == "Industry")
        raise NotFoundError("industry", industry, known)


def require_prefecture(view: nx.MultiDiGraph, prefecture: str) -> None:
    """Raise NotFoundError unless `prefecture` is a region of `view`."""
    if view.nodes.get(prefecture, {}).get("label") != "Region":
        raise NotFoundError("prefecture", prefecture)


def feeds_graph(view: nx.MultiDiGraph, nodes: Iterable[str]) -> nx.DiGraph:
    """The material-flow graph among `nodes`: an edge for each FEEDS between two of them."""
    members = set(nodes)
    flow = nx.DiGraph()
    flow.add_nodes_from(sorted(members))
    # the members' own out-edges, in the view's order (betweenness sums in that order)
    for source in sorted(members & set(view), key=_position(view).__getitem__):
        for target, keys in view.succ[source].items():
            if target in members and any(d.get("type") == "FEEDS" for d in keys.values()):
                flow.add_edge(source, target)
    return flow


def _position(view: nx.MultiDiGraph) -> dict[str, int]:
    return {node: i for i, node in enumerate(view)}


def operators(view: nx.MultiDiGraph, node: str) -> list[tuple[str, dict]]:
    """(enterprise, OPERATES_IN attributes) for every firm operating on `node`, by id."""
    into = view._pred[node] if node in view else {}  # the adjacency dict: a link may have 100k firms
    return sorted(
        (
            (source, data)
            for source, keyed in into.items()
            for data in keyed.values()
            if data.get("type") == "OPERATES_IN"
        ),
        key=lambda pair: pair[0],
    )


def candidate_ids(view: nx.MultiDiGraph, assessed: NodeAssessment) -> list[str]:
    """The firms behind `assessed.candidate_count`, by id, one an operation: the link's operators
    in `view` that are not among its local firms (all of them in a whole industry view; a
    focused view holds only those it read)."""
    local = {firm.id for firm in assessed.local_firms}
    return [firm for firm, _data in operators(view, assessed.id) if firm not in local]


def _gap_type(stage: str, tags: Iterable[str]) -> str:
    if "technology" in tags or stage == "support":
        return "technology"
    return stage


def _action(node: str, status: dict[str, str], flow: nx.DiGraph) -> str:
    """强链 for weak, 补链 for a missing link inside the chain, 延链 for a missing link next to a
    strong link with no local presence beyond it (the chain's frontier)."""
    if status[node] == WEAK:
        return STRENGTHEN
    if status[node] != MISSING:
        return ""
    downstream_of_strong = any(status[p] == STRONG for p in flow.predecessors(node))
    upstream_of_strong = any(status[s] == STRONG for s in flow.successors(node))
    beyond_downstream = all(status[s] == MISSING for s in flow.successors(node))
    beyond_upstream = all(status[p] == MISSING for p in flow.predecessors(node))
    if (downstream_of_strong and beyond_downstream) or (upstream_of_strong and beyond_upstream):
        return EXTEND
    return FILL


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _decide(
    view: nx.MultiDiGraph,
    node: str,
    region: str,
    presence: float,
    rules: Rules,
    scope: str,
    facts: list[dict],
    firm_count: int,
) -> tuple[str, str, str, Evidence, Production]:
    """(status, deciding rule, reason in Chinese, evidence, production) of `node` in `region`.

    The status is the strongest that any rule gives: the firms' role weights against the scope's
    `strong_at`; the region's production (strong where its share of China's output, its location
    quotient or, for a prefecture, its share of Yunnan's output passes the scope's threshold; weak
    where it produces at all); and, for Yunnan, a review finding `present` (weak at least).
    """
    cfg = rules.production
    thresholds = cfg[scope]
    strong_at = rules.strong_at if scope == "yunnan" else rules.strong_at_prefecture
    made = prod.production(
        view,
        node,
        region,
        metrics=cfg["metrics"],
        max_year_gap=cfg["max_year_gap"],
        province=YUNNAN if scope == "prefecture" else None,
    )
    review = prod.finding(view, node, YUNNAN) if scope == "yunnan" else None
    options: list[tuple[str, str, str]] = []
    if presence >= strong_at:
        options.append((STRONG, BY_FIRMS, f"本地企业角色权重合计{presence:g}，达到强链标准{strong_at:g}"))
    share, quotient = made.share, made.location_quotient
    if share is not None and share >= thresholds.get("strong_share", 2.0):
        options.append(
            (STRONG, BY_SHARE, f"{_figure_text(made)}占全国{share:.1%}，达到{thresholds['strong_share']:.0%}")
        )
    if quotient is not None and quotient >= thresholds["strong_lq"]:
        options.append(
            (
                STRONG,
                BY_QUOTIENT,
                f"{_figure_text(made)}区位商{quotient:.2f}，达到{thresholds['strong_lq']:g}",
            )
        )
    of_province = made.share_of_province
    if of_province is not None and of_province >= thresholds.get("strong_share_of_yunnan", 2.0):
        options.append(
            (
                STRONG,
                BY_SHARE,
                f"{_figure_text(made)}占全省{of_province:.1%}，达到{thresholds['strong_share_of_yunnan']:.0%}",
            )
        )
    if presence > 0:
        options.append((WEAK, BY_FIRMS, f"本地企业角色权重合计{presence:g}，未达强链标准{strong_at:g}"))
    if made.produces:
        options.append((WEAK, BY_OUTPUT, f"{_figure_text(made)}，未达强链阈值"))
    if review is not None and review.get("finding") == prod.PRESENT:
        options.append((WEAK, BY_REVIEW, f"核查：{review.get('basis', '')}（无企业或产量数据）"))
    if options:
        status, rule, reason = max(options, key=lambda o: STATUS_RANK[o[0]])
    elif review is not None and review.get("finding") == prod.ABSENT:
        status, rule, reason = MISSING, BY_REVIEW, f"核查：{review.get('basis', '')}"
    else:
        status, rule, reason = MISSING, BY_NOTHING, "未掌握本地企业或产量数据"
    region_figures = prod.figures(view, node, [region])
    known = [
        *facts,
        *({"kind": "figure", "as_of": f.as_of, "confidence": f.confidence} for f in region_figures),
    ]
    proof = prod.evidence(
        known,
        firms=firm_count,
        figures_known=len(region_figures),
        review=review,
        status=status,
        reference_year=int(rules.evidence["reference_year"]),
        stale_after_years=int(rules.evidence["stale_after_years"]),
        solid_firms=int(rules.evidence["solid_firms"]),
    )
    return status, rule, reason, proof, made


def _figure_text(made: Production) -> str:
    figure = made.figure
    if figure is None:
        return "产量"
    if figure.metric == "national_share":
        return f"{figure.year}年产量"
    word = {"output": "产量", "capacity": "产能", "establishments": "经营单位数"}
    return f"{figure.year}年{word.get(figure.metric, figure.metric)}{figure.value:g}{figure.unit}"


def chain_gaps(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    prefecture: str | None = None,
    rules: Rules | None = None,
    arrivals: Iterable[str] = (),
) -> ChainGaps:
    """Assess every chain node of `industry` for Yunnan, or for one `prefecture`; `arrivals` are
    firms counted as present there as well (a scenario's landings).

    A node's presence is the sum of role weights of the firms located in the region that
    operate on it; `strong_at` (Yunnan) or `strong_at_prefecture` and zero split strong, weak and
    missing. The region's sourced production can raise that status: its share of China's output
    or its location quotient past the thresholds of `rules.production` make a link strong, any
    production makes it weak; a review finding `present` makes it weak. Each node says which rule
    decided (`rule`, `reason`) and how solid the evidence is (`evidence`); a missing link with thin
    evidence is `to_verify` (待核实). Criticality mixes
    normalised FEEDS betweenness, downstream reach and single-firm risk. Completeness (0-100)
    is the mean node value (strong 1, weak 0.5, missing 0) weighted by 1 + structural
    criticality.

    Raises:
        NotFoundError: `industry` or `prefecture` is not in the view.

    Examples:
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("ind", label="Industry", name="示例")
        >>> for n in ("a", "b"): g.add_node(n, label="ChainNode", name=n, stage="upstream")
        >>> for n in ("a", "b"): _ = g.add_edge(n, "ind", type="PART_OF")
        >>> _ = g.add_edge("a", "b", type="FEEDS")
        >>> g.add_node("530000", label="Region"); g.add_node("f", label="Enterprise", name="F")
        >>> _ = g.add_edge("f", "530000", type="HAS_SITE", kind="hq")
        >>> _ = g.add_edge("f", "a", type="OPERATES_IN", role="leader")
        >>> result = chain_gaps(g, "ind")
        >>> [(n.id, n.status, n.action) for n in sorted(result.nodes, key=lambda n: n.id)]
        [('a', 'strong', ''), ('b', 'missing', '延链')]
    """
    rules = rules or load_rules()
    require_industry(view, industry)
    if prefecture is not None:
        require_prefecture(view, prefecture)
    regions = region_descendants(view, prefecture or YUNNAN)
    local = located_in(view, regions) | set(arrivals)
    members = chain_node_ids(view, industry)
    flow = feeds_graph(view, members)
    size = len(members)
    betweenness = (
        nx.betweenness_centrality(flow, normalized=True) if size > 2 else dict.fromkeys(members, 0.0)
    )
    reach = {n: (len(nx.descendants(flow, n)) / (size - 1) if size > 1 else 0.0) for n in members}

    presence: dict[str, float] = {}
    firms: dict[str, tuple[LocalFirm, ...]] = {}
    candidates: dict[str, int] = {}
    facts: dict[str, list[dict]] = {}
    for node in members:
        here, known = [], []
        for firm, data in operators(view, node):
            role = str(data.get("role", "player"))
            if firm in local:
                attrs = view.nodes[firm]
                here.append(
                    LocalFirm(
                        firm, str(attrs.get("name", firm)), role, data.get("capacity"), data.get("unit")
                    )
                )
                known.append(
                    {"kind": "firm", "as_of": data.get("as_of"), "confidence": data.get("confidence")}
                )
        firms[node] = tuple(here)
        # the link's other operations, whether the view holds their firms or only counts them
        candidates[node] = operator_count(view, node) - len(here)
        facts[node] = known
        presence[node] = float(sum(rules.role_weight.get(f.role, 0) for f in here))
    scope = "prefecture" if prefecture is not None else "yunnan"
    decided = {
        n: _decide(view, n, prefecture or YUNNAN, presence[n], rules, scope, facts[n], len(firms[n]))
        for n in members
    }
    status = {n: decided[n][0] for n in members}
    weights = rules.criticality_weights
    assessed = []
    for node in members:
        attrs = view.nodes[node]
        risk = 1.0 if len(firms[node]) <= rules.single_firm_at_most else 0.0
        structural = weights["betweenness"] * betweenness[node] + weights["downstream_reach"] * reach[node]
        criticality = structural + weights["single_firm_risk"] * risk
        assessed.append(
            NodeAssessment(
                id=node,
                name=str(attrs.get("name", node)),
                stage=str(attrs.get("stage", "")),
                status=status[node],
                presence=presence[node],
                local_firms=firms[node],
                candidate_count=candidates[node],
                betweenness=round(betweenness[node], 4),
                downstream_reach=round(reach[node], 4),
                single_firm_risk=risk,
                criticality=round(criticality, 4),
                structural_weight=round(1 + structural, 4),
                gap_type=_gap_type(str(attrs.get("stage", "")), attrs.get("tags") or ()),
                action=_action(node, status, flow),
                priority=round(criticality * rules.gap_factor[status[node]], 4),
                rule=decided[node][1],
                reason=decided[node][2],
                evidence=decided[node][3],
                share=_rounded(decided[node][4].share),
                location_quotient=_rounded(decided[node][4].location_quotient),
            )
        )
    total_weight = sum(n.structural_weight for n in assessed)
    completeness = (
        100 * sum(n.structural_weight * rules.status_value[n.status] for n in assessed) / total_weight
        if total_weight
        else 0.0
    )
    assessed.sort(key=lambda n: (-n.priority, -n.criticality, n.id))
    return ChainGaps(
        industry=industry,
        industry_name=str(view.nodes[industry].get("name", industry)),
        prefecture=prefecture,
        completeness=round(completeness, 1),
        config_version=rules.version,
        nodes=tuple(assessed),
    )

"""A per-industry "1+1+1+1" plan as data (measure 3): one industry + one investment-promotion
plan + one talent-recruitment plan + one package of support policies.

The plan is built from the same analyses the app shows (gaps, recommend, leaders), so a draft
always agrees with them; renderers (api/render.py) turn it into Markdown, HTML, Word and Excel.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from analysis.enterprises import LIST_NAMES, ancestors, memberships, name_of
from analysis.gaps import ChainGaps, NodeAssessment, chain_gaps
from analysis.leaders import HeadquartersTarget, LeaderSet, best_leader_set, headquarters_targets
from analysis.recommend import EXPAND, NEW, TRACK_NAMES, Recommendation, firm_feasibility, target_lists
from analysis.regions import YUNNAN, region_descendants
from analysis.rules import Rules, load_rules
from graph.view import chain_node_ids

STAGE_ORDER = ("upstream", "midstream", "downstream", "support")
QUALIFYING_LISTS = ("fortune-global-500", "china-500", "china-private-500", "china-manufacturing-500")
QUALIFYING_REVENUE = 100.0  # 亿元: a firm this large can carry a project of 10亿元 or more


@dataclass(frozen=True)
class StageSummary:
    stage: str
    nodes: int
    strong: int
    weak: int
    missing: int


@dataclass(frozen=True)
class PlanTarget:
    """A firm on the target list, with the link it is pursued for and the reasons."""

    rank: int
    enterprise_id: str
    name: str
    node_id: str
    node_name: str
    action: str
    score: float
    tiers: tuple[str, ...]
    reasons: tuple[str, ...]
    qualifies_for_quota: bool
    track: str = NEW
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuotaLine:
    """Measure 1 for this industry: the yearly quota and what the target list could bring."""

    yearly_quota: int | None
    targets: int
    qualifying_targets: int
    coverage: float | None
    text: str
    by_track: dict[str, tuple[int, int]] | None = None  # track -> (targets, qualifying)


@dataclass(frozen=True)
class TrainingOffer:
    institution_id: str
    name: str
    programme: str
    in_yunnan: bool
    region: str


@dataclass(frozen=True)
class TalentNeed:
    """What one weak or missing link needs in people, and who trains them."""

    node_id: str
    node_name: str
    status: str
    action: str
    skills: tuple[str, ...]
    offers: tuple[TrainingOffer, ...]

    @property
    def in_yunnan(self) -> tuple[TrainingOffer, ...]:
        return tuple(o for o in self.offers if o.in_yunnan)

    @property
    def elsewhere(self) -> tuple[TrainingOffer, ...]:
        return tuple(o for o in self.offers if not o.in_yunnan)


@dataclass(frozen=True)
class PolicyItem:
    """A support policy linked to the industry or one of its links, and what it offers."""

    policy_id: str
    name: str
    issuer: str
    doc_number: str
    date: str
    applies_to: tuple[str, ...]
    measures: tuple[str, ...]
    source: str
    confidence: str


@dataclass(frozen=True)
class IndustryPlan:
    """Everything a drafted plan says, before it is written out in any format."""

    industry: str
    industry_name: str
    industry_name_en: str
    lead_department: str
    prefecture: str | None
    prefecture_name: str | None
    completeness: float
    counts: dict[str, int]
    stages: tuple[StageSummary, ...]
    gaps: tuple[NodeAssessment, ...]
    expand: tuple[PlanTarget, ...]
    new: tuple[PlanTarget, ...]
    leaders: LeaderSet
    headquarters: tuple[HeadquartersTarget, ...]
    quota: QuotaLine
    talent: tuple[TalentNeed, ...]
    policies: tuple[PolicyItem, ...]
    config_version: str
    data_as_of: str

    @property
    def scope(self) -> str:
        return self.prefecture_name or "云南省"

    @property
    def targets(self) -> tuple[PlanTarget, ...]:
        """Both lists: 增资扩产 first, then 新引进, each ranked from 1."""
        return (*self.expand, *self.new)


def _qualifies(view: nx.MultiDiGraph, firm: str, rules: Rules) -> bool:
    """A 500-list group or one with >= 100亿元 revenue, unless it cannot carry an industrial
    project (no mainland footprint, distress, an online platform or asset-light firm)."""
    if firm_feasibility(view, firm, rules).blocking:
        return False
    for entity in (firm, *ancestors(view, firm)):
        if any(m.list in QUALIFYING_LISTS for m in memberships(view, entity)):
            return True
        revenue = view.nodes[entity].get("revenue_100m_cny")
        if isinstance(revenue, int | float) and revenue >= QUALIFYING_REVENUE:
            return True
    return False


def _target(view: nx.MultiDiGraph, rank: int, rec: Recommendation, rules: Rules) -> PlanTarget:
    tiers = tuple(m.label for m in memberships(view, rec.enterprise_id) if m.list in LIST_NAMES)
    return PlanTarget(
        rank=rank,
        enterprise_id=rec.enterprise_id,
        name=rec.name,
        node_id=rec.node_id,
        node_name=rec.node_name,
        action=rec.action,
        score=rec.score,
        tiers=tiers,
        reasons=tuple(p.reason for p in rec.parts if p.value > 0),
        qualifies_for_quota=_qualifies(view, rec.enterprise_id, rules),
        track=rec.track,
        warnings=rec.warnings,
    )


def quota_line(quota: int | None, targets: tuple[PlanTarget, ...]) -> QuotaLine:
    """The measure-1 line: the quota, and how much of both target lists (增资扩产 and 新引进) could
    fill it if each qualifying target (a 500-list group or one with >= 100亿元 revenue that can
    carry an industrial project) lands one project.

    >>> quota_line(8, ()).text
    '年度目标：引进10亿元以上产业项目8个；目标企业0家（增资扩产0家、新引进0家），其中有能力承担10亿元以上项目的0家（增资扩产0家、新引进0家），按每家落地1个项目测算可完成年度目标的0%。'
    """
    by_track = {
        track: (
            sum(1 for t in targets if t.track == track),
            sum(1 for t in targets if t.track == track and t.qualifies_for_quota),
        )
        for track in (EXPAND, NEW)
    }
    qualifying = sum(q for _, q in by_track.values())

    def split(index: int) -> str:
        return "、".join(f"{TRACK_NAMES[t]}{by_track[t][index]}家" for t in (EXPAND, NEW))

    listed = (
        f"目标企业{len(targets)}家（{split(0)}），其中有能力承担10亿元以上项目的{qualifying}家（{split(1)}）"
    )
    if quota:
        coverage: float | None = round(min(1.0, qualifying / quota), 3)
        text = f"年度目标：引进10亿元以上产业项目{quota}个；{listed}，按每家落地1个项目测算可完成年度目标的{coverage:.0%}。"
    else:
        coverage = None
        text = f"措施第一条未对本产业设年度项目数；{listed}。"
    return QuotaLine(quota, len(targets), qualifying, coverage, text, by_track)


def talent_needs(view: nx.MultiDiGraph, gaps: ChainGaps) -> tuple[TalentNeed, ...]:
    """For each weak or missing link (by priority): the skills it needs (data/talent) and the
    institutions that train for it, those in Yunnan first."""
    yunnan = region_descendants(view, YUNNAN)
    needs = []
    for node in gaps.gaps:
        offers = []
        for source, _, data in view.in_edges(node.id, data=True):
            if data.get("type") != "TRAINS_FOR":
                continue
            located = [t for _, t, d in view.out_edges(source, data=True) if d.get("type") == "LOCATED_IN"]
            region = located[0] if located else ""
            offers.append(
                TrainingOffer(
                    source,
                    name_of(view, source),
                    str(data.get("programme", "")),
                    region in yunnan,
                    name_of(view, region),
                )
            )
        offers.sort(key=lambda o: (not o.in_yunnan, o.name))
        skills = tuple(view.nodes[node.id].get("skills") or ())
        needs.append(TalentNeed(node.id, node.name, node.status, node.action, skills, tuple(offers)))
    return tuple(needs)


def support_policies(view: nx.MultiDiGraph, industry: str) -> tuple[PolicyItem, ...]:
    """Policies that SUPPORT the industry or one of its chain nodes, newest first."""
    targets = {industry} | chain_node_ids(view, industry)
    found: dict[str, tuple[list[str], list[str]]] = {}
    for source, target, data in view.edges(data=True):
        if data.get("type") == "SUPPORTS" and target in targets:
            applies, measures = found.setdefault(source, ([], []))
            applies.append(name_of(view, target))
            if data.get("measure"):
                measures.append(str(data["measure"]))
    items = []
    for policy, (applies, measures) in found.items():
        attrs = view.nodes[policy]
        items.append(
            PolicyItem(
                policy_id=policy,
                name=str(attrs.get("name", policy)),
                issuer=str(attrs.get("issuer", "")),
                doc_number=str(attrs.get("doc_number", "")),
                date=str(attrs.get("date", "")),
                applies_to=tuple(sorted(set(applies))),
                measures=tuple(dict.fromkeys(measures)),
                source=str(attrs.get("source", "")),
                confidence=str(attrs.get("confidence", "")),
            )
        )
    return tuple(sorted(items, key=lambda p: (p.date, p.policy_id), reverse=True))


def data_as_of(view: nx.MultiDiGraph, industry: str) -> str:
    """The newest `as_of` among the facts about the industry's chain and the firms on it."""
    members = chain_node_ids(view, industry)
    dates = [str(view.nodes[n].get("as_of", "")) for n in members]
    dates += [
        str(d.get("as_of", ""))
        for s, t, d in view.edges(data=True)
        if d.get("type") == "OPERATES_IN" and t in members
    ]
    return max((d for d in dates if d), default="")


def industry_plan(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    prefecture: str | None = None,
    top: int = 20,
    k: int | None = None,
    rules: Rules | None = None,
) -> IndustryPlan:
    """Draft the 1+1+1+1 plan of `industry` (for Yunnan, or one prefecture).

    Raises:
        NotFoundError: an unknown industry or prefecture.
    """
    rules = rules or load_rules()
    gaps = chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    lists = target_lists(view, industry, top=top, prefecture=prefecture, rules=rules, gaps=gaps)
    expand = tuple(_target(view, i, rec, rules) for i, rec in enumerate(lists.expand, start=1))
    new = tuple(_target(view, i, rec, rules) for i, rec in enumerate(lists.new, start=1))
    attrs = view.nodes[industry]
    stages = tuple(
        StageSummary(
            stage,
            sum(1 for n in gaps.nodes if n.stage == stage),
            sum(1 for n in gaps.nodes if n.stage == stage and n.status == "strong"),
            sum(1 for n in gaps.nodes if n.stage == stage and n.status == "weak"),
            sum(1 for n in gaps.nodes if n.stage == stage and n.status == "missing"),
        )
        for stage in STAGE_ORDER
        if any(n.stage == stage for n in gaps.nodes)
    )
    return IndustryPlan(
        industry=industry,
        industry_name=str(attrs.get("name", industry)),
        industry_name_en=str(attrs.get("name_en", "")),
        lead_department=str(attrs.get("lead_department", "")),
        prefecture=prefecture,
        prefecture_name=name_of(view, prefecture) if prefecture else None,
        completeness=gaps.completeness,
        counts={s: gaps.count(s) for s in ("strong", "weak", "missing")},
        stages=stages,
        gaps=gaps.gaps,
        expand=expand,
        new=new,
        leaders=best_leader_set(view, industry, k=k, prefecture=prefecture, rules=rules, gaps=gaps),
        headquarters=headquarters_targets(view, industry, rules=rules, gaps=gaps),
        quota=quota_line(attrs.get("yearly_project_quota"), (*expand, *new)),
        talent=talent_needs(view, gaps),
        policies=support_policies(view, industry),
        config_version=rules.version,
        data_as_of=data_as_of(view, industry),
    )

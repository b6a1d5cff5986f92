"""A per-industry "1+1+1+1" plan as data (measure 3): one industry + one investment-promotion
plan + one talent-recruitment plan + one package of support policies.

The plan is built from the same analyses the app shows (gaps, recommend, leaders), so a draft
always agrees with them; renderers (api/render.py) turn it into Markdown, HTML, Word and Excel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import networkx as nx

from analysis.enterprises import LIST_NAMES, ancestors, memberships, name_of
from analysis.gaps import ChainGaps, NodeAssessment, chain_gaps
from analysis.leaders import HeadquartersTarget, LeaderSet, best_leader_set, headquarters_targets
from analysis.localities import (
    PROVINCIAL_PROMOTION_UNIT,
    OvercapacityNotice,
    Park,
    landing_parks,
    overcapacity,
    parks,
    prefecture_units,
)
from analysis.recommend import Recommendation, firm_feasibility, target_lists
from analysis.regions import YUNNAN, region_descendants
from analysis.rules import Rules, load_rules
from analysis.tracks import EXPAND, NEW, TRACK_NAMES
from graph.view import chain_node_ids

STAGE_ORDER = ("upstream", "midstream", "downstream", "support")
PLAN_YEARS = 3


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
class YearTarget:
    """One plan year's targets: measure 1's projects, measure 2's chain leaders and HQs, and what
    the target lists can honestly be expected to bring under the stated conversion."""

    year: int
    projects: int | None
    projects_from_lists: float
    leaders: int | None
    headquarters: int | None


@dataclass(frozen=True)
class ActionItem:
    """One task of the plan with its responsible unit, co-operating units and deadline."""

    task: str
    lead_unit: str
    partners: str
    deadline: str


@dataclass(frozen=True)
class LinkLanding:
    """Where projects on a gap link can land: parks with their factor conditions."""

    node_id: str
    node_name: str
    action: str
    parks: tuple[Park, ...]
    overcapacity: tuple[OvercapacityNotice, ...]


@dataclass(frozen=True)
class OvercapacityFlag:
    """A link of the chain under a national overcapacity notice: no simple capacity additions."""

    node_id: str
    node_name: str
    notices: tuple[OvercapacityNotice, ...]


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
    projects: int = 0
    headcount: int = 0
    key_talent: int = 0

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
    validity: str = "unchecked"
    valid_until: str = ""

    @property
    def relied_on(self) -> bool:
        """Only a current policy whose issuer was checked against the original is relied on."""
        return self.validity == "current" and "未核对" not in self.issuer


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
    rules: Rules  # what the plan was drafted with; its texts state the assumptions
    years: tuple[int, ...] = ()
    year_targets: tuple[YearTarget, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    landings: tuple[LinkLanding, ...] = ()
    overcapacity: tuple[OvercapacityFlag, ...] = ()
    promotion_unit: str = PROVINCIAL_PROMOTION_UNIT
    issuing_unit: str = ""

    @property
    def scope(self) -> str:
        return self.prefecture_name or "云南省"

    @property
    def targets(self) -> tuple[PlanTarget, ...]:
        """Both lists: 增资扩产 first, then 新引进, each ranked from 1."""
        return (*self.expand, *self.new)


def _qualifies(view: nx.MultiDiGraph, firm: str, rules: Rules) -> bool:
    """A group on a qualifying list, with the qualifying revenue or of a qualifying ownership (a
    central enterprise; rules.yaml: plans), unless it cannot carry an industrial project (no
    mainland footprint, distress, an online platform or asset-light firm)."""
    if firm_feasibility(view, firm, rules).blocking:
        return False
    for entity in (firm, *ancestors(view, firm)):
        if any(m.list in rules.plans["qualifying_lists"] for m in memberships(view, entity)):
            return True
        revenue = view.nodes[entity].get("revenue_100m_cny")
        if isinstance(revenue, int | float) and revenue >= rules.plans["qualifying_revenue"]:
            return True
        if view.nodes[entity].get("ownership") in rules.plans["qualifying_ownership"]:
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


def expected_projects(targets: tuple[PlanTarget, ...], rules: Rules | None = None) -> float:
    """Projects of >= 10亿元 the target lists can be expected to sign over the plan's years: each
    qualifying target counts its track's conversion (rules.yaml: plans.conversion), a firm that cannot carry such
    a project counts nothing.

    >>> t = PlanTarget(1, "f", "某", "a", "原料", "补链", 1.0, (), (), True, track=EXPAND)
    >>> expected_projects((t, replace(t, track=NEW), replace(t, qualifies_for_quota=False)))
    0.55
    """
    conversion = (rules or load_rules()).plans["conversion"]
    return round(sum(conversion[t.track] for t in targets if t.qualifies_for_quota), 3)


def quota_line(
    quota: int | None, targets: tuple[PlanTarget, ...], *, years: int = PLAN_YEARS, rules: Rules | None = None
) -> QuotaLine:
    """The measure-1 line: the yearly quota, the capable targets on both lists (增资扩产 and 新引进),
    and what they can honestly be expected to bring a year under the stated conversion.

    >>> quota_line(8, ()).text
    '年度目标：引进10亿元以上产业项目8个（3年共24个）。目标企业0家（增资扩产0家、新引进0家），其中有能力承担10亿元以上项目的0家（增资扩产0家、新引进0家）。按增资扩产目标40%、新引进目标15%在3年内签约测算，目标清单可带来约0.0个项目、年均0.0个，占年度目标的0%；其余每年约8.0个须从以商招商、项目库储备和清单以外的企业中补足。'
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

    listed = f"目标企业{len(targets)}家（{split(0)}），其中有能力承担10亿元以上项目的{qualifying}家（{split(1)}）。"
    rules = rules or load_rules()
    conversion = rules.plans["conversion"]
    expected = expected_projects(targets, rules)
    per_year = expected / years
    assumption = (
        f"按增资扩产目标{conversion[EXPAND]:.0%}、新引进目标{conversion[NEW]:.0%}在{years}年内签约测算，"
        f"目标清单可带来约{expected:.1f}个项目、年均{per_year:.1f}个"
    )
    if quota:
        coverage: float | None = round(min(1.0, per_year / quota), 3)
        rest = max(0.0, quota - per_year)
        text = (
            f"年度目标：引进10亿元以上产业项目{quota}个（{years}年共{quota * years}个）。{listed}{assumption}，"
            f"占年度目标的{coverage:.0%}"
            + (f"；其余每年约{rest:.1f}个须从以商招商、项目库储备和清单以外的企业中补足。" if rest else "。")
        )
    else:
        coverage = None
        text = f"措施第一条未对本产业设年度项目数。{listed}{assumption}。"
    return QuotaLine(quota, len(targets), qualifying, coverage, text, by_track)


def year_targets(
    quota: int | None,
    quota_total: int | None,
    targets: tuple[PlanTarget, ...],
    years: tuple[int, ...],
    *,
    provincial: bool = True,
    rules: Rules | None = None,
) -> tuple[YearTarget, ...]:
    """Each plan year's targets. Projects: measure 1's quota (a prefecture's share is set by the
    province: None). Chain leaders and HQs: measure 2's yearly targets (rules.yaml: measures), split
    over the industries in proportion to their measure-1 quotas (rounded up; None without a quota).

    >>> [(y.year, y.projects, y.leaders) for y in year_targets(5, 89, (), (2027, 2028))]
    [(2027, 5, 2), (2028, 5, 2)]
    """
    rules = rules or load_rules()
    share = quota / quota_total if provincial and quota and quota_total else None
    leaders = math.ceil(rules.measures["chain_leaders"] * share) if share else None
    hqs = math.ceil(rules.measures["headquarters"] * share) if share else None
    per_year = round(expected_projects(targets, rules) / max(1, len(years)), 2)
    return tuple(YearTarget(y, quota if provincial else None, per_year, leaders, hqs) for y in years)


def link_headcount(
    view: nx.MultiDiGraph, node: NodeAssessment, targets: tuple[PlanTarget, ...], rules: Rules | None = None
) -> tuple[int, int, int]:
    """(projects, people, of whom professional and technical staff) a gap link needs over the
    plan: the projects its capable targets are expected to sign, at least one for a link the
    plan pursues (none for a link still to verify), times the staff of a project by the link's kind (rules.yaml: plans).

    >>> g = nx.MultiDiGraph(); g.add_node("b", tags=["energy-intensive"])
    >>> n = NodeAssessment("b", "中间品", "midstream", "missing", 0.0, (), (), 0.0, 0.0, 0.0, 0.5, 0.5, "补链", "补链", 1.0)
    >>> link_headcount(g, n, ())
    (1, 300, 60)
    """
    if node.to_verify:
        return 0, 0, 0
    spec = (rules or load_rules()).plans
    expected = sum(
        spec["conversion"][t.track] for t in targets if t.node_id == node.id and t.qualifies_for_quota
    )
    projects = max(1, math.ceil(expected))
    tags = view.nodes[node.id].get("tags") or ()
    staff = spec["staff_per_project"]
    per_project = next((staff[t] for t in staff if t in tags), spec["staff_per_project_default"])
    people = projects * per_project
    return projects, people, math.ceil(people * spec["key_talent_share"])


def talent_needs(
    view: nx.MultiDiGraph, gaps: ChainGaps, targets: tuple[PlanTarget, ...] = (), rules: Rules | None = None
) -> tuple[TalentNeed, ...]:
    """For each weak or missing link (by priority): the skills it needs (data/talent), the people
    its projects need (`link_headcount`) and the institutions that train for it, those in Yunnan
    first."""
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
        needs.append(
            TalentNeed(
                node.id,
                node.name,
                node.shown_status,
                node.action,
                skills,
                tuple(offers),
                *link_headcount(view, node, targets, rules),
            )
        )
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
                validity=str(attrs.get("validity") or "unchecked"),
                valid_until=str(attrs.get("valid_until") or ""),
            )
        )
    # the policies a plan can rely on first, then those flagged (expired or unchecked), newest first
    items.sort(key=lambda p: (p.date, p.policy_id), reverse=True)
    return tuple(sorted(items, key=lambda p: not p.relied_on))


def overcapacity_flags(view: nx.MultiDiGraph, industry: str) -> tuple[OvercapacityFlag, ...]:
    """The chain's links under a national overcapacity notice, by id."""
    flags = []
    for node in sorted(chain_node_ids(view, industry)):
        notices = overcapacity(view, node)
        if notices:
            flags.append(OvercapacityFlag(node, name_of(view, node), notices))
    return tuple(flags)


def _flag_target(target: PlanTarget, flags: dict[str, OvercapacityFlag]) -> PlanTarget:
    flag = flags.get(target.node_id)
    if flag is None:
        return target
    notice = flag.notices[0]
    warning = f"国家产能调控：{notice.issuer}{notice.notice}（{notice.date}），只谈技术升级或产能置换项目，不新增单纯产能"
    return replace(target, warnings=(*target.warnings, warning))


def deadline(year: int, index: int, years: tuple[int, ...], *, verify: bool = False) -> str:
    """The deadline of the gap at priority `index` (from 0): the first three in the first year,
    the next three in the second, the rest by the plan's end; a link to verify first, in the
    first quarter.

    >>> [deadline(2027, i, (2027, 2028, 2029)) for i in (0, 3, 7)]
    ['2027年12月底前', '2028年12月底前', '2029年12月底前']
    """
    if verify:
        return f"{year}年3月底前"
    return f"{years[min(index // 3, len(years) - 1)]}年12月底前"


def plan_actions(
    plan_gaps: tuple[NodeAssessment, ...],
    targets: tuple[PlanTarget, ...],
    flags: dict[str, OvercapacityFlag],
    years: tuple[int, ...],
    lead_unit: str,
    promotion_unit: str,
    rules: Rules | None = None,
) -> tuple[ActionItem, ...]:
    """The tasks a meeting adopts: one per gap link by priority (what to do, who leads, by when),
    then the standing tasks of measures 6 and 7 (monthly tracking, quarterly scheduling, a
    working group per landmark project, the target-enterprise library). The first
    plans.gap_actions gap links get a task each; the rest share one rolling task."""
    own_tasks = (rules or load_rules()).plans["gap_actions"]
    first = years[0]
    partners = promotion_unit if promotion_unit != lead_unit else "有关州（市）人民政府"
    items: list[ActionItem] = []
    for index, gap in enumerate(plan_gaps[:own_tasks]):
        names = "、".join(dict.fromkeys(t.name for t in targets if t.node_id == gap.id))
        names = "、".join(names.split("、")[:3])
        if gap.to_verify:
            task = f"核实{gap.name}环节在滇企业与产能（现为待核实），据实确定是否列入招商"
        elif gap.id in flags:
            task = f"{gap.action}{gap.name}：国家产能调控环节，只引进技术升级、产能置换项目，不新增单纯产能"
        elif gap.status == "weak":
            local = "、".join(f.name for f in gap.local_firms[:3])
            task = f"{gap.action}{gap.name}：支持{local or '在滇企业'}增资扩产" + (
                f"，对接{names}" if names else ""
            )
        else:
            task = f"{gap.action}{gap.name}：" + (f"重点对接{names}" if names else "梳理目标企业并上门招商")
        items.append(
            ActionItem(task, lead_unit, partners, deadline(first, index, years, verify=gap.to_verify))
        )
    rest = plan_gaps[own_tasks:]
    if rest:
        items.append(
            ActionItem(
                f"其余{len(rest)}个薄弱与缺失环节（见“薄弱与缺失环节”表）纳入目标企业库滚动对接，每半年评估一次",
                lead_unit,
                partners,
                f"{years[-1]}年12月底前",
            )
        )
    items += [
        ActionItem(
            "建立本产业目标企业库（增资扩产、新引进两张清单），按月更新对接进展",
            promotion_unit,
            lead_unit,
            f"{first}年1月底前建立，此后每月5日前更新",
        ),
        ActionItem(
            "重点项目月调度、季度调度会，通报签约、开工、投产和资金到位",
            lead_unit,
            promotion_unit,
            "每月、每季度末",
        ),
        ActionItem(
            "对10亿元以上签约项目逐一成立工作专班，从签约跟踪到投产",
            lead_unit,
            "项目所在州（市）、园区",
            "签约后1个月内",
        ),
        ActionItem(
            "补齐落地园区可用土地、电价、能耗指标数据（方案中标注“待补充”的）",
            "项目所在州（市）人民政府、园区管委会",
            promotion_unit,
            f"{first}年3月底前",
        ),
    ]
    return tuple(items)


def link_landings(
    view: nx.MultiDiGraph,
    industry: str,
    plan_gaps: tuple[NodeAssessment, ...],
    prefecture: str | None,
    flags: dict[str, OvercapacityFlag],
) -> tuple[LinkLanding, ...]:
    """For each gap link: the parks to land it in (in the prefecture when one is given) and any
    overcapacity notice on it."""
    candidates = parks(view, prefecture)
    return tuple(
        LinkLanding(
            gap.id,
            gap.name,
            gap.action,
            landing_parks(candidates, industry, gap.id),
            flags[gap.id].notices if gap.id in flags else (),
        )
        for gap in plan_gaps
    )


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
    start_year: int | None = None,
    quota_total: int | None = None,
) -> IndustryPlan:
    """Draft the 1+1+1+1 plan of `industry` (for Yunnan, or one prefecture) for the PLAN_YEARS
    years from `start_year` (next year by default). `quota_total` is the sum of measure 1's
    per-industry quotas, which splits measure 2's chain leaders and HQs over the industries.

    Raises:
        NotFoundError: an unknown industry or prefecture.
    """
    rules = rules or load_rules()
    gaps = chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    lists = target_lists(view, industry, top=top, prefecture=prefecture, rules=rules, gaps=gaps)
    flags = {f.node_id: f for f in overcapacity_flags(view, industry)}
    expand = tuple(
        _flag_target(_target(view, i, rec, rules), flags) for i, rec in enumerate(lists.expand, start=1)
    )
    new = tuple(_flag_target(_target(view, i, rec, rules), flags) for i, rec in enumerate(lists.new, start=1))
    attrs = view.nodes[industry]
    first = start_year or date.today().year + 1
    years = tuple(range(first, first + PLAN_YEARS))
    lead_department = str(attrs.get("lead_department") or PROVINCIAL_PROMOTION_UNIT)
    promotion_unit = PROVINCIAL_PROMOTION_UNIT
    issuing_unit = "云南省人民政府办公厅"
    if prefecture:
        units = prefecture_units(view, prefecture)
        place = name_of(view, prefecture)
        promotion_unit = units.promotion or f"{place}投资促进部门（待补充）"
        lead_department = units.lead_for(industry) or promotion_unit
        issuing_unit = f"{place}人民政府办公室"
    quota = attrs.get("yearly_project_quota")
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
        lead_department=lead_department,
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
        quota=quota_line(quota if not prefecture else None, (*expand, *new), rules=rules),
        talent=talent_needs(view, gaps, (*expand, *new), rules),
        policies=support_policies(view, industry),
        config_version=rules.version,
        data_as_of=data_as_of(view, industry),
        rules=rules,
        years=years,
        year_targets=year_targets(
            quota, quota_total, (*expand, *new), years, provincial=prefecture is None, rules=rules
        ),
        actions=plan_actions(
            gaps.gaps, (*expand, *new), flags, years, lead_department, promotion_unit, rules
        ),
        landings=link_landings(view, industry, gaps.gaps, prefecture, flags),
        overcapacity=tuple(flags.values()),
        promotion_unit=promotion_unit,
        issuing_unit=issuing_unit,
    )

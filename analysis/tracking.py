"""The project library against the measures: quota progress per industry (measure 1), chain-leader
and headquarters counts (measure 2), monthly and quarterly progress (measure 6) and the ranked
per-prefecture bulletin (measures 9-10).

Pure functions over the networkx view (Project and AuditEntry nodes as stored by
`workflow.projects`). Only projects the province has approved count: drafts are not results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx

from analysis.rules import Rules, load_rules
from graph.errors import ValidationError
from graph.project_rules import APPROVED, MAJOR_INVESTMENT_YI, SIGNED, STAGES
from graph.schema import YUNNAN_REGION_ID

YUNNAN = YUNNAN_REGION_ID


@dataclass(frozen=True)
class ProjectFacts:
    """What tracking reads from one Project node."""

    id: str
    name: str
    industry: str
    county: str
    prefecture: str
    investment_yi: float
    funds_in_place_yi: float
    stage: str
    review_status: str
    date_signed: str | None
    date_started: str | None
    date_production: str | None
    chain_leader: bool
    headquarters: bool

    @property
    def approved(self) -> bool:
        return self.review_status == APPROVED

    @property
    def signed(self) -> bool:
        """At least signed (signed, started or in production)."""
        return self.stage in STAGES and STAGES.index(self.stage) >= SIGNED and bool(self.date_signed)

    @property
    def major(self) -> bool:
        return self.investment_yi >= MAJOR_INVESTMENT_YI

    def signed_in(self, year: int) -> bool:
        return self.signed and str(self.date_signed).startswith(f"{year}-")


def _float(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def project_facts(view: nx.MultiDiGraph) -> list[ProjectFacts]:
    """Every Project node of the view, by id."""
    found = []
    for node_id, d in sorted(view.nodes(data=True)):
        if d.get("label") != "Project":
            continue
        found.append(
            ProjectFacts(
                id=node_id,
                name=str(d.get("name", node_id)),
                industry=str(d.get("industry", "")),
                county=str(d.get("county", "")),
                prefecture=str(d.get("prefecture", "")),
                investment_yi=_float(d.get("investment_yi")),
                funds_in_place_yi=_float(d.get("funds_in_place_yi")),
                stage=str(d.get("stage", "lead")),
                review_status=str(d.get("review_status", "")),
                date_signed=d.get("date_signed") or None,
                date_started=d.get("date_started") or None,
                date_production=d.get("date_production") or None,
                chain_leader=bool(d.get("chain_leader")),
                headquarters=bool(d.get("headquarters")),
            )
        )
    return found


def qualifies_for_quota(project: ProjectFacts, year: int) -> bool:
    """Measure 1: approved by the province, >= 10亿元, and signed in `year` (or further along)."""
    return project.approved and project.major and project.signed_in(year)


# -- measure 1 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    industry: str
    name: str
    quota: int | None
    count: int
    investment_yi: float
    projects: tuple[str, ...]

    @property
    def met(self) -> bool | None:
        return None if self.quota is None else self.count >= self.quota

    @property
    def percent(self) -> float | None:
        if not self.quota:
            return None
        return round(100 * min(self.count / self.quota, 1.0), 1)


@dataclass(frozen=True)
class QuotaProgress:
    year: int
    rows: tuple[QuotaRow, ...]
    total: int
    total_target: int  # measure 1's province-wide yearly target (rules.yaml: measures.projects)

    @property
    def explanation(self) -> str:
        return (
            f"{self.year}年：省级审定、总投资不低于10亿元、且当年已签约（含开工、投产）的项目计入，"
            f"按签约年份统计；全省合计 {self.total} 个，目标 {self.total_target} 个。"
        )


def quota_progress(view: nx.MultiDiGraph, year: int, rules: Rules | None = None) -> QuotaProgress:
    """Each industry's count of qualifying projects signed in `year` against its yearly quota.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("al", label="Industry", name="绿色铝", yearly_project_quota=5)
    >>> g.add_node("p1", label="Project", industry="al", investment_yi=12, stage="started",
    ...            date_signed="2024-03-01", review_status="province_approved")
    >>> g.add_node("p2", label="Project", industry="al", investment_yi=9, stage="signed",
    ...            date_signed="2024-03-01", review_status="province_approved")
    >>> row = quota_progress(g, 2024).rows[0]
    >>> (row.count, row.quota, row.investment_yi, row.percent)
    (1, 5, 12.0, 20.0)
    """
    projects = [p for p in project_facts(view) if qualifies_for_quota(p, year)]
    rows = []
    for node_id, d in view.nodes(data=True):
        if d.get("label") != "Industry":
            continue
        mine = [p for p in projects if p.industry == node_id]
        quota = d.get("yearly_project_quota")
        rows.append(
            QuotaRow(
                industry=node_id,
                name=str(d.get("name", node_id)),
                quota=int(quota) if quota is not None else None,
                count=len(mine),
                investment_yi=round(sum(p.investment_yi for p in mine), 4),
                projects=tuple(p.id for p in mine),
            )
        )
    rows.sort(key=lambda r: (-(r.quota or 0), r.industry))
    target = (rules or load_rules()).measures["projects"]
    return QuotaProgress(year=year, rows=tuple(rows), total=len(projects), total_target=target)


# -- measure 2 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderHeadquartersCounts:
    year: int
    chain_leaders: tuple[str, ...]
    headquarters: tuple[str, ...]
    chain_leader_target: int  # measure 2's yearly targets (rules.yaml: measures)
    headquarters_target: int

    @property
    def explanation(self) -> str:
        return (
            f"{self.year}年：省级审定且当年签约的链主企业项目 {len(self.chain_leaders)} 个（目标 "
            f"{self.chain_leader_target} 个），总部项目 {len(self.headquarters)} 个（目标 {self.headquarters_target} 个）。"
        )


def leader_headquarters_counts(
    view: nx.MultiDiGraph, year: int, rules: Rules | None = None
) -> LeaderHeadquartersCounts:
    """Approved projects signed in `year` flagged chain leader or headquarters (measure 2)."""
    signed = [p for p in project_facts(view) if p.approved and p.signed_in(year)]
    measures = (rules or load_rules()).measures
    return LeaderHeadquartersCounts(
        year=year,
        chain_leaders=tuple(p.id for p in signed if p.chain_leader),
        headquarters=tuple(p.id for p in signed if p.headquarters),
        chain_leader_target=measures["chain_leaders"],
        headquarters_target=measures["headquarters"],
    )


# -- funds in place over time -----------------------------------------------------------------


def funds_added(view: nx.MultiDiGraph, project: str) -> list[tuple[str, float]]:
    """(date, amount added) from the project's audit entries: each change of the cumulative
    funds in place, dated by when it was recorded."""
    found = []
    for source, _, data in view.in_edges(project, data=True):
        if data.get("type") != "ABOUT":
            continue
        entry = view.nodes[source]
        for change in entry.get("changes") or ():
            if isinstance(change, Mapping) and change.get("field") == "funds_in_place_yi":
                delta = _float(change.get("to")) - _float(change.get("from"))
                if delta:
                    found.append((str(entry.get("at", ""))[:10], round(delta, 4)))
    return sorted(found)


# -- measure 6 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    period: str  # 2024-03 or 2024Q1
    signed: int
    signed_investment_yi: float
    major_signed: int
    started: int
    production: int
    funds_added_yi: float
    projects: tuple[str, ...]
    # the target-enterprise library's movement: firms added, activities by kind, conversions
    targets_added: int = 0
    contacts: int = 0
    visits: int = 0
    trips: int = 0
    targets_converted: int = 0


TARGET_MOVEMENT: tuple[str, ...] = ("targets_added", "contacts", "visits", "trips", "targets_converted")


@dataclass(frozen=True)
class ProgressReport:
    year: int
    period: str  # month | quarter
    rows: tuple[PeriodRow, ...]

    def total(self, attribute: str) -> float:
        return round(sum(float(getattr(r, attribute)) for r in self.rows), 4)


def _period_of(day: str | None, period: str) -> str | None:
    if not day or len(day) < 7:
        return None
    if period == "month":
        return day[:7]
    return f"{day[:4]}Q{(int(day[5:7]) - 1) // 3 + 1}"


def progress_report(view: nx.MultiDiGraph, year: int, period: str = "month") -> ProgressReport:
    """Per month (or quarter) of `year`: approved projects signed, started and in production
    then, funds in place added then (measure 6's monthly tracking and quarterly meeting), and the
    target library's movement: firms added, contacts, visits and trips made, targets converted.

    Raises:
        ValueError: `period` is neither month nor quarter.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("p", label="Project", investment_yi=20, stage="started", review_status="province_approved",
    ...            date_signed="2024-02-10", date_started="2024-05-01")
    >>> [(r.period, r.signed, r.started) for r in progress_report(g, 2024, "quarter").rows]
    [('2024Q1', 1, 0), ('2024Q2', 0, 1), ('2024Q3', 0, 0), ('2024Q4', 0, 0)]
    """
    if period not in ("month", "quarter"):
        raise ValueError(f"period must be month or quarter, not {period!r}")
    labels = (
        [f"{year}-{m:02d}" for m in range(1, 13)]
        if period == "month"
        else [f"{year}Q{q}" for q in range(1, 5)]
    )
    buckets: dict[str, dict[str, Any]] = {
        label: {
            "signed": [],
            "major": 0,
            "started": 0,
            "production": 0,
            "funds": 0.0,
            **dict.fromkeys(TARGET_MOVEMENT, 0),
        }
        for label in labels
    }
    for project in project_facts(view):
        if not project.approved:
            continue
        signed_at = _period_of(project.date_signed, period) if project.signed else None
        if signed_at in buckets:
            buckets[signed_at]["signed"].append(project)
            buckets[signed_at]["major"] += int(project.major)
        for attribute, key in (("date_started", "started"), ("date_production", "production")):
            at = _period_of(getattr(project, attribute), period)
            if at in buckets:
                buckets[at][key] += 1
        for day, amount in funds_added(view, project.id):
            at = _period_of(day, period)
            if at in buckets:
                buckets[at]["funds"] += amount
    for _, d in view.nodes(data=True):
        dated: list[tuple[str, str]] = []
        if d.get("label") == "Target":
            dated = [
                ("targets_added", str(d.get("created_at") or "")),
                ("targets_converted", str(d.get("converted_at") or "")),
            ]
        elif d.get("label") == "Activity":
            kind = {"contact": "contacts", "visit": "visits", "trip": "trips"}.get(str(d.get("kind")))
            dated = [(kind, str(d.get("date") or ""))] if kind else []
        for key, day in dated:
            at = _period_of(day[:10], period)
            if at in buckets:
                buckets[at][key] += 1
    rows = tuple(
        PeriodRow(
            period=label,
            signed=len(b["signed"]),
            signed_investment_yi=round(sum(p.investment_yi for p in b["signed"]), 4),
            major_signed=b["major"],
            started=b["started"],
            production=b["production"],
            funds_added_yi=round(b["funds"], 4),
            projects=tuple(p.id for p in b["signed"]),
            **{key: b[key] for key in TARGET_MOVEMENT},
        )
        for label, b in buckets.items()
    )
    return ProgressReport(year=year, period=period, rows=rows)


# -- measures 9-10 ----------------------------------------------------------------------------

# (indicator, label): the bulletin's indicators; their weights are rules.yaml's bulletin.weights
BULLETIN_INDICATORS: tuple[tuple[str, str], ...] = (
    ("signed_count", "签约项目数"),
    ("major_count", "10亿元以上重大项目数"),
    ("funds_in_place_yi", "到位资金（亿元）"),
    ("leader_hq_count", "链主企业和总部项目数"),
    ("trips", "外出招商次数"),
)
# equal scores are ordered by these, in turn; the previous year's score comes last
TIE_BREAKERS: tuple[str, ...] = (
    "major_count",
    "funds_in_place_yi",
    "signed_count",
    "trips",
    "leader_hq_count",
)
INDICATOR_ZH = dict(BULLETIN_INDICATORS) | {"signed_investment_yi": "签约投资额（亿元）"}


@dataclass(frozen=True)
class BulletinRow:
    prefecture: str
    name: str
    signed_count: int
    signed_investment_yi: float
    major_count: int
    funds_in_place_yi: float
    score: float
    rank: int
    parts: tuple[tuple[str, float, str], ...]  # (indicator, points, sentence)
    leader_hq_count: int = 0
    trips: int = 0
    previous: tuple[tuple[str, float], ...] = ()  # the same indicators a year earlier, to the same day
    previous_score: float = 0.0
    tie_note: str = ""  # why this row is below (or level with) an equal score above it
    narrative: str = ""

    def value(self, indicator: str) -> float:
        return float(getattr(self, indicator))

    def change(self, indicator: str) -> float:
        return round(self.value(indicator) - dict(self.previous).get(indicator, 0.0), 4)


@dataclass(frozen=True)
class Bulletin:
    year: int
    rows: tuple[BulletinRow, ...]
    as_of: str = ""  # YYYY-MM-DD: counted up to this day, and the previous year up to the same day
    elapsed_percent: float = 100.0  # share of the year gone by on `as_of`
    method: str = ""  # how the score is made, in Chinese (`bulletin_method`)


def bulletin_weights(rules: Rules) -> dict[str, float]:
    """The bulletin's weight of each indicator (rules.yaml: bulletin.weights), in the indicators' order.

    Raises:
        ValidationError: the weights do not name exactly the bulletin's indicators.
    """
    weights = rules.bulletin_weights
    if set(weights) != set(INDICATOR_ZH) - {"signed_investment_yi"}:
        known = ", ".join(k for k, _ in BULLETIN_INDICATORS)
        raise ValidationError(f"rules bulletin.weights: name each of {known}, not {', '.join(weights)}")
    return {k: weights[k] for k, _ in BULLETIN_INDICATORS}


def bulletin_method(weights: Mapping[str, float]) -> str:
    """How the bulletin's score is made, in Chinese, with the weights of `bulletin_weights`."""
    # the label without its unit: points are not 亿元
    parts = "、".join(f"{label.removesuffix('（亿元）')}{weights[k]:g}分" for k, label in BULLETIN_INDICATORS)
    ties = "、".join(INDICATOR_ZH[k].removesuffix("（亿元）") for k in TIE_BREAKERS)
    return (
        f"综合得分满分{sum(weights.values()):g}分：{parts}；每项得分 = 权重 × 本州市数值 ÷ 各州市最高值"
        "（最高值为0时各州市均得0分）。只计省级审定的项目，签约按签约日期、到位资金按登记增加额、外出招商按目标企业库"
        f"记录的出行日期统计。得分相同时依次比较{ties}、上年同期得分，仍相同则并列。"
    )


def _cut(day: str | None, year: int, as_of: date | None) -> bool:
    """Whether `day` falls in `year`, up to the month and day of `as_of` when given."""
    if not day or not day.startswith(f"{year}-"):
        return False
    return as_of is None or day[5:10] <= as_of.isoformat()[5:10]


def _indicator_values(
    view: nx.MultiDiGraph, prefectures: Mapping[str, str], year: int, as_of: date | None
) -> dict[str, dict[str, float]]:
    values = {
        p: dict.fromkeys([*(k for k, _ in BULLETIN_INDICATORS), "signed_investment_yi"], 0.0)
        for p in prefectures
    }
    for project in project_facts(view):
        if not project.approved or project.prefecture not in values:
            continue
        row = values[project.prefecture]
        if project.signed and _cut(project.date_signed, year, as_of):
            row["signed_count"] += 1
            row["signed_investment_yi"] += project.investment_yi
            row["major_count"] += int(project.major)
            row["leader_hq_count"] += int(project.chain_leader or project.headquarters)
        added = sum(a for day, a in funds_added(view, project.id) if _cut(day, year, as_of))
        row["funds_in_place_yi"] += max(0.0, added)
    for _, d in view.nodes(data=True):
        if d.get("label") == "Activity" and d.get("kind") == "trip" and d.get("region") in values:
            if _cut(str(d.get("date") or ""), year, as_of):
                values[str(d["region"])]["trips"] += 1
    return values


def _scores(
    values: Mapping[str, Mapping[str, float]], weights: Mapping[str, float]
) -> dict[str, tuple[float, tuple[tuple[str, float, str], ...]]]:
    best = {k: max((v[k] for v in values.values()), default=0.0) for k, _ in BULLETIN_INDICATORS}
    scored = {}
    for code, v in values.items():
        earned = []
        for key, label in BULLETIN_INDICATORS:
            weight = weights[key]
            points = round(weight * v[key] / best[key], 2) if best[key] > 0 else 0.0
            earned.append(
                (key, points, f"{label} {v[key]:g}，最高 {best[key]:g}，得 {points:g} 分（满分{weight:g}）")
            )
        scored[code] = (round(sum(p for _, p, _ in earned), 2), tuple(earned))
    return scored


def _tie_note(
    above: tuple[str, float, Mapping[str, float], float],
    row: tuple[str, float, Mapping[str, float], float],
    names: Mapping[str, str],
) -> str:
    """Why `row` follows `above` when their scores are equal ('' when they are not)."""
    if above[1] != row[1]:
        return ""
    for key in TIE_BREAKERS:
        if above[2][key] != row[2][key]:
            return f"与{names[above[0]]}同分，{INDICATOR_ZH[key]}较少（{row[2][key]:g} 对 {above[2][key]:g}），列其后"
    if above[3] != row[3]:
        return (
            f"与{names[above[0]]}同分且各项指标相同，上年同期得分较低（{row[3]:g} 对 {above[3]:g}），列其后"
        )
    return f"与{names[above[0]]}得分及各项指标均相同，并列"


def _narrative(
    name: str,
    v: Mapping[str, float],
    before: Mapping[str, float],
    rank: int,
    total: int,
    score: float,
    period: str,
) -> str:
    def delta(key: str, unit: str) -> str:
        change = round(v[key] - before[key], 4)
        return (
            "与上年同期持平"
            if change == 0
            else f"较上年同期{'增加' if change > 0 else '减少'}{abs(change):g}{unit}"
        )

    text = (
        f"{name}{period}签约项目{v['signed_count']:g}个（{delta('signed_count', '个')}），签约投资额{v['signed_investment_yi']:g}亿元，"
        f"其中10亿元以上重大项目{v['major_count']:g}个（{delta('major_count', '个')}）；到位资金{v['funds_in_place_yi']:g}亿元"
        f"（{delta('funds_in_place_yi', '亿元')}）；链主企业和总部项目{v['leader_hq_count']:g}个；外出招商{v['trips']:g}次"
        f"（{delta('trips', '次')}）。综合得分{score:g}分，居全省第{rank}位（共{total}个州市）。"
    )
    if not any(v[k] for k, _ in BULLETIN_INDICATORS):
        text += "本期尚无计入通报的招商成果，需加快推进。"
    return text


def prefecture_bulletin(
    view: nx.MultiDiGraph, year: int, as_of: date | None = None, rules: Rules | None = None
) -> Bulletin:
    """Every Yunnan prefecture ranked by the 100-point formula (`bulletin_method`) for `year` (up
    to the day of `as_of` when given), with the same figures a year earlier to the same day, equal
    scores ordered by `TIE_BREAKERS` and explained, and a short narrative per prefecture.

    A project's funds added in `year` count at 0 when they net to less (funds recorded as
    withdrawn or corrected down): a correction in one project never cancels another project's
    funds, and no prefecture's funds indicator goes below 0.

    >>> g = nx.MultiDiGraph()
    >>> for code, name in (("530100", "昆明市"), ("530300", "曲靖市")):
    ...     g.add_node(code, label="Region", level="prefecture", name=name)
    >>> g.add_node("p", label="Project", prefecture="530300", investment_yi=20, stage="signed",
    ...            date_signed="2024-02-10", review_status="province_approved")
    >>> g.add_node("t", label="Activity", kind="trip", region="530100", date="2024-03-01")
    >>> [(r.name, r.score, r.rank) for r in prefecture_bulletin(g, 2024).rows]
    [('曲靖市', 45.0, 1), ('昆明市', 20.0, 2)]
    """
    prefectures = {
        n: str(d.get("name", n))
        for n, d in view.nodes(data=True)
        if d.get("label") == "Region" and d.get("level") == "prefecture" and str(n).startswith("53")
    }
    values = _indicator_values(view, prefectures, year, as_of)
    before = _indicator_values(view, prefectures, year - 1, as_of)
    weights = bulletin_weights(rules or load_rules())
    scores, previous_scores = _scores(values, weights), _scores(before, weights)
    order = sorted(
        prefectures,
        key=lambda c: (-scores[c][0], *(-values[c][k] for k in TIE_BREAKERS), -previous_scores[c][0], c),
    )
    if as_of is None:
        period, elapsed = f"{year}年", 100.0
    else:
        start = date(as_of.year, 1, 1)
        days = (date(as_of.year + 1, 1, 1) - start).days
        period, elapsed = (
            f"{year}年1月1日至{as_of.month}月{as_of.day}日",
            round(100 * ((as_of - start).days + 1) / days, 1),
        )
    rows: list[BulletinRow] = []
    for position, code in enumerate(order, start=1):
        v, score = values[code], scores[code][0]
        note = ""
        if rows:
            prev = rows[-1].prefecture
            note = _tie_note(
                (prev, scores[prev][0], values[prev], previous_scores[prev][0]),
                (code, score, v, previous_scores[code][0]),
                prefectures,
            )
        rank = rows[-1].rank if note.endswith("并列") else position
        rows.append(
            BulletinRow(
                prefecture=code,
                name=prefectures[code],
                signed_count=int(v["signed_count"]),
                signed_investment_yi=round(v["signed_investment_yi"], 4),
                major_count=int(v["major_count"]),
                funds_in_place_yi=round(v["funds_in_place_yi"], 4),
                score=score,
                rank=rank,
                parts=scores[code][1],
                leader_hq_count=int(v["leader_hq_count"]),
                trips=int(v["trips"]),
                previous=tuple((k, round(before[code][k], 4)) for k in (*INDICATOR_ZH,)),
                previous_score=previous_scores[code][0],
                tie_note=note,
                narrative=_narrative(prefectures[code], v, before[code], rank, len(order), score, period),
            )
        )
    return Bulletin(
        year=year,
        rows=tuple(rows),
        as_of=as_of.isoformat() if as_of else "",
        elapsed_percent=elapsed,
        method=bulletin_method(weights),
    )

"""The project library against the measures: quota progress per industry (measure 1), chain-leader
and headquarters counts (measure 2), monthly and quarterly progress (measure 6) and the ranked
per-prefecture bulletin (measures 9-10).

Pure functions over the networkx view (Project and AuditEntry nodes as stored by
`workflow.projects`). Only projects the province has approved count: drafts are not results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.project_rules import APPROVED, MAJOR_INVESTMENT_YI, SIGNED, STAGES

MEASURE1_TOTAL = 100  # measure 1: >= 100 industrial projects of >= 10亿元 a year
CHAIN_LEADER_TARGET = 20  # measure 2
HEADQUARTERS_TARGET = 20  # measure 2
YUNNAN = "530000"


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
    total_target: int = MEASURE1_TOTAL

    @property
    def explanation(self) -> str:
        return (
            f"{self.year}年：省级审定、总投资不低于10亿元、且当年已签约（含开工、投产）的项目计入，"
            f"按签约年份统计；全省合计 {self.total} 个，目标 {self.total_target} 个。"
        )


def quota_progress(view: nx.MultiDiGraph, year: int) -> QuotaProgress:
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
    return QuotaProgress(year=year, rows=tuple(rows), total=len(projects))


# -- measure 2 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderHeadquartersCounts:
    year: int
    chain_leaders: tuple[str, ...]
    headquarters: tuple[str, ...]
    chain_leader_target: int = CHAIN_LEADER_TARGET
    headquarters_target: int = HEADQUARTERS_TARGET

    @property
    def explanation(self) -> str:
        return (
            f"{self.year}年：省级审定且当年签约的链主企业项目 {len(self.chain_leaders)} 个（目标 "
            f"{self.chain_leader_target} 个），总部项目 {len(self.headquarters)} 个（目标 {self.headquarters_target} 个）。"
        )


def leader_headquarters_counts(view: nx.MultiDiGraph, year: int) -> LeaderHeadquartersCounts:
    """Approved projects signed in `year` flagged chain leader or headquarters (measure 2)."""
    signed = [p for p in project_facts(view) if p.approved and p.signed_in(year)]
    return LeaderHeadquartersCounts(
        year=year,
        chain_leaders=tuple(p.id for p in signed if p.chain_leader),
        headquarters=tuple(p.id for p in signed if p.headquarters),
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
    then, and funds in place added then (measure 6's monthly tracking and quarterly meeting).

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
        label: {"signed": [], "major": 0, "started": 0, "production": 0, "funds": 0.0} for label in labels
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
        )
        for label, b in buckets.items()
    )
    return ProgressReport(year=year, period=period, rows=rows)


# -- measures 9-10 ----------------------------------------------------------------------------

BULLETIN_INDICATORS: tuple[tuple[str, str], ...] = (
    ("signed_count", "签约项目数"),
    ("signed_investment_yi", "签约投资额（亿元）"),
    ("major_count", "10亿元以上重大项目数"),
    ("funds_in_place_yi", "到位资金（亿元）"),
)


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


@dataclass(frozen=True)
class Bulletin:
    year: int
    rows: tuple[BulletinRow, ...]
    method: str = (
        "四项指标各占25分：签约项目数、签约投资额、10亿元以上重大项目数、到位资金；每项得分 = 25 × 本州市数值 ÷ "
        "各州市最高值。只计省级审定的项目，签约按签约年份、到位资金按当年登记的增加额统计。"
    )


def prefecture_bulletin(view: nx.MultiDiGraph, year: int) -> Bulletin:
    """Every Yunnan prefecture ranked by a 100-point score over four indicators for `year`:
    signings, signed investment, major projects (>= 10亿元) and funds in place added.

    A project's funds added in `year` count at 0 when they net to less (funds recorded as
    withdrawn or corrected down): a correction in one project never cancels another project's
    funds, and no prefecture's funds indicator goes below 0.

    >>> g = nx.MultiDiGraph()
    >>> for code, name in (("530100", "昆明市"), ("530300", "曲靖市")):
    ...     g.add_node(code, label="Region", level="prefecture", name=name)
    >>> g.add_node("p", label="Project", prefecture="530300", investment_yi=20, stage="signed",
    ...            date_signed="2024-02-10", review_status="province_approved")
    >>> [(r.name, r.score, r.rank) for r in prefecture_bulletin(g, 2024).rows]
    [('曲靖市', 75.0, 1), ('昆明市', 0.0, 2)]
    """
    prefectures = {
        n: str(d.get("name", n))
        for n, d in view.nodes(data=True)
        if d.get("label") == "Region" and d.get("level") == "prefecture" and str(n).startswith("53")
    }
    values: dict[str, dict[str, float]] = {
        p: dict.fromkeys((k for k, _ in BULLETIN_INDICATORS), 0.0) for p in prefectures
    }
    for project in project_facts(view):
        if not project.approved or project.prefecture not in values:
            continue
        row = values[project.prefecture]
        if project.signed_in(year):
            row["signed_count"] += 1
            row["signed_investment_yi"] += project.investment_yi
            row["major_count"] += int(project.major)
        added = sum(a for day, a in funds_added(view, project.id) if day.startswith(f"{year}-"))
        row["funds_in_place_yi"] += max(0.0, added)
    best = {k: max((v[k] for v in values.values()), default=0.0) for k, _ in BULLETIN_INDICATORS}
    scored: list[tuple[str, float, tuple[tuple[str, float, str], ...]]] = []
    for code, v in values.items():
        earned = []
        for key, label in BULLETIN_INDICATORS:
            points = round(25 * v[key] / best[key], 2) if best[key] > 0 else 0.0
            earned.append((key, points, f"{label} {v[key]:g}，最高 {best[key]:g}，得 {points:g} 分"))
        scored.append((code, round(sum(p for _, p, _ in earned), 2), tuple(earned)))
    scored.sort(key=lambda s: (-s[1], s[0]))
    rows: list[BulletinRow] = []
    for position, (code, score, parts) in enumerate(scored, start=1):
        rank = rows[-1].rank if rows and rows[-1].score == score else position
        v = values[code]
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
                parts=parts,
            )
        )
    return Bulletin(year=year, rows=tuple(rows))

"""The tracking reports as JSON and as files: quota progress, chain-leader/HQ counts, monthly and
quarterly progress and the prefecture bulletin, to Excel (.xlsx) and Word (.docx). The web API,
the page's download links and `chainkg report` all use these."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import networkx as nx

from analysis.rules import Rules, load_rules
from analysis.tracking import (
    BULLETIN_INDICATORS,
    TARGET_MOVEMENT,
    Bulletin,
    LeaderHeadquartersCounts,
    ProgressReport,
    QuotaProgress,
    leader_headquarters_counts,
    prefecture_bulletin,
    progress_report,
    quota_progress,
)
from api.office import report_docx
from ingest.sheets import Sheet, workbook


@dataclass(frozen=True)
class TrackingReport:
    """Everything the tracking page shows for one year."""

    year: int
    quota: QuotaProgress
    counts: LeaderHeadquartersCounts
    monthly: ProgressReport
    quarterly: ProgressReport
    bulletin: Bulletin


def tracking_report(
    view: nx.MultiDiGraph, year: int, as_of: date | None = None, rules: Rules | None = None
) -> TrackingReport:
    """The year's report; the bulletin counts to `as_of` (and the year before to the same day)."""
    rules = rules or load_rules()
    return TrackingReport(
        year=year,
        quota=quota_progress(view, year, rules),
        counts=leader_headquarters_counts(view, year, rules),
        monthly=progress_report(view, year, "month"),
        quarterly=progress_report(view, year, "quarter"),
        bulletin=prefecture_bulletin(view, year, as_of, rules),
    )


def report_json(report: TrackingReport) -> dict[str, Any]:
    """The report as plain JSON data (GET /api/tracking and `chainkg report --json`)."""
    quota = asdict(report.quota)
    for row, source in zip(quota["rows"], report.quota.rows, strict=True):
        row.update(met=source.met, percent=source.percent)
    counts = asdict(report.counts)
    return {
        "year": report.year,
        "quota": {**quota, "explanation": report.quota.explanation},
        "leaders_and_headquarters": {**counts, "explanation": report.counts.explanation},
        "monthly": asdict(report.monthly),
        "quarterly": asdict(report.quarterly),
        "bulletin": asdict(report.bulletin),
    }


def _quota_rows(report: TrackingReport) -> list[list[Any]]:
    return [
        [
            r.name,
            r.quota if r.quota is not None else "—",
            r.count,
            r.investment_yi,
            "—" if r.met is None else ("已完成" if r.met else "未完成"),
        ]
        for r in report.quota.rows
    ]


PROGRESS_HEADER = [
    "时段",
    "签约项目数",
    "签约投资额（亿元）",
    "其中10亿元以上",
    "开工项目数",
    "投产项目数",
    "新增到位资金（亿元）",
    "新增目标企业",
    "联络",
    "来访拜访",
    "外出招商",
    "目标企业转为项目",
]
QUOTA_HEADER = ["产业", "年度目标（个）", "已完成（个）", "投资额（亿元）", "完成情况"]
BULLETIN_HEADER = [
    "排名",
    "州（市）",
    "签约投资额（亿元）",
    *(label for _, label in BULLETIN_INDICATORS),
    "综合得分",
    "上年同期得分",
    "同分说明",
]


def _progress_rows(report: ProgressReport) -> list[list[Any]]:
    return [
        [
            r.period,
            r.signed,
            r.signed_investment_yi,
            r.major_signed,
            r.started,
            r.production,
            r.funds_added_yi,
            *(getattr(r, key) for key in TARGET_MOVEMENT),
        ]
        for r in report.rows
    ]


def _bulletin_rows(bulletin: Bulletin) -> list[list[Any]]:
    return [
        [
            r.rank,
            r.name,
            r.signed_investment_yi,
            *(r.value(key) for key, _ in BULLETIN_INDICATORS),
            r.score,
            r.previous_score,
            r.tie_note,
        ]
        for r in bulletin.rows
    ]


def _period_note(report: TrackingReport) -> str:
    bulletin = report.bulletin
    if not bulletin.as_of:
        return f"{bulletin.year}年全年，与上年全年比较。"
    return f"统计至{bulletin.as_of}，全年时间已过{bulletin.elapsed_percent:g}%，与上年同期比较。"


def _sections(report: TrackingReport) -> list[tuple[str, list[str], list[list[Any]], str]]:
    counts = report.counts
    return [
        ("州市通报", BULLETIN_HEADER, _bulletin_rows(report.bulletin), report.bulletin.method),
        (
            "通报要点",
            ["州（市）", "情况"],
            [[r.name, r.narrative] for r in report.bulletin.rows],
            _period_note(report),
        ),
        ("产业项目目标", QUOTA_HEADER, _quota_rows(report), report.quota.explanation),
        (
            "链主与总部",
            ["指标", "完成（个）", "年度目标（个）"],
            [
                ["链主企业项目", len(counts.chain_leaders), counts.chain_leader_target],
                ["总部项目", len(counts.headquarters), counts.headquarters_target],
            ],
            counts.explanation,
        ),
        (
            "月度进展",
            PROGRESS_HEADER,
            _progress_rows(report.monthly),
            "按月统计省级审定项目的签约、开工、投产和资金到位，以及目标企业库的新增、联络、拜访、外出招商和转为项目。",
        ),
        ("季度调度", PROGRESS_HEADER, _progress_rows(report.quarterly), "按季度汇总，供季度调度会使用。"),
    ]


def tracking_xlsx(report: TrackingReport) -> bytes:
    """One workbook, one sheet per section, a note row under each table."""
    return workbook(
        Sheet(
            title,
            [[f"{report.year}年 {title}"], header, *rows, [], [note]],
            bold={1: 13, 2: None},
            widths=tuple(18 if column > 1 else 22 for column in range(1, len(header) + 1)),
        )
        for title, header, rows, note in _sections(report)
    )


def tracking_docx(report: TrackingReport) -> bytes:
    """A Word bulletin: title, then each section as a heading, a table and its method note."""
    return report_docx(f"{report.year}年招大引强项目推进情况通报", _sections(report))

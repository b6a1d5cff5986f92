"""Tracking on a hand-built library of six projects; every expected number is worked out below.

    id  prefecture industry inv.  stage       signed      started     review     flags
    p1  530100     al       12    started     2024-02-10  2024-05-03  approved   leader
    p2  530100     al       8     signed      2024-03-01  -           approved   hq
    p3  530300     si       30    production  2024-04-20  2024-06-01  approved   leader, hq  (produced 2024-11-02)
    p4  530300     si       50    signed      2024-05-05  -           declared   (a draft: never counts)
    p5  530300     al       15    signed      2023-12-30  -           approved   (signed the year before)
    p6  530100     si       20    negotiating -           -           approved   (not signed)

Funds in place recorded: p1 0 -> 3 on 2024-03-05, 3 -> 5 on 2024-07-01; p3 0 -> 10 on 2024-04-25;
p5 0 -> 4 on 2023-12-31.
"""

from __future__ import annotations

from datetime import date

import networkx as nx
import pytest

from analysis.tracking import (
    leader_headquarters_counts,
    prefecture_bulletin,
    progress_report,
    quota_progress,
)

APPROVED = "province_approved"


def library() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("al", label="Industry", name="绿色铝", yearly_project_quota=5)
    g.add_node("si", label="Industry", name="绿色硅", yearly_project_quota=2)
    g.add_node("tobacco", label="Industry", name="烟草", yearly_project_quota=None)
    g.add_node("530000", label="Region", level="province", name="云南省")
    g.add_node("530100", label="Region", level="prefecture", name="昆明市")
    g.add_node("530300", label="Region", level="prefecture", name="曲靖市")
    g.add_node("530500", label="Region", level="prefecture", name="保山市")
    rows = [
        ("p1", "530100", "al", 12, "started", "2024-02-10", "2024-05-03", None, APPROVED, True, False),
        ("p2", "530100", "al", 8, "signed", "2024-03-01", None, None, APPROVED, False, True),
        (
            "p3",
            "530300",
            "si",
            30,
            "production",
            "2024-04-20",
            "2024-06-01",
            "2024-11-02",
            APPROVED,
            True,
            True,
        ),
        ("p4", "530300", "si", 50, "signed", "2024-05-05", None, None, "declared", True, True),
        ("p5", "530300", "al", 15, "signed", "2023-12-30", None, None, APPROVED, False, False),
        ("p6", "530100", "si", 20, "negotiating", None, None, None, APPROVED, False, False),
    ]
    for pid, pref, ind, inv, stage, signed, started, produced, review, leader, hq in rows:
        g.add_node(
            pid,
            label="Project",
            name=pid,
            prefecture=pref,
            industry=ind,
            investment_yi=inv,
            stage=stage,
            date_signed=signed,
            date_started=started,
            date_production=produced,
            review_status=review,
            chain_leader=leader,
            headquarters=hq,
        )
    funds = [
        ("p1", "2024-03-05", None, 3),
        ("p1", "2024-07-01", 3, 5),
        ("p3", "2024-04-25", None, 10),
        ("p5", "2023-12-31", None, 4),
    ]
    for n, (pid, day, before, after) in enumerate(funds):
        entry = f"a{n}"
        g.add_node(
            entry,
            label="AuditEntry",
            at=f"{day}T10:00:00+08:00",
            changes=[{"field": "funds_in_place_yi", "from": before, "to": after}],
        )
        g.add_edge(entry, pid, key="ABOUT", type="ABOUT")
    return g


def test_quota_counts_approved_major_projects_signed_that_year():
    progress = quota_progress(library(), 2024)
    rows = {r.industry: r for r in progress.rows}
    # al: p1 (12, 2024) counts; p2 is under 10亿元; p5 was signed in 2023
    assert (rows["al"].count, rows["al"].investment_yi, rows["al"].projects) == (1, 12.0, ("p1",))
    assert rows["al"].percent == 20.0 and rows["al"].met is False
    # si: p3 counts; p4 is a draft; p6 is not signed
    assert (rows["si"].count, rows["si"].percent, rows["si"].met) == (1, 50.0, False)
    assert (rows["tobacco"].count, rows["tobacco"].met, rows["tobacco"].percent) == (0, None, None)
    assert progress.total == 2 and progress.total_target == 100
    assert [r.industry for r in progress.rows] == ["al", "si", "tobacco"]  # biggest quota first
    assert quota_progress(library(), 2023).total == 1  # p5


def test_chain_leader_and_headquarters_counts():
    counts = leader_headquarters_counts(library(), 2024)
    assert counts.chain_leaders == ("p1", "p3")  # p4 is a draft
    assert counts.headquarters == ("p2", "p3")
    assert (counts.chain_leader_target, counts.headquarters_target) == (20, 20)


def test_monthly_progress():
    report = progress_report(library(), 2024, "month")
    by = {r.period: r for r in report.rows}
    assert len(report.rows) == 12
    assert (by["2024-02"].signed, by["2024-02"].signed_investment_yi, by["2024-02"].major_signed) == (
        1,
        12.0,
        1,
    )
    assert (by["2024-03"].signed, by["2024-03"].major_signed, by["2024-03"].funds_added_yi) == (1, 0, 3.0)
    assert (by["2024-04"].signed, by["2024-04"].funds_added_yi) == (1, 10.0)
    assert (by["2024-05"].signed, by["2024-05"].started) == (0, 1)  # p4's signing is a draft
    assert (by["2024-06"].started, by["2024-07"].funds_added_yi, by["2024-11"].production) == (1, 2.0, 1)
    assert report.total("signed") == 3 and report.total("funds_added_yi") == 15.0


def test_quarterly_progress():
    report = progress_report(library(), 2024, "quarter")
    assert [
        (r.period, r.signed, r.signed_investment_yi, r.started, r.production, r.funds_added_yi)
        for r in report.rows
    ] == [
        ("2024Q1", 2, 20.0, 0, 0, 3.0),
        ("2024Q2", 1, 30.0, 2, 0, 10.0),
        ("2024Q3", 0, 0.0, 0, 0, 2.0),
        ("2024Q4", 0, 0.0, 0, 1, 0.0),
    ]
    with pytest.raises(ValueError):
        progress_report(library(), 2024, "week")


def test_prefecture_bulletin_scores_and_ranks():
    bulletin = prefecture_bulletin(library(), 2024)
    rows = {r.prefecture: r for r in bulletin.rows}
    # 昆明: signed p1+p2 = 2 projects, 20亿元, 1 major, funds 3+2 = 5 in 2024
    # 曲靖: signed p3 = 1 project, 30亿元, 1 major, funds 10 in 2024 (p5's 4 was recorded in 2023)
    km, qj = rows["530100"], rows["530300"]
    assert (km.signed_count, km.signed_investment_yi, km.major_count, km.funds_in_place_yi) == (
        2,
        20.0,
        1,
        5.0,
    )
    assert (qj.signed_count, qj.signed_investment_yi, qj.major_count, qj.funds_in_place_yi) == (
        1,
        30.0,
        1,
        10.0,
    )
    # leader/HQ projects signed in 2024: 昆明 p1 (leader) + p2 (hq) = 2, 曲靖 p3 = 1; no trips
    assert (km.leader_hq_count, qj.leader_hq_count, km.trips) == (2, 1, 0)
    # 昆明 = 20*2/2 + 25*1/1 + 20*5/10 + 15*2/2 + 0 = 20 + 25 + 10 + 15 = 70
    # 曲靖 = 20*1/2 + 25*1/1 + 20*10/10 + 15*1/2 + 0 = 10 + 25 + 20 + 7.5 = 62.5
    assert (km.score, qj.score) == (70.0, 62.5)
    assert [(r.name, r.rank) for r in bulletin.rows] == [("昆明市", 1), ("曲靖市", 2), ("保山市", 3)]
    assert rows["530500"].score == 0.0
    assert km.parts[2] == ("funds_in_place_yi", 10.0, "到位资金（亿元） 5，最高 10，得 10 分（满分20）")
    # a year earlier 曲靖 had p5 signed (15亿元, 2023-12-30) with 4 of funds: the year-on-year change
    assert (qj.change("signed_count"), qj.change("funds_in_place_yi"), qj.previous_score) == (0.0, 6.0, 65.0)
    assert qj.narrative.startswith("曲靖市2024年签约项目1个（与上年同期持平），签约投资额30亿元，")
    assert "到位资金10亿元（较上年同期增加6亿元）" in qj.narrative and qj.narrative.endswith(
        "居全省第2位（共3个州市）。"
    )


def test_equal_scores_are_ordered_by_the_tie_breakers_and_explained():
    g = nx.MultiDiGraph()
    for code, name in (("530100", "昆明市"), ("530300", "曲靖市"), ("530500", "保山市")):
        g.add_node(code, label="Region", level="prefecture", name=name)
    # 曲靖 signs one 5亿元 project (20 points), 昆明 makes one trip (20 points): equal scores;
    # the first tie-breaker that differs is the signing count
    g.add_node("p", label="Project", prefecture="530300", investment_yi=5, stage="signed",
               date_signed="2024-02-10", review_status=APPROVED)  # fmt: skip
    g.add_node("t", label="Activity", kind="trip", region="530100", date="2024-03-01")
    rows = prefecture_bulletin(g, 2024).rows
    assert [(r.name, r.score, r.rank) for r in rows] == [
        ("曲靖市", 20.0, 1),
        ("昆明市", 20.0, 2),
        ("保山市", 0.0, 3),
    ]
    assert rows[1].tie_note == "与曲靖市同分，签约项目数较少（0 对 1），列其后"
    assert rows[2].tie_note == ""


def test_the_bulletin_to_a_day_compares_with_the_same_day_a_year_earlier():
    g = library()
    bulletin = prefecture_bulletin(g, 2024, as_of=date(2024, 3, 31))
    rows = {r.prefecture: r for r in bulletin.rows}
    # to 31 March: 昆明 signed p1 (02-10) and p2 (03-01), funds 3 (03-05); 曲靖 nothing yet
    assert (rows["530100"].signed_count, rows["530100"].funds_in_place_yi, rows["530300"].signed_count) == (
        2,
        3.0,
        0,
    )
    assert bulletin.elapsed_percent == 24.9  # 91 of 366 days
    assert rows["530100"].narrative.startswith("昆明市2024年1月1日至3月31日签约项目2个（较上年同期增加2个）")


def test_progress_shows_the_target_libraries_movement():
    g = library()
    g.add_node(
        "tg", label="Target", created_at="2024-02-03T09:00:00+08:00", converted_at="2024-05-09T09:00:00+08:00"
    )
    for aid, kind, day in (
        ("a1", "contact", "2024-02-05"),
        ("a2", "trip", "2024-04-01"),
        ("a3", "visit", "2024-04-20"),
    ):
        g.add_node(aid, label="Activity", kind=kind, date=day, region="530100")
    quarters = {r.period: r for r in progress_report(g, 2024, "quarter").rows}
    movement = [
        (q, r.targets_added, r.contacts, r.visits, r.trips, r.targets_converted) for q, r in quarters.items()
    ]
    assert movement == [
        ("2024Q1", 1, 1, 0, 0, 0),
        ("2024Q2", 0, 0, 1, 1, 1),
        ("2024Q3", 0, 0, 0, 0, 0),
        ("2024Q4", 0, 0, 0, 0, 0),
    ]


def test_prefectures_equal_on_everything_share_a_rank_and_say_so():
    g = library()
    for node, data in list(g.nodes(data=True)):
        if data.get("label") == "Project":
            g.remove_node(node)
    rows = prefecture_bulletin(g, 2024).rows
    assert [r.rank for r in rows] == [1, 1, 1]
    assert rows[1].tie_note == "与昆明市得分及各项指标均相同，并列"


def test_bulletin_funds_of_a_project_count_at_least_zero():
    g = library()
    # p2 (昆明) is corrected down 4 -> 1 in 2024; p7 (保山, approved, not signed) 6 -> 2
    g.add_node(
        "p7",
        label="Project",
        name="p7",
        prefecture="530500",
        industry="al",
        investment_yi=9,
        stage="negotiating",
        review_status=APPROVED,
    )
    for entry, pid, day, before, after in (
        ("c1", "p2", "2024-05-01", 4, 1),
        ("c2", "p7", "2024-05-02", 6, 2),
    ):
        g.add_node(
            entry,
            label="AuditEntry",
            at=f"{day}T10:00:00+08:00",
            changes=[{"field": "funds_in_place_yi", "from": before, "to": after}],
        )
        g.add_edge(entry, pid, key="ABOUT", type="ABOUT")
    rows = {r.prefecture: r for r in prefecture_bulletin(g, 2024).rows}
    # 昆明: p1 adds 3 + 2 = 5, p2 nets -3 -> counts 0: 5 (not 2); 保山: p7 nets -4 -> 0 (not -4)
    assert (rows["530100"].funds_in_place_yi, rows["530500"].funds_in_place_yi) == (5.0, 0.0)
    assert (rows["530100"].score, rows["530500"].score) == (70.0, 0.0)  # as without the corrections

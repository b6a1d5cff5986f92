"""Presence from production figures and review findings, and the evidence level, on the canonical
chain with a few figures added; every expected figure is worked out in the comments.

GDP (亿元, 2023): China 1000, Yunnan 25 (2.5% of China), Kunming 10, Qujing 5 (0.5%).
"""

from __future__ import annotations

import pytest

from analysis.gaps import chain_gaps
from analysis.production import production
from tests.canonical import INDUSTRY, canonical_view

MEDIUM = {"source": "测试统计公报", "as_of": "2024", "confidence": "medium"}


def _figure(view, region, node, metric, value, unit, year, **prov):
    view.add_edge(
        region,
        node,
        key=f"PRODUCES:{metric}:{unit}:{year}",
        type="PRODUCES",
        metric=metric,
        value=value,
        unit=unit,
        year=year,
        **{**MEDIUM, **prov},
    )


def _review(view, node, finding, basis, **prov):
    view.add_edge(
        "530000", node, key="ASSESSED", type="ASSESSED", finding=finding, basis=basis, **{**MEDIUM, **prov}
    )


@pytest.fixture(scope="module")
def view():
    g = canonical_view()
    for region, value in (("CN", 1000.0), ("530000", 25.0), ("530100", 10.0), ("530300", 5.0)):
        g.nodes[region].update(gdp_years=[2023], gdp_values=[value])
    # b: Yunnan 12 of China's 200 万吨 (6%); Qujing 6 of them (3% of China, half of Yunnan's).
    _figure(g, "CN", "b", "output", 200.0, "万吨", 2023)
    _figure(g, "530000", "b", "output", 12.0, "万吨", 2023)
    _figure(g, "530300", "b", "output", 6.0, "万吨", 2023)
    # d: Yunnan 2 GW of capacity in 2024 against China's 100 GW in 2023 (one year apart: compared).
    _figure(g, "CN", "d", "capacity", 100.0, "GW", 2023)
    _figure(g, "530000", "d", "capacity", 2.0, "GW", 2024)
    # e: an analyst found activity but no figure; x: sources say Yunnan lacks it.
    _review(g, "e", "present", "有企业在产")
    _review(g, "x", "absent", "省级规划列为空白")
    return g


def test_share_and_location_quotient(view):
    made = production(view, "b", "530000")
    # 12 / 200 = 0.06; Yunnan's GDP share 25 / 1000 = 0.025; LQ = 0.06 / 0.025 = 2.4
    assert made.share == pytest.approx(0.06)
    assert made.location_quotient == pytest.approx(2.4)
    # d: 2 / 100 = 0.02 (2024 against 2023); GDP of 2023 is the closest year: LQ = 0.8
    made = production(view, "d", "530000")
    assert (made.share, made.figure.year, made.national.year) == (pytest.approx(0.02), 2024, 2023)
    assert made.location_quotient == pytest.approx(0.8)


def test_yunnan_statuses_rules_and_evidence(view):
    gaps = chain_gaps(view, INDUSTRY)
    got = {n.id: (n.status, n.rule, n.evidence.level, n.to_verify) for n in gaps.nodes}
    assert got == {
        # y1 leader 3 + y3 player 1 = 4 >= 3; two firms of high confidence: solid
        "a": ("strong", "firms", "solid", False),
        # 6% >= 5% (the share rule is tried before the quotient, 2.4 >= 1.5, which agrees)
        "b": ("strong", "production-share", "solid", False),
        # y2 player = 1 < 3; one firm only: partial
        "c": ("weak", "firms", "partial", False),
        # 2% < 5% and LQ 0.8 < 1.5, but it produces: weak; a medium figure: solid
        "d": ("weak", "production", "solid", False),
        # only the review says present: weak; an agreeing medium finding: solid
        "e": ("weak", "review", "solid", False),
        # the review says absent: a confident gap, not 待核实
        "x": ("missing", "review", "solid", False),
    }
    b = gaps.node("b")
    assert (b.share, b.location_quotient) == (0.06, 2.4)
    assert b.reason == "2023年产量12万吨占全国6.0%，达到5%"
    assert gaps.node("x").reason == "核查：省级规划列为空白"
    assert gaps.node("a").evidence.newest_as_of == "2024"
    assert gaps.config_version == "2026.12-6"


def test_prefecture_uses_its_own_figures_and_scale(view):
    qujing = {n.id: n for n in chain_gaps(view, INDUSTRY, prefecture="530300").nodes}
    # b: Qujing 6 of 200 = 3% of China; LQ = 0.03 / 0.005 = 6 >= 1.5 (the share rule needs 5%)
    assert (qujing["b"].status, qujing["b"].rule) == ("strong", "location-quotient")
    assert qujing["b"].location_quotient == 6.0
    # c: y2 player = 1 < 2 (the prefecture's strong_at): weak
    assert (qujing["c"].status, qujing["c"].rule) == ("weak", "firms")
    # x: the province's review is not the prefecture's: nothing known there, so 待核实
    assert qujing["x"].status == "missing" and qujing["x"].to_verify
    kunming = {n.id: n for n in chain_gaps(view, INDUSTRY, prefecture="530100").nodes}
    # a: y1 leader 3 >= 2; b: Kunming has no figure and no firm: thin, 待核实
    assert kunming["a"].status == "strong"
    assert (kunming["b"].status, kunming["b"].evidence.level, kunming["b"].to_verify) == (
        "missing",
        "thin",
        True,
    )


def test_old_or_low_facts_are_not_solid(view):
    g = view.copy()
    # a stale figure (as of 2015, 11 years before the reference year 2026) and a low one
    _figure(g, "530000", "c", "output", 1.0, "万吨", 2015, as_of="2015")
    gaps = chain_gaps(g, INDUSTRY)
    assert gaps.node("c").evidence.level == "partial"
    assert gaps.node("c").evidence.newest_as_of == "2024"  # y2's fact is newer
    g2 = canonical_view()
    _review(g2, "b", "absent", "未见产能", confidence="low")
    b = chain_gaps(g2, INDUSTRY).node("b")
    assert (b.status, b.evidence.level, b.evidence.lowest_confidence) == ("missing", "partial", "low")

"""Recommendations on the canonical chain; scores worked out by hand from rules.yaml
(weights fit 30, scale 20, pull 20, ties 10, presence 10, resource 10, feasibility 20,
signals 15). Every n-firm has its HQ in Beijing (mainland: feasibility 0.4 x 20 = 8); n4 and n6
have a Yunnan subsidiary, a site in the west too (0.4 + 0.6 -> 20) and are on the 增资扩产 list."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest

from analysis.leaders import leader_candidates
from analysis.recommend import recommend_targets, target_lists
from analysis.rules import load_rules
from graph.errors import NotFoundError
from tests.canonical import INDUSTRY, SRC, canonical_view


def parts(rec):
    return {p.factor: p.value for p in rec.parts}


def test_ranking_for_one_node():
    recs = recommend_targets(canonical_view(), INDUSTRY, node="b")
    # n1: leader 30 + Fortune 500 20 + pull 2/3 gaps 13.33 + energy-intensive 10 + mainland 8 = 81.33
    # n6: major 18 + pull 1/3 6.67 + presence through y1 10 + 10 + mainland and west 20 = 64.67
    # n2: player 9 + private 500 14 + pull 13.33 + ties to y1 1/2 -> 5 + 10 + 8 = 59.33
    assert [(r.enterprise_id, r.score) for r in recs] == [("n1", 81.33), ("n6", 64.67), ("n2", 59.33)]
    assert parts(recs[0]) == {
        "fit": 30.0,
        "scale": 20.0,
        "pull": 13.33,
        "ties": 0.0,
        "presence": 0.0,
        "resource": 10.0,
        "feasibility": 8.0,
        "signals": 0.0,
    }
    assert parts(recs[2])["ties"] == 5.0
    assert all(r.action == "补链" for r in recs)
    assert [r.track for r in recs] == ["new", "expand", "new"]
    assert all(r.warnings == () for r in recs)
    assert "世界500强" in recs[0].parts[1].reason
    assert "滇甲公司·昆明市" in recs[1].parts[4].reason


def test_firm_strong_in_yunnan_is_not_recommended_for_that_node():
    # n6's subsidiary y1 leads a in Yunnan: n6 is no target for a; n5 (unrelated) is.
    recs = recommend_targets(canonical_view(), INDUSTRY, node="a")
    assert [r.enterprise_id for r in recs] == ["n5"]


def test_local_firms_are_not_targets_but_their_groups_are():
    recs = recommend_targets(canonical_view(), INDUSTRY, node="c")
    # n4 (parent of the local player y2): leader 30 + pull 6.67 + presence 10 + feasibility 20 = 66.67
    # n3: major 18 + revenue 100 亿元 = log10(100)/log10(10000) = 0.5 -> 10 + pull 6.67 + 8 = 42.67
    assert [(r.enterprise_id, r.score) for r in recs] == [("n4", 66.67), ("n3", 42.67)]


def test_industry_wide_each_firm_once_at_its_best_gap():
    recs = recommend_targets(canonical_view(), INDUSTRY)
    # n2 scores more on e (leader 30 + 14 + 13.33 + 5 + export 5 + 8 = 75.33) than on b.
    assert [(r.enterprise_id, r.node_id, r.score) for r in recs] == [
        ("n1", "b", 81.33),
        ("n2", "e", 75.33),
        ("n4", "c", 66.67),
        ("n6", "b", 64.67),
        ("n3", "c", 42.67),
    ]
    assert recommend_targets(canonical_view(), INDUSTRY, top=2)[1].enterprise_id == "n2"


def test_scores_are_sums_of_parts():
    for rec in recommend_targets(canonical_view(), INDUSTRY, top=100):
        assert rec.score == pytest.approx(sum(p.value for p in rec.parts), abs=0.011)
        assert [p.factor for p in rec.parts] == [
            "fit",
            "scale",
            "pull",
            "ties",
            "presence",
            "resource",
            "feasibility",
            "signals",
        ]
        assert all(p.reason for p in rec.parts)


def test_weights_change_the_ranking():
    rules = load_rules().with_weights(ties=100)
    recs = recommend_targets(canonical_view(), INDUSTRY, node="b", rules=rules)
    # ties now worth 100 x 0.5 = 50 for n2: 9 + 14 + 13.33 + 50 + 10 + 8 = 104.33
    assert recs[0].enterprise_id == "n2"
    assert recs[0].score == 104.33
    assert recs[0].config_version.endswith("+custom")


def test_unknown_node():
    with pytest.raises(NotFoundError):
        recommend_targets(canonical_view(), INDUSTRY, node="zz")


def test_industry_wide_each_group_once():
    view = canonical_view()
    # n7, a subsidiary of n1, leads d: on its own it would be a second row for the n1 group
    view.add_node("n7", label="Enterprise", name="全国一号子公司")
    view.add_edge("n7", "n1", key="SUBSIDIARY_OF", type="SUBSIDIARY_OF")
    view.add_edge("n7", "d", key="OPERATES_IN", type="OPERATES_IN", role="leader", **SRC)
    firms = [r.enterprise_id for r in recommend_targets(view, INDUSTRY)]
    assert firms.count("n1") + firms.count("n7") == 1
    # per node, both remain: they are different firms on different links
    assert "n7" in [r.enterprise_id for r in recommend_targets(view, INDUSTRY, node="d")]


def test_with_a_prefecture_firms_elsewhere_in_yunnan_are_not_targets():
    view = canonical_view()
    # c is missing in Kunming; y2 (Qujing) holds it in Yunnan: no target, its group n4 still is
    assert [r.enterprise_id for r in recommend_targets(view, INDUSTRY, node="c", prefecture="530100")] == [
        "n4",
        "n3",
    ]
    # a is missing in Qujing; n6's subsidiary y1 leads a in Kunming: n6 is strong in Yunnan on a
    assert [r.enterprise_id for r in recommend_targets(view, INDUSTRY, node="a", prefecture="530300")] == [
        "n5"
    ]


def test_two_lists_expand_and_new():
    lists = target_lists(canonical_view(), INDUSTRY)
    # n4 (y2 in Qujing) and n6 (y1 in Kunming) already have entities in Yunnan
    assert [(r.enterprise_id, r.score) for r in lists.expand] == [("n4", 66.67), ("n6", 64.67)]
    assert [r.enterprise_id for r in lists.new] == ["n1", "n2", "n3"]
    assert all(r.track == "expand" for r in lists.expand) and all(r.track == "new" for r in lists.new)
    assert [r.enterprise_id for r in target_lists(canonical_view(), INDUSTRY, top=1).new] == ["n1"]


def test_a_stake_in_a_yunnan_firm_puts_a_group_on_the_expand_list():
    view = canonical_view()
    # n3 (Beijing, major on c) holds shares in y3 (Kunming), as a joint venture's partner does
    view.add_edge("n3", "y3", key="stake", type="SUPPLIES", kind="stake", **SRC)
    lists = target_lists(view, INDUSTRY)
    # n3 was new at 42.67 (fit 18, scale 10, pull 6.67, feasibility 8); now presence 10 (the
    # stake) and ties 5 (one tie to a Yunnan firm): 57.67, after n4 and n6
    assert [(r.enterprise_id, r.score) for r in lists.expand] == [("n4", 66.67), ("n6", 64.67), ("n3", 57.67)]
    assert [r.enterprise_id for r in lists.new] == ["n1", "n2"]
    presence = next(p for p in lists.expand[2].parts if p.factor == "presence")
    assert (presence.value, presence.reason) == (10.0, "集团持有云南企业股份（滇丙公司·昆明市），可增资扩产")


def _with_unlikely_firms() -> nx.MultiDiGraph:
    """The canonical chain plus four firms leading b, each unlikely in its own way but one."""
    view = canonical_view()
    for region, name in (("US", "美国"), ("VN", "越南"), ("310000", "上海市"), ("510000", "四川省")):
        view.add_node(region, label="Region", name=name)
    firms = {
        "far": ("远方外企", "foreign", [], [("US", "hq")]),
        "near": ("近邻外企", "foreign", [], [("US", "hq"), ("310000", "branch"), ("VN", "plant")]),
        "plat": ("平台公司", "private", ["platform"], [("110000", "hq")]),
        "sick": ("困境公司", "private", ["distressed"], [("510000", "hq")]),
    }
    for firm, (name, ownership, tags, sites) in firms.items():
        view.add_node(firm, label="Enterprise", name=name, ownership=ownership, tags=tags)
        view.add_edge(firm, "b", key="OPERATES_IN", type="OPERATES_IN", role="leader", **SRC)
        for region, kind in sites:
            view.add_edge(firm, region, key=kind, type="HAS_SITE", kind=kind)
    return view


def test_feasibility_part_and_warnings():
    recs = {r.enterprise_id: r for r in recommend_targets(_with_unlikely_firms(), INDUSTRY, node="b")}
    # each: leader 30 + pull 1/3 6.67 + energy-intensive 10 = 46.67 before feasibility
    # near: Shanghai branch (mainland 0.4) + Vietnam plant (0.6) -> 20; no warning
    assert parts(recs["near"])["feasibility"] == 20.0 and recs["near"].warnings == ()
    assert recs["near"].score == 66.67
    # far: no mainland site -30, foreign with nothing in the west or Southeast Asia -25
    assert parts(recs["far"])["feasibility"] == -55.0
    assert recs["far"].warnings == (
        "在中国大陆无工厂、子公司或中国总部",
        "外资企业在中国西部和南亚东南亚均无布局",
    )
    # plat: Beijing 8 - platform 30 = -22
    assert parts(recs["plat"])["feasibility"] == -22.0
    assert recs["plat"].warnings == ("平台企业，不能承担10亿元以上产业项目",)
    # sick: Sichuan HQ is mainland and western: 20 - distressed 40 = -20
    assert parts(recs["sick"])["feasibility"] == -20.0
    assert recs["sick"].warnings == ("企业处于ST、重整或破产等困境",)
    # the realistic ones lead: n1 81.33, near 66.67, n6 64.67, n2 59.33; the rest below
    assert [r.enterprise_id for r in recommend_targets(_with_unlikely_firms(), INDUSTRY, node="b")] == [
        "n1",
        "near",
        "n6",
        "n2",
        "sick",
        "plat",
        "far",
    ]


def test_signal_part_decays_with_age_and_distance():
    view = canonical_view()
    view.add_node("510000", label="Region", name="四川省")
    signals = [
        # kind x region x 0.5 ^ (age / 12 months), reference date 2026-12
        ("510000", "expansion", "2025-12", "成都扩产"),  # 1.0 x 0.7 (west) x 0.5 = 0.35
        ("530100", "visit", "2026-12-03", "来昆考察"),  # 0.4 x 1.0 (Yunnan) x 1 = 0.4
        ("110000", "investment", "2022-12", "北京投资"),  # 1.0 x 0.3 x 0.5^4 = 0.01875
    ]
    for region, kind, date, summary in signals:
        view.add_edge(
            "n3",
            region,
            key=f"{date}:{kind}:",
            type="SIGNALLED",
            kind=kind,
            date=date,
            summary=summary,
            source="公告",
        )
    (n3,) = [r for r in recommend_targets(view, INDUSTRY, node="c") if r.enterprise_id == "n3"]
    # 15 x 0.76875 = 11.53; 42.67 before
    assert parts(n3)["signals"] == 11.53
    assert n3.score == 54.2
    assert n3.parts[-1].reason.startswith("2026-12-03在昆明市考察洽谈：来昆考察（公告）等3条信号")
    # a year later each signal counts half: 15 x 0.384375 = 5.77
    later = load_rules()
    later = replace(later, signals={**later.signals, "reference_date": "2027-12"})
    (n3,) = [r for r in recommend_targets(view, INDUSTRY, node="c", rules=later) if r.enterprise_id == "n3"]
    assert parts(n3)["signals"] == 5.77


def test_a_distressed_or_asset_light_sister_says_nothing_about_the_firm():
    view = canonical_view()
    view.nodes["y1"]["tags"] = ["distressed", "asset-light"]  # n6's Yunnan subsidiary
    (n6,) = [r for r in recommend_targets(view, INDUSTRY, node="b") if r.enterprise_id == "n6"]
    assert (n6.score, n6.warnings) == (64.67, ())
    view.nodes["n6"]["tags"] = ["distressed"]  # the group itself: 20 - 40
    (n6,) = [r for r in recommend_targets(view, INDUSTRY, node="b") if r.enterprise_id == "n6"]
    assert (parts(n6)["feasibility"], n6.warnings) == (-20.0, ("企业处于ST、重整或破产等困境",))


def test_industry_lists_leave_warned_firms_out():
    view = _with_unlikely_firms()
    # far, plat and sick each carry a warning: the industry's lists leave them out; near (66.67 on
    # b, no warning) ranks below n1 (81.33 on b) and n2 (75.33 on e, its best), above n3 (42.67)
    new = target_lists(view, INDUSTRY).new
    assert [(r.enterprise_id, r.score) for r in new] == [
        ("n1", 81.33),
        ("n2", 75.33),
        ("near", 66.67),
        ("n3", 42.67),
    ]
    # a node's own list still shows them, with their warnings (test above); so do the industry's
    # lists when the rules keep warned firms: sick 46.67 - 20 = 26.67, plat 24.67, far -8.33
    rules = load_rules()
    keep = replace(rules, feasibility={**rules.feasibility, "list_warned": True})
    assert [(r.enterprise_id, r.score) for r in target_lists(view, INDUSTRY, rules=keep).new][-3:] == [
        ("sick", 26.67),
        ("plat", 24.67),
        ("far", -8.33),
    ]


def test_an_operator_bound_to_its_home_province_is_a_competitor():
    view = canonical_view()
    view.add_node("510000", label="Region", name="四川省")
    view.add_node("520000", label="Region", name="贵州省")
    view.add_node("scenic", label="Enterprise", name="外省景区公司", ownership="local-soe", tags=[])
    view.add_edge("scenic", "b", key="OPERATES_IN", type="OPERATES_IN", role="leader", **SRC)
    view.add_edge("scenic", "510000", key="hq", type="HAS_SITE", kind="hq")
    rules = load_rules()
    bound = replace(rules, feasibility={**rules.feasibility, "home_bound_links": frozenset({"b"})})

    def scenic() -> object:
        (rec,) = [
            r for r in recommend_targets(view, INDUSTRY, node="b", rules=bound) if r.enterprise_id == "scenic"
        ]
        return rec

    # leader 30 + pull 1/3 6.67 + energy-intensive 10 = 46.67 before feasibility; a Sichuan HQ is
    # mainland and western (20), less 30 for running b in one province only: -10 -> 36.67
    rec = scenic()
    assert (parts(rec)["feasibility"], rec.score) == (-10.0, 36.67)
    assert rec.warnings == ("中间品业务仅在四川省，属与云南竞争的本地运营方而非投资方",)
    # without b among the home-bound links, or with a second province, it is an investor: 66.67
    assert [r.score for r in recommend_targets(view, INDUSTRY, node="b") if r.enterprise_id == "scenic"] == [
        66.67
    ]
    view.add_edge("scenic", "520000", key="branch", type="HAS_SITE", kind="branch")
    rec = scenic()
    assert (parts(rec)["feasibility"], rec.score, rec.warnings) == (20.0, 66.67, ())


def test_a_by_product_link_has_suppliers_not_investors():
    rules = load_rules()
    coke = replace(rules, feasibility={**rules.feasibility, "by_product_links": frozenset({"b"})})
    recs = {r.enterprise_id: r for r in recommend_targets(canonical_view(), INDUSTRY, node="b", rules=coke)}
    # n1 on b: 81.33 (test_ranking_for_one_node) less 30: feasibility 8 - 30 = -22 -> 51.33
    assert (parts(recs["n1"])["feasibility"], recs["n1"].score) == (-22.0, 51.33)
    assert recs["n1"].warnings == ("“中间品”是其主业的副产品，不会为此来滇建厂，宜按供应关系对接",)
    # on its other link d it is an investor as before: no warning; the industry's list shows it there
    (n1,) = [r for r in target_lists(canonical_view(), INDUSTRY, rules=coke).new if r.enterprise_id == "n1"]
    assert (n1.node_id, n1.warnings) == ("d", ())


def test_fit_and_pull_scale_with_the_confidence_of_the_operation():
    # n1's operation on b rests only on an imported Shenwan industry (low: factor 0.5):
    # fit leader 30 x 0.5 = 15; pull (0.5 for b + 1 for d) / 3 x 20 = 10; scale 20, resource 10,
    # mainland 8: 63.0 (81.33 with a sourced row), below n6 (64.67) and above n2 (59.33).
    view = canonical_view()
    view["n1"]["b"]["OPERATES_IN"].update(
        source="A股产业链知识图谱（公司所属申万2021三级行业）", as_of="2021", confidence="low", product="铝"
    )
    recs = recommend_targets(view, INDUSTRY, node="b")
    assert [(r.enterprise_id, r.score) for r in recs] == [("n6", 64.67), ("n1", 63.0), ("n2", 59.33)]
    n1 = recs[1]
    assert (parts(n1)["fit"], parts(n1)["pull"]) == (15.0, 10.0)
    assert n1.parts[0].reason == (
        "在“中间品”环节为全国龙头企业"
        "（依据：A股产业链知识图谱（公司所属申万2021三级行业）“铝”，2021，低置信，按0.5计）"
    )
    assert (
        n1.parts[2].reason == "可覆盖本产业2个薄弱或缺失环节：中间品、整机（其中1个依据置信度低，折算计入）"
    )
    assert (
        recs[2].parts[0].reason
        == "在“中间品”环节为全国参与者企业（依据：hand-built test chain，2024，高置信）"
    )
    # industry-wide n1 still scores best on b (on d: major 18 + 20 + pull 10 + 8 = 56)
    assert [(r.enterprise_id, r.node_id, r.score) for r in recommend_targets(view, INDUSTRY)][:3] == [
        ("n2", "e", 75.33),
        ("n4", "c", 66.67),
        ("n6", "b", 64.67),
    ]
    # medium counts in full, and an operation with no stated confidence counts as low
    view["n1"]["b"]["OPERATES_IN"]["confidence"] = "medium"
    assert recommend_targets(view, INDUSTRY, node="b")[0].score == 81.33
    del view["n1"]["b"]["OPERATES_IN"]["confidence"]
    assert "未注明置信度，按0.5计" in recommend_targets(view, INDUSTRY, node="b")[1].parts[0].reason


def test_a_group_outside_its_assigned_territory_is_no_investor_on_that_link():
    # the state assigns n6's group a territory for b (a grid's service area) that leaves Yunnan out
    rules = load_rules()
    why = "云南不在其经营区域"
    zoned = replace(
        rules,
        feasibility={
            **rules.feasibility,
            "outside_territory": {"n6": {"links": frozenset({"b"}), "why": why}},
        },
    )
    recs = {r.enterprise_id: r for r in recommend_targets(canonical_view(), INDUSTRY, node="b", rules=zoned)}
    # n6 on b: 64.67 (test_ranking_for_one_node) less 30: feasibility 20 - 30 = -10 -> 34.67
    assert (parts(recs["n6"])["feasibility"], recs["n6"].score) == (-10.0, 34.67)
    assert recs["n6"].warnings == ("云南不在其经营区域（集团六号），不会在滇投资“中间品”",)
    assert recs["n1"].warnings == ()
    # b was n6's only gap as a target (it already leads a in Yunnan): it leaves the lists and the
    # leader candidates
    assert "n6" not in {r.enterprise_id for r in recommend_targets(canonical_view(), INDUSTRY, rules=zoned)}
    assert "n6" not in {c.enterprise_id for c in leader_candidates(canonical_view(), INDUSTRY, rules=zoned)}

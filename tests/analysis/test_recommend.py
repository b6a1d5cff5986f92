"""Recommendations on the canonical chain; scores worked out by hand from rules.yaml
(weights fit 30, scale 20, pull 20, ties 10, presence 10, resource 10)."""

from __future__ import annotations

import pytest

from analysis.recommend import recommend_targets
from analysis.rules import load_rules
from graph.errors import NotFoundError
from tests.canonical import INDUSTRY, canonical_view


def parts(rec):
    return {p.factor: p.value for p in rec.parts}


def test_ranking_for_one_node():
    recs = recommend_targets(canonical_view(), INDUSTRY, node="b")
    # n1: leader 30 + Fortune 500 20 + pull 2/3 gaps 13.33 + energy-intensive 10 = 73.33
    # n2: player 9 + private 500 14 + pull 13.33 + ties to y1 1/2 -> 5 + 10 = 51.33
    # n6: major 18 + pull 1/3 6.67 + presence through y1 10 + 10 = 44.67
    assert [(r.enterprise_id, r.score) for r in recs] == [("n1", 73.33), ("n2", 51.33), ("n6", 44.67)]
    assert parts(recs[0]) == {
        "fit": 30.0,
        "scale": 20.0,
        "pull": 13.33,
        "ties": 0.0,
        "presence": 0.0,
        "resource": 10.0,
    }
    assert parts(recs[1])["ties"] == 5.0
    assert all(r.action == "补链" for r in recs)
    assert "世界500强" in recs[0].parts[1].reason
    assert "滇甲公司" in recs[2].parts[4].reason


def test_firm_strong_in_yunnan_is_not_recommended_for_that_node():
    # n6's subsidiary y1 leads a in Yunnan: n6 is no target for a; n5 (unrelated) is.
    recs = recommend_targets(canonical_view(), INDUSTRY, node="a")
    assert [r.enterprise_id for r in recs] == ["n5"]


def test_local_firms_are_not_targets_but_their_groups_are():
    recs = recommend_targets(canonical_view(), INDUSTRY, node="c")
    # n4 (parent of the local player y2): leader 30 + pull 6.67 + presence 10 = 46.67
    # n3: major 18 + revenue 100 亿元 = log10(100)/log10(10000) = 0.5 -> 10 + pull 6.67 = 34.67
    assert [(r.enterprise_id, r.score) for r in recs] == [("n4", 46.67), ("n3", 34.67)]


def test_industry_wide_each_firm_once_at_its_best_gap():
    recs = recommend_targets(canonical_view(), INDUSTRY)
    # n2 scores more on e (leader 30 + 14 + 13.33 + 5 + export 5 = 67.33) than on b.
    assert [(r.enterprise_id, r.node_id, r.score) for r in recs] == [
        ("n1", "b", 73.33),
        ("n2", "e", 67.33),
        ("n4", "c", 46.67),
        ("n6", "b", 44.67),
        ("n3", "c", 34.67),
    ]
    assert recommend_targets(canonical_view(), INDUSTRY, top=2)[1].enterprise_id == "n2"


def test_scores_are_sums_of_parts():
    for rec in recommend_targets(canonical_view(), INDUSTRY, top=100):
        assert rec.score == pytest.approx(sum(p.value for p in rec.parts), abs=0.011)
        assert [p.factor for p in rec.parts] == ["fit", "scale", "pull", "ties", "presence", "resource"]
        assert all(p.reason for p in rec.parts)


def test_weights_change_the_ranking():
    rules = load_rules().with_weights(ties=100)
    recs = recommend_targets(canonical_view(), INDUSTRY, node="b", rules=rules)
    # ties now worth 100 x 0.5 = 50 for n2: 9 + 14 + 13.33 + 50 + 10 = 96.33
    assert recs[0].enterprise_id == "n2"
    assert recs[0].score == 96.33
    assert recs[0].config_version.endswith("+custom")


def test_unknown_node():
    with pytest.raises(NotFoundError):
        recommend_targets(canonical_view(), INDUSTRY, node="zz")


def test_industry_wide_each_group_once():
    view = canonical_view()
    # n7, a subsidiary of n1, leads d: on its own it would be a second row for the n1 group
    view.add_node("n7", label="Enterprise", name="全国一号子公司")
    view.add_edge("n7", "n1", key="SUBSIDIARY_OF", type="SUBSIDIARY_OF")
    view.add_edge("n7", "d", key="OPERATES_IN", type="OPERATES_IN", role="leader")
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

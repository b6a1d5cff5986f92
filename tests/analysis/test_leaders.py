"""The greedy leader set and headquarters targets on the canonical chain."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analysis.gaps import chain_gaps
from analysis.leaders import best_leader_set, gap_weights, headquarters_targets, leader_candidates
from analysis.rules import load_rules
from tests.canonical import INDUSTRY, SRC, canonical_view


def test_gap_weights():
    # (1 + criticality) x gap factor: b 1.4 x 1, c 1.32 x 0.6, d e x 1.2 x 1
    weights = gap_weights(chain_gaps(canonical_view(), INDUSTRY), load_rules())
    assert weights == pytest.approx({"b": 1.4, "c": 0.792, "d": 1.2, "e": 1.2, "x": 1.2})


def test_candidates():
    found = {c.enterprise_id: (c.covers, c.weight) for c in leader_candidates(canonical_view(), INDUSTRY)}
    assert found == {
        "n1": (("b", "d"), 2.6),
        "n2": (("b", "e"), 2.6),
        "n3": (("c",), 0.792),
        "n4": (("c",), 0.792),
        "n6": (("b",), 1.4),
    }


def test_candidates_say_their_list_and_unfeasible_groups_drop_out():
    view = canonical_view()
    tracks = {c.enterprise_id: c.track for c in leader_candidates(view, INDUSTRY)}
    assert tracks == {"n1": "new", "n2": "new", "n3": "new", "n4": "expand", "n6": "expand"}
    view.nodes["n2"]["tags"] = ["distressed"]
    assert "n2" not in {c.enterprise_id for c in leader_candidates(view, INDUSTRY)}
    # without n2: n1 (b, d), then n3 and n4 tie on c (n3 by id); e stays open
    result = best_leader_set(view, INDUSTRY, k=5)
    assert [(p.enterprise_id, p.track) for p in result.picks] == [("n1", "new"), ("n3", "new")]
    assert (result.count("expand"), result.count("new")) == (0, 2)
    assert result.tracks_text == "其中增资扩产0家、新引进2家"


def test_a_foreign_group_is_no_china_headquarters_target_in_yunnan():
    view = canonical_view()
    view.nodes["n1"]["ownership"] = "foreign"
    # n1 works on b and d (no export, no technology link) and not in South/Southeast Asia
    assert [t.enterprise_id for t in headquarters_targets(view, INDUSTRY)] == ["n2"]
    view.nodes["n1"]["tags"] = ["south-southeast-asia"]
    # the tag alone leaves its warning (a foreign group with no site in the west or South and
    # Southeast Asia): still none; a plant in Vietnam makes it a regional headquarters target
    assert [t.enterprise_id for t in headquarters_targets(view, INDUSTRY)] == ["n2"]
    view.add_node("VN", label="Region", name="越南")
    view.add_edge("n1", "VN", key="plant", type="HAS_SITE", kind="plant")
    # a plant in Vietnam clears the warning, but a foreign group with nothing in Yunnan to upgrade
    # sets up no headquarters here (rules headquarters_foreign_in_yunnan_only): still none
    assert [t.enterprise_id for t in headquarters_targets(view, INDUSTRY)] == ["n2"]
    # its subsidiary's plant in Kunming (the subsidiary's HQ in Beijing) makes it a regional target
    view.add_node("n1s", label="Enterprise", name="全国一号子公司")
    view.add_edge("n1s", "n1", key="SUBSIDIARY_OF", type="SUBSIDIARY_OF")
    view.add_edge("n1s", "110000", key="hq", type="HAS_SITE", kind="hq")
    view.add_edge("n1s", "530100", key="plant", type="HAS_SITE", kind="plant")
    (n1,) = [t for t in headquarters_targets(view, INDUSTRY) if t.enterprise_id == "n1"]
    assert n1.hq_types == ("面向南亚东南亚的区域总部",)
    assert "集团已在云南设厂，可升级为总部" in n1.reasons
    # with the rule off, the plant in Vietnam is enough (as before 2026.12-4)
    view.remove_node("n1s")
    rules = replace(load_rules(), headquarters_foreign_in_yunnan_only=False)
    assert "n1" in {t.enterprise_id for t in headquarters_targets(view, INDUSTRY, rules=rules)}


def test_greedy_set_covers_the_most_weight():
    # n1 and n2 tie at 2.6 (n1 by id); then n2 adds e (1.2) while n6 adds nothing (b is covered).
    result = best_leader_set(canonical_view(), INDUSTRY, k=2)
    assert [p.enterprise_id for p in result.picks] == ["n1", "n2"]
    assert [p.new_gaps for p in result.picks] == [("b", "d"), ("e",)]
    assert result.covered_gaps == ("b", "d", "e")
    assert result.gain == pytest.approx(3.8)
    assert result.total_gap_weight == pytest.approx(5.792)
    three = best_leader_set(canonical_view(), INDUSTRY, k=3)
    assert three.picks[2].enterprise_id == "n3" and three.gain == pytest.approx(4.592)


def test_a_warned_group_is_no_chain_leader():
    view = canonical_view()
    view.nodes["n1"]["ownership"] = "foreign"  # a Beijing HQ only: far from the west, warned
    # without n1 (b, d: 2.6): n2 covers b and e (2.6), then n3 adds c (0.792); d stays open
    result = best_leader_set(view, INDUSTRY, k=2)
    assert [p.enterprise_id for p in result.picks] == ["n2", "n3"]
    assert result.covered_gaps == ("b", "c", "e")
    assert result.gain == pytest.approx(3.392)


def test_a_low_confidence_operation_makes_no_chain_leader():
    view = canonical_view()
    view.edges["n1", "d", "OPERATES_IN"]["confidence"] = "low"  # n1 on d: to be verified
    found = {c.enterprise_id: (c.covers, c.weight) for c in leader_candidates(view, INDUSTRY)}
    # n1 keeps b (1.4) and loses d (1.2); nobody else works on d, so d stays open
    assert found["n1"] == (("b",), 1.4)
    result = best_leader_set(view, INDUSTRY, k=5)
    # n2 covers b and e (2.6), then n3 adds c (0.792); n1's b is already covered
    assert [p.enterprise_id for p in result.picks] == ["n2", "n3"]
    assert result.covered_gaps == ("b", "c", "e")


def test_greedy_stops_when_nothing_is_left_to_gain():
    result = best_leader_set(canonical_view(), INDUSTRY, k=10)
    # x has nobody anywhere: the best any set can do is everything but x.
    assert result.covered_gaps == ("b", "c", "d", "e")
    assert len(result.picks) == 3


def test_headquarters_targets():
    targets = headquarters_targets(canonical_view(), INDUSTRY)
    # n1: Fortune 1.0 + 0.1 x 2 gaps = 1.2; n2: private 0.7 + 0.2 = 0.9, export link -> logistics HQ
    assert [(t.enterprise_id, t.score) for t in targets] == [("n1", 1.2), ("n2", 0.9)]
    assert targets[1].hq_types == ("物流、采购或结算总部",)


def test_a_leader_is_a_group_covering_what_its_firms_cover():
    view = canonical_view()
    view.add_node("n7", label="Enterprise", name="全国一号子公司")
    view.add_edge("n7", "n1", key="SUBSIDIARY_OF", type="SUBSIDIARY_OF")
    view.add_edge("n7", "x", key="OPERATES_IN", type="OPERATES_IN", role="leader", **SRC)
    found = {c.enterprise_id: c.covers for c in leader_candidates(view, INDUSTRY)}
    assert "n7" not in found and found["n1"] == ("b", "d", "x")
    # n1's group now covers b, d, x (1.4 + 1.2 + 1.2 = 3.8): one pick, not two arms of one group
    result = best_leader_set(view, INDUSTRY, k=2)
    assert [p.enterprise_id for p in result.picks] == ["n1", "n2"]
    assert result.gain == pytest.approx(3.8 + 1.2)


def test_no_headquarters_target_whose_every_link_lies_outside_its_territory():
    rules = load_rules()

    def zoned(links: set[str]):
        spec = {"n2": {"links": frozenset(links), "why": "云南不在其经营区域"}}
        return replace(rules, feasibility={**rules.feasibility, "outside_territory": spec})

    # n2 works on b and e: out of its territory on both, it is none; on b only, it stays
    assert "n2" in {t.enterprise_id for t in headquarters_targets(canonical_view(), INDUSTRY)}
    assert "n2" not in {
        t.enterprise_id for t in headquarters_targets(canonical_view(), INDUSTRY, rules=zoned({"b", "e"}))
    }
    assert "n2" in {
        t.enterprise_id for t in headquarters_targets(canonical_view(), INDUSTRY, rules=zoned({"b"}))
    }

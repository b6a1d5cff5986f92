"""Gap analysis on the canonical chain; every expected figure is worked out in the comments."""

from __future__ import annotations

import pytest

from analysis.gaps import candidate_ids, chain_gaps
from graph.errors import NotFoundError
from tests.canonical import INDUSTRY, canonical_view


@pytest.fixture(scope="module")
def gaps():
    return chain_gaps(canonical_view(), INDUSTRY)


def test_statuses(gaps):
    # a: y1 leader (3) + y3 player (1) = 4 >= 3; c: y2 player = 1; the rest nobody in Yunnan.
    status = {n.id: n.status for n in gaps.nodes}
    assert status == {
        "a": "strong",
        "b": "missing",
        "c": "weak",
        "d": "missing",
        "e": "missing",
        "x": "missing",
    }
    assert gaps.node("a").presence == 4
    assert [f.id for f in gaps.node("a").local_firms] == ["y1", "y3"]
    assert gaps.node("b").candidate_count == 3
    assert candidate_ids(canonical_view(), gaps.node("b")) == ["n1", "n2", "n6"]


def test_actions_and_gap_types(gaps):
    # b is a hole between strong a and present c: fill. e hangs off strong a with nothing beyond: extend.
    action = {n.id: n.action for n in gaps.nodes}
    assert action == {"a": "", "b": "补链", "c": "强链", "d": "补链", "e": "延链", "x": "补链"}
    assert gaps.node("x").gap_type == "technology"
    assert gaps.node("b").gap_type == "midstream"


def test_criticality(gaps):
    # FEEDS a->b->c->d, a->e on 6 nodes: betweenness b = c = 2/20; reach a 4/5, b 2/5, c 1/5.
    # criticality = 0.4 betweenness + 0.4 reach + 0.2 single-firm risk (a has two firms).
    crit = {n.id: n.criticality for n in gaps.nodes}
    assert crit == pytest.approx({"a": 0.32, "b": 0.40, "c": 0.32, "d": 0.2, "e": 0.2, "x": 0.2})
    assert gaps.node("b").betweenness == pytest.approx(0.1)
    # priority = criticality x (missing 1, weak 0.6, strong 0); ties by criticality then id.
    assert [n.id for n in gaps.nodes] == ["b", "d", "e", "x", "c", "a"]
    assert gaps.node("c").priority == pytest.approx(0.192)


def test_completeness(gaps):
    # weights 1 + 0.4 btw + 0.4 reach: a 1.32, b 1.20, c 1.12, d e x 1.0 -> 6.64;
    # value: a 1.32 x 1 + c 1.12 x 0.5 = 1.88; 100 x 1.88 / 6.64 = 28.3
    assert gaps.completeness == 28.3
    assert (gaps.count("strong"), gaps.count("weak"), gaps.count("missing")) == (1, 1, 4)
    assert gaps.config_version


def test_prefecture_restriction():
    view = canonical_view()
    kunming = chain_gaps(view, INDUSTRY, prefecture="530100")
    assert kunming.node("a").status == "strong" and kunming.node("c").status == "missing"
    qujing = chain_gaps(view, INDUSTRY, prefecture="530300")
    assert qujing.node("a").status == "missing" and qujing.node("c").status == "weak"
    assert qujing.prefecture == "530300"


def test_unknown_industry_and_prefecture():
    view = canonical_view()
    with pytest.raises(NotFoundError) as err:
        chain_gaps(view, "dem")
    assert err.value.suggestions == ["demo"]
    with pytest.raises(NotFoundError):
        chain_gaps(view, INDUSTRY, prefecture="539999")


def test_a_focused_view_counts_the_firms_it_leaves_out():
    """Focused on Yunnan, the canonical view holds y1, y2, y3, their groups' n6 and n4, and n2
    (it supplies y1); n1, n3 and n5 are only counted. The gaps are the whole view's: b still has
    3 firms elsewhere (n1 counted, n2 and n6 held), d 1 (n1), a 2 (n5 counted, n6 held)."""
    from analysis.regions import YUNNAN, region_descendants
    from api.present import gaps_json
    from graph.store import Focus
    from graph.view import focused_view

    whole = canonical_view()
    part = focused_view(whole, INDUSTRY, Focus(frozenset(region_descendants(whole, YUNNAN))))
    firms = {n for n, label in part.nodes(data="label") if label == "Enterprise"}
    assert firms == {"y1", "y2", "y3", "n6", "n4", "n2"}
    gaps = chain_gaps(part, INDUSTRY)
    assert [gaps.node(n).candidate_count for n in ("a", "b", "d")] == [2, 3, 1]
    assert candidate_ids(part, gaps.node("b")) == ["n2", "n6"]
    assert gaps_json(gaps) == gaps_json(chain_gaps(whole, INDUSTRY))

"""Scenarios on the canonical chain."""

from __future__ import annotations

import pytest

from analysis.scenario import scenario
from graph.errors import NotFoundError
from tests.canonical import INDUSTRY, canonical_view


def test_a_leader_landing_turns_a_weak_node_strong():
    result = scenario(canonical_view(), INDUSTRY, ["n4"], prefecture="530300")
    # n4 leads c: presence 1 + 3 = 4 in Qujing; assessed for Qujing, a stays missing there.
    assert [(c.id, c.before, c.after, c.arriving) for c in result.changed_nodes] == [
        ("c", "weak", "strong", ("n4",))
    ]
    assert result.after.strong == result.before.strong + 1


def test_yunnan_wide_completeness_before_and_after():
    result = scenario(canonical_view(), INDUSTRY, ["n4"])
    # c becomes strong: (1.32 + 1.12) / 6.64 = 36.7
    assert (result.before.completeness, result.after.completeness) == (28.3, 36.7)
    assert (result.after.strong, result.after.weak, result.after.missing) == (2, 0, 4)


def test_several_landings():
    result = scenario(canonical_view(), INDUSTRY, ["n1", "n2"])
    assert {c.id: c.after for c in result.changed_nodes} == {"b": "strong", "d": "weak", "e": "strong"}


def test_landing_a_firm_never_lowers_completeness():
    view = canonical_view()
    base = scenario(view, INDUSTRY, []).before.completeness
    for firm in ("n1", "n2", "n3", "n4", "n5", "n6", "y1"):
        assert scenario(view, INDUSTRY, [firm]).after.completeness >= base


def test_unknown_enterprise():
    with pytest.raises(NotFoundError):
        scenario(canonical_view(), INDUSTRY, ["nobody"])

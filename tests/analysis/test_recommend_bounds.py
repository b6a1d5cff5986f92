"""The target lists score only the targets that could make them (`analysis.recommend.
_best_targets`): each target's bound is at least its score, and the lists are those of scoring
every target, on the bundled data's twelve industries, for Yunnan and two prefectures, with
lists of one to ten rows, industry-wide and for each gap on its own."""

from __future__ import annotations

from functools import cache

import networkx as nx
import pytest

from analysis import recommend
from analysis.gaps import chain_gaps
from analysis.recommend import (
    Recommendation,
    TargetLists,
    _score,
    _score_bound,
    is_target,
    target_context,
    target_lists,
)
from analysis.rules import load_rules
from analysis.tracks import EXPAND, NEW
from graph.view import view_of
from ingest.curated import load_dataset

PLACES = (None, "530300", "530500")  # Yunnan, 曲靖, 保山


@cache
def bundled() -> nx.MultiDiGraph:
    changes = load_dataset()
    return view_of(
        ((n.id, n.label, n.props) for n in changes.nodes),
        ((e.source, e.type, e.target, e.key, e.props) for e in changes.edges),
    )


def industries() -> list[str]:
    return sorted(n for n, label in bundled().nodes(data="label") if label == "Industry")


def every_target_scored(
    industry: str, prefecture: str | None, node: str | None, top: int
) -> tuple[TargetLists, int]:
    """The lists as `target_lists` made them before it bounded: every target scored; per group
    its best row (by score, then its node's priority; the first found on a tie), warned firms
    left out of an industry's lists. With the number of targets scored."""
    view, rules = bundled(), load_rules()
    gaps = chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    ctx = target_context(view, gaps, rules)
    priority = {n.id: n.priority for n in gaps.nodes}
    found: list[Recommendation] = []
    best: dict[str, Recommendation] = {}
    for assessed in [gaps.node(node)] if node else gaps.gaps:
        for firm, data in ctx.operators[assessed.id]:
            if not is_target(ctx, firm, assessed.id):
                continue
            rec = _score(ctx, firm, assessed, data)
            if node:
                found.append(rec)
                continue
            if rec.warnings and not rules.feasibility["list_warned"]:
                continue
            current = best.get(ctx.root[firm])
            if current is None or (rec.score, assessed.priority) > (current.score, priority[current.node_id]):
                best[ctx.root[firm]] = rec
    ranked = sorted(found or best.values(), key=lambda r: (-r.score, r.enterprise_id, r.node_id))
    lists = TargetLists(
        expand=tuple(r for r in ranked if r.track == EXPAND)[:top],
        new=tuple(r for r in ranked if r.track == NEW)[:top],
    )
    return lists, len(found) if node else sum(1 for _ in _targets(ctx, gaps.gaps))


def _targets(ctx: recommend.TargetContext, nodes: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(f, n.id) for n in nodes for f, _ in ctx.operators[n.id] if is_target(ctx, f, n.id)]


@pytest.mark.parametrize("prefecture", PLACES)
def test_no_target_scores_above_its_bound(prefecture: str | None):
    view, rules = bundled(), load_rules()
    checked = grouped = 0
    for industry in industries():
        gaps = chain_gaps(view, industry, prefecture=prefecture, rules=rules)
        ctx = target_context(view, gaps, rules)
        for assessed in gaps.nodes:  # every link's operators, gaps or not
            for firm, data in ctx.operators[assessed.id]:
                if is_target(ctx, firm, assessed.id):
                    bound = _score_bound(ctx, firm, assessed, data)
                    assert _score(ctx, firm, assessed, data).score <= bound, (industry, firm, assessed.id)
                    checked += 1
                    grouped += not recommend._alone(view, firm)
    assert checked > 1000 and grouped > 100  # firms on their own and firms in groups alike


@pytest.mark.parametrize("prefecture", PLACES)
def test_the_lists_are_those_of_scoring_every_target(prefecture: str | None, monkeypatch):
    scored = 0
    real_score = recommend._score

    def counted(*args):  # type: ignore[no-untyped-def]
        nonlocal scored
        scored += 1
        return real_score(*args)

    monkeypatch.setattr(recommend, "_score", counted)
    every = spared = 0
    for industry in industries():
        gaps = chain_gaps(bundled(), industry, prefecture=prefecture)
        asked = [(None, top) for top in (1, 3, 10)] + [(assessed.id, 2) for assessed in gaps.gaps]
        for node, top in asked:
            expected, targets = every_target_scored(industry, prefecture, node, top)
            scored = 0
            assert target_lists(bundled(), industry, node=node, prefecture=prefecture, top=top) == expected
            assert scored <= targets
            every, spared = every + targets, spared + targets - scored
    assert spared > every / 3  # the bounds spare much of the scoring

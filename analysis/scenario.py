"""What if one or more firms land in a prefecture: the chain's statuses and completeness before
and after, and which nodes change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from analysis.gaps import ChainGaps, chain_gaps, require_industry, require_prefecture
from analysis.rules import Rules, load_rules
from graph.errors import NotFoundError


@dataclass(frozen=True)
class ChainSummary:
    completeness: float
    strong: int
    weak: int
    missing: int


@dataclass(frozen=True)
class NodeChange:
    id: str
    name: str
    before: str
    after: str
    arriving: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioResult:
    industry: str
    prefecture: str | None
    landings: tuple[str, ...]
    before: ChainSummary
    after: ChainSummary
    changed_nodes: tuple[NodeChange, ...]
    config_version: str


def summarise(gaps: ChainGaps) -> ChainSummary:
    return ChainSummary(gaps.completeness, gaps.count("strong"), gaps.count("weak"), gaps.count("missing"))


def scenario(
    view: nx.MultiDiGraph,
    industry: str,
    enterprises: Sequence[str],
    *,
    prefecture: str | None = None,
    rules: Rules | None = None,
) -> ScenarioResult:
    """The chain of `industry` before and after `enterprises` set up in `prefecture` (in Yunnan
    when None), assessed for that prefecture (or Yunnan). Arrivals only add presence, so
    completeness never goes down.

    Raises:
        NotFoundError: an unknown industry, prefecture or enterprise.
    """
    rules = rules or load_rules()
    require_industry(view, industry)
    if prefecture is not None:
        require_prefecture(view, prefecture)
    for firm in enterprises:
        if view.nodes.get(firm, {}).get("label") != "Enterprise":
            raise NotFoundError("enterprise", firm)
    before = chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    # each arriving firm counts as having a plant in the region assessed (no copy of the view)
    after = chain_gaps(view, industry, prefecture=prefecture, rules=rules, arrivals=tuple(enterprises))
    changes = []
    for node in sorted(after.nodes, key=lambda n: n.id):
        old = before.node(node.id)
        if old.status != node.status:
            old_firms = {f.id for f in old.local_firms}
            arriving = tuple(f.id for f in node.local_firms if f.id not in old_firms)
            changes.append(NodeChange(node.id, node.name, old.status, node.status, arriving))
    return ScenarioResult(
        industry=industry,
        prefecture=prefecture,
        landings=tuple(enterprises),
        before=summarise(before),
        after=summarise(after),
        changed_nodes=tuple(changes),
        config_version=rules.version,
    )

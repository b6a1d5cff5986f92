"""Chain-leader (链主) candidates for an industry, the best set of k of them, and headquarters
targets (measure 2: regional headquarters for South and Southeast Asia, China headquarters and
functional headquarters for R&D, logistics, procurement, sales and settlement).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from analysis.enterprises import group_members, memberships, name_of
from analysis.gaps import ChainGaps, chain_gaps, operators
from analysis.recommend import (
    evidence_factor,
    feasibility_on,
    firm_feasibility,
    is_target,
    listable,
    outside_territory,
    target_context,
    track_of,
)
from analysis.regions import YUNNAN, located_in, region_descendants
from analysis.rules import Rules, load_rules
from analysis.tracks import EXPAND, NEW, tracks_text

HQ_LISTS = ("fortune-global-500", "china-500", "china-private-500")


@dataclass(frozen=True)
class LeaderCandidate:
    """A firm and the gaps of the industry it could close, with their total weight."""

    enterprise_id: str
    name: str
    covers: tuple[str, ...]
    weight: float
    tiers: tuple[str, ...]
    track: str = NEW


@dataclass(frozen=True)
class LeaderPick:
    """One firm of the chosen set and what it adds that the firms before it did not."""

    enterprise_id: str
    name: str
    covers: tuple[str, ...]
    new_gaps: tuple[str, ...]
    marginal_gain: float
    track: str = NEW


@dataclass(frozen=True)
class LeaderSet:
    """The greedy best set of k leaders: which gaps they close together and their weight."""

    industry: str
    k: int
    picks: tuple[LeaderPick, ...]
    covered_gaps: tuple[str, ...]
    gain: float
    total_gap_weight: float
    config_version: str

    def count(self, track: str) -> int:
        """How many picks are on the 增资扩产 (`expand`) or 新引进 (`new`) list."""
        return sum(1 for p in self.picks if p.track == track)

    @property
    def tracks_text(self) -> str:
        """e.g. 其中增资扩产1家、新引进2家"""
        return tracks_text(self.count(EXPAND), self.count(NEW))


@dataclass(frozen=True)
class HeadquartersTarget:
    """A listed group to invite to set up a headquarters in Yunnan, with the kind and why."""

    enterprise_id: str
    name: str
    hq_types: tuple[str, ...]
    reasons: tuple[str, ...]
    score: float


def gap_weights(gaps: ChainGaps, rules: Rules) -> dict[str, float]:
    """The weight of closing each gap: (1 + criticality) x the status's gap factor."""
    return {n.id: round((1 + n.criticality) * rules.gap_factor[n.status], 4) for n in gaps.nodes if n.is_gap}


def leader_candidates(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    prefecture: str | None = None,
    rules: Rules | None = None,
    gaps: ChainGaps | None = None,
) -> tuple[LeaderCandidate, ...]:
    """Every group with a firm outside Yunnan on at least one gap its group is not already strong
    on in Yunnan, with the gaps its firms cover together, heaviest first. A chain leader is a
    group: its id and name are the group's (the top of SUBSIDIARY_OF), on the 增资扩产 list when
    it already has an entity in Yunnan. A group that cannot carry a 10亿 project (no mainland
    footprint, distress, a platform or asset-light firm) is no chain-leader candidate, nor one
    with another warning (far from the west, bound to its home province) unless the rules list
    warned firms. A gap counts for a group only through an operation whose evidence factor is at
    least `leaders.min_evidence` (a low-confidence row is to be verified before a plan names its
    firm the chain's leader)."""
    rules = rules or load_rules()
    gaps = gaps or chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    ctx = target_context(view, gaps, rules)
    weights = gap_weights(gaps, rules)
    covers: dict[str, set[str]] = {}
    track: dict[str, str] = {}
    for node in weights:
        for firm, operation in ctx.operators[node]:
            if evidence_factor(rules, operation) < rules.leaders_min_evidence:
                continue  # a chain leader in a plan rests on evidence counted in full
            if is_target(ctx, firm, node) and listable(feasibility_on(ctx, firm, node), rules):
                covers.setdefault(ctx.root[firm], set()).add(node)
                track[ctx.root[firm]] = track_of(ctx, firm)
    found = [
        LeaderCandidate(
            enterprise_id=group,
            name=name_of(view, group),
            covers=tuple(sorted(nodes)),
            weight=round(sum(weights[n] for n in nodes), 4),
            tiers=tuple(m.label for m in memberships(view, group)),
            track=track[group],
        )
        for group, nodes in covers.items()
    ]
    return tuple(sorted(found, key=lambda c: (-c.weight, -len(c.tiers), c.enterprise_id)))


def best_leader_set(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    k: int | None = None,
    prefecture: str | None = None,
    rules: Rules | None = None,
    gaps: ChainGaps | None = None,
) -> LeaderSet:
    """The k firms that together close the most weighted gaps, chosen greedily.

    Each step adds the group whose arrival closes the most not-yet-closed gap weight (ties: more
    list memberships, then id), so the set is k different groups, not k arms of one. Covered weight is a monotone submodular function of the set (a
    gap counts once however many firms cover it, and a firm adds less the more is already
    covered), so by Nemhauser, Wolsey and Fisher (1978) the greedy set reaches at least
    1 - (1 - 1/k)^k > 1 - 1/e (about 63%) of the best possible k-set's weight; finding the exact
    best is NP-hard (it is maximum coverage).

    Examples:
        With gaps a, b, c of weight 1 and firms X covering {a, b}, Y {b}, Z {c}, greedy with
        k = 2 takes X (gain 2) then Z (gain 1), not Y whose gap X already closes.
    """
    rules = rules or load_rules()
    gaps = gaps or chain_gaps(view, industry, prefecture=prefecture, rules=rules)
    k = rules.leaders_k if k is None else k
    weights = gap_weights(gaps, rules)
    candidates = leader_candidates(view, industry, prefecture=prefecture, rules=rules, gaps=gaps)
    covered: set[str] = set()
    picks: list[LeaderPick] = []
    remaining = list(candidates)

    def gain(candidate: LeaderCandidate, covered: set[str]) -> float:
        return round(sum(weights[n] for n in set(candidate.covers) - covered), 4)

    while remaining and len(picks) < k:
        best = min(remaining, key=lambda c: (-gain(c, covered), -len(c.tiers), c.enterprise_id))
        best_gain = gain(best, covered)
        if best_gain <= 0:
            break
        new = tuple(sorted(set(best.covers) - covered))
        covered |= set(best.covers)
        picks.append(LeaderPick(best.enterprise_id, best.name, best.covers, new, best_gain, best.track))
        remaining.remove(best)
    return LeaderSet(
        industry=industry,
        k=k,
        picks=tuple(picks),
        covered_gaps=tuple(sorted(covered)),
        gain=round(sum(weights[n] for n in covered), 4),
        total_gap_weight=round(sum(weights.values()), 4),
        config_version=rules.version,
    )


def _ranked(view: nx.MultiDiGraph, firm: str) -> bool:
    """Whether `firm` is on any ranking list (a cheap test before reading its memberships)."""
    return any(d.get("type") == "RANKED_IN" for keys in view._succ[firm].values() for d in keys.values())


def headquarters_targets(
    view: nx.MultiDiGraph,
    industry: str,
    *,
    top: int | None = None,
    rules: Rules | None = None,
    gaps: ChainGaps | None = None,
) -> tuple[HeadquartersTarget, ...]:
    """Groups on the Fortune Global 500, China 500 or private 500 that work on the industry's
    chain and have no headquarters-level entity in Yunnan yet, with the kinds of headquarters
    that suit them (measure 2): kinds such a firm sets up in a province like Yunnan. A foreign
    group's China and Asia headquarters stay in Shanghai, Beijing or Singapore, so a foreign group
    is a target only with an entity in Yunnan already (rules
    `headquarters_foreign_in_yunnan_only`), and then only for a regional headquarters for South and
    Southeast Asia (it works there) or a logistics, procurement or settlement headquarters on an
    export chain where it already has sites in the west or in South and Southeast Asia; a group
    that cannot carry a 10亿 project is none, nor one whose every link on the chain lies outside
    its assigned territory (State Grid in Yunnan), nor one with another warning unless the rules
    list warned firms."""
    rules = rules or load_rules()
    gaps = gaps or chain_gaps(view, industry, rules=rules)
    top = rules.headquarters_top if top is None else top
    yunnan = region_descendants(view, YUNNAN)
    in_yunnan = located_in(view, yunnan)
    hq_in_yunnan = {
        source
        for region in yunnan
        if region in view
        for source, keys in view.pred[region].items()
        if any(d.get("type") == "HAS_SITE" and d.get("kind") == "hq" for d in keys.values())
    }

    gap_ids = {n.id for n in gaps.gaps}
    nodes_of: dict[str, set[str]] = {}
    for assessed in gaps.nodes:
        for firm, _ in operators(view, assessed.id):
            nodes_of.setdefault(firm, set()).add(assessed.id)
    found = []
    for firm, nodes in nodes_of.items():
        if firm in in_yunnan or not _ranked(view, firm):
            continue
        lists = [m for m in memberships(view, firm) if m.list in HQ_LISTS]
        if not lists:
            continue
        group = group_members(view, firm)
        if group & hq_in_yunnan:
            continue
        feasible = firm_feasibility(view, firm, rules, group)
        if not listable(feasible, rules) or nodes <= set(outside_territory(view, firm, rules)):
            continue
        foreign = view.nodes[firm].get("ownership") == "foreign"
        if foreign and rules.headquarters_foreign_in_yunnan_only and not group & in_yunnan:
            continue
        tags = set(view.nodes[firm].get("tags") or ())
        node_tags = {t for n in nodes for t in view.nodes[n].get("tags") or ()}
        kinds, reasons = [], [f"入选{lists[0].label}"]
        if "south-southeast-asia" in tags:
            kinds.append("面向南亚东南亚的区域总部")
            reasons.append("已有南亚东南亚业务，可以云南为辐射中心")
        if "technology" in node_tags and not foreign:
            kinds.append("研发总部")
        exporting = "export" in node_tags or industry in ("modern-logistics", "export-oriented")
        if exporting and (not foreign or "foreign_far" not in feasible.flags):
            kinds.append("物流、采购或结算总部")
        if not kinds and not foreign:
            kinds.append("区域总部或销售总部")
        if not kinds:
            continue
        covered = sorted(nodes & gap_ids)
        if covered:
            reasons.append(f"覆盖{len(covered)}个薄弱或缺失环节")
        if group & in_yunnan:
            reasons.append("集团已在云南设厂，可升级为总部")
        score = (
            max(rules.tier_value.get(m.list, 0) for m in lists)
            + rules.headquarters_score["per_gap"] * len(covered)
            + rules.headquarters_score["south_southeast_asia"] * ("south-southeast-asia" in tags)
        )
        found.append(
            HeadquartersTarget(firm, name_of(view, firm), tuple(kinds), tuple(reasons), round(score, 3))
        )
    return tuple(sorted(found, key=lambda t: (-t.score, t.enterprise_id))[:top])


__all__ = [
    "HeadquartersTarget",
    "LeaderCandidate",
    "LeaderPick",
    "LeaderSet",
    "best_leader_set",
    "gap_weights",
    "headquarters_targets",
    "leader_candidates",
]

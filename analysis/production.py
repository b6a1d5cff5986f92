"""What the graph knows about a region's activity on a chain link besides its firms: sourced
production figures (Yunnan's or a prefecture's output or capacity against China's total), the
location quotient they give with the regions' GDP, and the analysts' review findings; and how
solid the evidence behind a link's status is.

Pure functions of a networkx view (see graph.view) and the versioned `Rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

CHINA = "CN"
CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}
SOLID, PARTIAL, THIN = "solid", "partial", "thin"
PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"


@dataclass(frozen=True)
class Figure:
    """One sourced production figure of a region on a link (PRODUCES edge)."""

    region: str
    metric: str
    value: float
    unit: str
    year: int
    source: str
    as_of: str
    confidence: str


@dataclass(frozen=True)
class Production:
    """A region's production on a link measured against China: the figures compared, the share
    of national output and the location quotient (share / the region's share of China's GDP)."""

    figure: Figure | None
    national: Figure | None
    share: float | None
    location_quotient: float | None
    share_of_province: float | None = None

    @property
    def produces(self) -> bool:
        return (self.figure is not None and self.figure.value > 0) or bool(self.share)


@dataclass(frozen=True)
class Evidence:
    """How much the graph knows about a link in a region: firms known, figures, the newest as-of,
    the lowest confidence, the province review's finding, and a level: solid / partial / thin."""

    level: str
    firms: int
    figures: int
    finding: str | None
    newest_as_of: str | None
    lowest_confidence: str | None


def figures(view: nx.MultiDiGraph, node: str, regions: Iterable[str]) -> list[Figure]:
    """The PRODUCES figures on `node` of each of `regions`, newest year first, then by region."""
    wanted = set(regions)
    into = view.pred[node] if node in view else {}
    # the regions' own edges into the node (not every firm operating on it)
    found = [
        Figure(
            region=src,
            metric=str(data.get("metric", "")),
            value=float(data.get("value", 0.0)),
            unit=str(data.get("unit", "")),
            year=int(data.get("year", 0)),
            source=str(data.get("source", "")),
            as_of=str(data.get("as_of", "")),
            confidence=str(data.get("confidence", "low")),
        )
        for src in sorted(wanted & into.keys())
        for data in into[src].values()
        if data.get("type") == "PRODUCES"
    ]
    return sorted(found, key=lambda f: (-f.year, f.region, f.metric, f.unit))


def gdp(view: nx.MultiDiGraph, region: str, year: int, max_gap: int) -> float | None:
    """The region's GDP (亿元) in `year`, or in the closest year within `max_gap` years."""
    attrs = view.nodes.get(region, {})
    pairs = list(zip(attrs.get("gdp_years") or (), attrs.get("gdp_values") or (), strict=False))
    close = [(abs(int(y) - year), -int(y), float(v)) for y, v in pairs if abs(int(y) - year) <= max_gap]
    return min(close)[2] if close else None


def _match(figure: Figure, others: Iterable[Figure], max_gap: int) -> Figure | None:
    """The figure of `others` with the same metric and unit closest in year (newer on a tie)."""
    same = [
        o
        for o in others
        if o.metric == figure.metric and o.unit == figure.unit and abs(o.year - figure.year) <= max_gap
    ]
    return min(same, key=lambda o: (abs(o.year - figure.year), -o.year)) if same else None


def production(
    view: nx.MultiDiGraph,
    node: str,
    region: str,
    *,
    metrics: Iterable[str] = ("output", "capacity", "establishments"),
    max_year_gap: int = 1,
    province: str | None = None,
) -> Production:
    """`region`'s production on `node` against China's: the newest figure of the first metric
    in `metrics` that has one, compared with China's figure of the same metric and unit (years at
    most `max_year_gap` apart); else a `national_share` the source states itself (percent). With
    `province`, also the region's share of the province's figure (for a prefecture).

    Examples:
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("CN", label="Region", gdp_years=[2023], gdp_values=[1000.0])
        >>> g.add_node("530000", label="Region", gdp_years=[2023], gdp_values=[25.0])
        >>> g.add_node("n", label="ChainNode")
        >>> for r, v in (("CN", 400.0), ("530000", 80.0)):
        ...     _ = g.add_edge(r, "n", type="PRODUCES", metric="output", value=v, unit="万吨", year=2023)
        >>> p = production(g, "n", "530000")
        >>> round(p.share, 3), round(p.location_quotient, 2)
        (0.2, 8.0)
    """
    order = list(metrics)
    mine = [f for f in figures(view, node, [region]) if f.metric in order]
    national = [f for f in figures(view, node, [CHINA]) if f.metric in order]
    mine.sort(key=lambda f: (order.index(f.metric), -f.year))
    share_of_province: float | None = None
    provincial = figures(view, node, [province]) if province is not None else []
    for figure in mine:
        china = _match(figure, national, max_year_gap)
        if provincial:
            whole = _match(figure, provincial, max_year_gap)
            if whole is not None and whole.value > 0:
                share_of_province = figure.value / whole.value
        if china is None or china.value <= 0:
            continue
        share = figure.value / china.value
        quotient = _quotient(view, region, share, figure.year, max_year_gap)
        return Production(figure, china, share, quotient, share_of_province)
    stated = [f for f in figures(view, node, [region]) if f.metric == "national_share"]
    if stated:
        share = stated[0].value / 100
        return Production(
            stated[0], None, share, _quotient(view, region, share, stated[0].year, max_year_gap)
        )
    return Production(mine[0] if mine else None, None, None, None, share_of_province)


def _quotient(view: nx.MultiDiGraph, region: str, share: float, year: int, max_gap: int) -> float | None:
    here, china = gdp(view, region, year, max_gap), gdp(view, CHINA, year, max_gap)
    if not here or not china:
        return None
    return share / (here / china)


def finding(view: nx.MultiDiGraph, node: str, region: str) -> Mapping[str, Any] | None:
    """The review finding (ASSESSED edge) of `region` on `node`, with its attributes, if any."""
    if node not in view or region not in view.pred[node]:
        return None
    for data in view.pred[node][region].values():
        if data.get("type") == "ASSESSED":
            return data
    return None


def evidence(
    facts: Iterable[Mapping[str, Any]],
    *,
    firms: int,
    figures_known: int,
    review: Mapping[str, Any] | None,
    status: str,
    reference_year: int,
    stale_after_years: int,
    solid_firms: int,
) -> Evidence:
    """The evidence level of a link's status from the provenance of the facts behind it (the
    local firms' OPERATES_IN edges, the region's figures and the review finding).

    solid: a figure of medium or high confidence, `solid_firms` or more firms of medium or high confidence,
    or a review finding of medium or high confidence that agrees with the status (absent for
    missing, present otherwise), each counted only when no older than `stale_after_years`.
    thin: nothing known but, at most, a review that could not tell. partial: anything between.

    >>> evidence([], firms=0, figures_known=0, review=None, status="missing",
    ...          reference_year=2026, stale_after_years=6, solid_firms=2).level
    'thin'
    >>> f = {"kind": "figure", "as_of": "2023", "confidence": "medium"}
    >>> evidence([f], firms=0, figures_known=1, review=None, status="strong",
    ...          reference_year=2026, stale_after_years=6, solid_firms=2).level
    'solid'
    """
    facts = list(facts)
    verdict = str(review.get("finding")) if review else None
    known = [*facts, review] if review and verdict != UNKNOWN else facts
    if not known:
        return Evidence(THIN, firms, figures_known, verdict, None, None)
    as_ofs = [str(f.get("as_of", "")) for f in known if f.get("as_of")]
    newest = max(as_ofs) if as_ofs else None
    ranks = [CONFIDENCE_RANK.get(str(f.get("confidence", "low")), 0) for f in known]
    lowest = min(ranks)
    lowest_name = next(k for k, v in CONFIDENCE_RANK.items() if v == lowest)
    sure = CONFIDENCE_RANK["medium"]

    def counts(fact: Mapping[str, Any]) -> bool:  # sure enough and recent enough to rest on
        as_of = str(fact.get("as_of") or "0")
        fresh = reference_year - int(as_of[:4]) <= stale_after_years
        return fresh and CONFIDENCE_RANK.get(str(fact.get("confidence")), 0) >= sure

    agrees = verdict == (ABSENT if status == "missing" else PRESENT)
    solid = (
        any(counts(f) for f in facts if f.get("kind") == "figure")
        or sum(counts(f) for f in facts if f.get("kind") == "firm") >= solid_firms
        or (review is not None and agrees and counts(review))
    )
    level = SOLID if solid else PARTIAL
    return Evidence(level, firms, figures_known, verdict, newest, lowest_name)

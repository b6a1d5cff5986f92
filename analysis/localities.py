"""Local conditions a plan lands on (measures 4 and 5): development zones and parks with their
factor conditions, each prefecture's units, and the links under national overcapacity notices.

Pure functions of the networkx view: a figure the data does not state stays None (shown as
待补充), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from analysis.enterprises import name_of
from analysis.regions import region_descendants

PROVINCIAL_PROMOTION_UNIT = "云南省投资促进局"  # lead on almost every measure of 云政办函〔2022〕97号
PARK_LEVEL_ZH = {
    "national-etdz": "国家级经开区",
    "national-htz": "国家级高新区",
    "provincial": "省级园区",
    "bonded-zone": "综合保税区",
    "border-zone": "边境（跨境）经济合作区",
}


@dataclass(frozen=True)
class Park:
    """A development zone or park, where it is, what it leads in and its factor conditions."""

    id: str
    name: str
    level: str
    region: str
    region_name: str
    prefecture: str
    leading_industries: tuple[str, ...]
    leading_nodes: tuple[str, ...]
    land_available_mu: float | None
    power_price_cny_kwh: float | None
    energy_quota_tce: float | None
    source: str
    confidence: str

    @property
    def level_name(self) -> str:
        return PARK_LEVEL_ZH.get(self.level, self.level)


@dataclass(frozen=True)
class OvercapacityNotice:
    """A national notice that restrains new capacity on a link."""

    notice: str
    issuer: str
    date: str
    summary: str
    source: str


@dataclass(frozen=True)
class PrefectureUnits:
    """Who leads promotion in a prefecture: its investment-promotion bureau and industry leads."""

    promotion: str | None
    industry_leads: dict[str, str]

    def lead_for(self, industry: str) -> str | None:
        return self.industry_leads.get(industry)


def prefecture_of(view: nx.MultiDiGraph, region: str) -> str:
    """The prefecture a county belongs to (a prefecture is its own); '' outside Yunnan's tree.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("530300", level="prefecture"); g.add_node("530303", level="county")
    >>> _ = g.add_edge("530303", "530300", type="PART_OF")
    >>> prefecture_of(g, "530303")
    '530300'
    """
    current, seen = region, set()
    while current and current not in seen:
        seen.add(current)
        if view.nodes.get(current, {}).get("level") == "prefecture":
            return current
        parents = [t for _, t, d in view.out_edges(current, data=True) if d.get("type") == "PART_OF"]
        current = parents[0] if parents else ""
    return ""


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def parks(view: nx.MultiDiGraph, prefecture: str | None = None) -> tuple[Park, ...]:
    """Every park in the view (in `prefecture` when given), by region then id."""
    inside = region_descendants(view, prefecture) if prefecture else None
    found = []
    for park, data in view.nodes(data=True):
        if data.get("label") != "Park":
            continue
        located = [t for _, t, d in view.out_edges(park, data=True) if d.get("type") == "LOCATED_IN"]
        region = located[0] if located else ""
        if inside is not None and region not in inside:
            continue
        found.append(
            Park(
                id=park,
                name=str(data.get("name", park)),
                level=str(data.get("level", "")),
                region=region,
                region_name=name_of(view, region) if region else "",
                prefecture=prefecture_of(view, region),
                leading_industries=tuple(data.get("leading_industries") or ()),
                leading_nodes=tuple(data.get("leading_nodes") or ()),
                land_available_mu=_number(data.get("land_available_mu")),
                power_price_cny_kwh=_number(data.get("power_price_cny_kwh")),
                energy_quota_tce=_number(data.get("energy_quota_tce")),
                source=str(data.get("source", "")),
                confidence=str(data.get("confidence", "")),
            )
        )
    return tuple(sorted(found, key=lambda p: (p.region, p.id)))


def landing_parks(
    candidates: tuple[Park, ...], industry: str, node: str, *, limit: int = 3
) -> tuple[Park, ...]:
    """The parks to land a project on `node` in: those that name the link among their leading
    links first, then those that name the industry, at most `limit`.

    >>> p = Park("p", "园", "provincial", "530300", "曲靖市", "530300", ("demo",), ("b",), None, None, None, "", "")
    >>> q = Park("q", "区", "provincial", "530100", "昆明市", "530100", ("demo",), (), None, None, None, "", "")
    >>> [x.id for x in landing_parks((q, p), "demo", "b")]
    ['p', 'q']
    """
    on_link = [p for p in candidates if node in p.leading_nodes]
    in_industry = [p for p in candidates if node not in p.leading_nodes and industry in p.leading_industries]
    return tuple((on_link + in_industry)[:limit])


def overcapacity(view: nx.MultiDiGraph, node: str) -> tuple[OvercapacityNotice, ...]:
    """The national overcapacity notices on a link, newest first."""
    data = view.nodes[node]
    columns = [
        list(data.get(key) or ())
        for key in (
            "overcapacity_notices",
            "overcapacity_issuers",
            "overcapacity_dates",
            "overcapacity_summaries",
            "overcapacity_sources",
        )
    ]
    notices = [OvercapacityNotice(*(str(v) for v in row)) for row in zip(*columns, strict=False)]
    return tuple(sorted(notices, key=lambda n: n.date, reverse=True))


def prefecture_units(view: nx.MultiDiGraph, prefecture: str) -> PrefectureUnits:
    """The prefecture's investment-promotion bureau and its industry lead units (None: not in the data)."""
    data = view.nodes[prefecture]
    promotion = None
    leads: dict[str, str] = {}
    for unit, role, industry in zip(
        data.get("unit_names") or (),
        data.get("unit_roles") or (),
        data.get("unit_industries") or (),
        strict=False,
    ):
        if role == "investment-promotion" and promotion is None:
            promotion = str(unit)
        elif role == "industry-lead" and industry:
            leads.setdefault(str(industry), str(unit))
    return PrefectureUnits(promotion, leads)

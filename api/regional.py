"""Views that are truly local (measure 4): each prefecture's dashboard (its own units, parks,
figures and counties) and the 12 industries x 16 prefectures matrix the map of Yunnan colours.

Use cases like `api.services`, kept apart so the pages of issue 18 add to it without touching
the shared module.
"""

from __future__ import annotations

from typing import Any

from analysis.gaps import ChainGaps, chain_gaps
from analysis.localities import PARK_LEVEL_ZH, parks, prefecture_of, prefecture_units
from analysis.regions import region_descendants
from api.services import industries_in_order, prefectures
from graph.reads import region_view
from graph.store import GraphStore
from graph.view import build_view

# The measures the matrix and the map show, in order: (key, Chinese label, unit).
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("completeness", "产业链完整度", "/100"),
    ("gaps", "薄弱与缺失环节", "个"),
    ("firms", "在地企业", "家"),
    ("projects", "项目库项目", "个"),
    ("parks", "主导该产业的园区", "个"),
)


def prefecture_list(store: GraphStore) -> list[dict[str, Any]]:
    """Yunnan's 16 prefecture-level divisions, by code."""
    return [p for p in prefectures(store) if p.get("level") == "prefecture"]


def _projects_by_place(store: GraphStore) -> dict[tuple[str, str], int]:
    """(industry, prefecture) -> the number of projects in the project library there."""
    located = {e.source: e.target for e in store.find_edges(type="LOCATED_IN")}
    region_of: dict[str, str] = {}
    counts: dict[tuple[str, str], int] = {}
    regions = region_view(store)
    for edge in store.find_edges(type="IN_INDUSTRY"):
        region = located.get(edge.source, "")
        if region not in region_of:
            region_of[region] = prefecture_of(regions, region) if region in regions else ""
        key = (edge.target, region_of[region])
        counts[key] = counts.get(key, 0) + 1
    return counts


def _cell(gaps: ChainGaps, projects: int, park_count: int) -> dict[str, Any]:
    firms = {f.id for node in gaps.nodes for f in node.local_firms}
    return {
        "completeness": gaps.completeness,
        "gaps": sum(1 for n in gaps.nodes if n.is_gap),
        "firms": len(firms),
        "projects": projects,
        "parks": park_count,
    }


def prefecture_matrix(store: GraphStore) -> dict[str, Any]:
    """Every industry in every prefecture: completeness, gap links, local firms, projects in the
    library and the parks that name the industry among their leading ones."""
    places = prefecture_list(store)
    projects = _projects_by_place(store)
    rows = []
    for industry in industries_in_order(store):
        view = store.graph(industry.id)
        all_parks = _with_parks(store, view)
        cells = {}
        for place in places:
            gaps = chain_gaps(view, industry.id, prefecture=place["id"])
            leading = [
                p for p in all_parks if p.prefecture == place["id"] and industry.id in p.leading_industries
            ]
            cells[place["id"]] = _cell(gaps, projects.get((industry.id, place["id"]), 0), len(leading))
        rows.append(
            {
                "id": industry.id,
                "name": industry.name,
                "name_en": industry.props.get("name_en"),
                "cells": cells,
            }
        )
    return {
        "measures": [{"key": k, "name": n, "unit": u} for k, n, u in MEASURES],
        "prefectures": places,
        "industries": rows,
    }


def _with_parks(store: GraphStore, view: Any) -> tuple[Any, ...]:
    import networkx as nx

    found = store.find_nodes("Park")
    edges = [e for park in found for e in store.find_edges(source=park.id, type="LOCATED_IN")]
    return parks(nx.compose(view, build_view(found, edges)))


def local_lead(store: GraphStore, region: str, industry: str) -> dict[str, str | None]:
    """Who leads `industry` in the prefecture of `region` (a prefecture or one of its counties):
    its industry lead unit, else its investment-promotion bureau (None: not in the data)."""
    regions = region_view(store)
    prefecture = prefecture_of(regions, region) if region in regions else ""
    if not prefecture:
        return {"prefecture": None, "lead_unit": None, "promotion_unit": None}
    units = prefecture_units(regions, prefecture)
    return {
        "prefecture": prefecture,
        "lead_unit": units.lead_for(industry) or units.promotion,
        "promotion_unit": units.promotion,
    }


def prefecture_dashboard(store: GraphStore, prefecture: str) -> dict[str, Any]:
    """One prefecture's own view: its units, its parks with their factor conditions, each
    industry's figures there with the unit that leads it, and its counties' firms and parks."""
    regions = region_view(store)
    units = prefecture_units(regions, prefecture)
    counties = sorted(r for r in region_descendants(regions, prefecture) if r != prefecture)
    projects = _projects_by_place(store)
    industries = []
    local_parks: tuple[Any, ...] = ()
    county_firms: dict[str, set[str]] = {c: set() for c in counties}
    for industry in industries_in_order(store):
        view = store.graph(industry.id)
        local_parks = local_parks or tuple(p for p in _with_parks(store, view) if p.prefecture == prefecture)
        gaps = chain_gaps(view, industry.id, prefecture=prefecture)
        leading = [p for p in local_parks if industry.id in p.leading_industries]
        for node in gaps.nodes:
            for firm in node.local_firms:
                for _, site, data in view.out_edges(firm.id, data=True):
                    if data.get("type") == "HAS_SITE" and site in county_firms:
                        county_firms[site].add(firm.id)
        industries.append(
            {
                "id": industry.id,
                "name": industry.name,
                "lead_unit": units.lead_for(industry.id) or units.promotion or "待补充",
                "lead_is_own": units.lead_for(industry.id) is not None,
                "park_names": [p.name for p in leading],
                **_cell(gaps, projects.get((industry.id, prefecture), 0), len(leading)),
            }
        )
    return {
        "id": prefecture,
        "name": regions.nodes[prefecture].get("name", prefecture),
        "promotion_unit": units.promotion,
        "industry_leads": [
            {"industry": i["id"], "industry_name": i["name"], "unit": i["lead_unit"]}
            for i in industries
            if i["lead_is_own"]
        ],
        "industries": industries,
        "parks": [
            {
                "id": p.id,
                "name": p.name,
                "level": PARK_LEVEL_ZH.get(p.level, p.level),
                "county": p.region_name,
                "leading_industries": [i["name"] for i in industries if i["id"] in p.leading_industries],
                "land_available_mu": p.land_available_mu,
                "power_price_cny_kwh": p.power_price_cny_kwh,
                "energy_quota_tce": p.energy_quota_tce,
                "source": p.source,
            }
            for p in local_parks
        ],
        "counties": [
            {
                "id": c,
                "name": regions.nodes[c].get("name", c),
                "firms": len(county_firms[c]),
                "parks": sum(1 for p in local_parks if p.region == c),
            }
            for c in counties
            if county_firms[c] or any(p.region == c for p in local_parks)
        ],
    }

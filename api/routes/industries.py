"""An industry's chain: overview, gaps, recommended targets, chain leaders, scenarios, the graph."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import services
from api.deps import (
    NAME_MAX,
    IndustryDep,
    PrefectureDep,
    StoreDep,
    chain_node_id,
    enterprise_id,
    prefecture_id,
)
from api.models import (
    ChainGraphPublic,
    GapsPublic,
    IndustryPublic,
    LeadersPublic,
    ScenarioCreate,
    ScenarioPublic,
    TargetListsPublic,
)

router = APIRouter(prefix="/api/industries", tags=["industries"])

TOP_MAX = 100
K_MAX = 50


@router.get(
    "",
    response_model=list[IndustryPublic],
    summary="The industries with completeness, status counts and quota",
)
def list_industries(store: StoreDep) -> list[dict[str, Any]]:
    return services.overview(store)


@router.get("/{industry}", response_model=IndustryPublic, summary="One industry (slug or name)")
def get_industry(store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep) -> dict[str, Any]:
    return services.assess(store, industry, prefecture).summary()


@router.get(
    "/{industry}/gaps", response_model=GapsPublic, summary="Strong, weak and missing links, by priority"
)
def get_gaps(store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep) -> dict[str, Any]:
    return services.assess(store, industry, prefecture).gaps_json()


@router.get(
    "/{industry}/recommendations",
    response_model=TargetListsPublic,
    summary="The two target lists for the gaps (or one node): expand (增资扩产) and new (新引进)",
)
def get_recommendations(
    store: StoreDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    node: Annotated[str | None, Query(max_length=NAME_MAX, description="one chain node, id or name")] = None,
    top: Annotated[int, Query(ge=1, le=TOP_MAX)] = 10,
) -> dict[str, list[dict[str, Any]]]:
    node_id = chain_node_id(store, node, industry) if node else None
    return services.recommendations(store, industry, node=node_id, top=top, prefecture=prefecture)


@router.get(
    "/{industry}/leaders",
    response_model=LeadersPublic,
    summary="The best set of k chain leaders (greedy cover) and headquarters targets",
)
def get_leaders(
    store: StoreDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    k: Annotated[int, Query(ge=1, le=K_MAX)] = 5,
) -> dict[str, Any]:
    return services.leaders(store, industry, k=k, prefecture=prefecture)


@router.post(
    "/{industry}/scenario",
    response_model=ScenarioPublic,
    summary="What if these enterprises land in a prefecture: statuses and completeness before and after",
)
def post_scenario(store: StoreDep, industry: IndustryDep, body: ScenarioCreate) -> dict[str, Any]:
    firms = [enterprise_id(store, text) for text in body.enterprises]
    prefecture = prefecture_id(store, body.prefecture)
    return services.what_if(store, industry, firms, prefecture)


@router.get(
    "/{industry}/graph",
    response_model=ChainGraphPublic,
    summary="The chain as nodes (status, criticality, column) and edges; enterprises on request",
)
def get_graph(
    store: StoreDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    enterprises: Annotated[
        bool, Query(description="also list the enterprises operating on the chain")
    ] = False,
) -> dict[str, Any]:
    return services.chain_graph(store, industry, prefecture=prefecture, with_enterprises=enterprises)

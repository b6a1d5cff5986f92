"""An industry's chain: overview, gaps, recommended targets, chain leaders, scenarios, the graph."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import services
from api.deps import (
    NAME_MAX,
    IndustryDep,
    PrefectureDep,
    ResultsDep,
    StoreDep,
    chain_node_id,
    enterprise_id,
    prefecture_id,
)
from api.kept import KeptResponse
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


def _json(body: bytes) -> Response:
    """A body serialised once per store version (see `Assessment.body`), the whole response kept
    for the next request of the same URL (see `api.kept`)."""
    return KeptResponse(body)


TOP_MAX = 100
K_MAX = 50


@router.get(
    "",
    response_model=list[IndustryPublic],
    summary="The industries with completeness, status counts and quota",
)
async def list_industries(store: StoreDep, results: ResultsDep) -> Response:
    return _json(
        await results.served(
            "overview_body",
            lambda: services.json_body(list[IndustryPublic], services.overview(store, results)),
        )
    )


@router.get("/{industry}", response_model=IndustryPublic, summary="One industry (slug or name)")
async def get_industry(results: ResultsDep, industry: IndustryDep, prefecture: PrefectureDep) -> Response:
    assessment = results.assessment(industry, prefecture)
    return _json(await assessment.served("summary", IndustryPublic, assessment.summary))


@router.get(
    "/{industry}/gaps", response_model=GapsPublic, summary="Strong, weak and missing links, by priority"
)
async def get_gaps(results: ResultsDep, industry: IndustryDep, prefecture: PrefectureDep) -> Response:
    assessment = results.assessment(industry, prefecture)
    return _json(await assessment.served("gaps", GapsPublic, assessment.gaps_json))


@router.get(
    "/{industry}/recommendations",
    response_model=TargetListsPublic,
    summary="The two target lists for the gaps (or one node): expand (增资扩产) and new (新引进)",
)
async def get_recommendations(
    store: StoreDep,
    results: ResultsDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    node: Annotated[str | None, Query(max_length=NAME_MAX, description="one chain node, id or name")] = None,
    top: Annotated[int, Query(ge=1, le=TOP_MAX)] = 10,
) -> Response:
    node_id = (
        await results.served(("chain_node_id", node, industry), lambda: chain_node_id(store, node, industry))
        if node
        else None
    )
    assessment = results.assessment(industry, prefecture)
    return _json(
        await assessment.served(
            ("recommendations", node_id, top),
            TargetListsPublic,
            lambda: assessment.recommendations(node=node_id, top=top),
        )
    )


@router.get(
    "/{industry}/leaders",
    response_model=LeadersPublic,
    summary="The best set of k chain leaders (greedy cover) and headquarters targets",
)
async def get_leaders(
    results: ResultsDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    k: Annotated[int, Query(ge=1, le=K_MAX)] = 5,
) -> Response:
    assessment = results.assessment(industry, prefecture)
    return _json(await assessment.served(("leaders", k), LeadersPublic, lambda: assessment.leaders(k=k)))


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
async def get_graph(
    results: ResultsDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    enterprises: Annotated[
        bool, Query(description="also list the enterprises operating on the chain")
    ] = False,
) -> Response:
    assessment = results.assessment(industry, prefecture)
    return _json(
        await assessment.served(
            ("graph", enterprises),
            ChainGraphPublic,
            lambda: assessment.chain_graph(with_enterprises=enterprises),
        )
    )

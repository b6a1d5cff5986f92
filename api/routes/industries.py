"""An industry's chain: overview, gaps, recommended targets, chain leaders, scenarios, the graph."""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Query

from analysis.gaps import ChainGaps, chain_gaps
from analysis.leaders import best_leader_set, headquarters_targets
from analysis.recommend import recommend_targets
from analysis.scenario import scenario as run_scenario
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
    RecommendationPublic,
    ScenarioCreate,
    ScenarioPublic,
)
from api.present import (
    chain_graph_json,
    gaps_json,
    industry_json,
    leaders_json,
    recommendation_json,
    scenario_json,
)
from graph.store import GraphStore, Node

router = APIRouter(prefix="/api/industries", tags=["industries"])

TOP_MAX = 100
K_MAX = 50


def assess(
    store: GraphStore, industry: str, prefecture: str | None = None
) -> tuple[nx.MultiDiGraph, ChainGaps]:
    """The industry's view and its gap assessment (for Yunnan, or one prefecture)."""
    view = store.graph(industry)
    return view, chain_gaps(view, industry, prefecture=prefecture)


def industries_in_order(store: GraphStore) -> list[Node]:
    """The industries in the order of measure 3 (their `order`), then by id."""
    return sorted(store.find_nodes("Industry"), key=lambda n: (n.props.get("order", 99), n.id))


def overview(store: GraphStore) -> list[dict[str, Any]]:
    """Every industry with completeness, status counts and quota, in the order of measure 3."""
    found = []
    for node in industries_in_order(store):
        _, gaps = assess(store, node.id)
        found.append(industry_json(node.props, gaps))
    return found


def recommendations(
    store: GraphStore, industry: str, *, node: str | None = None, top: int = 10, prefecture: str | None = None
) -> list[dict[str, Any]]:
    view, gaps = assess(store, industry, prefecture)
    recs = recommend_targets(view, industry, node=node, top=top, prefecture=prefecture, gaps=gaps)
    return [recommendation_json(r) for r in recs]


def leaders(store: GraphStore, industry: str, *, k: int = 5, prefecture: str | None = None) -> dict[str, Any]:
    view, gaps = assess(store, industry, prefecture)
    chosen = best_leader_set(view, industry, k=k, prefecture=prefecture, gaps=gaps)
    _, yunnan_gaps = (view, gaps) if prefecture is None else assess(store, industry)
    return leaders_json(chosen, headquarters_targets(view, industry, gaps=yunnan_gaps))


def what_if(store: GraphStore, industry: str, firms: list[str], prefecture: str | None) -> dict[str, Any]:
    view = store.graph(industry)
    return scenario_json(run_scenario(view, industry, firms, prefecture=prefecture))


def chain_graph(
    store: GraphStore, industry: str, *, prefecture: str | None = None, with_enterprises: bool = False
) -> dict[str, Any]:
    view, gaps = assess(store, industry, prefecture)
    return chain_graph_json(view, gaps, with_enterprises=with_enterprises)


@router.get(
    "",
    response_model=list[IndustryPublic],
    summary="The industries with completeness, status counts and quota",
)
def list_industries(store: StoreDep) -> list[dict[str, Any]]:
    return overview(store)


@router.get("/{industry}", response_model=IndustryPublic, summary="One industry (slug or name)")
def get_industry(store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep) -> dict[str, Any]:
    node = store.get_node(industry)
    _, gaps = assess(store, industry, prefecture)
    return industry_json(node.props if node else {}, gaps)


@router.get(
    "/{industry}/gaps", response_model=GapsPublic, summary="Strong, weak and missing links, by priority"
)
def get_gaps(store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep) -> dict[str, Any]:
    return gaps_json(assess(store, industry, prefecture)[1])


@router.get(
    "/{industry}/recommendations",
    response_model=list[RecommendationPublic],
    summary="Target enterprises for the gaps (or one node), each score with its parts",
)
def get_recommendations(
    store: StoreDep,
    industry: IndustryDep,
    prefecture: PrefectureDep,
    node: Annotated[str | None, Query(max_length=NAME_MAX, description="one chain node, id or name")] = None,
    top: Annotated[int, Query(ge=1, le=TOP_MAX)] = 10,
) -> list[dict[str, Any]]:
    node_id = chain_node_id(store, node, industry) if node else None
    return recommendations(store, industry, node=node_id, top=top, prefecture=prefecture)


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
    return leaders(store, industry, k=k, prefecture=prefecture)


@router.post(
    "/{industry}/scenario",
    response_model=ScenarioPublic,
    summary="What if these enterprises land in a prefecture: statuses and completeness before and after",
)
def post_scenario(store: StoreDep, industry: IndustryDep, body: ScenarioCreate) -> dict[str, Any]:
    firms = [enterprise_id(store, text) for text in body.enterprises]
    prefecture = prefecture_id(store, body.prefecture)
    return what_if(store, industry, firms, prefecture)


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
    return chain_graph(store, industry, prefecture=prefecture, with_enterprises=enterprises)

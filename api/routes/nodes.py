"""A chain node with its Yunnan firms, the firms elsewhere that work on it, and whom to pursue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from analysis.recommend import recommend_targets
from api.deps import NAME_MAX, PrefectureDep, StoreDep, chain_node_id, industry_id
from api.models import ChainNodePublic
from api.present import chain_node_json
from api.routes.industries import assess
from graph.errors import NotFoundError
from graph.store import GraphStore

router = APIRouter(prefix="/api/nodes", tags=["chain nodes"])


def node_industry(store: GraphStore, node: str, industry: str | None) -> str:
    """The industry to assess `node` in: the one asked for (it must use the node), else the first
    industry whose chain uses it."""
    found = store.get_node(node)
    uses = list((found.props.get("industries") if found else None) or [])
    if industry is not None:
        chosen = industry_id(store, industry)
        chain_node_id(store, node, chosen)  # 404 unless the industry's chain has the node
        return chosen
    if uses:
        return str(uses[0])
    for ind in store.find_nodes("Industry"):
        try:
            chain_node_id(store, node, ind.id)
            return ind.id
        except NotFoundError:
            continue
    raise NotFoundError("industry of chain node", node)


def chain_node(
    store: GraphStore, node: str, industry: str | None = None, *, prefecture: str | None = None, top: int = 10
) -> dict[str, Any]:
    chosen = node_industry(store, node, industry)
    view, gaps = assess(store, chosen, prefecture)
    recs = recommend_targets(view, chosen, node=node, top=top, prefecture=prefecture, gaps=gaps)
    return chain_node_json(view, gaps, node, recs)


@router.get("/{node}", response_model=ChainNodePublic, summary="A chain node with its firms and targets")
def get_chain_node(
    store: StoreDep,
    prefecture: PrefectureDep,
    node: Annotated[str, Path(max_length=NAME_MAX, description="chain node id or name")],
    industry: Annotated[
        str | None,
        Query(max_length=NAME_MAX, description="assess it in this industry's chain (default: the first)"),
    ] = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    return chain_node(store, chain_node_id(store, node), industry, prefecture=prefecture, top=top)

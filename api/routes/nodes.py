"""A chain node with its Yunnan firms, the firms elsewhere that work on it, and whom to pursue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api import services
from api.deps import NAME_MAX, PrefectureDep, ResultsDep, StoreDep, chain_node_id
from api.models import ChainNodePublic

router = APIRouter(prefix="/api/nodes", tags=["chain nodes"])


@router.get("/{node}", response_model=ChainNodePublic, summary="A chain node with its firms and targets")
def get_chain_node(
    store: StoreDep,
    results: ResultsDep,
    prefecture: PrefectureDep,
    node: Annotated[str, Path(max_length=NAME_MAX, description="chain node id or name")],
    industry: Annotated[
        str | None,
        Query(max_length=NAME_MAX, description="assess it in this industry's chain (default: the first)"),
    ] = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    return services.chain_node(
        store, chain_node_id(store, node), industry, prefecture=prefecture, top=top, results=results
    )

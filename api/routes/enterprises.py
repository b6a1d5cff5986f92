"""Enterprise search (name or alias, ranking list, chain node, prefecture; paginated) and profiles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api import services
from api.deps import NAME_MAX, PrefectureDep, StoreDep, enterprise_id
from api.models import EnterprisePagePublic, EnterprisePublic

router = APIRouter(prefix="/api/enterprises", tags=["enterprises"])

LIMIT_MAX = 100


@router.get("", response_model=EnterprisePagePublic, summary="Search enterprises; paginated, with the total")
def search_enterprises(
    store: StoreDep,
    prefecture: PrefectureDep,
    q: Annotated[
        str | None, Query(max_length=NAME_MAX, description="part of a name, English name, alias or id")
    ] = None,
    tier: Annotated[
        str | None,
        Query(max_length=NAME_MAX, description="a ranking list id or name (fortune-global-500, 世界500强)"),
    ] = None,
    node: Annotated[
        str | None, Query(max_length=NAME_MAX, description="a chain node the firm operates on")
    ] = None,
    industry: Annotated[
        str | None, Query(max_length=NAME_MAX, description="an industry the firm works in")
    ] = None,
    in_yunnan: Annotated[bool | None, Query(description="only firms present (or absent) in Yunnan")] = None,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    return services.search(
        store,
        q=q,
        tier=tier,
        node=node,
        prefecture=prefecture,
        industry=industry,
        in_yunnan=in_yunnan,
        limit=limit,
        offset=offset,
    )


@router.get("/{enterprise}", response_model=EnterprisePublic, summary="An enterprise's profile (id or name)")
def get_enterprise(
    store: StoreDep,
    enterprise: Annotated[str, Path(max_length=NAME_MAX, description="enterprise id, name or alias")],
) -> dict[str, Any]:
    return services.profile(store, enterprise_id(store, enterprise))

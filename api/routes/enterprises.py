"""Enterprise search (name or alias, ranking list, chain node, prefecture; paginated) and profiles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from analysis.regions import YUNNAN, enterprises_in, located_in, region_descendants
from api.deps import NAME_MAX, PrefectureDep, StoreDep, chain_node_id, enterprise_id, industry_id
from api.models import EnterprisePagePublic, EnterprisePublic
from api.present import enterprise_brief_json, enterprise_json
from graph.lookup import resolve
from graph.store import GraphStore
from graph.view import chain_node_ids

router = APIRouter(prefix="/api/enterprises", tags=["enterprises"])

LIMIT_MAX = 100


def _match_rank(data: dict[str, Any], node_id: str, wanted: str) -> int | None:
    """0 for an exact id/name/alias match, 1 for a partial one, None for no match."""
    names = [node_id, str(data.get("name") or ""), str(data.get("name_en") or "")]
    names += [str(a) for a in data.get("aliases") or []]
    folded = [n.casefold() for n in names if n]
    if wanted in folded:
        return 0
    if any(wanted in n for n in folded):
        return 1
    return None


def search(
    store: GraphStore,
    *,
    q: str | None = None,
    tier: str | None = None,
    node: str | None = None,
    prefecture: str | None = None,
    industry: str | None = None,
    in_yunnan: bool | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    """Enterprises matching every filter given, exact name matches first, then by id.

    `tier` is a ranking-list id or name, `node` a chain node, `prefecture` a region id (its
    counties included), `industry` an industry id: unknown ones raise NotFoundError.
    """
    view = store.graph()
    yunnan = enterprises_in(view, YUNNAN)
    wanted = " ".join((q or "").split()).casefold()
    tier_id = resolve("ranking list", tier, store.find_nodes("RankingList")).id if tier else None
    node_id = chain_node_id(store, node) if node else None
    in_region = located_in(view, region_descendants(view, prefecture)) if prefecture else None
    industry_nodes = chain_node_ids(view, industry_id(store, industry)) if industry else None
    hits: list[tuple[int, str]] = []
    for firm, data in view.nodes(data=True):
        if data.get("label") != "Enterprise":
            continue
        rank = _match_rank(data, firm, wanted) if wanted else 0
        if rank is None:
            continue
        if in_yunnan is not None and (firm in yunnan) != in_yunnan:
            continue
        if in_region is not None and firm not in in_region:
            continue
        out = [(t, d) for _, t, d in view.out_edges(firm, data=True)]
        if tier_id and not any(d.get("type") == "RANKED_IN" and t == tier_id for t, d in out):
            continue
        operated = {t for t, d in out if d.get("type") == "OPERATES_IN"}
        if node_id and node_id not in operated:
            continue
        if industry_nodes is not None and not operated & industry_nodes:
            continue
        hits.append((rank, firm))
    hits.sort()
    page = hits[offset : offset + limit]
    return {
        "total": len(hits),
        "limit": limit,
        "offset": offset,
        "items": [enterprise_brief_json(view, firm, yunnan) for _, firm in page],
    }


def profile(store: GraphStore, enterprise: str) -> dict[str, Any]:
    view = store.graph()
    return enterprise_json(view, enterprise, enterprises_in(view, YUNNAN))


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
    return search(
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
    return profile(store, enterprise_id(store, enterprise))

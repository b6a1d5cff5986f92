"""Yunnan's prefectures, for pickers and for clients that want the codes."""

from __future__ import annotations

from fastapi import APIRouter

from analysis.regions import YUNNAN
from api.deps import StoreDep
from api.models import RegionPublic
from graph.store import GraphStore

router = APIRouter(prefix="/api", tags=["regions"])


def prefectures(store: GraphStore) -> list[dict[str, object]]:
    """Yunnan's prefecture-level regions, by code."""
    return [
        {"id": n.id, "name": n.name, "name_en": n.props.get("name_en"), "level": n.props.get("level")}
        for n in store.find_nodes("Region")
        if n.id.startswith("53")
        and n.id != YUNNAN
        and (n.props.get("level") == "prefecture" or n.id.endswith("00"))
    ]


@router.get("/prefectures", response_model=list[RegionPublic], summary="Yunnan's prefectures")
def list_prefectures(store: StoreDep) -> list[dict[str, object]]:
    return prefectures(store)

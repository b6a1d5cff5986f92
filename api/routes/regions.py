"""Yunnan's prefectures, for pickers and for clients that want the codes."""

from __future__ import annotations

from fastapi import APIRouter

from api import services
from api.deps import StoreDep
from api.models import RegionPublic

router = APIRouter(prefix="/api", tags=["regions"])


@router.get("/prefectures", response_model=list[RegionPublic], summary="Yunnan's prefectures")
def list_prefectures(store: StoreDep) -> list[dict[str, object]]:
    return services.prefectures(store)

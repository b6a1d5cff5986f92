"""Liveness: the app is up and its store answers."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StoreDep
from api.models import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=HealthPublic, summary="The app is up and its store answers")
@router.get("/health", response_model=HealthPublic, include_in_schema=False)
def health(store: StoreDep) -> dict[str, object]:
    return {"status": "ok", "backend": store.backend, "industries": len(store.find_nodes("Industry"))}

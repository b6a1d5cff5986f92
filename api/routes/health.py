"""Liveness: the app is up and its store answers."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ResultsDep, StoreDep
from api.models import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=HealthPublic, summary="The app is up and its store answers")
@router.get("/health", response_model=HealthPublic, include_in_schema=False)
async def health(store: StoreDep, results: ResultsDep) -> dict[str, object]:
    """Every call reads the store's version (`ResultCache`); the industries are counted once a
    version, in a worker thread."""
    count = await results.served("industry_count", lambda: len(store.find_nodes("Industry")))
    return {"status": "ok", "backend": store.backend, "industries": count}

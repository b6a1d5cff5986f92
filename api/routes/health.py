"""Liveness: the app is up and its store answers."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.models import HealthPublic
from api.services import ResultCache

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=HealthPublic, summary="The app is up and its store answers")
@router.get("/health", response_model=HealthPublic, include_in_schema=False)
async def health(request: Request) -> Response:
    """Every call reads the store's version (`ResultCache`); the answer is made once a version,
    in a worker thread. No dependencies: the cheapest route of the app, the benchmarks' baseline."""
    results: ResultCache = request.app.state.results
    store = results.store

    def answer() -> bytes:
        body = {"status": "ok", "backend": store.backend, "industries": len(store.find_nodes("Industry"))}
        return json.dumps(HealthPublic.model_validate(body).model_dump(mode="json")).encode()

    return Response(await results.served("health", answer), media_type="application/json")

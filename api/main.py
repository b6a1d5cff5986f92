"""The web app: the JSON API under /api and the planner's pages, on one store opened at start-up.

`create_app()` builds it; `chainkg serve` runs it with uvicorn. Every error, from any route,
goes through `error_response`: one body shape (`ErrorPublic`), as JSON for the API and as a page
for a browser.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api import chainmap
from api.auth import check_secret
from api.guard import RequestGuard
from api.kept import KeptResponses
from api.models import ErrorPublic
from api.routes import downloads, enterprises, health, industries, nodes, pages, regions
from api.services import ResultCache
from api.web import CrossSiteForms, error_page
from graph.errors import (
    ChainKGError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    StoreError,
    ValidationError,
)
from graph.settings import Settings, open_store

log = logging.getLogger("chainkg.api")

STATIC_DIR = Path(__file__).with_name("static")

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic, "description": "an unknown id or name; `suggestions` lists close matches"},
    422: {"model": ErrorPublic, "description": "a malformed parameter; `problems` says which and why"},
}


def error_body(exc: Exception) -> ErrorPublic:
    """The status and body for any exception: the single mapping from errors to HTTP."""
    if isinstance(exc, NotFoundError):
        return ErrorPublic(
            status=404,
            code="not_found",
            message=str(exc),
            kind=exc.kind,
            key=exc.key,
            suggestions=exc.suggestions,
        )
    if isinstance(exc, RequestValidationError):
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()
        ]
        return ErrorPublic(
            status=422,
            code="invalid_request",
            message="malformed request: " + "; ".join(problems),
            problems=problems,
        )
    if isinstance(exc, ValidationError):
        return ErrorPublic(status=422, code="invalid", message=str(exc), problems=exc.problems)
    if isinstance(exc, PermissionDenied):
        return ErrorPublic(status=403, code="forbidden", message=str(exc))
    if isinstance(exc, ConflictError):
        return ErrorPublic(status=409, code="conflict", message=str(exc))
    if isinstance(exc, StoreError):
        return ErrorPublic(status=503, code="store_unavailable", message=str(exc))
    if isinstance(exc, ChainKGError):
        return ErrorPublic(status=400, code="bad_request", message=str(exc))
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        # Starlette's own parse failures (a body that is not UTF-8 JSON, a broken form): malformed input
        problem = f"body: {exc.detail}"
        return ErrorPublic(
            status=422, code="invalid_request", message=f"malformed request: {problem}", problems=[problem]
        )
    if isinstance(exc, StarletteHTTPException):
        message = {404: "no such page or route", 405: "method not allowed"}.get(
            exc.status_code, str(exc.detail)
        )
        return ErrorPublic(status=exc.status_code, code="http_error", message=message)
    return ErrorPublic(status=500, code="internal", message="internal error; it has been logged")


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/health", "/openapi", "/docs")):
        return True
    return "text/html" not in request.headers.get("accept", "") and request.method != "GET"


async def error_response(request: Request, exc: Exception) -> Response:
    body = error_body(exc)
    if body.status >= 500:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    headers = getattr(exc, "headers", None) if isinstance(exc, StarletteHTTPException) else None
    if wants_json(request):
        return JSONResponse(body.model_dump(), status_code=body.status, headers=headers)
    return error_page(request, body)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; its lifespan opens the store `settings` select (the environment's by default)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = open_store(settings)
        app.state.results = ResultCache(app.state.store, settle_gc=True)
        try:
            yield
        finally:
            await app.state.results.aclose()
            app.state.store.close()

    app = FastAPI(
        title="chainkg",
        summary="云南12个重点产业链知识图谱 · Yunnan's 12 key industry chains for 招大引强 planning",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        # FastAPI's /docs and /redoc load their scripts from a CDN: off, since the app must work on
        # an intranet with no Internet. The schema itself is at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    settings = settings or Settings()
    check_secret(settings.secret)  # a weak CHAINKG_SECRET stops `chainkg serve` before it listens
    app.add_middleware(  # innermost: after the checks
        KeptResponses, results_of=lambda: app.state.results, answer=error_response
    )
    app.add_middleware(
        CrossSiteForms, answer=error_response
    )  # page forms, /login among them, from this site only
    app.add_middleware(RequestGuard, limit=settings.max_body_bytes, store_of=lambda: app.state.store)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.host_list())
    for exc_type in (ChainKGError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_type, error_response)
    app.mount("/static/vendor/vis-network", StaticFiles(directory=chainmap.VIS_DIR), name="vis-network")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (health.router, industries.router, enterprises.router, nodes.router, regions.router):
        app.include_router(router)
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(downloads.router, include_in_schema=False)  # files, rendered on demand
    from api.routes import projects, targets, tracking  # the project and target libraries (issues 8, 17)

    app.include_router(projects.router)
    app.include_router(targets.router)
    app.include_router(tracking.router)
    return app

"""Quota progress, chain-leader/HQ counts, monthly and quarterly progress and the prefecture
bulletin (measures 1, 2, 6, 9, 10): JSON, a page, and Excel/Word downloads. Only approved
projects count, so every signed-in user may read these aggregates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import auth
from api.auth import UserDep
from api.deps import StoreDep
from api.files import DOCX, XLSX
from api.i18n import labels
from api.reports import TrackingReport, report_json, tracking_docx, tracking_report, tracking_xlsx
from api.web import AUTH_RESPONSES, login_redirect, page_context, page_lang, render
from graph.reads import records_view
from graph.store import GraphStore
from workflow.clock import today_in_china

router = APIRouter(tags=["tracking"], responses={401: AUTH_RESPONSES[401]})

Year = Annotated[int | None, Query(ge=2000, le=2100, description="the year (default: this year)")]


def report_for(store: GraphStore, year: int | None) -> TrackingReport:
    """This year's report counts to today and compares with the same day a year earlier; a past
    year's counts the whole year."""
    today = today_in_china()
    year = year or today.year
    return tracking_report(records_view(store), year, today if year == today.year else None)


@router.get(
    "/api/tracking", summary="Quotas, leader/HQ counts, progress by month and quarter, prefecture bulletin"
)
def api_tracking(store: StoreDep, user: UserDep, year: Year = None) -> dict[str, Any]:
    return report_json(report_for(store, year))


@router.get("/tracking", response_class=HTMLResponse, include_in_schema=False)
def tracking_page(request: Request, store: StoreDep, year: Year = None) -> Response:
    user = auth.session_user(request, store)
    if user is None:
        return login_redirect(request)
    report = report_for(store, year)
    names = {n.id: n.name for n in store.find_nodes("Project")}
    this_year = today_in_china().year
    return render(
        request,
        "tracking.html",
        report=report,
        project_names=names,
        years=list(range(this_year, this_year - 6, -1)),
        **page_context(request, user),
    )


@router.get("/tracking/report.{fmt}", include_in_schema=False)
def tracking_download(request: Request, store: StoreDep, fmt: str, year: Year = None) -> Response:
    user = auth.session_user(request, store)
    if user is None:
        return login_redirect(request)
    report = report_for(store, year)
    if fmt == "xlsx":
        body, media = tracking_xlsx(report), XLSX
    elif fmt == "docx":
        body, media = tracking_docx(report), DOCX
    else:
        return render(
            request, "error.html", status_code=404, error=_not_found(fmt), L=labels(page_lang(request))
        )
    name = f"chainkg-tracking-{report.year}.{fmt}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _not_found(fmt: str) -> Any:
    from api.models import ErrorPublic

    return ErrorPublic(status=404, code="not_found", message=f"no such format {fmt[:10]!r}: use xlsx or docx")

"""Downloads of an industry's drafted plan (Word, Markdown, HTML) and target list (Excel)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Response

from api.deps import IndustryDep, PrefectureDep, StoreDep
from api.render import PLAN_FORMATS, render_plan

router = APIRouter(tags=["downloads"])


def _attachment(data: bytes, fmt: str, filename: str) -> Response:
    # RFC 5987: browsers show the Chinese file name; ASCII fallback for old clients
    disposition = f"attachment; filename=plan.{fmt}; filename*=UTF-8''{quote(filename)}"
    return Response(content=data, media_type=PLAN_FORMATS[fmt], headers={"Content-Disposition": disposition})


@router.get("/industries/{industry}/plan.{fmt}")
def plan_download(
    store: StoreDep,
    industry: IndustryDep,
    fmt: Literal["docx", "md", "html"],
    prefecture: PrefectureDep = None,
) -> Response:
    """The industry's 1+1+1+1 plan draft, optionally for one prefecture."""
    view = store.graph()
    name = str(view.nodes[industry].get("name", industry))
    scope = str(view.nodes[prefecture].get("name", prefecture)) if prefecture else "云南省"
    return _attachment(
        render_plan(view, industry, fmt, prefecture=prefecture), fmt, f"{scope}{name}招商方案草案.{fmt}"
    )


@router.get("/industries/{industry}/targets.xlsx")
def targets_download(store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep = None) -> Response:
    """The industry's target-enterprise list with reasons, and its leader set, for Excel."""
    view = store.graph()
    name = str(view.nodes[industry].get("name", industry))
    return _attachment(
        render_plan(view, industry, "xlsx", prefecture=prefecture), "xlsx", f"{name}目标企业清单.xlsx"
    )

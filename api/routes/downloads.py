"""Downloads of an industry's drafted plan (Word, PDF, Markdown, HTML) and target list (Excel)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from api import services
from api.deps import IndustryDep, PrefectureDep, StoreDep
from api.files import attachment
from api.render import PLAN_FORMATS

router = APIRouter(tags=["downloads"])


def _attachment(data: bytes, fmt: str, filename: str) -> Response:
    return attachment(data, PLAN_FORMATS[fmt], filename, f"plan.{fmt}")


@router.get("/industries/{industry}/plan.{fmt}")
def plan_download(
    store: StoreDep,
    industry: IndustryDep,
    fmt: Literal["docx", "pdf", "md", "html"],
    prefecture: PrefectureDep = None,
) -> Response:
    """The industry's 1+1+1+1 plan draft, optionally for one prefecture."""
    assessment = services.assess(store, industry, prefecture)
    name = str(assessment.view.nodes[industry].get("name", industry))
    scope = str(assessment.view.nodes[prefecture].get("name", prefecture)) if prefecture else "云南省"
    return _attachment(assessment.plan_document(fmt), fmt, f"{scope}{name}招商方案草案.{fmt}")


@router.get("/industries/{industry}/targets.xlsx")
def targets_download(store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep = None) -> Response:
    """The industry's target-enterprise list with reasons, and its leader set, for Excel."""
    assessment = services.assess(store, industry, prefecture)
    name = str(assessment.view.nodes[industry].get("name", industry))
    return _attachment(assessment.plan_document("xlsx"), "xlsx", f"{name}目标企业清单.xlsx")

"""The target-enterprise library over HTTP: the JSON API (bearer token) and the pages (session
cookie, CSRF on every form). Thin handlers: who asks, then `workflow.targets`, whose rules decide;
a refused role or region is 403 with nothing written, a bad field 422 naming it, a repeat 409."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import auth
from api.auth import UserDep
from api.deps import NAME_MAX, StoreDep, industry_id
from api.files import UPLOAD_MAX_BYTES, XLSX, as_uploaded, attachment, read_upload, spooled
from api.web import AUTH_RESPONSES, check_csrf, login_redirect, page_context, page_user, render
from graph.errors import ValidationError
from graph.store import GraphStore, Node
from ingest.sources import target_list
from workflow import model, permissions, projects, targets, users
from workflow.model import Actor

router = APIRouter(tags=["targets"], lifespan=auth.auth_lifespan, responses=AUTH_RESPONSES)

TargetId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:\-]{1,80}$", description="target id (tgt-...)")]
Short = Annotated[str | None, Field(None, max_length=500)]


class TargetCreate(BaseModel):
    """A firm to pursue: from a recommendation row, a search or a list."""

    model_config = ConfigDict(extra="forbid")

    enterprise: str = Field(max_length=NAME_MAX, description="企业: enterprise id or name")
    industry: str = Field(max_length=NAME_MAX, description="所属产业: slug or Chinese name")
    node: str | None = Field(None, max_length=NAME_MAX, description="产业链环节: id or name")
    reason: str | None = Field(None, max_length=2000, description="列入理由")
    source: str | None = Field(None, pattern="^(recommendation|search|excel)$")
    region: str | None = Field(None, pattern=r"^\d{6}$", description="负责地区 (province users only)")
    bureau: Short = None
    assignee: Short = None


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=20, description="contact (联络) | visit (来访拜访) | trip (外出招商)")
    date: str = Field(max_length=30, description="YYYY-MM-DD")
    people: Short = None
    met: Short = None
    place: Short = None
    outcome: Short = None
    next_step: Short = None


class StageMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str = Field(max_length=30, description="identified | contacted | visited | negotiating")
    reason: str | None = Field(None, max_length=2000)


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bureau: Short = None
    assignee: Short = None


class Conversion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    county: str = Field(max_length=NAME_MAX, description="所在县（市、区）, code or name")
    investment_yi: float = Field(description="总投资（亿元）, an estimate the county completes")
    name: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=2000)


def _conflicts(found: list[targets.Conflict]) -> list[dict[str, Any]]:
    return [
        {
            "target": c.target,
            "region": c.region,
            "region_name": c.region_name,
            "name": c.name,
            "same": c.same,
            "message": c.message,
        }
        for c in found
    ]


def _detail(store: GraphStore, target: targets.Target) -> dict[str, Any]:
    return {
        **targets.target_json(store, target),
        "conflicts": _conflicts(targets.conflicts_of(store, target.props)),
        "activity_log": [targets.activity_json(a) for a in targets.activities_of(store, target.id)],
    }


# -- JSON API ---------------------------------------------------------------------------------


@router.get("/api/targets", summary="Targets you may read (province: all; prefecture: its own)")
def api_list_targets(
    store: StoreDep,
    user: UserDep,
    stage: Annotated[
        str | None, Query(pattern="^(identified|contacted|visited|negotiating|project_declared)$")
    ] = None,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> list[dict[str, Any]]:
    industry = industry_id(store, industry) if industry else None
    found = targets.list_targets(store, users.actor_of(user), stage=stage, industry=industry, region=region)
    return [targets.target_json(store, t) for t in found]


@router.post("/api/targets", status_code=201, summary="Add a target (province and prefecture users)")
def api_add_target(store: StoreDep, user: UserDep, body: TargetCreate) -> dict[str, Any]:
    target, conflicts = targets.add_target(store, users.actor_of(user), body.model_dump(exclude_unset=True))
    return {"target": targets.target_json(store, target), "conflicts": _conflicts(conflicts)}


@router.get("/api/targets/{target_id}", summary="A target with its activities and conflicts")
def api_get_target(store: StoreDep, user: UserDep, target_id: TargetId) -> dict[str, Any]:
    return _detail(store, targets.readable_target(store, users.actor_of(user), target_id))


@router.post(
    "/api/targets/{target_id}/activities", status_code=201, summary="Record a contact, visit or trip"
)
def api_record_activity(
    store: StoreDep, user: UserDep, target_id: TargetId, body: ActivityCreate
) -> dict[str, Any]:
    target, activity = targets.record_activity(
        store, users.actor_of(user), target_id, body.model_dump(exclude_unset=True)
    )
    return {"target": targets.target_json(store, target), "activity": targets.activity_json(activity)}


@router.post("/api/targets/{target_id}/stage", summary="Move a target to another stage")
def api_move_stage(store: StoreDep, user: UserDep, target_id: TargetId, body: StageMove) -> dict[str, Any]:
    target = targets.move_stage(store, users.actor_of(user), target_id, body.stage, reason=body.reason or "")
    return targets.target_json(store, target)


@router.post("/api/targets/{target_id}/assign", summary="Give a target a bureau and a person")
def api_assign(store: StoreDep, user: UserDep, target_id: TargetId, body: Assignment) -> dict[str, Any]:
    target = targets.assign(
        store, users.actor_of(user), target_id, bureau=body.bureau, assignee=body.assignee
    )
    return targets.target_json(store, target)


@router.post(
    "/api/targets/{target_id}/convert", status_code=201, summary="Turn a target into a declared project"
)
def api_convert(store: StoreDep, user: UserDep, target_id: TargetId, body: Conversion) -> dict[str, Any]:
    target, project = targets.convert_to_project(
        store, users.actor_of(user), target_id, body.model_dump(exclude_unset=True)
    )
    return {"target": targets.target_json(store, target), "project": projects.project_json(project)}


@router.get("/api/targets/{target_id}/audit", summary="The target's audit trail")
def api_target_audit(store: StoreDep, user: UserDep, target_id: TargetId) -> list[dict[str, Any]]:
    targets.readable_target(store, users.actor_of(user), target_id)
    return targets.target_audit_json(store, targets.target_trail(store, target_id))


# -- pages ------------------------------------------------------------------------------------


def _page_actor(request: Request, store: GraphStore) -> tuple[Node, Actor] | None:
    user = page_user(request, store)
    if user is None:
        return None
    actor = users.actor_of(user)
    if actor.role not in ("province", "prefecture"):
        raise HTTPException(403, "县（市、区）用户不能使用目标企业库，请由州（市）或省级用户操作")
    return user, actor


def _target_context() -> dict[str, Any]:
    return {
        "TARGET_STAGE_ZH": targets.TARGET_STAGE_ZH,
        "TARGET_FIELD_ZH": targets.TARGET_FIELD_ZH,
        "ACTIVITY_ZH": targets.ACTIVITY_ZH,
        "ACTIVITY_FIELD_ZH": targets.ACTIVITY_FIELD_ZH,
        "TARGET_ACTION_ZH": targets.TARGET_ACTION_ZH,
        "SOURCE_ZH": targets.SOURCE_ZH,
    }


def _list_page(
    request: Request,
    store: GraphStore,
    user: Node,
    actor: Actor,
    *,
    values: Mapping[str, Any],
    problems: list[str],
    status_code: int = 200,
    stage: str = "",
    report: Mapping[str, Any] | None = None,
) -> Response:
    found = targets.list_targets(store, actor, stage=stage or None)
    return render(
        request,
        "targets.html",
        status_code=status_code,
        targets=[targets.target_json(store, t) for t in found],
        industries=[{"id": n.id, "name": n.name} for n in store.find_nodes("Industry")],
        values=values,
        problems=problems,
        stage=stage,
        report=report,
        upload_max_kb=UPLOAD_MAX_BYTES // 1024,
        list_headers=target_list.HEADERS,
        **_target_context(),
        **page_context(request, user),
    )


@router.get("/targets", response_class=HTMLResponse, include_in_schema=False)
def targets_page(
    request: Request,
    store: StoreDep,
    stage: Annotated[
        str | None, Query(pattern="^(|identified|contacted|visited|negotiating|project_declared)$")
    ] = None,
) -> Response:
    found = _page_actor(request, store)
    if found is None:
        return login_redirect(request)
    return _list_page(request, store, *found, values={}, problems=[], stage=stage or "")


@router.get("/targets/new", response_class=HTMLResponse, include_in_schema=False)
def new_target_page(
    request: Request,
    store: StoreDep,
    enterprise: Annotated[str, Query(max_length=NAME_MAX)] = "",
    industry: Annotated[str, Query(max_length=NAME_MAX)] = "",
    node: Annotated[str, Query(max_length=NAME_MAX)] = "",
    reason: Annotated[str, Query(max_length=2000)] = "",
    source: Annotated[str, Query(max_length=20)] = "recommendation",
) -> Response:
    """The add form, filled in from a recommendation row (the industry page links here) or from a
    firm found by search (the enterprise page links here with source=search)."""
    found = _page_actor(request, store)
    if found is None:
        return login_redirect(request)
    values = {
        "enterprise": enterprise,
        "industry": industry,
        "node": node,
        "reason": reason,
        "source": source if source in targets.SOURCES else "recommendation",
    }
    return _list_page(request, store, *found, values=values, problems=[])


FORM_KEYS = ("enterprise", "industry", "node", "reason", "source", "bureau", "assignee")


@router.post("/targets/new", response_class=HTMLResponse, include_in_schema=False)
async def new_target_submit(request: Request, store: StoreDep) -> Response:
    found = _page_actor(request, store)
    if found is None:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    data = {k: str(form[k])[:2000] for k in FORM_KEYS if k in form}
    try:
        target, _ = await run_in_threadpool(targets.add_target, store, found[1], data)
    except ValidationError as exc:
        return _list_page(request, store, *found, values=data, problems=exc.problems, status_code=422)
    return RedirectResponse(f"/targets/{target.id}", status_code=303)


def import_list(
    store: GraphStore, actor: Actor, name: str, data: bytes, region: str | None = None
) -> dict[str, Any]:
    """Check the whole list, then add its firms in one transaction, or nothing when any row is
    bad; the report names each bad row by line and column, and each row's conflicts (the other
    prefectures pursuing the same firm or group)."""
    with spooled(name, data) as path:
        try:
            rows = target_list.read_list(path)
            outcomes = targets.add_target_list(
                store, actor, rows, file=name, columns=target_list.HEADERS, region=region
            )
        except ValidationError as exc:
            return {"ok": False, "file": name, "problems": as_uploaded(exc.problems, path), "rows": []}
    return {
        "ok": True,
        "file": name,
        "problems": [],
        "rows_read": len(rows),
        "added": sum(1 for o in outcomes if o.added),
        "existing": sum(1 for o in outcomes if not o.added),
        "rows": [
            {
                "line": o.line,
                "id": o.target.id,
                "name": o.target.get("name"),
                "added": o.added,
                "conflicts": [c.message for c in o.conflicts],
            }
            for o in outcomes
        ],
    }


@router.post("/targets/import", response_class=HTMLResponse, include_in_schema=False)
async def targets_import(request: Request, store: StoreDep) -> Response:
    """A prefecture (or the province) uploads a list of firms: checked whole, written in one
    transaction, or refused with nothing written and every bad row named by line and column."""
    found = _page_actor(request, store)
    if found is None:
        return login_redirect(request)
    async with request.form() as form:  # closes the uploaded file's spool, whatever happens
        check_csrf(request, form)
        region = str(form.get("region") or "")[:20] or None
        try:
            name, data = await read_upload(form, (".xlsx", ".csv"))
        except ValidationError as exc:
            report: dict[str, Any] = {"ok": False, "file": "", "problems": exc.problems, "rows": []}
        else:
            report = await run_in_threadpool(import_list, store, found[1], name, data, region)
    return _list_page(
        request,
        store,
        *found,
        values={},
        problems=[],
        report=report,
        status_code=200 if report["ok"] else 422,
    )


@router.get("/targets/template.xlsx", include_in_schema=False)
def targets_template(request: Request, store: StoreDep) -> Response:
    """The list's Excel template (企业、产业、环节、理由、负责单位、负责人, with instructions)."""
    if _page_actor(request, store) is None:
        return login_redirect(request)
    return attachment(target_list.template(), XLSX, "目标企业名单模板.xlsx", "target_list.xlsx")


def _target_page(
    request: Request,
    store: GraphStore,
    user: Node,
    actor: Actor,
    target_id: str,
    *,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    target = targets.readable_target(store, actor, target_id)
    region = target.region
    counties = [
        {"id": c.id, "name": c.name}
        for c in permissions.yunnan_counties(store)
        if region == model.PROVINCE or permissions.region_parent(store, c.id) == region
    ]
    trail = targets.target_audit_json(store, targets.target_trail(store, target_id))
    return render(
        request,
        "target.html",
        status_code=status_code,
        target=_detail(store, target),
        trail=trail,
        counties=sorted(counties, key=lambda c: c["id"]),
        problems=problems or [],
        stages=targets.TARGET_STAGES[:-1],
        **_target_context(),
        **page_context(request, user),
    )


@router.get("/targets/{target_id}", response_class=HTMLResponse, include_in_schema=False)
def target_page(request: Request, store: StoreDep, target_id: TargetId) -> Response:
    found = _page_actor(request, store)
    if found is None:
        return login_redirect(request)
    return _target_page(request, store, *found, target_id)


@router.post("/targets/{target_id}/{step}", response_class=HTMLResponse, include_in_schema=False)
async def target_step(
    request: Request,
    store: StoreDep,
    target_id: TargetId,
    step: Annotated[str, Path(pattern="^(activity|stage|convert|assign)$")],
) -> Response:
    """The target page's forms: log an activity, move the stage, assign, convert."""
    found = _page_actor(request, store)
    if found is None:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    actor = found[1]
    fields = {k: str(v)[:2000] for k, v in form.items() if k != "csrf" and str(v).strip()}
    try:
        if step == "activity":
            await run_in_threadpool(targets.record_activity, store, actor, target_id, fields)
        elif step == "stage":
            await run_in_threadpool(
                lambda: targets.move_stage(
                    store, actor, target_id, fields.get("stage", ""), reason=fields.get("reason", "")
                )
            )
        elif step == "assign":
            await run_in_threadpool(
                lambda: targets.assign(
                    store, actor, target_id, bureau=fields.get("bureau"), assignee=fields.get("assignee")
                )
            )
        else:
            _, project = await run_in_threadpool(targets.convert_to_project, store, actor, target_id, fields)
            return RedirectResponse(f"/projects/{project.id}", status_code=303)
    except ValidationError as exc:
        return _target_page(request, store, *found, target_id, problems=exc.problems, status_code=422)
    return RedirectResponse(f"/targets/{target_id}", status_code=303)

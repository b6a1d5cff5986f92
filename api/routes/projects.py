"""The project library over HTTP: the JSON API (bearer token) and the pages (login and session
cookie). Handlers are thin: who is asking, then `workflow`, whose rules decide everything;
a refused action is 403, a missing or bad credential 401, a bad field 422 naming it, a stale
version or wrong state 409 (graph's errors become statuses in `api.main.error_body`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import auth
from api.auth import UserDep
from api.deps import NAME_MAX, StoreDep, industry_id
from api.i18n import labels
from api.web import (
    AUTH_RESPONSES,
    check_csrf,
    login_redirect,
    page_context,
    page_lang,
    page_user,
    render,
    safe_next,
)
from graph.errors import PermissionDenied, ValidationError
from graph.store import GraphStore, Node
from workflow import fields, model, permissions, projects, users

router = APIRouter(tags=["projects"], lifespan=auth.auth_lifespan, responses=AUTH_RESPONSES)

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,80}$"
Text = Annotated[str, Field(max_length=500)]


# -- models -----------------------------------------------------------------------------------


class ProjectFields(BaseModel):
    """Fields a county fills in; see `workflow.fields.FIELD_ZH` for the Chinese names."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, description="项目名称")
    county: str | None = Field(
        None,
        max_length=NAME_MAX,
        description="所在县（市、区）: code or name; a county user's own by default",
    )
    industry: str | None = Field(None, max_length=NAME_MAX, description="所属产业: slug or Chinese name")
    investor: str | None = Field(None, max_length=NAME_MAX, description="投资企业: enterprise id or name")
    investor_name: str | None = Field(None, max_length=500)
    chain_nodes: list[Annotated[str, Field(max_length=NAME_MAX)]] | None = Field(
        None, max_length=50, description="产业链环节 ids or names"
    )
    investment_yi: float | None = Field(None, description="总投资（亿元）")
    funds_in_place_yi: float | None = Field(None, description="累计到位资金（亿元）")
    stage: str | None = Field(
        None, max_length=20, description="lead | negotiating | signed | started | production"
    )
    date_lead: str | None = Field(None, max_length=30)
    date_negotiating: str | None = Field(None, max_length=30)
    date_signed: str | None = Field(None, max_length=30)
    date_started: str | None = Field(None, max_length=30)
    date_production: str | None = Field(None, max_length=30)
    chain_leader: bool | None = None
    headquarters: bool | None = None
    hq_type: str | None = Field(None, max_length=500)
    risk_collective_decision: bool | None = None
    risk_prior_assessment: bool | None = None
    risk_legality_review: bool | None = None
    risk_preferential_terms: str | None = Field(None, max_length=500)
    risk_preferential_approved_by: str | None = Field(None, max_length=500)
    notes: str | None = Field(None, max_length=2000)


class ProjectCreate(ProjectFields):
    name: str = Field(max_length=200, description="项目名称")
    industry: str = Field(max_length=NAME_MAX, description="所属产业")
    investment_yi: float = Field(description="总投资（亿元）")


class ProjectUpdate(ProjectFields):
    reason: str | None = Field(None, max_length=2000, description="why (required when the stage goes back)")
    version: int | None = Field(
        None, ge=0, description="the version you read; a newer one on the server is a 409"
    )


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(
        pattern="^(review|approve|return|resubmit)$", description="review | approve | return | resubmit"
    )
    reason: str | None = Field(None, max_length=2000, description="required for return")
    version: int | None = Field(None, ge=0)


class ProjectPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    county: str
    prefecture: str
    industry: str
    stage: str
    review_status: str
    version: int
    investment_yi: float
    major: bool
    risk_missing: list[str]


class AuditEntryPublic(BaseModel):
    id: str
    version: int
    at: str
    user: str
    role: str
    region: str
    action: str
    changes: list[dict[str, Any]]
    reason: str


class UserPublic(BaseModel):
    name: str
    role: str
    region: str
    region_name: str | None = None


# -- helpers ----------------------------------------------------------------------------------


def readable_project(store: GraphStore, actor: model.Actor, project_id: str) -> model.Project:
    project = projects.get_project(store, project_id)
    if not permissions.can_read(actor, project):
        raise PermissionDenied("无权查看其他地区未审定的项目 (another region's draft)")
    return project


def public(store: GraphStore, project: model.Project) -> dict[str, Any]:
    ids = [
        project.county,
        project.prefecture,
        str(project.get("industry") or ""),
        str(project.get("investor") or ""),
    ]
    return projects.project_json(project, projects.names_of(store, [i for i in ids if i]))


def audit_public(entries: list[model.AuditEntry]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "version": a.version,
            "at": a.at,
            "user": a.user,
            "role": a.role,
            "region": a.region,
            "action": a.action,
            "changes": [dict(c) for c in a.changes],
            "reason": a.reason,
        }
        for a in entries
    ]


ProjectId = Annotated[str, Path(pattern=ID_PATTERN, description="project id (prj-...)")]


# -- JSON API ---------------------------------------------------------------------------------


@router.get("/api/me", response_model=UserPublic, summary="Who the token belongs to")
def me(user: UserDep) -> dict[str, Any]:
    return {k: user.props.get(k) for k in ("name", "role", "region", "region_name")}


@router.get("/api/projects", response_model=list[ProjectPublic], summary="Projects you may read")
def api_list_projects(
    store: StoreDep,
    user: UserDep,
    review_status: Annotated[
        str | None, Query(pattern="^(declared|prefecture_reviewed|province_approved|returned)$")
    ] = None,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    region: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}$")] = None,
) -> list[dict[str, Any]]:
    industry = industry_id(store, industry) if industry else None  # a slug or a name; unknown: 404
    found = projects.list_projects(
        store, users.actor_of(user), review_status=review_status, industry=industry, region=region
    )
    return [public(store, p) for p in found]


@router.post(
    "/api/projects", response_model=ProjectPublic, status_code=201, summary="Declare a project (county users)"
)
def api_declare(store: StoreDep, user: UserDep, body: ProjectCreate) -> dict[str, Any]:
    project = projects.declare(store, users.actor_of(user), body.model_dump(exclude_unset=True))
    return public(store, project)


@router.get("/api/projects/{project_id}", response_model=ProjectPublic)
def api_get_project(store: StoreDep, user: UserDep, project_id: ProjectId) -> dict[str, Any]:
    return public(store, readable_project(store, users.actor_of(user), project_id))


@router.patch(
    "/api/projects/{project_id}", response_model=ProjectPublic, summary="Change a project (its county)"
)
def api_update(store: StoreDep, user: UserDep, project_id: ProjectId, body: ProjectUpdate) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    reason, version = data.pop("reason", None) or "", data.pop("version", None)
    project = projects.update(store, users.actor_of(user), project_id, data, reason=reason, version=version)
    return public(store, project)


@router.post(
    "/api/projects/{project_id}/decision",
    response_model=ProjectPublic,
    summary="review (prefecture) · approve (province) · return · resubmit (county)",
)
def api_decide(store: StoreDep, user: UserDep, project_id: ProjectId, body: DecisionCreate) -> dict[str, Any]:
    project = projects.decide(
        store, users.actor_of(user), project_id, body.decision, reason=body.reason or "", version=body.version
    )
    return public(store, project)


@router.get(
    "/api/projects/{project_id}/audit", response_model=list[AuditEntryPublic], summary="The audit trail"
)
def api_audit(store: StoreDep, user: UserDep, project_id: ProjectId) -> list[dict[str, Any]]:
    readable_project(store, users.actor_of(user), project_id)
    return audit_public(projects.audit_trail(store, project_id))


# -- pages ------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    return render(
        request,
        "login.html",
        L=labels(page_lang(request)),
        next=safe_next(next),
        failed=False,
        throttled="",
        username="",
    )


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_submit(request: Request, store: StoreDep) -> Response:
    form = await request.form()
    name, password = str(form.get("username", ""))[:60].strip(), str(form.get("password", ""))[:200]
    target = safe_next(str(form.get("next", "")))
    throttle = auth.login_throttle(request)
    client = request.client.host if request.client else "unknown"
    wait = await run_in_threadpool(throttle.begin, name, client)
    if wait:
        message = labels(page_lang(request))["login_throttled"].format(seconds=int(wait) + 1)
        refused = render(
            request,
            "login.html",
            status_code=429,
            L=labels(page_lang(request)),
            next=target,
            failed=False,
            throttled=message,
            username=name,
        )
        refused.headers["Retry-After"] = str(int(wait) + 1)
        return refused
    user = await run_in_threadpool(users.authenticate, store, name, password)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            L=labels(page_lang(request)),
            next=target,
            failed=True,
            throttled="",
            username=name,
        )
    await run_in_threadpool(throttle.succeeded, name, client)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        auth.sign_session(auth.app_secret(request), user),
        max_age=auth.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, store: StoreDep) -> Response:
    """Sign out: the form carries the CSRF token (another site cannot sign a user out), and the
    user's session counter moves on, so a copy of the cookie no longer works either."""
    response = RedirectResponse("/login", status_code=303)
    if request.cookies.get(auth.SESSION_COOKIE):
        check_csrf(request, await request.form())
        user = await run_in_threadpool(page_user, request, store)
        if user is not None:
            await run_in_threadpool(users.end_sessions, store, user)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


def _industries(store: GraphStore) -> list[dict[str, str]]:
    return [{"id": n.id, "name": n.name} for n in store.find_nodes("Industry")]


@router.get("/projects", response_class=HTMLResponse, include_in_schema=False)
def projects_page(
    request: Request,
    store: StoreDep,
    status: Annotated[
        str | None, Query(pattern="^(|declared|prefecture_reviewed|province_approved|returned)$")
    ] = None,
) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    actor = users.actor_of(user)
    found = projects.list_projects(store, actor, review_status=status or None)
    names = projects.names_of(
        store, {i for p in found for i in (p.county, p.prefecture, str(p.get("industry") or ""))}
    )
    return render(
        request,
        "projects.html",
        projects=[projects.project_json(p, names) for p in found],
        status=status or "",
        can_declare=actor.role == "county",
        **page_context(request, user),
    )


def form_version(text: str) -> int | None:
    """The version a page form carries: ASCII digits only ("²" passes `isdigit`, and Python
    refuses to parse 5,000 digits), anything else None."""
    return int(text) if re.fullmatch(r"[0-9]{1,12}", text) else None


def _form_data(form: Mapping[str, Any], *, with_bools: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in fields.INPUT_FIELDS:
        if key in fields.BOOL_FIELDS:
            if with_bools:
                data[key] = key in form
            continue
        if key in form:
            data[key] = str(form[key])[:2000]
    return data


def _new_form(
    request: Request,
    store: GraphStore,
    user: Node,
    *,
    values: Mapping[str, Any],
    problems: list[str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "project_form.html",
        status_code=status_code,
        values=values,
        problems=problems,
        industries=_industries(store),
        county_name=user.props.get("region_name"),
        **page_context(request, user),
    )


@router.get("/projects/new", response_class=HTMLResponse, include_in_schema=False)
def new_project_page(request: Request, store: StoreDep) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    if user.props.get("role") != "county":
        raise HTTPException(403, "只有县（市、区）用户可以申报项目 (only county users declare projects)")
    return _new_form(request, store, user, values={"stage": "lead"}, problems=[])


@router.post("/projects/new", response_class=HTMLResponse, include_in_schema=False)
async def new_project_submit(request: Request, store: StoreDep) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    data = _form_data(form, with_bools=True)
    data["county"] = str(user.props.get("region"))
    try:
        project = await run_in_threadpool(projects.declare, store, users.actor_of(user), data)
    except ValidationError as exc:
        return _new_form(request, store, user, values=data, problems=exc.problems, status_code=422)
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


def _project_page(
    request: Request,
    store: GraphStore,
    user: Node,
    project_id: str,
    *,
    problems: list[str] | None = None,
    status_code: int = 200,
    values: Mapping[str, Any] | None = None,
) -> Response:
    actor = users.actor_of(user)
    project = readable_project(store, actor, project_id)
    data = public(store, project)
    trail = projects.audit_trail(store, project_id)
    node_names = projects.names_of(store, data["chain_nodes"])
    region_names = projects.names_of(store, {a.region for a in trail})
    return render(
        request,
        "project.html",
        status_code=status_code,
        project=data,
        trail=audit_public(trail),
        node_names=node_names,
        region_names=region_names,
        actions=permissions.allowed_actions(actor, project),
        problems=problems or [],
        values=values or data,
        industries=_industries(store),
        **page_context(request, user),
    )


@router.get("/projects/{project_id}", response_class=HTMLResponse, include_in_schema=False)
def project_page(request: Request, store: StoreDep, project_id: ProjectId) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    return _project_page(request, store, user, project_id)


@router.post("/projects/{project_id}/edit", response_class=HTMLResponse, include_in_schema=False)
async def project_edit(request: Request, store: StoreDep, project_id: ProjectId) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    data = _form_data(form, with_bools=True)
    data.pop("county", None)
    version = str(form.get("version", ""))
    try:
        await run_in_threadpool(
            lambda: projects.update(
                store,
                users.actor_of(user),
                project_id,
                data,
                reason=str(form.get("reason", ""))[:2000],
                version=form_version(version),
            )
        )
    except ValidationError as exc:
        return _project_page(
            request,
            store,
            user,
            project_id,
            problems=exc.problems,
            status_code=422,
            values={**public(store, projects.get_project(store, project_id)), **data},
        )
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/decision", response_class=HTMLResponse, include_in_schema=False)
async def project_decision(request: Request, store: StoreDep, project_id: ProjectId) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    form = await request.form()
    check_csrf(request, form)
    decision = str(form.get("decision", ""))[:20]
    version = str(form.get("version", ""))
    try:
        await run_in_threadpool(
            lambda: projects.decide(
                store,
                users.actor_of(user),
                project_id,
                decision,
                reason=str(form.get("reason", ""))[:2000],
                version=form_version(version),
            )
        )
    except ValidationError as exc:
        return _project_page(request, store, user, project_id, problems=exc.problems, status_code=422)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)

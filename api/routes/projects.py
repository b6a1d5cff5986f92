"""The project library over HTTP: the JSON API (bearer token) and the pages (login and session
cookie). Handlers are thin: who is asking, then `workflow`, whose rules decide everything;
a refused action is 403, a missing or bad credential 401, a bad field 422 naming it, a stale
version or wrong state 409 (graph's errors become statuses in `api.main.error_body`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.concurrency import run_in_threadpool

from api import auth
from api.auth import UserDep
from api.deps import NAME_MAX, StoreDep, industry_id
from api.files import UPLOAD_MAX_BYTES, XLSX, as_uploaded, attachment, read_upload, spooled
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
from ingest.registry import import_file
from ingest.sheets import Sheet, workbook
from ingest.sources import projects as project_sheet
from workflow import fields, model, permissions, projects, users

router = APIRouter(tags=["projects"], lifespan=auth.auth_lifespan, responses=AUTH_RESPONSES)

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,80}$"
Text = Annotated[str, Field(max_length=500)]


# -- models -----------------------------------------------------------------------------------


def _json_field(field: fields.ProjectField) -> tuple[Any, Any]:
    """The JSON API's type and schema of a field of `workflow.fields.PROJECT_FIELDS`; the values
    themselves are checked by `workflow.fields` (errors in Chinese, named by the field's label)."""
    extra = f"（{'/'.join(field.choices)}）" if field.choices else ""
    description = field.label + extra + (f"：{field.hint}" if field.hint else "")
    if field.kind == "bool":
        return bool | None, Field(None, description=description)
    if field.kind in ("money", "quantity", "count"):  # text too: "12亿" is read, "lots" named in Chinese
        return float | Annotated[str, Field(max_length=40)] | None, Field(None, description=description)
    if field.kind == "chain_nodes":
        item = Annotated[str, Field(max_length=NAME_MAX)]
        return list[item] | None, Field(None, max_length=50, description=description)  # type: ignore[valid-type]
    return str | None, Field(None, max_length=field.max_length, description=description)


def _required_json(field: fields.ProjectField) -> tuple[Any, Any]:
    """A required field of a new project: the same, without None (a county user's county is
    their own, so the county is left optional)."""
    if field.kind == "money":
        return float | Annotated[str, Field(max_length=40)], Field(description=field.label)
    return str, Field(max_length=field.max_length, description=field.label)


ProjectFields = create_model(  # the fields a county fills in, from the one field table
    "ProjectFields",
    __config__=ConfigDict(extra="forbid"),
    **{f.key: _json_field(f) for f in fields.PROJECT_FIELDS},  # type: ignore[call-overload]
)
ProjectCreate = create_model(
    "ProjectCreate",
    __base__=ProjectFields,
    **{f.key: _required_json(f) for f in fields.PROJECT_FIELDS if f.required and f.kind != "county"},  # type: ignore[call-overload]
)
ProjectUpdate = create_model(
    "ProjectUpdate",
    __base__=ProjectFields,
    reason=(str | None, Field(None, max_length=2000, description="原因（阶段回退时必填）")),
    version=(
        int | None,
        Field(None, ge=0, description="the version you read; a newer one on the server is a 409"),
    ),
)
if TYPE_CHECKING:  # the models are built at run time; to the type checker they are plain models
    CreateBody = BaseModel
    UpdateBody = BaseModel
else:
    CreateBody = ProjectCreate
    UpdateBody = ProjectUpdate


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


ProjectId = Annotated[str, PathParam(pattern=ID_PATTERN, description="project id (prj-...)")]


# -- JSON API ---------------------------------------------------------------------------------


@router.get("/api/me", response_model=UserPublic, summary="Who the token belongs to")
def me(user: UserDep) -> dict[str, Any]:
    return {k: user.props.get(k) for k in ("name", "role", "region", "region_name")}


PER_PAGE = 50
SizeBand = Annotated[
    str | None,
    Query(
        pattern="^(|" + "|".join(projects.SIZE_BANDS) + ")$",
        description="size band: " + "、".join(f"{k} {v[0]}" for k, v in projects.SIZE_BANDS.items()),
    ),
]
StageParam = Annotated[str | None, Query(pattern="^(|lead|negotiating|signed|started|production)$")]
YearParam = Annotated[int | None, Query(ge=2000, le=2100, description="signing year (else the lead's)")]
PageParam = Annotated[int, Query(ge=1, le=100_000)]


def page_of(items: list[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """The items of page `page` (from 1) and the number of pages (at least 1)."""
    pages = max(1, -(-len(items) // per_page))
    return items[(page - 1) * per_page : page * per_page], pages


@router.get("/api/projects", response_model=list[ProjectPublic], summary="Projects you may read")
def api_list_projects(
    store: StoreDep,
    user: UserDep,
    response: Response,
    review_status: Annotated[
        str | None, Query(pattern="^(declared|prefecture_reviewed|province_approved|returned)$")
    ] = None,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    region: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}$")] = None,
    stage: StageParam = None,
    size: SizeBand = None,
    year: YearParam = None,
    page: PageParam = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 500,
) -> list[dict[str, Any]]:
    """Filtered and paged; the `X-Total-Count` header holds the number of matching projects."""
    industry = industry_id(store, industry) if industry else None  # a slug or a name; unknown: 404
    found = projects.list_projects(
        store,
        users.actor_of(user),
        review_status=review_status,
        industry=industry,
        region=region,
        stage=stage or None,
        size=size or None,
        year=year,
    )
    response.headers["X-Total-Count"] = str(len(found))
    shown, _ = page_of(found, page, per_page)
    return [public(store, p) for p in shown]


@router.post(
    "/api/projects", response_model=ProjectPublic, status_code=201, summary="Declare a project (county users)"
)
def api_declare(store: StoreDep, user: UserDep, body: CreateBody) -> dict[str, Any]:
    project = projects.declare(store, users.actor_of(user), body.model_dump(exclude_unset=True))
    return public(store, project)


@router.get("/api/projects/{project_id}", response_model=ProjectPublic)
def api_get_project(store: StoreDep, user: UserDep, project_id: ProjectId) -> dict[str, Any]:
    return public(store, readable_project(store, users.actor_of(user), project_id))


@router.patch(
    "/api/projects/{project_id}", response_model=ProjectPublic, summary="Change a project (its county)"
)
def api_update(store: StoreDep, user: UserDep, project_id: ProjectId, body: UpdateBody) -> dict[str, Any]:
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
    return projects.audit_json(store, projects.audit_trail(store, project_id))


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


@dataclass(frozen=True)
class ListFilter:
    """The project list's filters, as the page's query string carries them."""

    prefecture: str = ""
    industry: str = ""
    stage: str = ""
    status: str = ""
    size: str = ""
    year: int | None = None

    def query(self, **more: Any) -> str:
        """The query string of these filters (and `more`), for paging and export links."""
        pairs = {**{k: v for k, v in asdict(self).items() if v not in ("", None)}, **more}
        return urlencode(pairs)


def list_filter(
    store: StoreDep,
    prefecture: Annotated[str | None, Query(pattern=r"^(|\d{6})$")] = None,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    stage: StageParam = None,
    status: Annotated[
        str | None, Query(pattern="^(|declared|prefecture_reviewed|province_approved|returned)$")
    ] = None,
    size: SizeBand = None,
    year: Annotated[
        str | None, Query(pattern=r"^(|20\d\d)$", description="signing year (else the lead's)")
    ] = None,
) -> ListFilter:
    """The filters of the page's query string (an empty field of the form is no filter)."""
    return ListFilter(
        prefecture or "",
        industry_id(store, industry) if industry else "",
        stage or "",
        status or "",
        size or "",
        int(year) if year else None,
    )


FilterDep = Annotated[ListFilter, Depends(list_filter)]


def filtered(store: GraphStore, actor: model.Actor, chosen: ListFilter) -> list[model.Project]:
    return projects.list_projects(
        store,
        actor,
        review_status=chosen.status or None,
        industry=chosen.industry or None,
        region=chosen.prefecture or None,
        stage=chosen.stage or None,
        size=chosen.size or None,
        year=chosen.year,
    )


def _parks(store: GraphStore) -> list[dict[str, str]]:
    return sorted(({"id": n.id, "name": n.name} for n in store.find_nodes("Park")), key=lambda r: r["id"])


def _prefectures(store: GraphStore) -> list[dict[str, str]]:
    found = store.find_nodes("Region", where={"level": "prefecture"})
    return sorted(
        ({"id": n.id, "name": n.name} for n in found if n.id.startswith("53")), key=lambda r: r["id"]
    )


def _list_page(
    request: Request,
    store: GraphStore,
    user: Node,
    chosen: ListFilter,
    page: int,
    *,
    report: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    actor = users.actor_of(user)
    found = filtered(store, actor, chosen)
    shown, pages = page_of(found, min(page, max(1, -(-len(found) // PER_PAGE))), PER_PAGE)
    names = projects.names_of(
        store, {i for p in shown for i in (p.county, p.prefecture, str(p.get("industry") or ""))}
    )
    return render(
        request,
        "projects.html",
        status_code=status_code,
        projects=[projects.project_json(p, names) for p in shown],
        chosen=chosen,
        total=len(found),
        page=min(page, pages),
        pages=pages,
        prefectures=_prefectures(store),
        industries=_industries(store),
        SIZE_BANDS=projects.SIZE_BANDS,
        can_declare=actor.role == "county",
        report=report,
        upload_max_kb=UPLOAD_MAX_BYTES // 1024,
        **page_context(request, user),
    )


@router.get("/projects", response_class=HTMLResponse, include_in_schema=False)
def projects_page(request: Request, store: StoreDep, chosen: FilterDep, page: PageParam = 1) -> Response:
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    return _list_page(request, store, user, chosen, page)


def export_rows(store: GraphStore, found: list[model.Project]) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of an exported list: the declaration sheet's columns (so an export
    can be filled in and uploaded again), values as people read them, then where the project
    stands."""
    ids = {
        str(v)
        for p in found
        for key in projects.ID_FIELDS
        for v in (p.get(key) if isinstance(p.get(key), list) else [p.get(key)])
        if v
    }
    names = projects.names_of(store, ids)
    header = [
        *project_sheet.HEADERS.values(),
        "项目编号",
        fields.FIELD_ZH["prefecture"],
        "审核状态",
        "更新时间",
    ]
    rows = []
    for p in found:
        shown = {
            **p.props,
            "investor": p.get("investor_name") or p.get("investor"),
            "park": p.get("park_name") or p.get("park"),
        }
        row: list[Any] = []
        for key in project_sheet.FIELDS:
            value = shown.get(key)
            kind = fields.FIELD_BY_KEY[key].kind
            numeric = kind in ("money", "quantity", "count") and value is not None
            row.append(value if numeric else fields.display_value(key, value, names).replace("—", ""))
        row += [
            p.id,
            names.get(p.prefecture, p.prefecture),
            model.REVIEW_ZH.get(p.review_status, p.review_status),
            str(p.get("updated_at") or "")[:19].replace("T", " "),
        ]
        rows.append(row)
    return header, rows


@router.get("/projects/export.xlsx", include_in_schema=False)
def projects_export(request: Request, store: StoreDep, chosen: FilterDep) -> Response:
    """Every project of the filtered list (all pages) as an Excel sheet, formula-safe."""
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    header, rows = export_rows(store, filtered(store, users.actor_of(user), chosen))
    content = workbook([Sheet("项目库", [header, *rows], freeze="A2")])
    return attachment(content, XLSX, "项目库.xlsx", "projects.xlsx")


def import_sheet(store: GraphStore, actor: model.Actor, name: str, data: bytes) -> dict[str, Any]:
    """Check the whole sheet, then write it in one transaction, or nothing when any row is bad.
    The report is the CLI's (`chainkg import project-library`): rows read, new, unchanged,
    rejected with line and column; the file is named as uploaded."""
    with spooled(name, data) as path:
        options = {"store": store, "actor": actor}
        try:
            plan, _ = import_file(store, "project-library", path, dry_run=True, options=options)
            if not plan.problems:  # planned again inside: a change meanwhile is caught, not overwritten
                plan, _ = import_file(store, "project-library", path, options=options)
        except ValidationError as exc:
            return {"ok": False, "summary": None, "problems": as_uploaded(exc.problems, path)}
    summary = plan.summary()
    return {
        "ok": not plan.problems,
        "summary": summary,
        "problems": as_uploaded(plan.problems, path),
        "new": [o.enterprise_id for o in plan.outcomes if o.status == "new"],
    }


@router.post("/projects/import", response_class=HTMLResponse, include_in_schema=False)
async def projects_import(request: Request, store: StoreDep) -> Response:
    """A county uploads its declaration sheet: checked whole, written in one transaction, or
    refused with nothing written and every bad row named by line and column."""
    user = page_user(request, store)
    if user is None:
        return login_redirect(request)
    async with request.form() as form:  # closes the uploaded file's spool, whatever happens
        check_csrf(request, form)
        actor = users.actor_of(user)
        permissions.check_role(actor, "declare")
        try:
            name, data = await read_upload(form, (".xlsx", ".csv"))
        except ValidationError as exc:
            report: dict[str, Any] = {"ok": False, "summary": None, "problems": exc.problems}
        else:
            report = await run_in_threadpool(import_sheet, store, actor, name, data)
            report["file"] = name
    return _list_page(
        request, store, user, ListFilter(), 1, report=report, status_code=200 if report["ok"] else 422
    )


def form_version(text: str) -> int | None:
    """The version a page form carries: ASCII digits only ("²" passes `isdigit`, and Python
    refuses to parse 5,000 digits), anything else None."""
    return int(text) if re.fullmatch(r"[0-9]{1,12}", text) else None


def _form_data(form: Mapping[str, Any], *, with_bools: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in (f.key for f in fields.FORM_FIELDS):
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
        parks=_parks(store),
        FORM_FIELDS=fields.FORM_FIELDS,
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
        trail=projects.audit_json(store, trail),
        node_names=node_names,
        region_names=region_names,
        actions=permissions.allowed_actions(actor, project),
        problems=problems or [],
        values=values or data,
        industries=_industries(store),
        parks=_parks(store),
        FORM_FIELDS=fields.FORM_FIELDS,
        FIELD_BY_KEY=fields.FIELD_BY_KEY,
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

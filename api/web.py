"""What every page shares: the templates, the page's language, links, rendering, the error page,
and the project pages' sign-in helpers. Routers render through this module and never import
each other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from api import auth
from api.i18n import LANG_COOKIE, LANGS, labels, texts
from api.kept import KeptPage
from api.models import ErrorPublic
from api.present import STATUS_COLOURS
from api.services import ResultCache
from graph.project_rules import STAGES
from graph.store import GraphStore, Node
from workflow import fields, model

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "no token, or a token that matches no user"},
    403: {"model": ErrorPublic, "description": "your role or region does not allow this"},
    409: {
        "model": ErrorPublic,
        "description": "the project changed since you read it, or its state forbids this",
    },
}


def page_lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else "zh"


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one).

    Leading slashes of the path collapse to one: a request for //evil.example/x must not yield
    a link to another site (a scheme-relative URL).
    """
    params = {k: v for k, v in request.query_params.multi_items() if k not in changes}
    query = list(params.items()) + [(k, v) for k, v in changes.items() if v is not None]
    path = "/" + request.url.path.lstrip("/\\")
    return path + ("?" + urlencode(query) if query else "")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = page_lang(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": texts(lang),
            "url_with": lambda **c: url_with(request, **c),
            "other_lang": "en" if lang == "zh" else "zh",
            "status_colours": STATUS_COLOURS,
            **context,
        },
        status_code=status_code,
    )
    return remember_lang(request, response)


def remember_lang(request: Request, response: Response) -> HTMLResponse:
    """Keep a language asked for (?lang=) in a cookie."""
    lang = request.query_params.get("lang")
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, str(lang), max_age=365 * 24 * 3600, samesite="lax")
    return response  # type: ignore[return-value]


async def render_kept(
    request: Request, results: ResultCache, template: str, context: Callable[[], dict[str, Any]]
) -> HTMLResponse:
    """A page that depends only on the store, its URL and its language, rendered once per store
    version (the rendered bytes are kept in `results`; `context()` runs only on the first, in a
    worker thread); the whole response is kept for the next request (see `api.kept`)."""
    key = ("page", template, page_lang(request), request.url.path, request.url.query)
    body = await results.served(key, lambda: bytes(render(request, template, **context()).body))
    return remember_lang(request, KeptPage(body))


def error_page(request: Request, error: ErrorPublic) -> Response:
    return render(request, "error.html", status_code=error.status, error=error)


def safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and len(target) < 500
    ):
        return target
    return "/projects"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def page_user(request: Request, store: GraphStore) -> Node | None:
    return auth.session_user(request, store)


def page_context(request: Request, user: Node) -> dict[str, Any]:
    session = request.cookies.get(auth.SESSION_COOKIE, "")
    return {
        "L": labels(page_lang(request)),
        "me": user.props,
        "csrf": auth.csrf_token(auth.app_secret(request), session),
        "FIELD_ZH": fields.FIELD_ZH,
        "PROJECT_STAGE_ZH": model.PROJECT_STAGE_ZH,
        "REVIEW_ZH": model.REVIEW_ZH,
        "ACTION_ZH": model.ACTION_ZH,
        "ROLE_ZH": model.ROLE_ZH,
        "STAGES": STAGES,
    }


def check_csrf(request: Request, form: Mapping[str, Any]) -> None:
    session = request.cookies.get(auth.SESSION_COOKIE, "")
    if not auth.csrf_ok(auth.app_secret(request), session, str(form.get("csrf", ""))[:100]):
        raise HTTPException(403, "表单已过期，请刷新页面后重试 (stale form: CSRF check failed)")


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def refuse_cross_site(request: Request) -> None:
    """Every page form, the sign-in among them (login CSRF: another site signing a browser in
    under the attacker's account), must come from this site: a browser's `Sec-Fetch-Site`, else
    its `Origin` (else `Referer`) must name the host the request went to (or a proxy's
    `X-Forwarded-Host`, which another site's form cannot set). A client that sends none of them
    is no browser, and goes on to the forms' own checks. The JSON API takes bearer tokens only,
    which a browser never adds by itself, and is left alone.

    Raises:
        HTTPException: 403 for a form posted from another site.
    """
    if request.method not in UNSAFE_METHODS or request.url.path.startswith("/api/"):
        return
    fetch_site = request.headers.get("sec-fetch-site", "")
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    if fetch_site in ("same-origin", "none") or (not fetch_site and not origin):
        return
    if not fetch_site and origin != "null":
        hosts = {request.headers.get("host", ""), *request.headers.getlist("x-forwarded-host")}
        asked = {h.strip().casefold() for value in hosts for h in value.split(",") if h.strip()}
        try:
            netloc = urlsplit(origin).netloc.casefold()
        except ValueError:
            netloc = ""
        if netloc and netloc in asked:
            return
    raise HTTPException(403, "拒绝来自其他网站的表单提交 (cross-site form post refused: Origin check failed)")


class CrossSiteForms:
    """ASGI middleware running `refuse_cross_site` on the requests that can change something (a
    GET passes straight through, with no per-request dependency); a refusal is answered by
    `answer(request, exc)` (the app's error response: a page for a browser)."""

    def __init__(self, app: ASGIApp, *, answer: Callable[[Request, Exception], Awaitable[Response]]) -> None:
        self.app, self.answer = app, answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            request = Request(scope, receive)
            try:
                refuse_cross_site(request)
            except HTTPException as exc:
                response = await self.answer(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

"""Whole responses kept per store version: a GET whose answer depends only on the store, its URL
and the page language is answered, the second time, from the status, headers and bytes the app
sent the first time, without routing, parameter checks or dependencies (`KeptResponses`). A route
opts in by answering with a `KeptResponse`. It sits inside the Host allowlist and `RequestGuard`,
so every kept answer still passes both and gets the security headers of its own request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.i18n import LANG_COOKIE, LANGS
from api.services import ResultCache

KEEP = "chainkg.keep"  # set in the scope by a KeptResponse as it is sent


class KeptResponse(Response):
    """A response that depends only on the store's version, the URL and the page language."""

    media_type = "application/json"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[KEEP] = True
        await super().__call__(scope, receive, send)


class KeptPage(KeptResponse, HTMLResponse):
    media_type = "text/html"


def page_language(scope: Scope) -> str:
    """The language cookie's value when it names a language (what `api.web.page_lang` falls back
    to; ?lang= is part of the query, so of the key)."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            lang = cookie_parser(value.decode("latin-1")).get(LANG_COOKIE, "")
            return lang if lang in LANGS else ""
    return ""


class KeptResponses:
    """ASGI middleware: GETs answered from `results_of()` (the app's `ResultCache`) when a
    `KeptResponse` was sent for the same path, query and language at the store's version. A
    failure to read the version is answered by `answer(request, exc)` (the app's error response:
    503 for a store that cannot be reached)."""

    def __init__(
        self, app: ASGIApp, *, results_of: Any, answer: Callable[[Request, Exception], Awaitable[Response]]
    ) -> None:
        self.app, self.results_of, self.answer = app, results_of, answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        results: ResultCache = self.results_of()
        try:
            checked = await results.refresh()  # the store's version, read once for the whole request
        except Exception as exc:  # the store is gone (503), or worse: the app's own error answer
            response = await self.answer(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        try:
            await self._answer(scope, receive, send, results)
        finally:
            results.done(checked)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, results: ResultCache) -> None:
        key = ("response", scope["path"], scope["query_string"], page_language(scope))
        found, kept, generation = results.kept(key)
        if found:
            status, headers, body = kept
            await send({"type": "http.response.start", "status": status, "headers": list(headers)})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get(KEEP) and message["status"] == 200:
                start.update(status=message["status"], headers=tuple(message.get("headers", ())))
            elif message["type"] == "http.response.body" and start:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                    results.keep(key, (start["status"], start["headers"], body), generation)
            await send(message)  # the outer middlewares add their headers to this copy only

        await self.app(scope, receive, capture)

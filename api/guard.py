"""What every request passes before a route sees it: the Host allowlist (DNS rebinding), a cap on
the body (counted as it arrives, not trusted from Content-Length alone), the JSON API's bearer
token checked before a write's body is read, and the security headers on every answer."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import bearer_user
from api.models import ErrorPublic

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"same-origin"),
]
TOKEN_PREFIXES = ("/api/projects", "/api/me", "/api/tracking")  # the JSON API's writes that need a token
PRIVATE_PREFIXES = ("/projects", "/login", "/logout", "/api/", "/tracking")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体过大 (request body over {limit} bytes)")


class RequestGuard:
    """ASGI middleware; `limit` in bytes (CHAINKG_MAX_BODY_BYTES)."""

    def __init__(self, app: ASGIApp, *, limit: int, store_of: Any) -> None:
        self.app, self.limit, self.store_of = app, limit, store_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope.get("path", "")
        private = path.startswith(PRIVATE_PREFIXES) or "chainkg_session" in headers.get("cookie", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if private:
                    extra.append((b"cache-control", b"no-store"))
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in names)]
            await send(message)

        if scope["method"] in BODY_METHODS:
            refusal = await self._refusal(headers, path)
            if refusal is not None:
                status, body, more = refusal
                await _answer(send_with_headers, status, body, more)
                return
            receive = self._capped(receive)
        await self.app(scope, receive, send_with_headers)

    async def _refusal(
        self, headers: Headers, path: str
    ) -> tuple[int, dict[str, Any], list[tuple[bytes, bytes]]] | None:
        length = headers.get("content-length", "")
        if length and (not length.isascii() or not length.isdigit() or int(length[:20]) > self.limit):
            message = f"请求体过大 (request body over {self.limit} bytes)"
            return 413, _error(413, "http_error", message), []
        if path.startswith(TOKEN_PREFIXES):
            try:
                await run_in_threadpool(bearer_user, self.store_of(), headers.get("authorization", ""))
            except HTTPException as exc:
                return 401, _error(401, "http_error", str(exc.detail)), [(b"www-authenticate", b"Bearer")]
        return None

    def _capped(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        return counted


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return ErrorPublic(status=status, code=code, message=message).model_dump()


async def _answer(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})

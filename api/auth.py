"""How users of the project library (`workflow.users`) prove who they are on the web.

The JSON API takes `Authorization: Bearer <token>`; the pages take
a session cookie signed with HMAC-SHA256 under the app secret: `CHAINKG_SECRET`, or else a random
secret created once and kept (mode 600) beside the embedded store. A weak CHAINKG_SECRET stops
the server. Signing out bumps the counter, which ends every cookie issued before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request

from api.deps import StoreDep
from graph.errors import ChainKGError
from graph.settings import Settings
from graph.store import GraphStore, Node
from workflow.users import session_of, user_by_token, user_id

SECRET_ENV = "CHAINKG_SECRET"
SECRET_FILE = "chainkg.secret"
SECRET_MIN_LENGTH = 32
PLACEHOLDERS = {"changeme", "change-me", "secret", "placeholder", "please-change", "dev", "test"}
SESSION_COOKIE = "chainkg_session"
SESSION_SECONDS = 12 * 3600
LOGIN_MAX_FAILURES = 5  # failed logins for one user name within LOGIN_WINDOW_SECONDS ...
LOGIN_WINDOW_SECONDS = 10 * 60
LOGIN_LOCKOUT_SECONDS = 10 * 60  # ... refuse that name for this long


class WeakSecret(ChainKGError):
    """CHAINKG_SECRET is a placeholder or too short to sign sessions."""


# -- the secret and sessions ------------------------------------------------------------------


def load_secret(store_dir: Path | None = None) -> bytes:
    """CHAINKG_SECRET, or the secret kept in `store_dir` (created on first use).

    A kept secret that is unreadable or shorter than 32 bytes (an empty or truncated file) is
    replaced by a new random one, never used to sign.

    Raises:
        WeakSecret: CHAINKG_SECRET is set to a placeholder or to fewer than 32 characters.
    """
    settings = Settings()
    configured = settings.secret
    if configured is not None:
        if configured.strip().casefold() in PLACEHOLDERS or len(configured) < SECRET_MIN_LENGTH:
            raise WeakSecret(
                f"{SECRET_ENV} must be a random string of at least {SECRET_MIN_LENGTH} characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))'); refusing to start"
            )
        return configured.encode("utf-8")
    folder = store_dir or settings.db.parent
    path = folder / SECRET_FILE
    kept = _kept_secret(path)
    if kept is not None:
        return kept
    if path.exists():
        path.unlink(missing_ok=True)  # too short or not hex: a key nobody should sign with
    folder.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(SECRET_MIN_LENGTH)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value.hex())
        handle.flush()
        os.fsync(handle.fileno())  # on disk before it is linked in: a crash leaves no empty key
    try:
        os.link(tmp, path)  # first writer wins when two processes start together
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    kept = _kept_secret(path)
    if kept is None:
        raise WeakSecret(f"{path} does not hold a usable secret; remove it and start again")
    return kept


def _kept_secret(path: Path) -> bytes | None:
    try:
        value = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return None
    return value if len(value) >= SECRET_MIN_LENGTH else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_session(secret: bytes, user: Node, *, now: float | None = None) -> str:
    """A cookie value naming the user, expiring after SESSION_SECONDS, bound to the user's token
    hash and session counter (signing out and `chainkg user add --replace` end old sessions)."""
    payload = {
        "u": user.props["name"],
        "exp": int((now or time.time()) + SESSION_SECONDS),
        "k": str(user.props.get("token_sha256", ""))[:16],
        "s": session_of(user),
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    mac = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def read_session(store: GraphStore, secret: bytes, value: str, *, now: float | None = None) -> Node | None:
    if not value or len(value) > 1000 or "." not in value:
        return None
    body, _, mac = value.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or int(payload.get("exp", 0)) < (now or time.time()):
        return None
    node = store.get_node(user_id(str(payload.get("u", ""))))
    if node is None or node.label != "User":
        return None
    if str(node.props.get("token_sha256", ""))[:16] != payload.get("k") or payload.get("s") != session_of(
        node
    ):
        return None
    return node


def csrf_token(secret: bytes, session: str) -> str:
    return hmac.new(secret, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: bytes, session: str, given: str) -> bool:
    """Whether a form's token belongs to this session (compared in constant time)."""
    return bool(session) and hmac.compare_digest(csrf_token(secret, session).encode(), given.encode())


class LoginThrottle:
    """In-process guard against password guessing: after LOGIN_MAX_FAILURES failed logins for one
    user name within LOGIN_WINDOW_SECONDS, that name is refused for LOGIN_LOCKOUT_SECONDS
    without its password being checked. Per server process: enough against one guesser at a
    web form; several servers behind a balancer each count on their own."""

    def __init__(
        self,
        *,
        max_failures: int = LOGIN_MAX_FAILURES,
        window: float = LOGIN_WINDOW_SECONDS,
        lockout: float = LOGIN_LOCKOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().casefold()[:60]

    def locked_for(self, name: str) -> float:
        """Seconds until `name` may try again (0: it may try now)."""
        with self._lock:
            left = self._locked_until.get(self._key(name), 0.0) - self.clock()
            return max(0.0, left)

    def failed(self, name: str) -> None:
        now = self.clock()
        key = self._key(name)
        with self._lock:
            recent = self._failures.setdefault(key, deque())
            recent.append(now)
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.max_failures:
                self._locked_until[key] = now + self.lockout
                recent.clear()
            if len(self._failures) > 10_000:  # names nobody retried: keep memory bounded
                self._failures = {k: v for k, v in self._failures.items() if v and v[-1] > now - self.window}

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(self._key(name), None)


# -- FastAPI ----------------------------------------------------------------------------------


@asynccontextmanager
async def auth_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the session secret at start-up (a weak CHAINKG_SECRET stops the server here)."""
    store = getattr(app.state, "store", None)
    path = getattr(store, "path", None)
    folder = Path(path).parent if path is not None and str(path) != ":memory:" else None
    app.state.secret = load_secret(folder)
    app.state.login_throttle = LoginThrottle()
    yield


def app_secret(request: Request) -> bytes:
    secret = getattr(request.app.state, "secret", None)
    if secret is None:  # an app built without the projects router's lifespan
        store = request.app.state.store
        path = getattr(store, "path", None)
        secret = load_secret(Path(path).parent if path is not None and str(path) != ":memory:" else None)
        request.app.state.secret = secret
    return secret  # type: ignore[no-any-return]


def login_throttle(request: Request) -> LoginThrottle:
    throttle = getattr(request.app.state, "login_throttle", None)
    if throttle is None:  # an app built without the projects router's lifespan
        throttle = request.app.state.login_throttle = LoginThrottle()
    return throttle  # type: ignore[no-any-return]


def session_user(request: Request, store: GraphStore) -> Node | None:
    """The user of the pages' session cookie, or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return read_session(store, app_secret(request), cookie) if cookie else None


def require_user(request: Request, store: StoreDep) -> Node:
    """The JSON API's user, from `Authorization: Bearer <token>` only: a cookie is not accepted
    there, so another site cannot make a logged-in browser write through the API.

    Raises:
        HTTPException: 401 without a token or with one that matches no user.
    """
    header = request.headers.get("authorization", "")
    if not header:
        raise HTTPException(
            401,
            "请提供访问令牌 (authentication required: Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, token = header.partition(" ")
    node = user_by_token(store, token.strip()) if scheme.lower() == "bearer" else None
    if node is None:
        raise HTTPException(401, "无效的访问令牌 (invalid API token)", headers={"WWW-Authenticate": "Bearer"})
    return node


UserDep = Annotated[Node, Depends(require_user)]

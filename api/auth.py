"""How users of the project library (`workflow.users`) prove who they are on the web.

The JSON API takes `Authorization: Bearer <token>`; the pages take
a session cookie signed with HMAC-SHA256 under the app secret: `CHAINKG_SECRET`, or else a random
secret created once and kept (mode 600) beside the embedded store. A weak CHAINKG_SECRET (short, a
placeholder, a character or a pattern repeated, little variety: `secret_weakness`) stops the
server. Signing out bumps the counter, which ends every cookie issued before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import secrets
import sqlite3
import threading
import time
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
SECRET_MIN_BITS = 88  # by character frequencies: 32 random hex digits score 92-130, 32 base64 124-160
# words that mark a value copied from an example (changeme, your-secret-key, django-insecure-...)
PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "placeholder",
    "your-secret",
    "yoursecret",
    "secret-key",
    "secretkey",
    "secret_key",
    "insecure",
    "example",
    "replace-me",
    "replaceme",
    "password",
    "default",
)
SESSION_COOKIE = "chainkg_session"
SESSION_SECONDS = 12 * 3600
LOGIN_USER_FREE = 3  # failed sign-ins of one user name before each next one waits 1 s, 2 s, 4 s ...
LOGIN_USER_MAX_DELAY = 60.0  # ... at most this: a stranger's guesses cannot lock the owner out
LOGIN_CLIENT_FREE = 10  # the same for one client address, whatever the names it tries ...
LOGIN_CLIENT_MAX_DELAY = 15 * 60.0
LOGIN_FORGET_SECONDS = 3600.0  # failures older than this are forgotten


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
        check_secret(configured)
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


def check_secret(configured: str | None) -> None:
    """Refuse a weak CHAINKG_SECRET (None: none is set, and the kept random one is used).

    Raises:
        WeakSecret: saying what is wrong with it and how to make a good one.
    """
    weakness = secret_weakness(configured) if configured is not None else ""
    if weakness:
        raise WeakSecret(
            f"{SECRET_ENV} is {weakness}: it must be a random string of at least "
            f"{SECRET_MIN_LENGTH} characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'); refusing to start"
        )


def secret_weakness(value: str) -> str:
    """Why `value` is too weak to sign sessions with, or "" when it will do: shorter than
    SECRET_MIN_LENGTH, a known placeholder (or one repeated: changemechangeme...), one character
    repeated, a short pattern repeated, or too few different characters (fewer than 8, or under
    SECRET_MIN_BITS by their frequencies).

    >>> secret_weakness("a" * 40), secret_weakness("0123456789" * 4)
    ('one character repeated', 'a pattern of 10 characters repeated')
    >>> secret_weakness("3f9c1e" + "0" * 30), secret_weakness("x7Rk2pQ9vLm4Tz8bNc1WdY6sHf3Jg5Ae")
    ('too little variety (7 different characters in 36: under 88 bits)', '')
    """
    text = value.strip()
    folded = text.casefold()
    if len(text) < SECRET_MIN_LENGTH:
        return f"too short ({len(text)} characters, at least {SECRET_MIN_LENGTH})"
    if any(word in folded for word in PLACEHOLDER_WORDS):
        return "a placeholder, not a secret"
    if len(set(text)) == 1:
        return "one character repeated"
    period = next((p for p in range(1, len(text) // 2 + 1) if text == (text[:p] * len(text))[: len(text)]), 0)
    if period:
        return f"a pattern of {period} characters repeated"
    counts = [text.count(ch) for ch in set(text)]
    bits = -sum(c * math.log2(c / len(text)) for c in counts)
    if len(counts) < 8 or bits < SECRET_MIN_BITS:
        return f"too little variety ({len(counts)} different characters in {len(text)}: under {SECRET_MIN_BITS} bits)"
    return ""


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
    expected = _b64(hmac.new(secret, body.encode("utf-8", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected.encode(), mac.encode("utf-8", "replace")):
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
    return hmac.new(secret, b"csrf:" + session.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: bytes, session: str, given: str) -> bool:
    """Whether a form's token belongs to this session (compared in constant time)."""
    expected = csrf_token(secret, session).encode()
    return bool(session) and hmac.compare_digest(expected, given.encode("utf-8", "replace"))


class LoginThrottle:
    """Guard against password guessing, shared by every server process on the same store: each
    attempt is reserved before the password hash runs (counted as a failure until it succeeds),
    in one transaction of a small SQLite file beside the store, so parallel guesses cannot all
    slip past the check. Per user name and per client address, failures beyond a few free ones
    make the next attempt wait a growing delay (1 s, 2 s, 4 s ...), capped low for a user name
    (a stranger cannot keep its owner out for long) and higher for a client; a quiet hour
    forgets them."""

    FILE = "login-attempts.db"

    def __init__(
        self,
        folder: Path | None = None,
        *,
        user_free: int = LOGIN_USER_FREE,
        user_cap: float = LOGIN_USER_MAX_DELAY,
        client_free: int = LOGIN_CLIENT_FREE,
        client_cap: float = LOGIN_CLIENT_MAX_DELAY,
        forget: float = LOGIN_FORGET_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = {"user": (user_free, user_cap), "client": (client_free, client_cap)}
        self.forget, self.clock = forget, clock
        target = ":memory:"
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            target = str(folder / self.FILE)
            os.close(os.open(target, os.O_CREAT | os.O_RDWR, 0o600))
        self._conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS attempts "
            "(key TEXT PRIMARY KEY, failures INTEGER NOT NULL, next_at REAL NOT NULL, last_at REAL NOT NULL)"
        )
        self._lock = threading.Lock()

    @staticmethod
    def keys(name: str, client: str) -> tuple[str, str]:
        return f"user:{name.strip().casefold()[:60]}", f"client:{client[:100]}"

    def delay(self, kind: str, failures: int) -> float:
        """Seconds to wait after `failures` recent failures of a user name or a client."""
        free, cap = self.limits[kind]
        return 0.0 if failures < free else float(min(cap, 2 ** (failures - free)))

    def begin(self, name: str, client: str) -> float:
        """Reserve an attempt to sign in as `name` from `client`: 0 when it may go ahead (it then
        counts as a failure until `succeeded`), else the seconds to wait, nothing counted."""
        now = self.clock()
        keys = self.keys(name, client)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = {
                    key: (failures, next_at)
                    for key, failures, next_at in self._conn.execute(
                        "SELECT key, failures, next_at FROM attempts WHERE key IN (?, ?) AND last_at > ?",
                        (*keys, now - self.forget),
                    )
                }
                wait = max((next_at - now for _, next_at in rows.values()), default=0.0)
                if wait <= 0:
                    for key in keys:
                        failures = rows.get(key, (0, 0.0))[0] + 1
                        self._conn.execute(
                            "INSERT OR REPLACE INTO attempts VALUES (?, ?, ?, ?)",
                            (key, failures, now + self.delay(key.split(":")[0], failures), now),
                        )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return max(0.0, wait)

    def succeeded(self, name: str, client: str) -> None:
        """The reserved attempt was right: forget the name's failures, and this one of the client's."""
        user_key, client_key = self.keys(name, client)
        with self._lock:
            self._conn.execute("DELETE FROM attempts WHERE key = ?", (user_key,))
            self._conn.execute(
                "UPDATE attempts SET failures = max(0, failures - 1) WHERE key = ?", (client_key,)
            )

    def close(self) -> None:
        self._conn.close()


# -- FastAPI ----------------------------------------------------------------------------------


def _store_folder(store: object) -> Path | None:
    """Where the secret and the login attempts are kept: beside the embedded store, or in the
    data folder for Neo4j (so servers on one host share them); None for an in-memory store."""
    path = getattr(store, "path", None)
    if path is None:
        return Settings().db.parent
    return None if str(path) == ":memory:" else Path(path).parent


@asynccontextmanager
async def auth_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the session secret at start-up (a weak CHAINKG_SECRET stops the server here)."""
    folder = _store_folder(getattr(app.state, "store", None))
    app.state.secret = load_secret(folder)
    app.state.login_throttle = LoginThrottle(folder)
    try:
        yield
    finally:
        app.state.login_throttle.close()


def app_secret(request: Request) -> bytes:
    secret = getattr(request.app.state, "secret", None)
    if secret is None:  # an app built without the projects router's lifespan
        secret = request.app.state.secret = load_secret(_store_folder(request.app.state.store))
    return secret  # type: ignore[no-any-return]


def login_throttle(request: Request) -> LoginThrottle:
    throttle = getattr(request.app.state, "login_throttle", None)
    if throttle is None:  # an app built without the projects router's lifespan
        throttle = request.app.state.login_throttle = LoginThrottle(_store_folder(request.app.state.store))
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
    return bearer_user(store, request.headers.get("authorization", ""))


def bearer_user(store: GraphStore, header: str) -> Node:
    """The user of an `Authorization` header's bearer token.

    Raises:
        HTTPException: 401 without a token or with one that matches no user (or an expired one).
    """
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

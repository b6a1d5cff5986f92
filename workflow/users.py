"""Users of the project library: a `User` node with name, role (county / prefecture / province),
region code, a salted PBKDF2 password hash, the SHA-256 of an API token (the token itself is shown
once and never stored) and a session counter that signing out bumps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from typing import Any

from graph.errors import ConflictError, NotFoundError, ValidationError
from graph.settings import Settings
from graph.store import ChangeSet, GraphStore, Node
from workflow.clock import now_in_china
from workflow.model import Actor
from workflow.permissions import check_region_for_role

PBKDF2_ITERATIONS = 600_000  # OWASP 2023 for PBKDF2-HMAC-SHA256
NAME_PATTERN = r"[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}"  # the whole name (fullmatch: no trailing newline)


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """`pbkdf2_sha256$iterations$salt$hash` (salt and hash base64).

    >>> stored = hash_password("s3cret-pass", salt=b"0123456789abcdef", iterations=1000)
    >>> verify_password("s3cret-pass", stored), verify_password("wrong", stored)
    (True, False)
    """
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, got)


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_id(name: str) -> str:
    return f"user:{name}"


def actor_of(node: Node) -> Actor:
    return Actor(str(node.props["name"]), str(node.props["role"]), str(node.props["region"]))


def create_user(
    store: GraphStore,
    name: str,
    role: str,
    region: str,
    *,
    password: str | None = None,
    display: str | None = None,
    replace: bool = False,
) -> tuple[Node, str]:
    """Create a user; returns the node and the new API token, which is not stored and cannot be
    shown again. With `replace`, an existing user gets the given role, region and password and a
    new token, and its old token and page sessions stop working.

    Raises:
        ValidationError: a bad name, role, region or a password under 8 characters.
        ConflictError: the user exists and `replace` is not set.
    """
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValidationError(f"name: {name!r} must be 2-40 letters, digits, Chinese characters, _ . -")
    region_node = check_region_for_role(store, role, region)
    if password is not None and len(password) < 8:
        raise ValidationError("password: at least 8 characters")
    existing = store.get_node(user_id(name))
    if existing is not None and not replace:
        raise ConflictError(
            f"user {name} exists ({existing.props.get('role')} {existing.props.get('region')}); "
            "--replace re-issues its credentials, with the role and region given"
        )
    token = secrets.token_urlsafe(32)
    props: dict[str, Any] = {
        "name": name,
        "display_name": display or name,
        "role": role,
        "region": region,
        "region_name": region_node.name,
        "token_sha256": token_hash(token),
        "token_expires": time.time() + Settings().token_days * 86400,
        "session": session_of(existing) + 1,
        "created_at": (existing.props.get("created_at") if existing else None) or now_in_china(),
    }
    if password is not None:  # with `replace` and no password, the old page password ends too
        props["password_hash"] = hash_password(password)
    node = Node(user_id(name), "User", props)
    store.upsert_nodes([node])
    return node, token


def session_of(user: Node | None) -> int:
    try:
        return int(user.props.get("session") or 0) if user is not None else 0
    except (TypeError, ValueError):
        return 0


def disable_user(store: GraphStore, name: str) -> Node:
    """Stop a user from signing in or using its token (kept for the audit trail's names);
    `create_user(..., replace=True)` enables it again with new credentials.

    Raises:
        NotFoundError: no such user.
    """
    current = store.get_node(user_id(name))
    if current is None or current.label != "User":
        raise NotFoundError("user", name)
    props = {**current.props, "disabled": True, "session": session_of(current) + 1, "token_sha256": ""}
    props.pop("password_hash", None)
    node = Node(current.id, "User", props)
    store.upsert_nodes([node])
    return node


def remove_user(store: GraphStore, name: str) -> None:
    """Delete a user (its audit entries keep its name).

    Raises:
        NotFoundError: no such user.
    """
    current = store.get_node(user_id(name))
    if current is None or current.label != "User":
        raise NotFoundError("user", name)
    store.apply(ChangeSet(delete_nodes=(current.id,)))


def end_sessions(store: GraphStore, user: Node) -> None:
    """Sign the user out everywhere: every page cookie issued before stops working."""
    current = store.get_node(user.id) or user
    store.upsert_nodes([Node(current.id, "User", {**current.props, "session": session_of(current) + 1})])


def user_by_token(store: GraphStore, token: str) -> Node | None:
    if not token or len(token) > 200:
        return None
    found = store.find_nodes("User", where={"token_sha256": token_hash(token)})
    if len(found) != 1 or found[0].props.get("disabled"):
        return None
    expires = found[0].props.get("token_expires")
    return found[0] if isinstance(expires, int | float) and expires > time.time() else None


def authenticate(store: GraphStore, name: str, password: str) -> Node | None:
    node = store.get_node(user_id(name[:60]))
    if (
        node is None
        or node.label != "User"
        or not node.props.get("password_hash")
        or node.props.get("disabled")
    ):
        hash_password(password[:200])  # same work either way: no user-name oracle by timing
        return None
    stored = str(node.props["password_hash"])
    if not verify_password(password[:200], stored):
        return None
    if hash_iterations(stored) < PBKDF2_ITERATIONS:  # hashed under an older, weaker setting
        node = _rehashed(store, node, password[:200]) or node
    return node


def hash_iterations(stored: str) -> int:
    """The PBKDF2 iterations of a stored hash (0 when it is not one).

    >>> hash_iterations("pbkdf2_sha256$240000$c2FsdA==$ZGlnZXN0"), hash_iterations("junk")
    (240000, 0)
    """
    parts = stored.split("$")
    return int(parts[1]) if len(parts) == 4 and parts[1].isascii() and parts[1].isdigit() else 0


def _rehashed(store: GraphStore, node: Node, password: str) -> Node | None:
    """The user with its password hashed again at PBKDF2_ITERATIONS, written only if nothing of
    the user changed meanwhile (else None: the next sign-in tries again)."""
    props = {**node.props, "password_hash": hash_password(password)}
    fresh = Node(node.id, "User", props)
    held = ("password_hash", "session", "token_sha256", "disabled")
    try:
        store.apply(ChangeSet(nodes=(fresh,), expect=tuple((node.id, k, node.props.get(k)) for k in held)))
    except ConflictError:
        return None
    return fresh

"""Settings read from the environment (every variable chainkg reads, in one class), and opening
the store they select.

Read by hand rather than by pydantic-settings: every command reads them, and importing that
package (with pydantic) took 0.11 s of a command's start, a tenth of a question answered anew
on a register of a million firms."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from graph.errors import StoreError, ValidationError
from graph.sqlite_store import SqliteStore
from graph.store import GraphStore
from graph.view import KEPT_VIEW_ROWS

BACKENDS = ("sqlite", "neo4j")


def _backend(name: str, value: Any) -> str:
    if value not in BACKENDS:
        raise ValidationError(f"{name} must be sqlite or neo4j, not {value!r}")
    return str(value)


def _path(name: str, value: Any) -> Path:
    return Path(value)


def _maybe_path(name: str, value: Any) -> Path | None:
    return None if value is None or value == "" else Path(value)


def _text(name: str, value: Any) -> str:
    return str(value)


def _maybe_text(name: str, value: Any) -> str | None:
    return None if value is None else str(value)


def _at_least(low: int) -> Callable[[str, Any], int]:
    def read(name: str, value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{name} must be a whole number, not {value!r}") from None
        if number < low:
            raise ValidationError(f"{name} must be at least {low}, not {number}")
        return number

    return read


# field -> (environment variable, how its text is read, default)
FIELDS: Mapping[str, tuple[str, Callable[[str, Any], Any], Any]] = {
    "backend": ("CHAINKG_BACKEND", _backend, "sqlite"),
    # the embedded store's file: CHAINKG_DB, else $XDG_DATA_HOME/chainkg/chainkg.db
    "db": ("CHAINKG_DB", _path, Path()),
    "xdg_data_home": ("XDG_DATA_HOME", _maybe_path, None),
    "neo4j_uri": ("NEO4J_URI", _text, "bolt://127.0.0.1:7687"),
    "neo4j_user": ("NEO4J_USER", _text, "neo4j"),
    "neo4j_password": ("NEO4J_PASSWORD", _maybe_text, None),
    "neo4j_database": ("NEO4J_DATABASE", _text, "neo4j"),
    # signs the pages' login cookies; None: a random secret kept beside the embedded store
    "secret": ("CHAINKG_SECRET", _maybe_text, None),
    # host names the web app answers to (DNS rebinding): comma-separated, "*" for any
    "allowed_hosts": ("CHAINKG_ALLOWED_HOSTS", _text, "localhost,127.0.0.1,::1,testserver"),
    # the largest request body the web app reads, in bytes
    "max_body_bytes": ("CHAINKG_MAX_BODY_BYTES", _at_least(1024), 1_000_000),
    # days an API token works after it is issued (chainkg user add / --replace)
    "token_days": ("CHAINKG_TOKEN_DAYS", _at_least(1), 90),
    # nodes and edges of the industries' views a process keeps in memory (least recently used
    # dropped first); about 1.6 KB each: an industry of a 1M-firm register holds about 300k
    "view_rows": ("CHAINKG_VIEW_ROWS", _at_least(0), KEPT_VIEW_ROWS),
}


class Settings:
    """chainkg's settings; every field is an environment variable (CHAINKG_BACKEND, NEO4J_URI,
    ...: `FIELDS`). `Settings(CHAINKG_DB=...)` (or `db=...`) sets one instead of the environment.

    Raises:
        ValidationError: a variable's value cannot be used (it names the variable).
    """

    backend: str
    db: Path
    xdg_data_home: Path | None
    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str | None
    neo4j_database: str
    secret: str | None
    allowed_hosts: str
    max_body_bytes: int
    token_days: int
    view_rows: int

    def __init__(self, **given: Any) -> None:
        known = {name for name in FIELDS} | {alias for alias, _read, _default in FIELDS.values()}
        unknown = sorted(set(given) - known)
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(unknown)}")
        for name, (alias, read, default) in FIELDS.items():
            if alias in given or name in given:
                value = read(alias, given[alias] if alias in given else given[name])
            elif alias in os.environ:
                value = read(alias, os.environ[alias])
            else:
                value = default
            setattr(self, name, value)
        if str(self.db) in ("", "."):
            base = self.xdg_data_home or Path.home() / ".local" / "share"
            self.db = base / "chainkg" / "chainkg.db"
        self.db = self.db.expanduser()

    def replace(self, **changes: Any) -> Settings:
        """These settings with `changes` (by field name)."""
        return Settings(**{**{name: getattr(self, name) for name in FIELDS}, **changes})

    def host_list(self) -> list[str]:
        return [h.strip().strip("[]") for h in self.allowed_hosts.split(",") if h.strip()]

    def __repr__(self) -> str:  # the password and the secret are not shown
        shown = {n: getattr(self, n) for n in FIELDS if n not in ("neo4j_password", "secret")}
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def open_store(settings: Settings | None = None) -> GraphStore:
    """The store `settings` select (read from the environment when not given).

    Raises:
        StoreError: the store cannot be opened or reached, with a message saying why.
    """
    settings = settings or Settings()
    if settings.backend == "sqlite":
        return SqliteStore(settings.db, view_rows=settings.view_rows)
    try:
        from graph.neo4j_store import Neo4jStore
    except ImportError as exc:  # the backend module is optional until it exists
        raise StoreError(f"the neo4j backend is not available: {exc}") from exc
    return Neo4jStore(
        settings.neo4j_uri,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        database=settings.neo4j_database,
        view_rows=settings.view_rows,
    )

"""Settings read from the environment (every variable chainkg reads, in one class), and opening
the store they select."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import StoreError
from graph.sqlite_store import SqliteStore
from graph.store import GraphStore
from graph.view import KEPT_VIEW_ROWS


class Settings(BaseSettings):
    """chainkg's settings; every field is an environment variable (CHAINKG_BACKEND, NEO4J_URI, ...)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    backend: Literal["sqlite", "neo4j"] = Field("sqlite", alias="CHAINKG_BACKEND")
    # the embedded store's file: CHAINKG_DB, else $XDG_DATA_HOME/chainkg/chainkg.db
    db: Path = Field(Path(), alias="CHAINKG_DB")
    xdg_data_home: Path | None = Field(None, alias="XDG_DATA_HOME")
    neo4j_uri: str = Field("bolt://127.0.0.1:7687", alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", alias="NEO4J_USER")
    neo4j_password: str | None = Field(None, alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", alias="NEO4J_DATABASE")
    # signs the pages' login cookies; None: a random secret kept beside the embedded store
    secret: str | None = Field(None, alias="CHAINKG_SECRET")
    # host names the web app answers to (DNS rebinding): comma-separated, "*" for any
    allowed_hosts: str = Field("localhost,127.0.0.1,::1,testserver", alias="CHAINKG_ALLOWED_HOSTS")
    # the largest request body the web app reads, in bytes
    max_body_bytes: int = Field(1_000_000, ge=1024, alias="CHAINKG_MAX_BODY_BYTES")
    # days an API token works after it is issued (chainkg user add / --replace)
    token_days: int = Field(90, ge=1, alias="CHAINKG_TOKEN_DAYS")
    # nodes and edges of the industries' views a process keeps in memory (least recently used
    # dropped first); about 1.6 KB each: an industry of a 1M-firm register holds about 300k
    view_rows: int = Field(KEPT_VIEW_ROWS, ge=0, alias="CHAINKG_VIEW_ROWS")

    def host_list(self) -> list[str]:
        return [h.strip().strip("[]") for h in self.allowed_hosts.split(",") if h.strip()]

    @model_validator(mode="after")
    def _default_db(self) -> Settings:
        if str(self.db) in ("", "."):
            base = self.xdg_data_home or Path.home() / ".local" / "share"
            self.db = base / "chainkg" / "chainkg.db"
        self.db = self.db.expanduser()
        return self


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

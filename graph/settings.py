"""Settings read from the environment, and opening the store they select."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import StoreError
from graph.sqlite_store import SqliteStore, default_db_path
from graph.store import GraphStore


class Settings(BaseSettings):
    """chainkg's settings; every field is an environment variable (CHAINKG_BACKEND, NEO4J_URI, ...)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    backend: Literal["sqlite", "neo4j"] = Field("sqlite", alias="CHAINKG_BACKEND")
    db: Path = Field(default_factory=default_db_path, alias="CHAINKG_DB")
    neo4j_uri: str = Field("bolt://127.0.0.1:7687", alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", alias="NEO4J_USER")
    neo4j_password: str | None = Field(None, alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", alias="NEO4J_DATABASE")


def open_store(settings: Settings | None = None) -> GraphStore:
    """The store `settings` select (read from the environment when not given).

    Raises:
        StoreError: the store cannot be opened or reached, with a message saying why.
    """
    settings = settings or Settings()
    if settings.backend == "sqlite":
        return SqliteStore(settings.db)
    try:
        from graph.neo4j_store import Neo4jStore
    except ImportError as exc:  # the backend module is optional until it exists
        raise StoreError(f"the neo4j backend is not available: {exc}") from exc
    return Neo4jStore(
        settings.neo4j_uri,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        database=settings.neo4j_database,
    )

"""Settings come from the environment, or are given by name or by variable; a value that cannot
be used is refused with the variable named."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.settings import FIELDS, Settings


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    for alias, _read, _default in FIELDS.values():
        monkeypatch.delenv(alias, raising=False)


def test_defaults_and_the_store_under_the_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings()
    assert (settings.backend, settings.neo4j_uri, settings.max_body_bytes, settings.token_days) == (
        "sqlite",
        "bolt://127.0.0.1:7687",
        1_000_000,
        90,
    )
    assert settings.db == tmp_path / ".local/share/chainkg/chainkg.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert Settings().db == tmp_path / "data/chainkg/chainkg.db"
    monkeypatch.setenv("XDG_DATA_HOME", "")  # empty: as if unset
    assert Settings().db == tmp_path / ".local/share/chainkg/chainkg.db"


def test_the_environment_read_and_given_values_first(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CHAINKG_BACKEND", "neo4j")
    monkeypatch.setenv("CHAINKG_DB", "~/kg.db")
    monkeypatch.setenv("CHAINKG_VIEW_ROWS", "0")
    monkeypatch.setenv("CHAINKG_ALLOWED_HOSTS", "kg.example.cn, [::1] ,")
    settings = Settings()
    assert (settings.backend, settings.db, settings.view_rows) == ("neo4j", tmp_path / "kg.db", 0)
    assert settings.host_list() == ["kg.example.cn", "::1"]
    given = Settings(CHAINKG_BACKEND="sqlite", db=tmp_path / "other.db", CHAINKG_TOKEN_DAYS=7)
    assert (given.backend, given.db, given.token_days) == ("sqlite", tmp_path / "other.db", 7)
    moved = given.replace(backend="neo4j")
    assert (moved.backend, moved.db, given.backend) == ("neo4j", tmp_path / "other.db", "sqlite")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CHAINKG_BACKEND", "postgres", "CHAINKG_BACKEND must be sqlite or neo4j, not 'postgres'"),
        ("CHAINKG_MAX_BODY_BYTES", "100", "CHAINKG_MAX_BODY_BYTES must be at least 1024, not 100"),
        ("CHAINKG_TOKEN_DAYS", "a week", "CHAINKG_TOKEN_DAYS must be a whole number, not 'a week'"),
        ("CHAINKG_VIEW_ROWS", "-1", "CHAINKG_VIEW_ROWS must be at least 0, not -1"),
    ],
)
def test_a_value_that_cannot_be_used_is_refused_by_name(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert str(err.value) == message


def test_an_unknown_setting_is_a_mistake_and_secrets_are_not_shown():
    with pytest.raises(TypeError, match="CHAINKG_DBB"):
        Settings(CHAINKG_DBB="x")
    shown = repr(Settings(NEO4J_PASSWORD="hunter2", CHAINKG_SECRET="s3cret", CHAINKG_DB=Path("/tmp/x.db")))
    assert "hunter2" not in shown and "s3cret" not in shown and "/tmp/x.db" in shown

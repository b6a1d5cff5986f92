"""Every CLI command and every setting is documented in the README (a test fails otherwise)."""

from __future__ import annotations

from pathlib import Path

from api.cli import cli
from graph.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    missing = [name for name in cli.commands if f"chainkg {name}" not in README]
    assert not missing, f"undocumented commands: {missing}"


def test_every_setting_is_in_the_readme():
    names = [field.alias for field in Settings.model_fields.values()]
    missing = [name for name in names if f"`{name}`" not in README]
    assert not missing, f"undocumented settings: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci and "make test" in README

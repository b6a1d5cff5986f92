"""Every CLI command and every setting is documented in the README (a test fails otherwise)."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli import COMMANDS, cli
from graph.settings import FIELDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    missing = [name for name in COMMANDS if f"chainkg {name}" not in README]
    assert not missing, f"undocumented commands: {missing}"


def test_the_lazy_listing_gives_each_command_its_own_help():
    ctx = click.Context(cli)
    for name, (_, _, listed) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(limit=1000) == listed, name


def test_help_imports_no_command_module():
    import subprocess
    import sys

    code = "import sys; from api.cli import main; sys.argv = ['chainkg', '--help']\ntry: main()\nexcept SystemExit: pass\nprint(sorted(m for m in sys.modules if m.startswith(('api.cli_', 'networkx'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "gaps" in done.stdout and done.stdout.strip().endswith("[]")


def test_every_setting_is_in_the_readme():
    names = [alias for alias, _read, _default in FIELDS.values()]
    missing = [name for name in names if f"`{name}`" not in README]
    assert not missing, f"undocumented settings: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci and "make test" in README


def test_the_compose_files_neo4j_settings_are_the_test_servers():
    """docker-compose.yml sets the shared server as scripts/neo4j/neo4j.conf sets the test
    server (its environment names map to Neo4j's settings: NEO4J_ and `_` for `.`, `__` for `_`),
    so a misspelt name, which the image would ignore, fails here."""
    import yaml

    root = Path(__file__).resolve().parent.parent
    compose = yaml.safe_load((root / "docker-compose.yml").read_text(encoding="utf-8"))
    given = {
        name.removeprefix("NEO4J_").replace("__", "\0").replace("_", ".").replace("\0", "_"): str(value)
        for name, value in compose["services"]["neo4j"]["environment"].items()
        if name != "NEO4J_AUTH"
    }
    conf = dict(
        line.split("=", 1)
        for line in (root / "scripts/neo4j/neo4j.conf").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert set(conf) - {"server.memory.pagecache.size"} <= set(given), set(conf) - set(given)
    assert {k: given[k] for k in conf if k.startswith(("dbms.memory", "db.memory"))} == {
        k: v for k, v in conf.items() if k.startswith(("dbms.memory", "db.memory"))
    }
    assert given["server.memory.heap.initial_size"] == given["server.memory.heap.max_size"]
    assert given["db.tx_log.rotation.retention_policy"] == conf["db.tx_log.rotation.retention_policy"]

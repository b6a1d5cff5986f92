"""The `chainkg` command, assembled here from the command modules (one place, no registration
by import): data (build, stats, sync, sources, import), analyses (gaps, recommend, leaders,
scenario, plan, export), the project library (user, projects, report) and the web (serve, viz).

Each command's module is imported only when that command runs (`chainkg --help` imports none of
them: networkx, pydantic and the web stack load only for the commands that use them); the table
below holds each command's one-line help for the listing, checked against the command's own.
"""

from __future__ import annotations

import importlib

import click

import api

# name -> (module, attribute, one-line help as `chainkg --help` lists it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "build": (
        "api.cli_data",
        "build",
        "Load the curated dataset into the store: checked whole first, then one transaction.",
    ),
    "stats": ("api.cli_data", "stats", "Size of the graph and the fraction of facts that carry a source."),
    "sync": (
        "api.cli_data",
        "sync",
        "Copy the whole graph between the embedded store and Neo4j (a laptop team moving to a server).",
    ),
    "sources": (
        "api.cli_data",
        "sources",
        "The file sources `chainkg import` takes, with their formats and expected columns.",
    ),
    "import": (
        "api.cli_data",
        "import_",
        "Import a published list or table (see `chainkg sources`): report first, then one transaction.",
    ),
    "plan": (
        "api.cli_analysis",
        "plan",
        "Draft an industry's 1+1+1+1 plan (chain, promotion, talent, policies) as Markdown, HTML, Word or PDF.",
    ),
    "export": ("api.cli_analysis", "export", "Export lists for Excel."),
    "gaps": (
        "api.cli_analysis",
        "gaps",
        "Strong, weak and missing links of an industry's chain in Yunnan (or one prefecture).",
    ),
    "recommend": (
        "api.cli_analysis",
        "recommend",
        "Target enterprises for the gaps of an industry (or one node), with the reasons of each score.",
    ),
    "leaders": (
        "api.cli_analysis",
        "leaders",
        "The k chain leaders (链主) that together close the most weighted gaps, and headquarters targets.",
    ),
    "scenario": (
        "api.cli_analysis",
        "scenario",
        "What if these enterprises land in a prefecture: statuses and completeness before and after.",
    ),
    "user": (
        "api.cli_projects",
        "user",
        "Users of the project library: county, prefecture and province accounts.",
    ),
    "projects": (
        "api.cli_projects",
        "projects",
        "The project library: list, show, the declaration template, import.",
    ),
    "report": (
        "api.cli_projects",
        "report",
        "The tracking report: quota progress (measure 1), chain-leader and HQ counts (measure 2), monthly and quarterly progress (measure 6), the prefecture bulletin (measures 9-10).",
    ),
    "serve": (
        "api.cli_web",
        "serve",
        "Serve the planner's web app and JSON API (builds the store from the bundled data first when it is empty).",
    ),
    "viz": (
        "api.cli_web",
        "viz",
        "Write an industry's chain map as one standalone HTML file (vis-network inlined, no external URL).",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when run, listed from COMMANDS without importing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        # a stand-in command shortens the help the way the real one would
        rows = [(n, click.Command(n, help=COMMANDS[n][2]).get_short_help_str(limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chainkg")
def cli() -> None:
    """chainkg: Yunnan's 12 key industry chains as a knowledge graph, for 招大引强 planning.

    The store is the embedded SQLite file at $CHAINKG_DB (default ~/.local/share/chainkg/chainkg.db), or a Neo4j server with CHAINKG_BACKEND=neo4j and NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD.
    """


def main() -> None:
    """The `chainkg` command: one command, then the process ends (`api.ONE_COMMAND`)."""
    api.ONE_COMMAND = True
    cli(prog_name="chainkg")

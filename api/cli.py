"""The `chainkg` command, assembled here from the command modules (one place, no registration
by import): data (build, stats, sync, sources, import), analyses (gaps, recommend, leaders,
scenario, plan, export), the project library (user, projects, report) and the web (serve, viz).
"""

from __future__ import annotations

import click

from api import cli_analysis, cli_data, cli_projects, cli_web


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chainkg")
def cli() -> None:
    """chainkg: Yunnan's 12 key industry chains as a knowledge graph, for 招大引强 planning.

    The store is the embedded SQLite file at $CHAINKG_DB (default ~/.local/share/chainkg/chainkg.db), or a Neo4j server with CHAINKG_BACKEND=neo4j and NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD.
    """


for command in (
    cli_data.build,
    cli_data.stats,
    cli_data.sync,
    cli_data.sources,
    cli_data.import_,
    cli_analysis.plan,
    cli_analysis.export,
    cli_analysis.gaps,
    cli_analysis.recommend,
    cli_analysis.leaders,
    cli_analysis.scenario,
    cli_projects.user,
    cli_projects.projects,
    cli_projects.report,
    cli_web.serve,
    cli_web.viz,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="chainkg")

"""`chainkg` commands on the store: build, stats, sync, the import sources and import."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli_common import (
    err,
    friendly_errors,
    json_flag,
    make_table,
    opened_store,
    out,
    print_json,
)
from graph.settings import open_store
from ingest.build import plan_build


@click.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dataset folder (default: the bundled data/).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@friendly_errors
def build(data_dir: Path | None, as_json: bool) -> None:
    """Load the curated dataset into the store: checked whole first, then one transaction.

    Running it again with the same data changes nothing.
    """
    with opened_store() as store:
        changes = plan_build(store, data_dir)
        with Progress(
            TextColumn("写入知识图谱 writing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("build", total=len(changes))
            result = store.apply(changes, progress=lambda n: bar.advance(task, n))
    summary = {
        "nodes_created": result.nodes_created,
        "nodes_updated": result.nodes_updated,
        "nodes_deleted": result.nodes_deleted,
        "edges_created": result.edges_created,
        "edges_updated": result.edges_updated,
        "edges_deleted": result.edges_deleted,
        "changed": result.changed,
    }
    if as_json:
        print_json(summary)
    elif result.changed:
        out.print(
            f"built: nodes +{result.nodes_created} ~{result.nodes_updated} -{result.nodes_deleted}, "
            f"edges +{result.edges_created} ~{result.edges_updated} -{result.edges_deleted}",
            highlight=False,
        )
    else:
        out.print("already up to date: nothing changed", highlight=False)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly_errors
def stats(as_json: bool) -> None:
    """Size of the graph and the fraction of facts that carry a source."""
    from api.services import stats as store_stats  # the analyses load only for this command

    with opened_store() as store:
        figures = store_stats(store)
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        out.print(f"{key:>20}  {value}", highlight=False)


@click.command()
@click.option(
    "--to",
    "target",
    type=click.Choice(["neo4j", "sqlite"]),
    required=True,
    help="The backend to copy into; the other one is the source.",
)
@click.option("--prune", is_flag=True, help="Also delete what the target has and the source does not.")
@friendly_errors
def sync(target: str, prune: bool) -> None:
    """Copy the whole graph between the embedded store and Neo4j (a laptop team moving to a server).

    Uses CHAINKG_DB for the SQLite side and NEO4J_* for the Neo4j side; one transaction.
    """
    from graph.settings import Settings
    from graph.sync import sync_changes

    settings = Settings()
    source_settings = settings.replace(backend="sqlite" if target == "neo4j" else "neo4j")
    target_settings = settings.replace(backend=target)
    source, sink = open_store(source_settings), open_store(target_settings)
    try:
        changes = sync_changes(source, sink, prune=prune)
        with Progress(
            TextColumn("同步 syncing"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("sync", total=len(changes))
            result = sink.apply(changes, progress=lambda n: bar.advance(task, n))
    finally:
        source.close()
        sink.close()
    out.print(
        f"synced to {target}: nodes +{result.nodes_created} ~{result.nodes_updated} -{result.nodes_deleted}, "
        f"edges +{result.edges_created} ~{result.edges_updated} -{result.edges_deleted}",
        highlight=False,
    )


@click.command()
@json_flag
def sources(as_json: bool) -> None:
    """The file sources `chainkg import` takes, with their formats and expected columns."""
    from ingest.registry import SOURCES

    infos = [asdict(source.INFO) for source in SOURCES.values()]
    if as_json:
        print_json(infos)
        return
    table = make_table("可导入的数据源 import sources", ("id", "名称", "格式", "列", "行数"))
    for info in infos:
        table.add_row(info["id"], info["name"], info["formats"], info["columns"], info["expected_rows"])
    out.print(table)


@click.command(name="import")
@click.argument("source")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--edition", default=None, help="The list's edition (year); default: a year in the file name.")
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Column mapping (YAML) for the chain-table source.",
)
@click.option(
    "--dry-run", is_flag=True, help="Report only: every problem, and what would change; write nothing."
)
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and list the skipped ones.")
@json_flag
@friendly_errors
def import_(
    source: str,
    file: Path,
    edition: str | None,
    mapping: Path | None,
    dry_run: bool,
    skip_invalid: bool,
    as_json: bool,
) -> None:
    """Import a published list or table (see `chainkg sources`): report first, then one transaction.

    Firms are matched to enterprises already in the graph by stock code, name, alias or
    normalised name; uncertain matches are listed for review and never merged.
    """
    from ingest.registry import import_file

    with opened_store() as store:
        plan, result = import_file(
            store,
            source,
            file,
            edition=edition,
            mapping=mapping,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=lambda line: click.echo(line, err=True),
        )
    summary = plan.summary()
    summary["written"] = (
        None
        if result is None
        else {
            "nodes_created": result.nodes_created,
            "nodes_updated": result.nodes_updated,
            "edges_created": result.edges_created,
            "edges_updated": result.edges_updated,
            "changed": result.changed,
        }
    )
    if as_json:
        print_json(
            {
                **summary,
                "uncertain_rows": [asdict(o) for o in plan.uncertain_rows],
                "problems": plan.problems,
            }
        )
        return
    out.print(
        f"{plan.source} {plan.edition or ''} {file}: read {summary['rows_read']} rows; "
        f"matched {summary['matched']}, new {summary['new']}, uncertain {summary['uncertain']}, "
        f"rejected {summary['rejected']}",
        highlight=False,
    )
    confirmed = sum(1 for note in plan.notes if "confirms the curated" in note)
    if confirmed:
        out.print(
            f"  {confirmed} rows confirm memberships already in the curated dataset (kept as curated)",
            highlight=False,
        )
    methods = plan.methods
    if methods:
        out.print(
            "  matched by " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items())), highlight=False
        )
    for outcome in plan.uncertain_rows[:30]:
        out.print(f"  review line {outcome.line}: {outcome.name} — {outcome.detail}", highlight=False)
    for problem in plan.problems[:50]:
        out.print(f"  rejected: {problem}", highlight=False)
    for warning in plan.warnings:
        out.print(f"warning: {warning}", highlight=False)
    if dry_run:
        out.print("dry run: nothing written", highlight=False)
    elif result is not None:
        out.print(
            "nothing changed" + ("" if plan.warnings else " (already imported)")
            if not result.changed
            else f"written: nodes +{result.nodes_created} ~{result.nodes_updated}, "
            f"edges +{result.edges_created} ~{result.edges_updated}",
            highlight=False,
        )

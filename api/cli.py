"""The `chainkg` command: thin commands over ingest/, graph/ and analysis/.

Errors chainkg raises on purpose are printed as one line on stderr with exit code 2; output a
program reads (`--json`) goes to stdout and progress to stderr.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from analysis.gaps import chain_gaps
from analysis.leaders import best_leader_set, headquarters_targets
from analysis.recommend import recommend_targets
from analysis.scenario import scenario as run_scenario
from analysis.stats import graph_stats
from api.present import (
    GAP_TYPE_ZH,
    STAGE_ZH,
    STATUS_ZH,
    gaps_json,
    leaders_json,
    recommendation_json,
    scenario_json,
)
from graph.errors import ChainKGError, ValidationError
from graph.lookup import chain_node_id, enterprise_id, industry_id, prefecture_id
from graph.settings import open_store
from graph.store import GraphStore
from ingest.build import plan_build

F = TypeVar("F", bound=Callable[..., Any])

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


json_flag = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
industry_arg = click.argument("industry")
prefecture_opt = click.option(
    "--prefecture", "-p", default=None, help="A Yunnan prefecture (code or name, e.g. 曲靖)."
)


def friendly_errors(func: F) -> F:
    """Turn chainkg's own errors into one readable line and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems[:50]:
                err.print(f"[red]error:[/red] {problem}", markup=True, highlight=False)
            if len(exc.problems) > 50:
                err.print(f"... and {len(exc.problems) - 50} more", highlight=False)
            err.print(f"{len(exc.problems)} problem(s); nothing was written.", highlight=False)
            sys.exit(2)
        except ChainKGError as exc:
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_store() -> Iterator[GraphStore]:
    store = open_store()
    try:
        yield store
    finally:
        store.close()


def make_table(title: str, columns: tuple[str, ...] | list[str], caption: str | None = None) -> Table:
    """A terminal table whose cells wrap rather than cut names short."""
    table = Table(title=title, caption=caption)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chainkg")
def cli() -> None:
    """chainkg: Yunnan's 12 key industry chains as a knowledge graph, for 招大引强 planning.

    The store is the embedded SQLite file at $CHAINKG_DB (default ~/.local/share/chainkg/chainkg.db), or a Neo4j server with CHAINKG_BACKEND=neo4j and NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD.
    """


@cli.command()
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly_errors
def stats(as_json: bool) -> None:
    """Size of the graph and the fraction of facts that carry a source."""
    with opened_store() as store:
        figures = graph_stats(store.graph())
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        out.print(f"{key:>20}  {value}", highlight=False)


@cli.command()
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
    source_settings = settings.model_copy(update={"backend": "sqlite" if target == "neo4j" else "neo4j"})
    target_settings = settings.model_copy(update={"backend": target})
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


@cli.command()
@json_flag
def sources(as_json: bool) -> None:
    """The file sources `chainkg import` takes, with their formats and expected columns."""
    from ingest.sources import SOURCES

    infos = [asdict(source.INFO) for source in SOURCES.values()]
    if as_json:
        print_json(infos)
        return
    table = make_table("可导入的数据源 import sources", ("id", "名称", "格式", "列", "行数"))
    for info in infos:
        table.add_row(info["id"], info["name"], info["formats"], info["columns"], info["expected_rows"])
    out.print(table)


@cli.command(name="import")
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
    from ingest.importer import import_file

    with opened_store() as store:
        plan, result = import_file(
            store, source, file, edition=edition, mapping=mapping, dry_run=dry_run, skip_invalid=skip_invalid
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
                "uncertain_rows": [asdict(o) for o in plan.outcomes if o.status == "uncertain"],
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
    methods: dict[str, int] = {}
    for outcome in plan.outcomes:
        if outcome.status == "matched":
            methods[outcome.method] = methods.get(outcome.method, 0) + 1
    if methods:
        out.print(
            "  matched by " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items())), highlight=False
        )
    for outcome in [o for o in plan.outcomes if o.status == "uncertain"][:30]:
        out.print(f"  review line {outcome.line}: {outcome.name} — {outcome.detail}", highlight=False)
    for problem in plan.problems[:50]:
        out.print(f"  rejected: {problem}", highlight=False)
    if dry_run:
        out.print("dry run: nothing written", highlight=False)
    elif result is not None:
        out.print(
            "nothing changed (already imported)"
            if not result.changed
            else f"written: nodes +{result.nodes_created} ~{result.nodes_updated}, "
            f"edges +{result.edges_created} ~{result.edges_updated}",
            highlight=False,
        )


@cli.command()
@industry_arg
@prefecture_opt
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "docx"]),
    default=None,
    help="Output format (default: from the file's extension).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@friendly_errors
def plan(industry: str, prefecture: str | None, fmt: str | None, output: Path) -> None:
    """Draft an industry's 1+1+1+1 plan (chain, promotion, talent, policies) as Markdown, HTML or Word."""
    fmt = fmt or {".md": "md", ".html": "html", ".htm": "html", ".docx": "docx"}.get(output.suffix.lower())
    if fmt is None:
        raise click.UsageError("give --format md|html|docx or an output file ending in .md, .html or .docx")
    from api.render import render_plan

    with opened_store() as store:
        chosen = industry_id(store, industry)
        data = render_plan(store.graph(chosen), chosen, fmt, prefecture=prefecture_id(store, prefecture))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    out.print(f"wrote {output} ({fmt})", highlight=False)


@cli.group()
def export() -> None:
    """Export lists for Excel."""


@export.command("targets")
@industry_arg
@prefecture_opt
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--top", "-k", type=click.IntRange(1, 500), default=20, show_default=True)
@friendly_errors
def export_targets(industry: str, prefecture: str | None, output: Path, top: int) -> None:
    """The industry's target-enterprise list (with reasons) and leader set as an .xlsx workbook."""
    from api.render import render_plan

    with opened_store() as store:
        chosen = industry_id(store, industry)
        data = render_plan(
            store.graph(chosen), chosen, "xlsx", prefecture=prefecture_id(store, prefecture), top=top
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    out.print(f"wrote {output}", highlight=False)


def _firms(firms: list[dict[str, Any]] | tuple[Any, ...], limit: int = 3) -> str:
    names = [f["name"] if isinstance(f, dict) else f.name for f in firms]
    return "、".join(names[:limit]) + (f" 等{len(names)}家" if len(names) > limit else "")


@cli.command()
@industry_arg
@prefecture_opt
@json_flag
@friendly_errors
def gaps(industry: str, prefecture: str | None, as_json: bool) -> None:
    """Strong, weak and missing links of an industry's chain in Yunnan (or one prefecture)."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        where_id = prefecture_id(store, prefecture)
        view = store.graph(chosen)
    result = chain_gaps(view, chosen, prefecture=where_id)
    if as_json:
        print_json(gaps_json(result))
        return
    where = view.nodes[result.prefecture]["name"] if result.prefecture else "云南省"
    table = make_table(
        f"{result.industry_name}（{where}）产业链完整度 {result.completeness}/100  "
        f"强 {result.count('strong')} · 弱 {result.count('weak')} · 缺失 {result.count('missing')}",
        ("优先级", "环节", "阶段", "状态", "关键度", "类型", "行动", "在滇企业"),
        caption=f"规则版本 {result.config_version}",
    )
    for node in result.nodes:
        table.add_row(
            f"{node.priority:.2f}",
            f"{node.name} ({node.id})",
            STAGE_ZH.get(node.stage, node.stage),
            STATUS_ZH[node.status],
            f"{node.criticality:.2f}",
            GAP_TYPE_ZH.get(node.gap_type, node.gap_type),
            node.action or "-",
            _firms(node.local_firms) or "-",
        )
    out.print(table)


@cli.command()
@industry_arg
@click.option("--node", "-n", default=None, help="One chain node (id or name); default: all gaps.")
@click.option("--top", "-k", "top", type=click.IntRange(1, 500), default=10, show_default=True)
@prefecture_opt
@json_flag
@friendly_errors
def recommend(industry: str, node: str | None, top: int, prefecture: str | None, as_json: bool) -> None:
    """Target enterprises for the gaps of an industry (or one node), with the reasons of each score."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        node_id = chain_node_id(store, node, chosen) if node else None
        where_id = prefecture_id(store, prefecture)
        view = store.graph(chosen)
    recs = recommend_targets(view, chosen, node=node_id, top=top, prefecture=where_id)
    if as_json:
        print_json([recommendation_json(r) for r in recs])
        return
    title = f"{view.nodes[chosen]['name']} 招商目标企业" + (
        f" · {recs[0].node_name}" if node_id and recs else ""
    )
    table = make_table(title, ("#", "企业", "环节", "行动", "得分", "理由"))
    for rank, rec in enumerate(recs, start=1):
        reasons = "；".join(f"{p.reason}（{p.value:g}）" for p in rec.parts if p.value > 0)
        table.add_row(str(rank), rec.name, rec.node_name, rec.action or "-", f"{rec.score:.2f}", reasons)
    out.print(table)
    if not recs:
        out.print("没有可推荐的外部企业（该环节在滇已强，或数据中没有经营该环节的企业）。")


@cli.command()
@industry_arg
@click.option(
    "--k", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="Size of the leader set."
)
@prefecture_opt
@json_flag
@friendly_errors
def leaders(industry: str, k: int, prefecture: str | None, as_json: bool) -> None:
    """The k chain leaders (链主) that together close the most weighted gaps, and headquarters targets."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        where_id = prefecture_id(store, prefecture)
        view = store.graph(chosen)
    result = best_leader_set(view, chosen, k=k, prefecture=where_id)
    hq = headquarters_targets(view, chosen)
    if as_json:
        print_json(leaders_json(result, hq))
        return
    table = make_table(
        f"{view.nodes[chosen]['name']} 链主企业组合（k={k}）",
        ("#", "企业", "新增覆盖环节", "边际增益"),
        caption=f"合计覆盖缺口权重 {result.gain:.2f} / {result.total_gap_weight:.2f}",
    )
    for rank, pick in enumerate(result.picks, start=1):
        table.add_row(
            str(rank),
            pick.name,
            "、".join(view.nodes[n]["name"] for n in pick.new_gaps),
            f"{pick.marginal_gain:.2f}",
        )
    out.print(table)
    hq_table = make_table("总部经济目标企业", ("企业", "建议总部类型", "理由"))
    for target in hq:
        hq_table.add_row(target.name, "、".join(target.hq_types), "；".join(target.reasons))
    out.print(hq_table)


@cli.command()
@industry_arg
@click.option(
    "--add", "adds", multiple=True, required=True, help="An enterprise that lands (id or name); repeatable."
)
@prefecture_opt
@json_flag
@friendly_errors
def scenario(industry: str, adds: tuple[str, ...], prefecture: str | None, as_json: bool) -> None:
    """What if these enterprises land in a prefecture: statuses and completeness before and after."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        firms = [enterprise_id(store, a) for a in adds]
        where_id = prefecture_id(store, prefecture)
        view = store.graph()  # an arriving firm may work on other chains too
    result = run_scenario(view, chosen, firms, prefecture=where_id)
    if as_json:
        print_json(scenario_json(result))
        return
    out.print(
        f"完整度 {result.before.completeness} → {result.after.completeness}；"
        f"强 {result.before.strong}→{result.after.strong}，弱 {result.before.weak}→{result.after.weak}，"
        f"缺失 {result.before.missing}→{result.after.missing}",
        highlight=False,
    )
    for change in result.changed_nodes:
        out.print(f"  {change.name}: {STATUS_ZH[change.before]} → {STATUS_ZH[change.after]}", highlight=False)
    if not result.changed_nodes:
        out.print("  没有环节的状态发生变化。")


def main() -> None:
    cli(prog_name="chainkg")


# The web commands live in their own module; importing it registers them on `cli`.
import api.cli_projects  # noqa: E402, F401  (the project library's commands)
from api import cli_web  # noqa: E402, F401

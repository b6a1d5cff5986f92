"""The project-library commands of `chainkg`: `user` (accounts and API tokens), `projects`
(list, show, the Excel template, import) and `report` (the tracking report to .xlsx or .docx)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from api.cli_common import err, friendly_errors, json_flag, make_table, opened_store, out, plain, print_json
from graph.store import GraphStore
from workflow import clock, model
from workflow import projects as library

ADMIN = model.Actor("cli", "province", model.PROVINCE)  # whoever runs the CLI holds the store file


@click.group()
def user() -> None:
    """Users of the project library: county, prefecture and province accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(model.ROLES), required=True, help="county, prefecture or province.")
@click.option(
    "--region", required=True, help="The region code: a county (530102), a prefecture (530100) or 530000."
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the page password (8+ characters) from the first line of stdin instead of a prompt.",
)
@click.option("--no-password", is_flag=True, help="API token only, no page login.")
@click.option(
    "--replace",
    is_flag=True,
    help="The user exists: give it this role, region and password and a new token (old token and sessions end).",
)
@click.option("--display-name", default=None, help="A display name (default: NAME).")
@friendly_errors
def user_add(
    name: str,
    role: str,
    region: str,
    password_stdin: bool,
    no_password: bool,
    replace: bool,
    display_name: str | None,
) -> None:
    """Create a user; an existing one only with --replace. Prints the API token once: it is
    stored only as a hash. The password is prompted for (or read with --password-stdin), never
    taken on the command line, where other users and the shell history would see it."""
    from workflow.users import create_user

    if password_stdin and no_password:
        raise click.UsageError("--password-stdin and --no-password exclude each other")
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not no_password:
        password = click.prompt("密码 password", hide_input=True, confirmation_prompt=True, err=True)
    with opened_store() as store:
        node, token = create_user(
            store, name, role, region, password=password, display=display_name, replace=replace
        )
    err.print(f"user {name}: {role} · {node.props.get('region_name')} ({region})", highlight=False)
    err.print("API token (shown once; send as `Authorization: Bearer <token>`):", highlight=False)
    click.echo(token)


@user.command("disable")
@click.argument("name")
@friendly_errors
def user_disable(name: str) -> None:
    """Stop a user signing in or using its token (its sessions end); `add --replace` enables it again."""
    from workflow.users import disable_user

    _change_user(name, disable_user, "disabled")


@user.command("remove")
@click.argument("name")
@friendly_errors
def user_remove(name: str) -> None:
    """Delete a user (the audit trail keeps its name)."""
    from workflow.users import remove_user

    _change_user(name, remove_user, "removed")


def _change_user(name: str, change: Callable[[GraphStore, str], object], done: str) -> None:
    with opened_store() as store:
        change(store, name)
    err.print(plain(f"user {name}: {done}"), highlight=False)


@user.command("list")
@json_flag
@friendly_errors
def user_list(as_json: bool) -> None:
    """The users, with role and region (never their hashes)."""
    with opened_store() as store:
        users = [
            {
                k: n.props.get(k)
                for k in ("name", "display_name", "role", "region", "region_name", "created_at")
            }
            | {"can_log_in": bool(n.props.get("password_hash"))}
            for n in store.find_nodes("User")
        ]
    if as_json:
        print_json(users)
        return
    table = make_table("用户 users", ("name", "role", "region", "page login", "created"))
    for u in users:
        table.add_row(
            str(u["name"]),
            str(u["role"]),
            f"{u['region']} {u['region_name'] or ''}",
            "yes" if u["can_log_in"] else "no",
            str(u["created_at"] or ""),
        )
    out.print(table)


@click.group()
def projects() -> None:
    """The project library: list, show, the declaration template, import."""


@projects.command("list")
@click.option("--status", type=click.Choice(model.REVIEW_STATES), default=None)
@json_flag
@friendly_errors
def projects_list(status: str | None, as_json: bool) -> None:
    """Every project (the CLI sees the whole library)."""
    with opened_store() as store:
        found = library.list_projects(store, ADMIN, review_status=status)
        rows = [library.project_json(p) for p in found]
    if as_json:
        print_json(rows)
        return
    table = make_table(
        f"重大项目库 {len(rows)} projects", ("id", "项目", "县", "产业", "亿元", "阶段", "审核")
    )
    for p in rows:
        table.add_row(
            p["id"],
            p["name"],
            p["county"],
            p["industry"],
            f"{p['investment_yi']:g}",
            model.PROJECT_STAGE_ZH[p["stage"]],
            model.REVIEW_ZH[p["review_status"]],
        )
    out.print(table)


@projects.command("show")
@click.argument("project_id")
@json_flag
@friendly_errors
def projects_show(project_id: str, as_json: bool) -> None:
    """One project and its audit trail."""
    with opened_store() as store:
        project = library.project_json(library.get_project(store, project_id))
        trail = library.audit_trail(store, project_id)
    if as_json:
        print_json({"project": project, "audit": [a.__dict__ for a in trail]})
        return
    out.print(
        plain(
            f"{project['name']} ({project['id']}): {model.REVIEW_ZH[project['review_status']]}, "
            f"{model.PROJECT_STAGE_ZH[project['stage']]}, {project['investment_yi']:g} 亿元"
        ),
        highlight=False,
    )
    for a in trail:
        changes = "; ".join(f"{c['field']}: {c.get('from')} → {c.get('to')}" for c in a.changes)
        out.print(
            plain(
                f"  v{a.version} {a.at} {a.user} {model.ACTION_ZH.get(a.action, a.action)} {changes} {a.reason}"
            ),
            highlight=False,
        )


@projects.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def projects_template(output: Path) -> None:
    """Write the Excel declaration template counties fill in (Chinese headers)."""
    from ingest.sources.projects import write_template

    write_template(output)
    out.print(f"wrote {output}; import it with: chainkg import project-library {output}", highlight=False)


@click.command()
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="The year (default: this year).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An .xlsx (every table) or .docx (the bulletin as a document) file.",
)
@json_flag
@friendly_errors
def report(year: int | None, output: Path | None, as_json: bool) -> None:
    """The tracking report: quota progress (measure 1), chain-leader and HQ counts (measure 2),
    monthly and quarterly progress (measure 6), the prefecture bulletin (measures 9-10)."""
    from api.reports import report_json, tracking_docx, tracking_report, tracking_xlsx
    from graph.reads import records_view

    with opened_store() as store:
        data = tracking_report(records_view(store), year or clock.today_in_china().year)
    if as_json:
        print_json(report_json(data))
    if output is None:
        if not as_json:
            for row in data.bulletin.rows:
                out.print(f"{row.rank:>2} {row.name} {row.score:g}", highlight=False)
            out.print(data.quota.explanation, highlight=False)
        return
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".docx"):
        raise click.UsageError("-o must end in .xlsx or .docx")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(tracking_xlsx(data) if suffix == ".xlsx" else tracking_docx(data))
    err.print(f"wrote {output}", highlight=False)

"""What every `chainkg` command shares: the consoles, the common options, the error handling and
the store. Errors chainkg raises on purpose are printed as one line on stderr with exit code 2;
output a program reads (`--json`) goes to stdout and progress to stderr.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from graph.errors import ChainKGError, ValidationError
from graph.settings import open_store
from graph.store import GraphStore
from graph.text import strip_controls

F = TypeVar("F", bound=Callable[..., Any])

# markup off: stored text ("[/bold]", "[link=...]") is printed as it is, never interpreted
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


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
                err.print(
                    f"[red]error:[/red] {escape(strip_controls(str(problem)))}", markup=True, highlight=False
                )
            if len(exc.problems) > 50:
                err.print(f"... and {len(exc.problems) - 50} more", highlight=False)
            err.print(f"{len(exc.problems)} problem(s); nothing was written.", highlight=False)
            sys.exit(2)
        except ChainKGError as exc:
            err.print(f"[red]error:[/red] {escape(strip_controls(str(exc)))}", markup=True, highlight=False)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_store() -> Iterator[GraphStore]:
    store = open_store()
    try:
        yield store
    finally:
        store.close()


class PlainTable(Table):
    """A table whose text cells are shown literally: no markup, no control characters (an
    escape sequence in a stored name must not reach the terminal)."""

    def add_row(self, *renderables: Any, **options: Any) -> None:
        super().add_row(*(plain(r) if isinstance(r, str) else r for r in renderables), **options)


def plain(text: str) -> Text:
    """Stored text for the terminal: literal, without control characters."""
    return Text(strip_controls(text))


def make_table(title: str, columns: tuple[str, ...] | list[str], caption: str | None = None) -> Table:
    """A terminal table whose cells wrap rather than cut names short."""
    table = PlainTable(title=title, caption=caption)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))

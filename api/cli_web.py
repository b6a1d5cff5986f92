"""The web commands of `chainkg`: `serve` and `viz` (registered on the main group)."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli_common import err, friendly_errors, opened_store, out
from graph.settings import open_store
from ingest.build import build as build_store


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@friendly_errors
def serve(host: str, port: int) -> None:
    """Serve the planner's web app and JSON API (builds the store from the bundled data first when
    it is empty)."""
    import uvicorn

    from api.main import create_app

    store = open_store()
    try:
        if not store.find_nodes("Industry"):
            err.print("the store is empty: building it from the bundled data first …", highlight=False)
            result = build_store(store)
            err.print(f"built: {result.nodes_created} nodes, {result.edges_created} edges", highlight=False)
    finally:
        store.close()
    err.print(f"chainkg: http://{host}:{port}/  (Ctrl+C stops it)", highlight=False)
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


@click.command()
@click.argument("industry")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
@click.option("--prefecture", "-p", default=None, help="A Yunnan prefecture (code or name, e.g. 曲靖).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@friendly_errors
def viz(industry: str, output: Path, prefecture: str | None, lang: str) -> None:
    """Write an industry's chain map as one standalone HTML file (vis-network inlined, no external URL)."""
    from api.chainmap import standalone_html
    from api.services import chain_graph
    from graph.lookup import industry_id, prefecture_id

    with opened_store() as store:
        chosen = industry_id(store, industry)
        graph = chain_graph(store, chosen, prefecture=prefecture_id(store, prefecture), with_enterprises=True)
    output.write_text(standalone_html(graph, lang=lang), encoding="utf-8")
    out.print(f"wrote {output} ({len(graph['nodes'])} chain nodes)", highlight=False)

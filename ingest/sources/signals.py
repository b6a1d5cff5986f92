"""A bureau's own intent signals (announced investments, expansions, fund-raising, land purchases,
site visits), in the columns of `data/signals/*.csv`, checked by the same rules as the shipped
ones (ingest.curated.signal_edge) and written as SIGNALLED edges enterprise -> region.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.curated import SIGNAL_COLUMNS, signal_edge
from ingest.importer import ImportContext, ImportPlan, SourceInfo
from ingest.sources.facts import plan_fact_file
from ingest.tables import Row

INFO = SourceInfo(
    "signals",
    "投资意向信号 intent signals",
    "dated events of a firm: investment, expansion, fundraising, land, visit (data/README.md)",
    ".csv/.xlsx",
    ",".join(SIGNAL_COLUMNS),
    "any",
    "the bureau's own",
)


def plan(
    path: Path, ctx: ImportContext, *, edition: str | None, mapping: Path | None, options: Mapping[str, Any]
) -> ImportPlan:
    def references(row: Row) -> list[str]:
        firm, region, node = row.get("enterprise_id"), row.get("region_id"), row.get("node_id")
        problems = []
        if ctx.store is None or ctx.store.get_node(firm) is None:
            problems.append(f"{row.where}: column enterprise_id: no enterprise {firm!r} in the graph")
        if region not in ctx.region_ids:
            problems.append(f"{row.where}: column region_id: no region {region!r} in the graph")
        if node and node not in ctx.chain_node_ids:
            problems.append(f"{row.where}: column node_id: no chain node {node!r} in the graph")
        return problems

    return plan_fact_file(
        INFO,
        path,
        edition,
        SIGNAL_COLUMNS,
        signal_edge,
        references,
        key_column="enterprise_id",
        status="matched",
    )

"""A bureau's own intent signals (announced investments, expansions, fund-raising, land purchases,
site visits), in the columns of `data/signals/*.csv`, checked by the same rules as the shipped
ones (ingest.curated.signal_edge) and written as SIGNALLED edges enterprise -> region.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.store import Edge
from ingest.curated import SIGNAL_COLUMNS, signal_edges
from ingest.importer import ImportContext, ImportPlan, RowOutcome, SourceInfo
from ingest.tables import read_table

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
    result = ImportPlan(INFO.id, str(path), edition)
    rows = read_table(path, SIGNAL_COLUMNS)
    result.rows_read = len(rows)
    for row in rows:
        edges, problems = signal_edges([row])
        firm, region, node = row.get("enterprise_id"), row.get("region_id"), row.get("node_id")
        if ctx.store is None or ctx.store.get_node(firm) is None:
            problems.append(f"{row.where}: column enterprise_id: no enterprise {firm!r} in the graph")
        if region not in ctx.region_ids:
            problems.append(f"{row.where}: column region_id: no region {region!r} in the graph")
        if node and node not in ctx.chain_node_ids:
            problems.append(f"{row.where}: column node_id: no chain node {node!r} in the graph")
        if problems:
            result.problems.extend(problems)
            result.record(RowOutcome(row.line, firm, "rejected", detail="; ".join(problems)))
            continue
        for edge in edges:
            result.add_edge(
                Edge(
                    edge.source,
                    edge.type,
                    edge.target,
                    edge.key,
                    {**edge.props, "origin": f"import:{INFO.id}"},
                )
            )
        result.record(RowOutcome(row.line, firm, "matched", firm, "id", "high"))
    return result

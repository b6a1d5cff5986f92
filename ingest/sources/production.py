"""A bureau's own production statistics: the figures of `data/production/` (Yunnan's, a
prefecture's or China's output or capacity on a chain link) from a CSV or Excel sheet, checked
as the dataset's are, written as PRODUCES edges in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.store import Edge
from ingest.curated import PRODUCTION_COLUMNS, fact_edges, production_edge
from ingest.importer import ImportContext, ImportPlan, RowOutcome, SourceInfo
from ingest.tables import read_table

INFO = SourceInfo(
    "production",
    "产量与产能统计 production statistics",
    "a region's output, capacity, national share or count of units on a chain link",
    ".csv/.xlsx",
    ", ".join(PRODUCTION_COLUMNS),
    "any",
    "the bureau's own statistics (统计公报, 年鉴, 行业协会); each row names its source",
)


def plan(
    path: Path, ctx: ImportContext, *, edition: str | None, mapping: Path | None, options: Mapping[str, Any]
) -> ImportPlan:
    result = ImportPlan(INFO.id, str(path), edition)
    rows = read_table(path, PRODUCTION_COLUMNS)
    result.rows_read = len(rows)
    for row in rows:
        name = row.get("node_id")
        edges, problems = fact_edges([row], production_edge)
        if problems:
            result.problems.extend(problems)
            result.record(RowOutcome(row.line, name, "rejected", detail="; ".join(problems)))
        elif row.get("region_id") not in ctx.region_ids:
            result.reject(row, "region_id", f"unknown region {row.get('region_id')!r}", name)
        elif name not in ctx.chain_node_ids:
            result.reject(row, "node_id", f"unknown chain node {name!r}", name)
        else:
            result.record(RowOutcome(row.line, name, "new"))
            for edge in edges:
                props = {**edge.props, "origin": f"import:{INFO.id}"}
                result.add_edge(Edge(edge.source, edge.type, edge.target, edge.key, props))
    return result

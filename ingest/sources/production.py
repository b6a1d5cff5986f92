"""A bureau's own production statistics: the figures of `data/production/` (Yunnan's, a
prefecture's or China's output or capacity on a chain link) from a CSV or Excel sheet, checked
as the dataset's are, written as PRODUCES edges in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.curated import PRODUCTION_COLUMNS, production_edge
from ingest.importer import ImportContext, ImportPlan, SourceInfo
from ingest.sources.facts import plan_fact_file
from ingest.tables import Row

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
    def references(row: Row) -> list[str]:
        if row.get("region_id") not in ctx.region_ids:
            return [f"{row.where}: column region_id: unknown region {row.get('region_id')!r}"]
        if row.get("node_id") not in ctx.chain_node_ids:
            return [f"{row.where}: column node_id: unknown chain node {row.get('node_id')!r}"]
        return []

    columns = PRODUCTION_COLUMNS
    return plan_fact_file(
        INFO, path, edition, columns, production_edge, references, key_column="node_id", status="new"
    )

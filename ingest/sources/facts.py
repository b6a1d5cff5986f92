"""The one way a bureau's own fact file (production statistics, intent signals) is planned:
each row checked by the dataset's own rule (ingest.curated), then against the graph it goes
into; a bad row is rejected with its line and column, a good one becomes its edges."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from graph.store import Edge
from ingest.curated import fact_edges
from ingest.importer import ImportPlan, RowOutcome, SourceInfo
from ingest.tables import Row, read_table


def plan_fact_file(
    info: SourceInfo,
    path: Path,
    edition: str | None,
    columns: tuple[str, ...],
    make_edge: Callable,  # type: ignore[type-arg]  # curated's production_edge / signal_edge
    references: Callable[[Row], list[str]],
    *,
    key_column: str,
    status: str,
) -> ImportPlan:
    """Plan the rows of `path`: `make_edge`'s checks, then `references(row)` (problems with the
    ids the row names, as `FILE:LINE: column C: ...`); each good row is an outcome of `status`
    and its edges carry `origin: import:<source>`."""
    result = ImportPlan(info.id, str(path), edition)
    rows = read_table(path, columns)
    result.rows_read = len(rows)
    for row in rows:
        name = row.get(key_column)
        edges, problems = fact_edges([row], make_edge)
        problems += references(row)
        if problems:
            result.problems.extend(problems)
            result.record(RowOutcome(row.line, name, "rejected", detail="; ".join(problems)))
            continue
        for edge in edges:
            props = {**edge.props, "origin": f"import:{info.id}"}
            result.add_edge(Edge(edge.source, edge.type, edge.target, edge.key, props))
        if status == "matched":
            result.record(RowOutcome(row.line, name, "matched", name, "id", "high"))
        else:
            result.record(RowOutcome(row.line, name, status))
    return result

"""The registry of importable sources and the one entry point that imports a file: `chainkg
sources` lists the registry, `chainkg import SOURCE FILE` calls `import_file`.

A source is a module (or object) with `INFO` (a SourceInfo) and
`plan(path, ctx, *, edition, mapping, options) -> ImportPlan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.errors import NotFoundError
from graph.store import GraphStore
from ingest.importer import ImportContext, ImportPlan, edition_from, finish
from ingest.sources import ashare, chain_table, production, projects, signals
from ingest.sources.rankings import china500, fortune_global500, private500

SOURCES: dict[str, Any] = {
    source.INFO.id: source
    for source in (
        fortune_global500,
        china500,
        private500,
        ashare,
        chain_table,
        projects,
        production,
        signals,
    )
}


def import_file(
    store: GraphStore,
    source_id: str,
    path: Path,
    *,
    edition: str | None = None,
    mapping: Path | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    options: Mapping[str, Any] | None = None,
) -> tuple[ImportPlan, Any]:
    """Plan the import of `path` as `source_id`, then (unless `dry_run`) write it in one
    transaction. Returns the plan (the report) and the store's WriteResult (None for a dry run).

    Raises:
        NotFoundError: unknown source.
        ValidationError: the file or its rows are invalid (and `skip_invalid` is off).
    """
    if source_id not in SOURCES:
        raise NotFoundError("source", source_id, sorted(SOURCES))
    module = SOURCES[source_id]
    ctx = ImportContext.from_store(store)
    plan = module.plan(path, ctx, edition=edition_from(path, edition), mapping=mapping, options=options or {})
    finish(plan, skip_invalid=skip_invalid, dry_run=dry_run)
    if dry_run:
        return plan, None
    return plan, store.apply(plan.changes)

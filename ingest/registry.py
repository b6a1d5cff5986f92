"""The registry of importable sources and the one entry point that imports a file: `chainkg
sources` lists the registry, `chainkg import SOURCE FILE` calls `import_file`.

A source is a module (or object) with `INFO` (a SourceInfo) and
`plan(path, ctx, *, edition, mapping, options) -> ImportPlan`. A source for files of any size
sets `STREAMING = True` and takes `into=`, a plan that writes its batches as it goes, all inside
one store transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from graph.errors import NotFoundError
from graph.store import GraphStore
from ingest.importer import ImportContext, ImportPlan, edition_from, finish
from ingest.sources import ashare, chain_table, production, projects, signals
from ingest.sources.rankings import china500, fortune_global500, private500

STREAM_BATCH = 5000  # nodes and edges handed to the store at once by a streaming source
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
    progress: Callable[[str], None] | None = None,
) -> tuple[ImportPlan, Any]:
    """Plan the import of `path` as `source_id`, then (unless `dry_run`) write it in one
    transaction (a streaming source writes in batches as it reads, inside that transaction; `progress`
    hears a line every few seconds). Returns the plan (the report) and the store's WriteResult (None for a dry run).

    Raises:
        NotFoundError: unknown source.
        ValidationError: the file or its rows are invalid (and `skip_invalid` is off).
    """
    if source_id not in SOURCES:
        raise NotFoundError("source", source_id, sorted(SOURCES))
    module = SOURCES[source_id]
    ctx = ImportContext.from_store(store)
    edition = edition_from(path, edition)
    if not getattr(module, "STREAMING", False):
        plan = module.plan(path, ctx, edition=edition, mapping=mapping, options=options or {})
        finish(plan, skip_invalid=skip_invalid, dry_run=dry_run)
        return plan, None if dry_run else store.apply(plan.changes)
    into = ImportPlan(
        module.INFO.id, str(path), edition, batch_size=STREAM_BATCH, stop_at_reject=not skip_invalid
    )
    into.progress = progress
    if dry_run:
        return _stream(module, path, ctx, into, mapping, options, skip_invalid, dry_run), None
    # every change set is checked before it is written (its edges' ends exist) and an import
    # deletes nothing: the embedded store leaves out its own foreign-key look-ups
    opened = cast(Any, store).writing(ends_checked=True) if store.backend == "sqlite" else store.writing()
    with opened as writer:  # an error raised inside (a rejected row) rolls it all back
        into.sink = writer.apply
        into.writer = writer
        plan = _stream(module, path, ctx, into, mapping, options, skip_invalid, dry_run)
    return plan, writer.result


def _stream(
    module: Any,
    path: Path,
    ctx: ImportContext,
    into: ImportPlan,
    mapping: Path | None,
    options: Mapping[str, Any] | None,
    skip_invalid: bool,
    dry_run: bool,
) -> ImportPlan:
    plan: ImportPlan = module.plan(
        path, ctx, edition=into.edition, mapping=mapping, options=options or {}, into=into
    )
    plan.flush(last=True)
    finish(plan, skip_invalid=skip_invalid, dry_run=dry_run)
    return plan

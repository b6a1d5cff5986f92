"""The registry of importable sources: `chainkg sources` lists it, `chainkg import SOURCE FILE` uses it.

A source is a module (or object) with `INFO` (a SourceInfo) and
`plan(path, ctx, *, edition, mapping, options) -> ImportPlan`.
"""

from __future__ import annotations

from typing import Any

from ingest.sources import ashare, chain_table, projects
from ingest.sources.rankings import china500, fortune_global500, private500

SOURCES: dict[str, Any] = {
    source.INFO.id: source
    for source in (fortune_global500, china500, private500, ashare, chain_table, projects)
}

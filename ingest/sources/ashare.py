"""A-share basics (tushare `stock_basic`): listed companies with stock code, names, province and
industry. Matched by stock code first (600000 and 600000.SH agree), then by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ingest import tables
from ingest.importer import ImportContext, ImportPlan, Resolution, SourceInfo, resolution, resolve_enterprise
from ingest.tables import Row, stream_cells

INFO = SourceInfo(
    "ashare-basic",
    "A股上市公司基本信息 A-share basics",
    "listed companies: ts_code, name, fullname, enname, area (province), industry",
    ".csv/.xlsx",
    "ts_code, name, fullname, area, industry [, enname, symbol]",
    "about 5,400",
    "tushare stock_basic; public exchange data",
)
COLUMNS = ("ts_code", "name", "fullname", "area", "industry")

# tushare's `area` names cities with their own listing statistics after the city, not the province
CITY_PROVINCE = {"深圳": "440000", "大连": "210000", "宁波": "330000", "厦门": "350000", "青岛": "370000"}


STREAMING = True


def _province(ctx: ImportContext, area: str) -> str | None:
    """The province (a region in the graph) that tushare's `area` names, or None."""
    region = CITY_PROVINCE.get(area) or next(
        (
            rid
            for name, rid in ctx.regions_by_name.items()
            if area and name.startswith(area) and rid.endswith("0000")
        ),
        None,
    )
    return region if region in ctx.region_ids else None


def plan(
    path: Path,
    ctx: ImportContext,
    *,
    edition: str | None,
    mapping: Path | None,
    options: Mapping[str, Any],
    into: ImportPlan | None = None,
) -> ImportPlan:
    result = into or ImportPlan(INFO.id, str(path), edition)
    seen: dict[str, int] = {}
    # the list is as of when it was exported: --edition, else the file's date
    as_of = date.fromtimestamp(path.stat().st_mtime).isoformat()
    provenance = {
        "source": f"A股上市公司基本信息（{Path(result.path).name}）",
        "as_of": edition or as_of,
        "confidence": "high",
        "origin": f"import:{INFO.id}",
    }
    provinces: dict[str, str | None] = {}  # area -> region id, worked out once per area
    path = Path(result.path)
    staged = result.stage_in_sql()  # every firm comes once (a second row of it is refused)
    # the cells as `Row.get` gives them, read without a Row a line
    cells = stream_cells(path, COLUMNS, ("enname",))

    def resolved() -> Iterator[tuple[int, list[str], Resolution | None]]:
        """Each row's cells and the resolution of its firm (None: no code or name)."""
        for line, row in cells:
            code, short, fullname, enname = row[0], row[1], row[2], row[5]
            full = fullname or short
            yield line, row, resolution(ctx, full, (short, enname), code) if code and full else None

    # a large register is read and its firms matched by a second process meanwhile (the graph's
    # enterprises read first, for both)
    large = staged and tables.read_apart(path)
    if large:
        ctx.enterprises  # noqa: B018 (read once, before the reading process starts)
    rows = tables.in_second_process(resolved, path) if large else resolved()
    for line, (code, short, fullname, area, industry, enname), resolved_firm in result.reading(rows):
        full = fullname or short
        if resolved_firm is None:
            row = Row(path, line, {})
            result.reject(row, "ts_code" if not code else "fullname", "empty stock code or name", full)
            continue
        if area not in provinces:
            provinces[area] = _province(ctx, area)

        def new_props(short=short, code=code, full=full, enname=enname, industry=industry) -> dict[str, Any]:  # type: ignore[no-untyped-def]
            return {
                "name": full,
                "name_en": enname or None,
                "aliases": [a for a in (short,) if a and a != full],
                "stock_code": code,
                "listed_industry": industry or None,
            }

        resolve_enterprise(
            result,
            ctx,
            Row(path, line, {}),
            name=full,
            names=(short, enname),
            code=code,
            new_props=new_props,
            provenance=provenance,
            hq_region=provinces[area],
            seen=seen,
            resolved=resolved_firm,
        )
    return result

"""The published ranking lists: Fortune Global 500, China Enterprise 500, China private 500.

Each row becomes a RANKED_IN edge (list, edition, rank, revenue in 亿元 with the original kept)
from the enterprise it resolves to; firms not yet in the graph become enterprise nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.store import Edge, Node
from graph.units import USD_CNY_YEARLY_AVERAGE, musd_to_yi, parse_amount, wan_yuan_to_yi
from ingest.importer import ImportContext, ImportPlan, SourceInfo, resolve_enterprise
from ingest.tables import Row, read_table

COUNTRY_ISO = {
    "China": "CN",
    "U.S.": "US",
    "Japan": "JP",
    "Germany": "DE",
    "France": "FR",
    "Britain": "GB",
    "U.K.": "GB",
    "South Korea": "KR",
    "Switzerland": "CH",
    "Netherlands": "NL",
    "Sweden": "SE",
    "Denmark": "DK",
    "Norway": "NO",
    "Finland": "FI",
    "Italy": "IT",
    "Spain": "ES",
    "Belgium": "BE",
    "Austria": "AT",
    "Ireland": "IE",
    "Canada": "CA",
    "Australia": "AU",
    "Singapore": "SG",
    "Malaysia": "MY",
    "Thailand": "TH",
    "Vietnam": "VN",
    "Indonesia": "ID",
    "India": "IN",
    "Saudi Arabia": "SA",
    "United Arab Emirates": "AE",
    "Brazil": "BR",
    "Mexico": "MX",
    "Russia": "RU",
    "Luxembourg": "LU",
    "Taiwan": "710000",
}


@dataclass(frozen=True)
class ListFormat:
    """How one list's files name their columns, and its money unit."""

    list_id: str
    list_name: str
    rank: tuple[str, ...]
    name: tuple[str, ...]
    revenue: tuple[str, ...]
    unit: str  # "万元" or "$M"
    edition: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    country: tuple[str, ...] = ()


def _column(header: Mapping[str, str], options: tuple[str, ...]) -> str | None:
    for option in options:
        if option.casefold() in header:
            return header[option.casefold()]
    return None


def plan_ranking(
    fmt: ListFormat, info: SourceInfo, path: Path, ctx: ImportContext, edition: str | None
) -> ImportPlan:
    plan = ImportPlan(info.id, str(path), edition)
    rows = read_table(path)
    plan.rows_read = len(rows)
    if not rows:
        plan.problems.append(f"{path}: no data rows")
        return plan
    header = {k.strip().casefold(): k for k in rows[0].cells}
    cols = {
        "rank": _column(header, fmt.rank),
        "name": _column(header, fmt.name),
        "revenue": _column(header, fmt.revenue),
        "edition": _column(header, fmt.edition) if fmt.edition else None,
        "province": _column(header, fmt.province) if fmt.province else None,
        "country": _column(header, fmt.country) if fmt.country else None,
    }
    for required, options in (("rank", fmt.rank), ("name", fmt.name), ("revenue", fmt.revenue)):
        if cols[required] is None:
            plan.problems.append(f"{path}:1: missing column {required} (one of {', '.join(options)})")
    if cols["edition"] is None and edition is None:
        plan.problems.append(f"{path}: no edition column and no --edition (the year of the list)")
    if plan.problems:
        return plan
    if fmt.list_id not in ctx.ranking_list_ids:
        plan.add_node(
            Node(
                fmt.list_id,
                "RankingList",
                {
                    "name": fmt.list_name,
                    "source": info.name,
                    "as_of": edition or max(row.get(str(cols["edition"])) for row in rows),
                    "confidence": "high",
                    "origin": f"import:{info.id}",
                },
            )
        )
    seen_rank: dict[tuple[str, int], int] = {}
    seen_firm: dict[str, dict[str, int]] = {}
    for row in rows:
        _plan_row(plan, fmt, info, ctx, row, cols, edition, seen_rank, seen_firm)
    return plan


def _plan_row(
    plan: ImportPlan,
    fmt: ListFormat,
    info: SourceInfo,
    ctx: ImportContext,
    row: Row,
    cols: Mapping[str, str | None],
    edition: str | None,
    seen_rank: dict[tuple[str, int], int],
    seen_firm: dict[str, dict[str, int]],
) -> None:
    name = row.get(str(cols["name"]))
    row_edition = row.get(str(cols["edition"])) if cols["edition"] else edition
    if not name:
        plan.reject(row, cols["name"], "empty name")
        return
    if not (row_edition or "").isdigit() or len(row_edition or "") != 4:
        plan.reject(row, cols["edition"], f"edition {row_edition!r} is not a year", name)
        return
    try:
        rank = int(parse_amount(row.get(str(cols["rank"]))))
    except ValueError:
        plan.reject(row, cols["rank"], f"rank {row.get(str(cols['rank']))!r} is not a number", name)
        return
    try:
        original = parse_amount(row.get(str(cols["revenue"])))
    except ValueError:
        plan.reject(row, cols["revenue"], f"revenue {row.get(str(cols['revenue']))!r} is not a number", name)
        return
    key = (str(row_edition), rank)
    if key in seen_rank:
        plan.reject(
            row,
            cols["rank"],
            f"duplicate rank {rank} in edition {row_edition} (also line {seen_rank[key]})",
            name,
        )
        return
    seen_rank[key] = row.line
    revenue_year = int(str(row_edition)) - 1  # an edition ranks the previous year's revenue
    if fmt.unit == "$M":
        if revenue_year not in USD_CNY_YEARLY_AVERAGE:
            plan.reject(row, cols["revenue"], f"no USD/CNY rate recorded for {revenue_year}", name)
            return
        revenue = musd_to_yi(original, revenue_year)
    else:
        revenue = wan_yuan_to_yi(original)
    provenance = {
        "source": f"{fmt.list_name} {row_edition}（{Path(plan.path).name}）",
        "as_of": str(row_edition),
        "confidence": "high",
        "origin": f"import:{info.id}",
    }
    hq = _hq_region(ctx, row, cols)
    is_english = fmt.unit == "$M"

    chinese = ctx.name_for(name) if is_english else None

    def new_props() -> dict[str, Any]:
        if is_english:
            return {"name": chinese or name, "name_en": name, "aliases": [name]}
        return {"name": name}

    firm = resolve_enterprise(
        plan,
        ctx,
        row,
        name=name,
        names=(chinese,) if chinese else (),
        new_props=new_props,
        provenance=provenance,
        hq_region=hq,
        seen=seen_firm.setdefault(str(row_edition), {}),
    )
    if firm is None:
        return
    if (firm, "RANKED_IN", fmt.list_id, str(row_edition)) in ctx.curated_rankings:
        plan.notes.append(
            f"line {row.line}: {name} confirms the curated dataset's membership, which stays as curated"
        )
        return
    plan.add_edge(
        Edge(
            firm,
            "RANKED_IN",
            fmt.list_id,
            str(row_edition),
            {
                "list": fmt.list_id,
                "edition": str(row_edition),
                "rank": rank,
                "listed_name": name,
                "revenue_100m_cny": revenue,
                "revenue_original": original,
                "revenue_unit": fmt.unit,
                "revenue_year": revenue_year,
                **provenance,
            },
        )
    )


def _hq_region(ctx: ImportContext, row: Row, cols: Mapping[str, str | None]) -> str | None:
    if cols.get("province"):
        province = row.get(str(cols["province"]))
        region = ctx.regions_by_name.get(province)
        if region is None:
            region = next(
                (rid for name, rid in ctx.regions_by_name.items() if province and name.startswith(province)),
                None,
            )
        return region if region in ctx.region_ids else None
    if cols.get("country"):
        code = COUNTRY_ISO.get(row.get(str(cols["country"])))
        return code if code in ctx.region_ids else None
    return None


FORTUNE = ListFormat(
    "fortune-global-500",
    "Fortune Global 500",
    rank=("RANK", "rank", "Rank"),
    name=("NAME", "name", "Company"),
    revenue=("REVENUES ($M)", "revenue_musd", "Revenue"),
    unit="$M",
    edition=("Year", "edition"),
    country=("country", "Country"),
)
CHINA_500 = ListFormat(
    "china-500",
    "中国企业500强",
    rank=("rank", "排名", "名次"),
    name=("name", "企业名称", "公司名称"),
    revenue=("revenue_wan_cny", "营业收入（万元）", "营业收入(万元)", "营业收入"),
    unit="万元",
    edition=("edition", "年份", "届次"),
)
PRIVATE_500 = ListFormat(
    "china-private-500",
    "中国民营企业500强",
    rank=("rank", "排名", "名次"),
    name=("name", "企业名称", "公司名称"),
    revenue=("revenue_wan_cny", "营业收入（万元）", "营业收入(万元)", "营业收入"),
    unit="万元",
    edition=("edition", "年份"),
    province=("province", "省份", "所属省份", "省(区、市)"),
)


class RankingSource:
    """One list as a registered source."""

    def __init__(self, fmt: ListFormat, info: SourceInfo) -> None:
        self.fmt = fmt
        self.INFO = info

    def plan(
        self,
        path: Path,
        ctx: ImportContext,
        *,
        edition: str | None,
        mapping: Path | None,
        options: Mapping[str, Any],
    ) -> ImportPlan:
        return plan_ranking(self.fmt, self.INFO, path, ctx, edition)


fortune_global500 = RankingSource(
    FORTUNE,
    SourceInfo(
        "fortune-global-500",
        "《财富》世界500强 Fortune Global 500",
        "Fortune's list as published (English names, revenue in $M); converted to 亿元 at the year's average rate",
        ".csv/.xlsx",
        "RANK, NAME, REVENUES ($M) [, country, Year]",
        "500 per edition",
        "© Fortune Media; not redistributed",
    ),
)
china500 = RankingSource(
    CHINA_500,
    SourceInfo(
        "china-500",
        "中国企业500强 China Enterprise 500",
        "CEC/CEA list: rank, name, revenue in 万元",
        ".csv/.xlsx",
        "rank, name, revenue_wan_cny [, edition]",
        "500 per edition",
        "© 中国企业联合会、中国企业家协会",
    ),
)
private500 = RankingSource(
    PRIVATE_500,
    SourceInfo(
        "china-private-500",
        "中国民营企业500强 China private 500",
        "ACFIC list: rank, name, province, revenue in 万元",
        ".csv/.xlsx",
        "rank, name, province, revenue_wan_cny",
        "500 per edition",
        "© 全国工商联",
    ),
)

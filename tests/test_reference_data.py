"""The bundled dataset checked against real third-party files ($CHAINKG_REFERENCE_DATA): region
codes against the official division tables, claimed list memberships against the lists."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from ingest.curated import load_dataset


@lru_cache(maxsize=1)
def dataset():
    return load_dataset()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def norm(name: str) -> str:
    """Case, spacing, punctuation and bracket width do not make two names differ."""
    name = name.replace("（", "(").replace("）", ")").casefold()
    return re.sub(r"[\s.,&'\-()]+", "", name)


def test_yunnan_region_codes_match_the_official_tables(reference_data: Path):
    official_prefectures = {
        r["code"] + "00": r["name"]
        for r in read(reference_data / "admin_divisions/cities.csv")
        if r["code"].startswith("53")
    }
    official_counties = {
        r["code"]: r["name"]
        for r in read(reference_data / "admin_divisions/areas.csv")
        if r["code"].startswith("53")
    }
    ours = {
        n.id: n for n in dataset().nodes if n.label == "Region" and n.id.startswith("53") and n.id != "530000"
    }
    prefectures = {k: n.name for k, n in ours.items() if n.props["level"] == "prefecture"}
    counties = {k: n.name for k, n in ours.items() if n.props["level"] == "county"}
    assert len(prefectures) == 16 and len(counties) == 129
    assert prefectures == official_prefectures
    assert counties == official_counties


def claims(list_id: str, edition: str):
    return [
        e
        for e in dataset().edges
        if e.type == "RANKED_IN" and e.target == list_id and e.props.get("edition") == edition
    ]


def test_fortune_global_500_2024_claims_match_the_list(reference_data: Path):
    rows = read(reference_data / "fortune_global500/global500_2024_stablemap.csv")
    by_name = {norm(r["NAME"]): int(r["RANK"]) for r in rows}
    found = claims("fortune-global-500", "2024")
    assert found, "the dataset claims no Fortune Global 500 2024 membership"
    wrong = []
    for edge in found:
        rank = by_name.get(norm(edge.props.get("listed_name", "")))
        if rank is None or (edge.props.get("rank") is not None and edge.props["rank"] != rank):
            wrong.append((edge.source, edge.props.get("listed_name"), edge.props.get("rank"), rank))
    assert not wrong, f"claims not on the 2024 list as stated: {wrong}"


def test_private_500_2026_claims_match_the_list(reference_data: Path):
    rows = read(reference_data / "china_private500_2026/private_enterprises_2026.csv")
    by_name = {norm(r["name"]): int(r["rank"]) for r in rows}
    nodes = {n.id: n for n in dataset().nodes}
    wrong = []
    for edge in claims("china-private-500", "2026"):
        node = nodes[edge.source]
        names = [edge.props.get("listed_name", ""), node.name, *node.props.get("aliases", [])]
        ranks = [by_name[norm(n)] for n in names if n and norm(n) in by_name]
        if not ranks or (edge.props.get("rank") is not None and edge.props["rank"] not in ranks):
            wrong.append((edge.source, edge.props.get("listed_name"), edge.props.get("rank")))
    assert not wrong, f"claims not on the 2026 private 500 as stated: {wrong}"

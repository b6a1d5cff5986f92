"""The prefecture views on the bundled data, and the map's boundary file against the regions."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from api import regional
from graph.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
GEOJSON = ROOT / "api" / "static" / "yunnan.geojson"
ECHARTS = Path(os.environ.get("CHAINKG_ECHARTS_TGZ", "/work/briefs/echarts-4.9.0.tgz"))


@pytest.fixture(scope="module")
def store(bundled_db: Path):
    opened = SqliteStore(bundled_db)
    yield opened
    opened.close()


def test_the_boundaries_are_the_16_prefectures_of_the_data():
    with (ROOT / "data" / "regions" / "yunnan.csv").open(encoding="utf-8") as handle:
        prefectures = {r["id"]: r["name"] for r in csv.DictReader(handle) if r["level"] == "prefecture"}
    geo = json.loads(GEOJSON.read_text(encoding="utf-8"))
    assert {f["id"]: f["properties"]["name"] for f in geo["features"]} == prefectures
    assert "Apache" in geo["attribution"]
    for feature in geo["features"]:  # plain GeoJSON: lon/lat pairs inside Yunnan's box
        ring = (
            feature["geometry"]["coordinates"][0]
            if feature["geometry"]["type"] == "Polygon"
            else feature["geometry"]["coordinates"][0][0]
        )
        assert all(97 < lon < 106.5 and 21 < lat < 29.5 for lon, lat in ring)


@pytest.mark.skipif(
    not ECHARTS.is_file(), reason="no echarts-4.9.0.tgz (npm pack echarts@4.9.0; CHAINKG_ECHARTS_TGZ)"
)
def test_the_script_reproduces_the_committed_file():
    from scripts.make_yunnan_geo import render

    assert render(ECHARTS) == GEOJSON.read_text(encoding="utf-8")


def test_a_prefecture_dashboard_is_its_own(store):
    place = regional.prefecture_dashboard(store, "532600")
    assert place["promotion_unit"] == "文山壮族苗族自治州投资促进局"
    leads = {u["industry"]: u["unit"] for u in place["industry_leads"]}
    assert leads == {
        "biomedicine": "文山州三七中医药发展中心",
        "green-aluminium": "文山壮族苗族自治州工业和信息化局",
        "green-energy": "文山壮族苗族自治州能源局",
    }
    parks = {p["id"]: p for p in place["parks"]}
    assert set(parks) == {"yanshan-industrial-park", "funing-industrial-park", "wenshan-sanqi-park"}
    assert parks["yanshan-industrial-park"]["land_available_mu"] == 568
    assert parks["funing-industrial-park"]["power_price_cny_kwh"] is None  # not stated: 待补充, never 0
    assert len(place["industries"]) == 12
    assert {c["name"] for c in place["counties"]} >= {"砚山县", "富宁县"}


def test_the_matrix_has_every_industry_in_every_prefecture(store):
    matrix = regional.prefecture_matrix(store)
    assert len(matrix["prefectures"]) == 16 and len(matrix["industries"]) == 12
    silicon = next(r for r in matrix["industries"] if r["id"] == "green-silicon")
    assert silicon["cells"]["530300"]["parks"] == 2  # 曲靖经开区, 沾益工业园区
    assert all(0 <= c["completeness"] <= 100 for r in matrix["industries"] for c in r["cells"].values())


def test_the_qujing_industry_page_shows_its_own_lead_unit_not_the_provinces(bundled_client):
    page = bundled_client.get("/industries/green-silicon?prefecture=530300").text
    assert '<dd id="local-lead">曲靖市工业和信息化局（省牵头：云南省工业和信息化厅）</dd>' in page
    assert '<dd id="local-quota">由省分解下达（全省 5' in page
    county = bundled_client.get(
        "/industries/tobacco?prefecture=530303"
    ).text  # 沾益区: its prefecture's bureau
    assert '<dd id="local-lead">曲靖市投资促进局' in county

"""A bureau's production statistics imported with `chainkg import production`, as a user runs it:
the link's status moves on the figures, bad rows are refused with nothing written, and a second
import changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.test_cli import run
from tests.ingest.tiny_dataset import write_tiny_dataset

HEADER = "node_id,region_id,metric,value,unit,year,source,as_of,confidence\n"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    db = tmp_path / "kg.db"
    run(["build", "--data", str(write_tiny_dataset(tmp_path / "data"))], db)
    return db


def _silicon(db: Path) -> dict:
    gaps = json.loads(run(["gaps", "green-silicon", "--json"], db).stdout)
    return next(n for n in gaps["nodes"] if n["id"] == "industrial-silicon"), gaps["counts"]


def test_figures_make_a_link_strong_and_say_why(built: Path, tmp_path: Path):
    # nobody in Yunnan is known on 工业硅 and nothing else is: missing, shown as 待核实
    node, counts = _silicon(built)
    assert (node["status"], node["shown_status"], node["to_verify"]) == ("missing", "verify", True)
    assert node["evidence"]["level"] == "thin" and counts["verify"] == 2  # 工业硅 and 电池片
    stats = tmp_path / "stats.csv"
    stats.write_text(
        HEADER
        + "industrial-silicon,CN,output,300,万吨,2023,国家统计局 2023年统计公报,2024,high\n"
        + "industrial-silicon,530000,output,60,万吨,2023,云南省统计局 2023年统计公报,2024,high\n",
        encoding="utf-8",
    )
    report = json.loads(run(["import", "production", str(stats), "--json"], built).stdout)
    assert (report["rows_read"], report["new"], report["rejected"], report["edges"]) == (2, 2, 0, 2)
    node, counts = _silicon(built)
    # 60 / 300 = 20% of China's output >= 5%: strong by the share rule, on solid evidence
    assert (node["status"], node["rule"], node["share"]) == ("strong", "production-share", 0.2)
    assert node["reason"] == "2023年产量60万吨占全国20.0%，达到5%"
    assert node["evidence"]["level"] == "solid" and node["evidence"]["figures"] == 1
    again = run(["import", "production", str(stats), "--json"], built)
    assert json.loads(again.stdout)["written"]["changed"] is False


def test_bad_rows_are_refused_with_nothing_written(built: Path, tmp_path: Path):
    stats = tmp_path / "bad.csv"
    stats.write_text(
        HEADER
        + "industrial-silicon,530000,output,60,万吨,2023,云南省统计局,2024,high\n"
        + "industrial-silicon,999999,output,5,万吨,2023,某统计,2024,high\n"
        + "si-wafer,530000,volume,5,万吨,2023,某统计,2024,high\n"
        + "si-wafer,530000,output,-1,万吨,2023,,2024,high\n",
        encoding="utf-8",
    )
    before = run(["gaps", "green-silicon", "--json"], built).stdout
    done = run(["import", "production", str(stats)], built, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "bad.csv:3: column region_id: unknown region '999999'" in done.stderr
    assert "bad.csv:4: metric 'volume'" in done.stderr
    assert (
        "bad.csv:5: value must be a number >= 0" in done.stderr and "bad.csv:5: missing source" in done.stderr
    )
    assert run(["gaps", "green-silicon", "--json"], built).stdout == before

"""The `chainkg` command as a user runs it: a subprocess with its own store file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.tiny_dataset import write_tiny_dataset


def run(args: list[str], db: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite"}
    done = subprocess.run(
        [sys.executable, "-m", "api", *args], capture_output=True, text=True, env=env, timeout=120
    )
    if check and done.returncode != 0:
        raise AssertionError(f"chainkg {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


@pytest.fixture
def built(tmp_path: Path) -> Path:
    db = tmp_path / "kg.db"
    run(["build", "--data", str(write_tiny_dataset(tmp_path / "data"))], db)
    return db


def test_build_then_stats(built: Path, tmp_path: Path):
    stats = json.loads(run(["stats", "--json"], built).stdout)
    assert stats["industries"] == 1
    assert stats["chain_nodes"] == 3
    assert stats["feeds_edges"] == 2
    assert stats["enterprises"] == 2
    assert stats["yunnan_enterprises"] == 1
    assert stats["operates_in"] == 2
    assert stats["regions"] == 4
    assert stats["sourced_fraction"] == 1.0
    again = run(["build", "--data", str(tmp_path / "data"), "--json"], built)
    assert json.loads(again.stdout)["changed"] is False


def test_bad_dataset_is_refused_with_file_and_row(built: Path, tmp_path: Path):
    bad = tmp_path / "data" / "operates" / "green-silicon.csv"
    bad.write_text(
        "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\ntongwei,si-ingot,leader,,,年报,2023,high\n",
        encoding="utf-8",
    )
    before = run(["stats", "--json"], built).stdout
    done = run(["build", "--data", str(tmp_path / "data")], built, check=False)
    assert done.returncode == 2
    assert "green-silicon.csv:2" in done.stderr and "si-ingot" in done.stderr
    assert "Traceback" not in done.stderr
    assert run(["stats", "--json"], built).stdout == before


def test_gaps_json_shape_and_chinese_name(built: Path):
    by_slug = json.loads(run(["gaps", "green-silicon", "--json"], built).stdout)
    by_name = json.loads(run(["gaps", "绿色硅", "--json"], built).stdout)
    assert by_slug == by_name
    assert set(by_slug) >= {"industry", "completeness", "config_version", "nodes"}
    status = {n["id"]: n["status"] for n in by_slug["nodes"]}
    # longi-baoshan (Baoshan) is a major on si-wafer: presence 2 < 3, weak; nobody else in Yunnan.
    assert status == {"industrial-silicon": "missing", "si-wafer": "weak", "si-cell": "missing"}
    wafer = next(n for n in by_slug["nodes"] if n["id"] == "si-wafer")
    assert wafer["local_enterprises"][0]["id"] == "longi-baoshan"
    assert set(wafer) >= {
        "id",
        "name",
        "stage",
        "status",
        "criticality",
        "gap_type",
        "action",
        "local_enterprises",
    }


def test_target_and_leader_tables_name_the_place_asked_about(built: Path):
    # a prefecture's target list is carried to its meetings: its title says whose it is
    province = run(["recommend", "green-silicon"], built).stdout
    assert "绿色硅（云南省）招商目标企业 · 增资扩产" in province and "通威" in province
    baoshan = run(["recommend", "green-silicon", "--prefecture", "保山"], built).stdout
    assert "绿色硅（保山市）招商目标企业 · 增资扩产" in baoshan
    assert "绿色硅（保山市）招商目标企业 · 新引进" in baoshan
    assert (
        "绿色硅（保山市）链主企业组合（k=2）"
        in run(["leaders", "绿色硅", "-p", "保山", "--k", "2"], built).stdout
    )


def test_recommend_leaders_scenario_json(built: Path):
    lists = json.loads(run(["recommend", "green-silicon", "--json"], built).stdout)
    assert set(lists) == {"expand", "new"}
    recs = lists["expand"] + lists["new"]
    assert [(r["enterprise_id"], r["node_id"]) for r in recs] == [("tongwei", "si-cell")]
    assert set(recs[0]) >= {
        "enterprise_id",
        "name",
        "node_id",
        "action",
        "score",
        "parts",
        "track",
        "warnings",
    }
    assert recs[0]["warnings"] == []
    assert recs[0]["score"] == pytest.approx(sum(p["value"] for p in recs[0]["parts"]), abs=0.011)
    leaders = json.loads(run(["leaders", "green-silicon", "--k", "2", "--json"], built).stdout)
    assert [p["enterprise_id"] for p in leaders["set"]] == ["tongwei"]
    assert leaders["covered_gaps"] == ["si-cell"]
    result = json.loads(
        run(["scenario", "绿色硅", "--add", "通威", "--prefecture", "保山", "--json"], built).stdout
    )
    assert result["changed_nodes"][0]["id"] == "si-cell"
    assert result["after"]["completeness"] > result["before"]["completeness"]


def test_tables_print_chinese(built: Path):
    table = run(["gaps", "green-silicon"], built).stdout
    assert "单晶硅片" in table and "完整度" in table
    targets = run(["recommend", "green-silicon"], built).stdout
    assert "通威" in targets
    # each score part on a line of its own, labelled as on the web page
    assert "环节匹配30分：" in targets and "可行性" in targets


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["gaps", "green-silicn"], "green-silicon"),
        (["recommend", "green-silicon", "--node", "硅锭"], "unknown chain node"),
        (["scenario", "green-silicon", "--add", "nobody-inc"], "unknown enterprise"),
        (["gaps", "green-silicon", "--prefecture", "拉萨"], "unknown prefecture"),
    ],
)
def test_unknown_names_exit_2_with_close_matches(built: Path, args: list[str], needle: str):
    done = run(args, built, check=False)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr

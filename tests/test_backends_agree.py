"""The analyses give identical answers on both backends for the bundled data, through the CLI as a
user runs it (`CHAINKG_BACKEND=neo4j chainkg build && ... chainkg gaps ... --json`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BUNDLED_INDUSTRIES, NEO4J_URI_ENV, neo4j_store_or_skip


def chainkg(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "api", *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def envs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    neo4j_store_or_skip().close()  # skips (or fails under CHAINKG_REQUIRE_NEO4J) without a server
    sqlite = {
        **os.environ,
        "CHAINKG_BACKEND": "sqlite",
        "CHAINKG_DB": str(tmp_path_factory.mktemp("agree") / "kg.db"),
    }
    neo4j = {
        **os.environ,
        "CHAINKG_BACKEND": "neo4j",
        "NEO4J_URI": os.environ[NEO4J_URI_ENV],
        "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", "unused-password"),
    }
    for env in (sqlite, neo4j):
        chainkg(env, "build")
        assert json.loads(chainkg(env, "build", "--json"))["changed"] is False
    return {"sqlite": sqlite, "neo4j": neo4j}


def test_stats_agree(envs):
    assert chainkg(envs["neo4j"], "stats", "--json") == chainkg(envs["sqlite"], "stats", "--json")


@pytest.mark.parametrize("industry", BUNDLED_INDUSTRIES)
def test_gaps_recommendations_and_leaders_agree(envs, industry):
    for args in (
        ("gaps", industry, "--json"),
        ("recommend", industry, "--top", "15", "--json"),
        ("leaders", industry, "--json"),
    ):
        assert json.loads(chainkg(envs["neo4j"], *args)) == json.loads(chainkg(envs["sqlite"], *args)), args


def test_prefecture_gaps_agree(envs):
    args = ("gaps", "green-aluminium", "--prefecture", "文山", "--json")
    assert chainkg(envs["neo4j"], *args) == chainkg(envs["sqlite"], *args)

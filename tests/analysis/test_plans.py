"""The plan as data on the canonical chain, plus talent and policy facts added by hand."""

from __future__ import annotations

import pytest

from analysis.plans import industry_plan, quota_line
from tests.canonical import INDUSTRY, canonical_view

SRC = {"source": "test", "as_of": "2024", "confidence": "high"}


@pytest.fixture(scope="module")
def view():
    g = canonical_view()
    g.nodes["b"]["skills"] = ["电解工艺", "设备维护"]
    g.nodes["demo"]["lead_department"] = "示例厅"
    for inst, name, region in (("u-km", "昆明某大学", "530100"), ("u-bj", "北京某大学", "110000")):
        g.add_node(inst, label="Institution", name=name, **SRC)
        g.add_edge(inst, region, key="LOCATED_IN", type="LOCATED_IN", **SRC)
        g.add_edge(inst, "b", key="TRAINS_FOR", type="TRAINS_FOR", programme="冶金工程", **SRC)
    g.add_node(
        "pol-1", label="Policy", name="示例产业支持政策", issuer="云南省人民政府", date="2023-05", **SRC
    )
    g.add_edge("pol-1", "demo", key="SUPPORTS", type="SUPPORTS", measure="用地保障", **SRC)
    g.add_edge("pol-1", "b", key="SUPPORTS", type="SUPPORTS", measure="电价优惠", **SRC)
    return g


def test_sections(view):
    plan = industry_plan(view, INDUSTRY)
    assert (plan.industry_name, plan.lead_department, plan.scope) == ("示例产业", "示例厅", "云南省")
    assert plan.completeness == 28.3
    assert plan.counts == {"strong": 1, "weak": 1, "missing": 4}
    assert [(s.stage, s.nodes, s.strong, s.weak, s.missing) for s in plan.stages] == [
        ("upstream", 1, 1, 0, 0),
        ("midstream", 2, 0, 1, 1),
        ("downstream", 2, 0, 0, 2),
        ("support", 1, 0, 0, 1),
    ]
    # gaps by priority, as the gap analysis orders them
    assert [(g.id, g.action) for g in plan.gaps] == [
        ("b", "补链"),
        ("d", "补链"),
        ("e", "延链"),
        ("x", "补链"),
        ("c", "强链"),
    ]
    # 增资扩产 (groups with an entity in Yunnan) first, then 新引进, each ranked from 1
    assert [(t.track, t.rank, t.enterprise_id) for t in plan.targets] == [
        ("expand", 1, "n4"),
        ("expand", 2, "n6"),
        ("new", 1, "n1"),
        ("new", 2, "n2"),
        ("new", 3, "n3"),
    ]
    assert plan.new[0].tiers == ("世界500强（2024）",)
    assert [p.enterprise_id for p in plan.leaders.picks] == ["n1", "n2", "n3"]
    assert [h.enterprise_id for h in plan.headquarters] == ["n1", "n2"]
    assert plan.config_version and plan.data_as_of == "2024"


def test_quota_line(view):
    plan = industry_plan(view, INDUSTRY)
    # qualifying: n1 (Fortune), n2 (private 500), n3 (100 亿元 revenue); quota 5 -> 3/5
    assert (plan.quota.yearly_quota, plan.quota.targets, plan.quota.qualifying_targets) == (5, 5, 3)
    assert plan.quota.coverage == 0.6
    assert plan.quota.by_track == {"expand": (2, 0), "new": (3, 3)}
    assert (
        "目标企业5家（增资扩产2家、新引进3家），其中有能力承担10亿元以上项目的3家（增资扩产0家、新引进3家）"
        in plan.quota.text
    )
    assert "60%" in plan.quota.text
    assert quota_line(None, plan.targets).coverage is None


def test_talent_plan(view):
    need = industry_plan(view, INDUSTRY).talent[0]
    assert (need.node_id, need.skills) == ("b", ("电解工艺", "设备维护"))
    assert [o.name for o in need.in_yunnan] == ["昆明某大学"]
    assert [o.name for o in need.elsewhere] == ["北京某大学"]


def test_policy_package(view):
    (policy,) = industry_plan(view, INDUSTRY).policies
    assert policy.applies_to == ("中间品", "示例产业")
    assert set(policy.measures) == {"用地保障", "电价优惠"}


def test_prefecture_plan(view):
    plan = industry_plan(view, INDUSTRY, prefecture="530300")
    assert plan.scope == "曲靖市"
    assert plan.counts["strong"] == 0


def test_platforms_do_not_count_towards_the_quota(view):
    view.nodes["n2"]["tags"] = ["platform"]
    plan = industry_plan(view, INDUSTRY)
    # n2 is still listed, with its warning, but cannot carry a 10亿 project: 2 of 5
    (n2,) = [t for t in plan.targets if t.enterprise_id == "n2"]
    assert n2.warnings == ("平台企业，不能承担10亿元以上产业项目",)
    assert (n2.qualifies_for_quota, plan.quota.qualifying_targets) == (False, 2)

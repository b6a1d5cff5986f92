"""The project fields bureaus record (origin, land, energy, jobs, output, tax, park, contact),
stated once; errors and audit values in Chinese; saving a returned project resubmits it; the
list's filters. Both backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.store import ChangeSet, GraphStore, Node
from ingest.registry import import_file
from ingest.sources.projects import FIELDS, HEADERS
from tests.project_library import KUNMING, TODAY, WUHUA, a_project, library_changes
from workflow import fields, projects

NEW_FIELDS = {
    "investor_origin": "省外",
    "land_mu": "120.5",
    "energy_tce": "8000",
    "jobs": "300",
    "output_yi": "20",
    "tax_yi": "1.2",
    "park": "某某工业园区",
    "contact_name": "张三",
    "contact_phone": "0871-63123456",
}


@pytest.fixture
def library(store: GraphStore) -> GraphStore:
    store.apply(library_changes())
    return store


def test_one_field_table_feeds_the_form_the_sheet_and_the_json(library: GraphStore):
    keys = [f.key for f in fields.PROJECT_FIELDS]
    assert fields.INPUT_FIELDS == tuple(keys)
    assert set(NEW_FIELDS) <= set(keys)
    # the sheet: every field but the derived investor name, headed by the Chinese label
    assert FIELDS == tuple(k for k in keys if k != "investor_name")
    assert HEADERS["land_mu"] == "用地（亩）" and HEADERS["chain_leader"] == "链主企业项目（是/否）"
    # the form: the county is the user's own
    assert [f.key for f in fields.FORM_FIELDS] == [k for k in keys if k not in ("county", "investor_name")]
    project = projects.declare(library, WUHUA, a_project(**NEW_FIELDS), today=TODAY)
    shown = projects.project_json(project)
    assert set(keys) <= set(shown)


def test_the_new_fields_are_parsed_and_stored(library: GraphStore):
    project = projects.declare(library, WUHUA, a_project(**NEW_FIELDS), today=TODAY)
    stored = projects.get_project(library, project.id).props
    got = {k: stored.get(k) for k in (*NEW_FIELDS, "park_name")}
    assert got == {
        "investor_origin": "省外",
        "land_mu": 120.5,
        "energy_tce": 8000.0,
        "jobs": 300,
        "output_yi": 20.0,
        "tax_yi": 1.2,
        "park": None,  # no Park node of that name: kept as text
        "park_name": "某某工业园区",
        "contact_name": "张三",
        "contact_phone": "0871-63123456",
    }
    assert isinstance(stored["jobs"], int)


def test_a_park_the_graph_knows_is_linked_by_id_or_name(library: GraphStore):
    library.apply(ChangeSet(nodes=(Node("kunming-etdz", "Park", {"name": "昆明经济技术开发区"}),)))
    by_id = projects.declare(library, WUHUA, a_project(name="甲", park="kunming-etdz"), today=TODAY)
    by_name = projects.declare(library, WUHUA, a_project(name="乙", park="昆明经济技术开发区"), today=TODAY)
    for project in (by_id, by_name):
        assert (project.get("park"), project.get("park_name")) == ("kunming-etdz", "昆明经济技术开发区")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"investor_origin": "国外"}, "投资方来源：应为 省内/省外/境外 之一，不是“国外”"),
        ({"land_mu": "-3"}, "用地（亩）：不能为负数"),
        ({"land_mu": "200000"}, "用地（亩）：200000 亩过大，请核对单位（应为亩）"),
        ({"energy_tce": "很多"}, "年综合能耗（吨标准煤）：应为数字（吨标准煤/年），不是“很多”"),
        ({"jobs": "2.5"}, "新增就业（人）：应为整数，不是“2.5”"),
        ({"tax_yi": "-0.1"}, "预计年税收（亿元）：不能为负数"),
        ({"contact_phone": "12345"}, "联系电话：应为11位手机号或“区号-号码”的座机号，不是“12345”"),
        ({"contact_phone": "2381234567"}, "联系电话：应为11位手机号或“区号-号码”的座机号，不是“2381234567”"),
        ({"contact_name": "张" * 51}, "联系人：不能超过 50 个字"),
        ({"investment_yi": "lots"}, "总投资（亿元）：应为数字（亿元），不是“lots”"),
        ({"stage": "done"}, "项目阶段：应为 线索/洽谈/签约/开工/投产 之一"),
    ],
)
def test_bad_values_are_named_by_their_chinese_label(library: GraphStore, value, problem):
    with pytest.raises(ValidationError) as caught:
        projects.declare(library, WUHUA, a_project(**value), today=TODAY)
    assert caught.value.problems == [problem]
    assert library.find_nodes("Project") == []


def test_good_phone_numbers(library: GraphStore):
    for phone, stored in (("13812345678", "13812345678"), ("0871 6312 3456", "087163123456")):
        cleaned, problems = fields.clean_fields(library, {"contact_phone": phone}, today=TODAY)
        assert (cleaned, problems) == ({"contact_phone": stored}, [])


def test_no_problem_shows_an_internal_field_key(library: GraphStore):
    bad = {k: "×××" for k in fields.INPUT_FIELDS if k not in ("name", "county", "investor", "investor_name")}
    bad |= {"chain_leader": "也许", "date_signed": "2999-01-01", "name": "坏项目"}
    with pytest.raises(ValidationError) as caught:
        projects.declare(library, WUHUA, bad, today=TODAY)
    keys = re.compile("|".join(rf"\b{k}\b" for k in fields.INPUT_FIELDS))
    assert len(caught.value.problems) >= 10
    assert [p for p in caught.value.problems if keys.search(p)] == []
    assert all(fields.problem_field(p) for p in caught.value.problems), caught.value.problems


def test_the_audit_trail_reads_in_chinese(library: GraphStore):
    project = projects.declare(library, WUHUA, a_project(chain_leader=True, **NEW_FIELDS), today=TODAY)
    [entry] = projects.audit_json(library, projects.audit_trail(library, project.id))
    assert entry["action_zh"] == "申报"
    shown = {c["field"]: (c["label"], c["from_text"], c["to_text"]) for c in entry["changes"]}
    assert shown["industry"] == ("所属产业", "—", "示例产业")  # not the id "demo"
    assert shown["chain_leader"] == ("链主企业项目", "否", "是")  # not True
    assert shown["stage"] == ("项目阶段", "—", "签约")
    assert shown["county"] == ("所在县（市、区）", "—", "五华区")
    assert shown["land_mu"] == ("用地（亩）", "—", "120.5")
    assert shown["review_status"] == ("审核状态", "—", "县级已申报")
    # the stored values stay as they were written, for machines
    raw = {c["field"]: c["to"] for c in entry["changes"]}
    assert (raw["industry"], raw["chain_leader"]) == ("demo", True)


def test_saving_a_returned_project_resubmits_it(library: GraphStore):
    project = projects.declare(library, WUHUA, a_project(), today=TODAY)
    projects.decide(library, KUNMING, project.id, "return", reason="缺少用地")
    saved = projects.update(library, WUHUA, project.id, {"land_mu": "80"}, today=TODAY)
    assert (saved.review_status, saved.get("return_reason"), saved.get("land_mu")) == ("declared", None, 80.0)
    last = projects.audit_trail(library, project.id)[-1]
    assert (last.action, last.version) == ("update_resubmit", 3)
    changed = {c["field"]: (c["from"], c["to"]) for c in last.changes}
    assert changed["review_status"] == ("returned", "declared") and changed["land_mu"] == (None, 80.0)
    assert projects.audit_json(library, [last])[0]["action_zh"] == "修改并重新申报"
    # saved unchanged after another return: resubmitted all the same, as a plain 重新申报
    projects.decide(library, KUNMING, project.id, "return", reason="再核")
    again = projects.update(library, WUHUA, project.id, {"land_mu": "80"}, today=TODAY)
    assert again.review_status == "declared"
    assert projects.audit_trail(library, project.id)[-1].action == "resubmit"


def test_the_list_filters(library: GraphStore):
    def add(name: str, investment: float, stage: str, **more: object) -> str:
        dates = {"lead": {"date_signed": None}, "signed": {"date_signed": "2023-05-01"}}[stage]
        data = a_project(
            name=name, investment_yi=investment, stage=stage, date_negotiating=None, **dates, **more
        )
        return projects.declare(library, WUHUA, data, today=TODAY).id

    small = add("小项目", 0.5, "lead", date_lead="2024-01-02")  # 1亿元以下, lead of 2024
    mid = add("中项目", 5, "signed")  # 1亿至10亿元, signed 2023
    big = add("大项目", 10, "signed")  # exactly 10亿: the 10亿至50亿元 band
    huge = add("特大项目", 120, "lead", date_lead="2023-11-30")  # 100亿元及以上, lead of 2023

    def names(**filters: object) -> set[str]:
        ids = {p.id for p in projects.list_projects(library, KUNMING, **filters)}  # type: ignore[arg-type]
        return {n for n, i in (("小", small), ("中", mid), ("大", big), ("特大", huge)) if i in ids}

    assert names() == {"小", "中", "大", "特大"}
    assert names(size="lt1") == {"小"}
    assert names(size="1to10") == {"中"}
    assert names(size="10to50") == {"大"}
    assert names(size="ge100") == {"特大"}
    assert names(stage="signed") == {"中", "大"}
    assert names(year=2023) == {"中", "大", "特大"}  # signing year, else the lead's
    assert names(year=2024) == {"小"}
    assert names(year=2023, size="1to10") == {"中"}
    assert names(region="530100") == names(region="530102") == {"小", "中", "大", "特大"}
    assert names(region="530300") == set()
    assert names(review_status="returned") == set()


def test_an_uploading_county_cannot_import_another_countys_rows(library: GraphStore, tmp_path: Path):
    from openpyxl import Workbook

    path = tmp_path / "五华区.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS.values()))
    row = {"name": "盘龙的项目", "county": "盘龙区", "industry": "示例产业", "investment_yi": 3, "jobs": "50"}
    sheet.append([row.get(f, "") for f in HEADERS])
    book.save(path)
    options = {"store": library, "today": TODAY, "actor": WUHUA}
    with pytest.raises(ValidationError) as caught:
        import_file(library, "project-library", path, options=options)
    assert len(caught.value.problems) == 1
    assert f"{path}:2: column 所在县（市、区）: " in caught.value.problems[0]
    assert library.find_nodes("Project") == []

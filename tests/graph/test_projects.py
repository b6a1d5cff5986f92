"""The project library's rules on both backends: who may do what, the stage and review state
machines, validation naming the field, and every change written with its audit entry in one
transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import projects as lib
from graph.errors import NotFoundError, ValidationError
from graph.store import GraphStore
from ingest.importer import import_file
from ingest.sources.projects import HEADERS, project_id_for, write_template
from tests.project_library import (
    CHECKLIST,
    KUNMING,
    PANLONG,
    PROVINCE,
    QUJING,
    TODAY,
    WUHUA,
    a_project,
    library_changes,
)


@pytest.fixture
def library(store: GraphStore) -> GraphStore:
    store.apply(library_changes())
    return store


def snapshot(store: GraphStore) -> tuple[list, list]:
    """Everything about projects and audit entries, to compare before and after a refused write."""
    nodes = [(n.id, dict(n.props)) for label in ("Project", "AuditEntry") for n in store.find_nodes(label)]
    edges = [e.ident for t in ("LOCATED_IN", "IN_INDUSTRY", "INVESTED_BY", "TARGETS", "ABOUT") for e in store.find_edges(type=t)]
    return nodes, edges


def declared(store: GraphStore, **overrides: object) -> lib.Project:
    return lib.declare(store, WUHUA, a_project(**overrides), today=TODAY)


def test_declare_writes_the_project_its_edges_and_one_audit_entry(library: GraphStore):
    project = declared(library)
    stored = lib.get_project(library, project.id)
    assert stored.props["county"] == "530102"
    assert stored.prefecture == "530100"
    assert stored.review_status == "declared"
    assert stored.props["investor"] == "n1" and stored.props["chain_nodes"] == ["b"]
    assert stored.version == 1
    targets = {(e.type, e.target) for e in library.find_edges(source=project.id)}
    assert targets == {("LOCATED_IN", "530102"), ("IN_INDUSTRY", "demo"), ("INVESTED_BY", "n1"), ("TARGETS", "b")}
    [entry] = lib.audit_trail(library, project.id)
    assert (entry.user, entry.role, entry.action, entry.version) == ("wuhua", "county", "declare", 1)
    changed = {c["field"]: c["to"] for c in entry.changes}
    assert changed["investment_yi"] == 12 and changed["stage"] == "signed"


def test_review_then_approve_with_an_audit_entry_for_each_step(library: GraphStore):
    project = declared(library, stage="negotiating", date_signed=None)
    lib.decide(library, KUNMING, project.id, "review")
    approved = lib.decide(library, PROVINCE, project.id, "approve")
    assert approved.review_status == "province_approved"
    trail = lib.audit_trail(library, project.id)
    assert [(a.action, a.user) for a in trail] == [("declare", "wuhua"), ("review", "kunming"), ("approve", "sheng")]
    assert trail[-1].changes[0] == {"field": "review_status", "from": "prefecture_reviewed", "to": "province_approved"}
    assert lib.get_project(library, project.id).version == 3


@pytest.mark.parametrize(
    ("actor", "action"),
    [
        (PANLONG, "update"),  # a county writing another county's project
        (WUHUA, "approve"),  # a county approving
        (WUHUA, "review"),  # a county reviewing
        (QUJING, "review"),  # a prefecture reviewing another prefecture's county
        (QUJING, "return"),
        (KUNMING, "approve"),  # a prefecture approving
        (KUNMING, "update"),  # a prefecture editing
        (PROVINCE, "update"),  # the province editing a county's declaration
    ],
)
def test_forbidden_writes_change_nothing(library: GraphStore, actor: lib.Actor, action: str):
    project = declared(library)
    if action == "approve":
        lib.decide(library, KUNMING, project.id, "review")
    before = snapshot(library)
    with pytest.raises(lib.PermissionDenied):
        if action == "update":
            lib.update(library, actor, project.id, {"funds_in_place_yi": 3}, today=TODAY)
        else:
            lib.decide(library, actor, project.id, action, reason="不符合要求")
    assert snapshot(library) == before


def test_a_county_cannot_declare_for_another_county(library: GraphStore):
    with pytest.raises(lib.PermissionDenied):
        lib.declare(library, PANLONG, a_project(), today=TODAY)
    assert library.find_nodes("Project") == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"investment_yi": -3}, "investment_yi"),
        ({"date_signed": "2024-07-01"}, "date_signed"),  # after TODAY
        ({"county": "不存在县"}, "county"),
        ({"county": "530100"}, "county"),  # a prefecture is not a county
        ({"industry": "no-such-industry"}, "industry"),
        ({"stage": "finished"}, "stage"),
        ({"funds_in_place_yi": 20}, "funds_in_place_yi"),  # more than the 12亿元 invested
        ({"date_negotiating": "2024-04-01"}, "date_signed"),  # signed before negotiating began
        ({"chain_nodes": ["检测认证X"]}, "chain_nodes"),
        ({"investment_yi": "十亿"}, "investment_yi"),
        ({"risk_preferential_terms": "土地价格优惠"}, "risk_preferential_approved_by"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(library: GraphStore, overrides: dict, field: str):
    with pytest.raises(ValidationError) as caught:
        declared(library, **overrides)
    assert any(p.startswith(f"{field}:") for p in caught.value.problems), caught.value.problems
    assert library.find_nodes("Project") == [] and library.find_nodes("AuditEntry") == []


def test_stage_back_needs_a_reason_and_clears_the_later_dates(library: GraphStore):
    project = declared(library)
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        lib.update(library, WUHUA, project.id, {"stage": "negotiating"}, today=TODAY)
    assert caught.value.problems[0].startswith("stage:")
    assert snapshot(library) == before
    back = lib.update(library, WUHUA, project.id, {"stage": "negotiating"}, reason="协议解除，重新洽谈", today=TODAY)
    assert back.stage == "negotiating" and back.get("date_signed") is None
    last = lib.audit_trail(library, project.id)[-1]
    assert last.reason == "协议解除，重新洽谈"
    assert {"field": "date_signed", "from": "2024-03-15", "to": None} in last.changes


def test_stage_forward_fills_todays_date_and_keeps_review(library: GraphStore):
    project = declared(library)
    lib.decide(library, KUNMING, project.id, "review")
    moved = lib.update(library, WUHUA, project.id, {"stage": "started", "funds_in_place_yi": 4}, today=TODAY)
    assert moved.get("date_started") == TODAY.isoformat()
    assert moved.review_status == "prefecture_reviewed"  # progress is not a new declaration


def test_changing_a_declared_fact_sends_it_back_for_review(library: GraphStore):
    project = declared(library, stage="negotiating", date_signed=None)
    lib.decide(library, KUNMING, project.id, "review")
    lib.decide(library, PROVINCE, project.id, "approve")
    changed = lib.update(library, WUHUA, project.id, {"investment_yi": 30}, today=TODAY)
    assert changed.review_status == "declared"


def test_an_update_that_changes_nothing_writes_nothing(library: GraphStore):
    project = declared(library)
    before = snapshot(library)
    same = lib.update(library, WUHUA, project.id, {"investment_yi": 12, "stage": "signed"}, today=TODAY)
    assert same.version == 1 and snapshot(library) == before


def test_a_stale_version_is_a_conflict(library: GraphStore):
    project = declared(library)
    lib.update(library, WUHUA, project.id, {"funds_in_place_yi": 1}, today=TODAY)
    with pytest.raises(lib.ConflictError):
        lib.update(library, WUHUA, project.id, {"funds_in_place_yi": 2}, version=1, today=TODAY)


def test_review_states(library: GraphStore):
    project = declared(library)
    with pytest.raises(lib.ConflictError):
        lib.decide(library, PROVINCE, project.id, "approve")  # not reviewed yet
    with pytest.raises(ValidationError) as caught:
        lib.decide(library, KUNMING, project.id, "return")
    assert caught.value.problems[0].startswith("reason:")
    returned = lib.decide(library, KUNMING, project.id, "return", reason="缺少签约协议")
    assert (returned.review_status, returned.get("return_reason")) == ("returned", "缺少签约协议")
    assert lib.decide(library, WUHUA, project.id, "resubmit").review_status == "declared"
    lib.decide(library, KUNMING, project.id, "review")
    # a signed major project needs the measure-8 checklist before approval
    with pytest.raises(ValidationError) as caught:
        lib.decide(library, PROVINCE, project.id, "approve")
    assert {p.split(":")[0] for p in caught.value.problems} == {
        "risk_collective_decision", "risk_prior_assessment", "risk_legality_review",
    }  # fmt: skip
    lib.update(library, WUHUA, project.id, dict.fromkeys(("risk_collective_decision", "risk_prior_assessment", "risk_legality_review"), True), today=TODAY)
    # the checklist is not a declared fact: the prefecture's review stands
    assert lib.decide(library, PROVINCE, project.id, "approve").review_status == "province_approved"


def test_who_reads_what(library: GraphStore):
    mine = declared(library)
    other = lib.declare(library, PANLONG, a_project(county="530103", name="盘龙项目", **CHECKLIST), today=TODAY)
    assert [p.id for p in lib.list_projects(library, WUHUA)] == [mine.id]
    assert {p.id for p in lib.list_projects(library, KUNMING)} == {mine.id, other.id}
    assert lib.list_projects(library, QUJING) == []
    assert len(lib.list_projects(library, PROVINCE)) == 2
    lib.decide(library, KUNMING, other.id, "review")
    lib.decide(library, PROVINCE, other.id, "approve")
    assert {p.id for p in lib.list_projects(library, WUHUA)} == {mine.id, other.id}  # approved ones are public


def test_allowed_actions_follow_the_rules(library: GraphStore):
    project = declared(library)
    assert lib.allowed_actions(WUHUA, project) == ["update"]
    assert lib.allowed_actions(KUNMING, project) == ["review", "return"]
    assert lib.allowed_actions(QUJING, project) == []
    assert lib.allowed_actions(PROVINCE, project) == ["return"]


def test_unknown_project(library: GraphStore):
    with pytest.raises(NotFoundError):
        lib.decide(library, PROVINCE, "prj-missing", "approve")


def test_duplicate_name_in_one_county(library: GraphStore):
    declared(library)
    with pytest.raises(ValidationError) as caught:
        declared(library)
    assert caught.value.problems[0].startswith("name:")


# -- the Excel sheet ---------------------------------------------------------------------------


def _sheet(path: Path, rows: list[dict[str, object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS.values()))
    for row in rows:
        sheet.append([row.get(field, "") for field in HEADERS])
    book.save(path)
    return path


def test_shipped_template_has_the_chinese_headers(tmp_path: Path):
    from openpyxl import load_workbook

    shipped = Path(__file__).resolve().parents[2] / "data" / "templates" / "project_library_template.xlsx"
    for path in (shipped, write_template(tmp_path / "t.xlsx")):
        header = [c.value for c in next(load_workbook(path).worksheets[0].iter_rows(max_row=1))]
        assert header == list(HEADERS.values())
        assert header[:3] == ["项目名称", "所在县（市、区）", "所属产业"]


def test_import_is_all_or_nothing_and_idempotent(library: GraphStore, tmp_path: Path):
    good = {"name": "导入项目", "county": "五华区", "industry": "示例产业", "investment_yi": 15, "stage": "签约",
            "date_signed": "2024-02-01", "chain_leader": "是"}  # fmt: skip
    bad = {"name": "坏项目", "county": "五华区", "industry": "示例产业", "investment_yi": -2}
    options = {"store": library, "today": TODAY}
    with pytest.raises(ValidationError) as caught:
        import_file(library, "project-library", _sheet(tmp_path / "bad.xlsx", [good, bad]), options=options)
    assert "bad.xlsx:3: column 总投资（亿元）" in caught.value.problems[0]
    assert library.find_nodes("Project") == []

    path = _sheet(tmp_path / "good.xlsx", [good])
    _, result = import_file(library, "project-library", path, options=options)
    assert result.nodes_created == 2  # the project and its audit entry
    pid = project_id_for("530102", "导入项目")
    project = lib.get_project(library, pid)
    assert (project.stage, project.get("chain_leader"), project.review_status) == ("signed", True, "declared")
    assert lib.audit_trail(library, pid)[0].user == "导入:good.xlsx"
    _, again = import_file(library, "project-library", path, options=options)
    assert not again.changed

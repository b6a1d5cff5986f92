"""The project library's rules on both backends: who may do what, the stage and review state
machines, validation naming the field, and every change written with its audit entry in one
transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from graph.store import ChangeSet, GraphStore, Node
from ingest.registry import import_file
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
from workflow import fields, model, permissions, projects
from workflow.fields import problem_field


@pytest.fixture
def library(store: GraphStore) -> GraphStore:
    store.apply(library_changes())
    return store


def snapshot(store: GraphStore) -> tuple[list, list]:
    """Everything about projects and audit entries, to compare before and after a refused write."""
    nodes = [(n.id, dict(n.props)) for label in ("Project", "AuditEntry") for n in store.find_nodes(label)]
    edges = [
        e.ident
        for t in ("LOCATED_IN", "IN_INDUSTRY", "INVESTED_BY", "TARGETS", "ABOUT")
        for e in store.find_edges(type=t)
    ]
    return nodes, edges


def declared(store: GraphStore, **overrides: object) -> model.Project:
    return projects.declare(store, WUHUA, a_project(**overrides), today=TODAY)


def test_declare_writes_the_project_its_edges_and_one_audit_entry(library: GraphStore):
    project = declared(library)
    stored = projects.get_project(library, project.id)
    assert stored.props["county"] == "530102"
    assert stored.prefecture == "530100"
    assert stored.review_status == "declared"
    assert stored.props["investor"] == "n1" and stored.props["chain_nodes"] == ["b"]
    assert stored.version == 1
    targets = {(e.type, e.target) for e in library.find_edges(source=project.id)}
    assert targets == {
        ("LOCATED_IN", "530102"),
        ("IN_INDUSTRY", "demo"),
        ("INVESTED_BY", "n1"),
        ("TARGETS", "b"),
    }
    [entry] = projects.audit_trail(library, project.id)
    assert (entry.user, entry.role, entry.action, entry.version) == ("wuhua", "county", "declare", 1)
    changed = {c["field"]: c["to"] for c in entry.changes}
    assert changed["investment_yi"] == 12 and changed["stage"] == "signed"


def test_review_then_approve_with_an_audit_entry_for_each_step(library: GraphStore):
    project = declared(library, stage="negotiating", date_signed=None)
    projects.decide(library, KUNMING, project.id, "review")
    approved = projects.decide(library, PROVINCE, project.id, "approve")
    assert approved.review_status == "province_approved"
    trail = projects.audit_trail(library, project.id)
    assert [(a.action, a.user) for a in trail] == [
        ("declare", "wuhua"),
        ("review", "kunming"),
        ("approve", "sheng"),
    ]
    assert trail[-1].changes[0] == {
        "field": "review_status",
        "from": "prefecture_reviewed",
        "to": "province_approved",
    }
    assert projects.get_project(library, project.id).version == 3


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
def test_forbidden_writes_change_nothing(library: GraphStore, actor: model.Actor, action: str):
    project = declared(library, **CHECKLIST)
    if action == "approve":
        projects.decide(library, KUNMING, project.id, "review")
    before = snapshot(library)
    with pytest.raises(PermissionDenied):
        if action == "update":
            projects.update(library, actor, project.id, {"funds_in_place_yi": 3}, today=TODAY)
        else:
            projects.decide(library, actor, project.id, action, reason="不符合要求")
    assert snapshot(library) == before


def test_a_county_cannot_declare_for_another_county(library: GraphStore):
    with pytest.raises(PermissionDenied):
        projects.declare(library, PANLONG, a_project(), today=TODAY)
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
    assert any(problem_field(p) == field for p in caught.value.problems), caught.value.problems
    assert library.find_nodes("Project") == [] and library.find_nodes("AuditEntry") == []


def test_stage_back_needs_a_reason_and_clears_the_later_dates(library: GraphStore):
    project = declared(library)
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        projects.update(library, WUHUA, project.id, {"stage": "negotiating"}, today=TODAY)
    assert caught.value.problems[0].startswith("项目阶段：")
    assert snapshot(library) == before
    back = projects.update(
        library, WUHUA, project.id, {"stage": "negotiating"}, reason="协议解除，重新洽谈", today=TODAY
    )
    assert back.stage == "negotiating" and back.get("date_signed") is None
    last = projects.audit_trail(library, project.id)[-1]
    assert last.reason == "协议解除，重新洽谈"
    assert {"field": "date_signed", "from": "2024-03-15", "to": None} in last.changes


def test_stage_forward_fills_todays_date_and_keeps_review(library: GraphStore):
    project = declared(library, **CHECKLIST)
    projects.decide(library, KUNMING, project.id, "review")
    moved = projects.update(
        library, WUHUA, project.id, {"stage": "started", "funds_in_place_yi": 4}, today=TODAY
    )
    assert moved.get("date_started") == TODAY.isoformat()
    assert moved.review_status == "prefecture_reviewed"  # progress is not a new declaration


def test_changing_a_declared_fact_sends_it_back_for_review(library: GraphStore):
    project = declared(library, stage="negotiating", date_signed=None)
    projects.decide(library, KUNMING, project.id, "review")
    projects.decide(library, PROVINCE, project.id, "approve")
    changed = projects.update(library, WUHUA, project.id, {"investment_yi": 30}, today=TODAY)
    assert changed.review_status == "declared"


def test_an_update_that_changes_nothing_writes_nothing(library: GraphStore):
    project = declared(library)
    before = snapshot(library)
    same = projects.update(library, WUHUA, project.id, {"investment_yi": 12, "stage": "signed"}, today=TODAY)
    assert same.version == 1 and snapshot(library) == before


def test_a_stale_version_is_a_conflict(library: GraphStore):
    project = declared(library)
    projects.update(library, WUHUA, project.id, {"funds_in_place_yi": 1}, today=TODAY)
    with pytest.raises(ConflictError):
        projects.update(library, WUHUA, project.id, {"funds_in_place_yi": 2}, version=1, today=TODAY)


def approved(store: GraphStore, **overrides: object) -> model.Project:
    project = declared(store, **overrides)
    projects.decide(store, KUNMING, project.id, "review")
    return projects.decide(store, PROVINCE, project.id, "approve")


def test_progress_on_an_approved_project_rechecks_the_checklist(library: GraphStore):
    # approved at 线索, where the checklist is not yet needed; 50亿元 is a major project
    project = approved(
        library,
        stage="lead",
        date_lead="2024-01-02",
        date_negotiating=None,
        date_signed=None,
        investment_yi=50,
    )
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        projects.update(
            library, WUHUA, project.id, {"stage": "signed", "date_signed": "2024-05-06"}, today=TODAY
        )
    assert {problem_field(p) for p in caught.value.problems} == {
        "risk_collective_decision",
        "risk_prior_assessment",
        "risk_legality_review",
    }
    assert snapshot(library) == before
    # signing with the checklist answered: the answers are new declared facts, so it goes back for review
    signed = projects.update(
        library, WUHUA, project.id, {"stage": "signed", "date_signed": "2024-05-06", **CHECKLIST}, today=TODAY
    )
    assert signed.review_status == "declared"
    changes = {
        c["field"]: (c["from"], c["to"]) for c in projects.audit_trail(library, project.id)[-1].changes
    }
    assert changes["review_status"] == ("province_approved", "declared")
    assert changes["risk_legality_review"] == (False, True) and changes["date_signed"] == (None, "2024-05-06")


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"date_signed": "2024-02-01"}, "date_signed"),  # the recorded signing date (decides the quota year)
        ({"stage": "negotiating"}, "stage"),  # the stage going back
        ({"hq_type": "研发总部"}, "hq_type"),
        ({"risk_prior_assessment": False}, "risk_prior_assessment"),
        (
            {"risk_preferential_terms": "土地价格优惠", "risk_preferential_approved_by": "省政府"},
            "risk_preferential_terms",
        ),
    ],
)
def test_changing_a_declared_fact_of_an_approved_project_sends_it_back(
    library: GraphStore, change: dict, cause: str
):
    project = approved(library, headquarters=True, hq_type="区域总部", **CHECKLIST)
    changed = projects.update(library, WUHUA, project.id, change, reason="更正", today=TODAY)
    assert changed.review_status == "declared"
    entry = projects.audit_trail(library, project.id)[-1]
    fields = {c["field"] for c in entry.changes}
    assert {"review_status", cause} <= fields, entry.changes  # the trail shows what caused the reset


def test_forward_progress_keeps_an_approval(library: GraphStore):
    project = approved(library, **CHECKLIST)
    moved = projects.update(
        library,
        WUHUA,
        project.id,
        {"stage": "started", "date_started": "2024-06-01", "funds_in_place_yi": 5},
        today=TODAY,
    )
    assert (moved.review_status, moved.stage, moved.get("date_started")) == (
        "province_approved",
        "started",
        "2024-06-01",
    )


def test_no_for_a_yes_no_question_never_answered_is_no_change(library: GraphStore):
    # declared without any yes/no answer (as the JSON API allows), then approved
    project = approved(library, stage="negotiating", date_signed=None)
    assert {f: projects.get_project(library, project.id).get(f) for f in fields.BOOL_FIELDS} == dict.fromkeys(
        fields.BOOL_FIELDS, False
    )
    before = snapshot(library)
    # the page's edit form sends every unticked box as "no"
    same = projects.update(library, WUHUA, project.id, dict.fromkeys(fields.BOOL_FIELDS, False), today=TODAY)
    assert (same.review_status, same.version) == ("province_approved", 3)
    assert snapshot(library) == before


def test_a_project_stored_without_answers_is_not_reset_by_no(library: GraphStore):
    project = approved(library, stage="negotiating", date_signed=None)
    stored = projects.get_project(library, project.id)
    legacy = {
        k: v for k, v in stored.props.items() if k not in fields.BOOL_FIELDS
    }  # as declared before answers were kept
    library.upsert_nodes([Node(project.id, "Project", legacy)])
    same = projects.update(library, WUHUA, project.id, dict.fromkeys(fields.BOOL_FIELDS, False), today=TODAY)
    assert (same.review_status, same.version) == ("province_approved", 3)


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "started", "date_signed": None, "date_started": "2024-05-01"},
        {"stage": "production", "date_signed": None},
    ],
)
def test_a_stage_past_signing_needs_the_signing_date(library: GraphStore, data: dict):
    with pytest.raises(ValidationError) as caught:
        declared(library, **data)
    assert [p for p in caught.value.problems if p.startswith("签约日期：")], caught.value.problems
    assert library.find_nodes("Project") == []
    early = declared(library, stage="negotiating", date_signed=None)
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        projects.update(library, WUHUA, early.id, {"stage": "started"}, today=TODAY)
    assert [problem_field(p) for p in caught.value.problems] == ["date_signed"]
    assert snapshot(library) == before


@pytest.mark.parametrize(
    ("actor", "overrides"),
    [
        (KUNMING, {"investment_yi": -3}),  # a prefecture declaring, with a bad field too
        (PROVINCE, {"date_signed": "2099-01-01"}),
        (PANLONG, {"investment_yi": -3}),  # another county's project (五华区), with a bad field
        (PANLONG, {"industry": "no-such-industry", "stage": "finished"}),
    ],
)
def test_a_forbidden_declaration_is_refused_before_its_fields_are_checked(
    library: GraphStore, actor: model.Actor, overrides: dict
):
    with pytest.raises(PermissionDenied):
        projects.declare(library, actor, a_project(**overrides), today=TODAY)
    assert library.find_nodes("Project") == []


def test_moving_a_project_to_another_county_is_refused_before_its_fields_are_checked(library: GraphStore):
    project = declared(library)
    before = snapshot(library)
    with pytest.raises(PermissionDenied, match="所在县（市、区）：项目不能改到其他县"):
        projects.update(library, WUHUA, project.id, {"county": "盘龙区", "investment_yi": -1}, today=TODAY)
    assert snapshot(library) == before


def test_a_write_racing_another_process_keeps_both_writes_and_audit_entries(
    library: GraphStore, monkeypatch: pytest.MonkeyPatch
):
    project = declared(library)
    read = projects.get_project(library, project.id)
    # what another process commits between our read and our write: funds 5, version 2
    rival = projects.project_changes(
        read.props, {**read.props, "funds_in_place_yi": 5.0, "version": 2}, WUHUA, "update"
    )
    real_apply = library.apply
    calls: list[ChangeSet] = []

    def apply_after_the_rival(changes: ChangeSet, **kwargs: object) -> object:
        if not calls:
            real_apply(rival)
        calls.append(changes)
        return real_apply(changes, **kwargs)

    monkeypatch.setattr(library, "apply", apply_after_the_rival)
    with pytest.raises(ConflictError):  # the caller read version 1 and said so
        projects.update(library, WUHUA, project.id, {"funds_in_place_yi": 3}, version=1, today=TODAY)
    assert projects.get_project(library, project.id).props["funds_in_place_yi"] == 5.0

    calls.clear()
    monkeypatch.setattr(library, "apply", real_apply)
    library.apply(
        projects.project_changes(None, {**read.props, "id": "prj-race", "name": "另一项目"}, WUHUA, "declare")
    )
    read = projects.get_project(library, "prj-race")
    rival = projects.project_changes(
        read.props, {**read.props, "funds_in_place_yi": 5.0, "version": 2}, WUHUA, "update"
    )
    monkeypatch.setattr(library, "apply", apply_after_the_rival)
    done = projects.update(
        library, WUHUA, "prj-race", {"funds_in_place_yi": 3}, today=TODAY
    )  # no version: planned again
    assert len(calls) == 2 and (done.version, done.get("funds_in_place_yi")) == (3, 3.0)
    trail = projects.audit_trail(library, "prj-race")
    assert [a.version for a in trail] == [1, 2, 3] and len({a.id for a in trail}) == 3
    funds = [next(c for c in a.changes if c["field"] == "funds_in_place_yi") for a in trail[1:]]
    assert [(c["from"], c["to"]) for c in funds] == [(None, 5.0), (5.0, 3.0)]


def test_review_states(library: GraphStore):
    project = declared(library)
    with pytest.raises(ConflictError):
        projects.decide(library, PROVINCE, project.id, "approve")  # not reviewed yet
    with pytest.raises(ValidationError) as caught:
        projects.decide(library, KUNMING, project.id, "return")
    assert caught.value.problems[0].startswith("退回原因：")
    returned = projects.decide(library, KUNMING, project.id, "return", reason="缺少签约协议")
    assert (returned.review_status, returned.get("return_reason")) == ("returned", "缺少签约协议")
    assert projects.decide(library, WUHUA, project.id, "resubmit").review_status == "declared"
    # a signed major project needs the measure-8 checklist before the prefecture passes it
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        projects.decide(library, KUNMING, project.id, "review")
    assert {problem_field(p) for p in caught.value.problems} == {
        "risk_collective_decision",
        "risk_prior_assessment",
        "risk_legality_review",
    }
    assert "经集体决策" in caught.value.problems[0] and "措施8" in caught.value.problems[0]
    assert snapshot(library) == before
    ticked = projects.update(library, WUHUA, project.id, CHECKLIST, today=TODAY)
    assert ticked.review_status == "declared"
    with pytest.raises(ConflictError):
        projects.decide(library, PROVINCE, project.id, "approve")
    projects.decide(library, KUNMING, project.id, "review")
    assert projects.decide(library, PROVINCE, project.id, "approve").review_status == "province_approved"


def test_who_reads_what(library: GraphStore):
    mine = declared(library)
    other = projects.declare(
        library, PANLONG, a_project(county="530103", name="盘龙项目", **CHECKLIST), today=TODAY
    )
    assert [p.id for p in projects.list_projects(library, WUHUA)] == [mine.id]
    assert {p.id for p in projects.list_projects(library, KUNMING)} == {mine.id, other.id}
    assert projects.list_projects(library, QUJING) == []
    assert len(projects.list_projects(library, PROVINCE)) == 2
    projects.decide(library, KUNMING, other.id, "review")
    projects.decide(library, PROVINCE, other.id, "approve")
    assert {p.id for p in projects.list_projects(library, WUHUA)} == {
        mine.id,
        other.id,
    }  # approved ones are public


def test_allowed_actions_follow_the_rules(library: GraphStore):
    project = declared(library)
    assert permissions.allowed_actions(WUHUA, project) == ["update"]
    assert permissions.allowed_actions(KUNMING, project) == ["review", "return"]
    assert permissions.allowed_actions(QUJING, project) == []
    assert permissions.allowed_actions(PROVINCE, project) == ["return"]


def test_unknown_project(library: GraphStore):
    with pytest.raises(NotFoundError):
        projects.decide(library, PROVINCE, "prj-missing", "approve")


def test_duplicate_name_in_one_county(library: GraphStore):
    declared(library)
    with pytest.raises(ValidationError) as caught:
        declared(library)
    assert caught.value.problems[0].startswith("项目名称：")


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
    good = {
        "name": "导入项目",
        "county": "五华区",
        "industry": "示例产业",
        "investment_yi": 15,
        "stage": "签约",
        "date_signed": "2024-02-01",
        "chain_leader": "是",
    }
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
    project = projects.get_project(library, pid)
    assert (project.stage, project.get("chain_leader"), project.review_status) == ("signed", True, "declared")
    assert projects.audit_trail(library, pid)[0].user == "导入:good.xlsx"
    _, again = import_file(library, "project-library", path, options=options)
    assert not again.changed


def test_import_rejects_a_row_past_signing_without_its_date(library: GraphStore, tmp_path: Path):
    started = {
        "name": "跳过签约",
        "county": "五华区",
        "industry": "示例产业",
        "investment_yi": 15,
        "stage": "开工",
        "date_started": "2024-04-01",
    }
    with pytest.raises(ValidationError) as caught:
        import_file(
            library,
            "project-library",
            _sheet(tmp_path / "s.xlsx", [started]),
            options={"store": library, "today": TODAY},
        )
    assert "s.xlsx:2: column 签约日期" in caught.value.problems[0], caught.value.problems
    assert library.find_nodes("Project") == []

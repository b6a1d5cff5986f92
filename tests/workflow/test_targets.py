"""The target-enterprise library on both backends: who may add and act, the warning when two
prefectures pursue one firm or group, activities moving the stage, conversion to a declared
project that keeps the link, and every write one transaction with its audit entry."""

from __future__ import annotations

import re

import pytest

from graph.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from graph.store import GraphStore
from ingest.sources import target_list
from tests.project_library import CHECKLIST, KUNMING, PROVINCE, QUJING, TODAY, WUHUA, library_changes
from workflow import fields, projects, targets


@pytest.fixture
def library(store: GraphStore) -> GraphStore:
    store.apply(library_changes())
    return store


def snapshot(store: GraphStore) -> tuple[list, list]:
    nodes = [
        (n.id, dict(n.props))
        for label in ("Target", "Activity", "Project", "AuditEntry")
        for n in store.find_nodes(label)
    ]
    edges = [
        e.ident
        for t in ("PURSUES", "LOCATED_IN", "IN_INDUSTRY", "TARGETS", "ABOUT", "FROM_TARGET")
        for e in store.find_edges(type=t)
    ]
    return nodes, edges


def add(store: GraphStore, actor=KUNMING, **data: object) -> tuple[targets.Target, list[targets.Conflict]]:
    body = {"enterprise": "全国一号", "industry": "demo", "node": "中间品", "reason": "补链：中间品缺失"}
    return targets.add_target(store, actor, {**body, **data})


def test_add_writes_the_target_its_edges_and_one_audit_entry(library: GraphStore):
    target, conflicts = add(library)
    assert conflicts == []
    stored = targets.get_target(library, target.id)
    assert (stored.get("enterprise"), stored.get("node"), stored.region, stored.stage) == (
        "n1",
        "b",
        "530100",
        "identified",
    )
    edges = {(e.type, e.target) for e in library.find_edges(source=target.id)}
    assert edges == {("PURSUES", "n1"), ("LOCATED_IN", "530100"), ("IN_INDUSTRY", "demo"), ("TARGETS", "b")}
    trail = targets.target_trail(library, target.id)
    assert [(a.action, a.user, a.version) for a in trail] == [("add", "kunming", 1)]
    assert {"field": "name", "from": None, "to": "全国一号"} in trail[0].changes


def test_a_second_prefecture_on_the_same_firm_or_group_is_warned_by_name(library: GraphStore):
    add(library)
    _, conflicts = add(library, QUJING)
    assert [(c.region, c.same) for c in conflicts] == [("530100", "enterprise")]
    assert conflicts[0].message.startswith("昆明市已在跟进同一企业“全国一号”")
    # y2 is a subsidiary of n4: the same group
    add(library, enterprise="集团四号", node="部件")
    _, group = add(library, QUJING, enterprise="滇乙公司", node="部件")
    assert [(c.region, c.same, c.name) for c in group] == [("530100", "group", "集团四号")]


def test_the_same_region_cannot_add_a_firm_twice(library: GraphStore):
    add(library)
    before = snapshot(library)
    with pytest.raises(ConflictError, match="已将“全国一号”列入"):
        add(library)
    assert snapshot(library) == before


@pytest.mark.parametrize(
    ("actor", "data", "message"),
    [
        (WUHUA, {}, "县（市、区）用户不能使用目标企业库"),
        (QUJING, {"region": "530100"}, "只能操作本州市（530300）"),
        (WUHUA, {"enterprise": ""}, "县（市、区）用户不能使用目标企业库"),  # refused before the fields
    ],
)
def test_forbidden_adds_are_refused_with_nothing_written(library: GraphStore, actor, data, message):
    before = snapshot(library)
    with pytest.raises(PermissionDenied, match=message):
        add(library, actor, **data)
    assert snapshot(library) == before


def test_bad_fields_name_the_field_and_write_nothing(library: GraphStore):
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        add(library, enterprise="", industry="没有的产业", node="x")
    assert [p.split("：")[0] for p in caught.value.problems] == ["企业", "所属产业"]
    with pytest.raises(ValidationError, match="产业链环节：“出口产品x”不是该产业的环节"):
        add(library, node="出口产品x")
    assert snapshot(library) == before


def test_an_unknown_firm_is_kept_by_name_and_the_province_adds_for_a_prefecture(library: GraphStore):
    target, _ = add(library, PROVINCE, enterprise="某新材料集团", region="530300", node=None)
    assert (target.get("enterprise"), target.get("name"), target.region) == (None, "某新材料集团", "530300")
    assert targets.list_targets(library, QUJING) == [target]
    assert targets.list_targets(library, KUNMING) == []
    with pytest.raises(PermissionDenied):
        targets.list_targets(library, WUHUA)


def test_a_trip_is_recorded_with_the_target_and_moves_it_to_visited(library: GraphStore):
    target, _ = add(library)
    trip = {
        "kind": "trip",
        "date": "2024-05-20",
        "people": "市投资促进局 张三",
        "met": "全国一号 副总裁",
        "outcome": "达成投资意向",
        "next_step": "6月来滇考察",
    }
    after, _ = targets.record_activity(library, KUNMING, target.id, trip, today=TODAY)
    assert (after.stage, after.version, after.get("activities")) == ("visited", 2, 1)
    stored = [a.props for a in targets.activities_of(library, target.id)]
    assert [(a["kind"], a["date"], a["region"], a["people"]) for a in stored] == [
        ("trip", "2024-05-20", "530100", "市投资促进局 张三")
    ]
    assert [a.action for a in targets.target_trail(library, target.id)] == ["add", "activity"]
    # a later contact does not move the stage back
    again, _ = targets.record_activity(
        library, KUNMING, target.id, {"kind": "contact", "date": "2024-06-01"}, today=TODAY
    )
    assert again.stage == "visited"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "call", "date": "2024-05-20"}, ["活动类型"]),
        ({"kind": "visit", "date": "2024-13-01"}, ["日期"]),
        ({"kind": "visit", "date": "2024-07-01"}, ["日期"]),  # after TODAY
        ({"kind": "trip", "date": "2024-05-01"}, ["出行（参加）人员"]),
        ({"kind": "visit", "date": "2024-05-01", "budget": 3}, ["招商活动"]),
    ],
)
def test_bad_activities_name_the_field_and_write_nothing(library: GraphStore, data, fields):
    target, _ = add(library)
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        targets.record_activity(library, KUNMING, target.id, data, today=TODAY)
    assert [p.split("：")[0] for p in caught.value.problems] == fields
    assert snapshot(library) == before


def test_other_regions_and_counties_cannot_act_on_a_target(library: GraphStore):
    target, _ = add(library)
    before = snapshot(library)
    for actor in (QUJING, WUHUA):
        with pytest.raises(PermissionDenied):
            targets.record_activity(
                library, actor, target.id, {"kind": "contact", "date": "2024-05-01"}, today=TODAY
            )
        with pytest.raises(PermissionDenied):
            targets.move_stage(library, actor, target.id, "negotiating")
        with pytest.raises(PermissionDenied):
            targets.convert_to_project(library, actor, target.id, {"county": "530102", "investment_yi": 12})
        with pytest.raises(PermissionDenied):
            targets.readable_target(library, actor, target.id)
    with pytest.raises(NotFoundError):
        targets.move_stage(library, KUNMING, "tgt-nope", "negotiating")
    assert snapshot(library) == before


def test_stage_moves_back_only_with_a_reason(library: GraphStore):
    target, _ = add(library)
    moved = targets.move_stage(library, PROVINCE, target.id, "negotiating")
    assert moved.stage == "negotiating"
    with pytest.raises(ValidationError, match="退回原因：阶段从“洽谈中”退回“已接洽”须说明原因"):
        targets.move_stage(library, KUNMING, target.id, "contacted")
    back = targets.move_stage(library, KUNMING, target.id, "contacted", reason="对方暂缓")
    assert back.stage == "contacted"
    with pytest.raises(ValidationError):
        targets.move_stage(library, KUNMING, target.id, "project_declared")


def test_convert_declares_a_project_that_keeps_the_link(library: GraphStore):
    target, _ = add(library)
    targets.move_stage(library, KUNMING, target.id, "negotiating")
    before = snapshot(library)
    with pytest.raises(PermissionDenied, match="不在该目标企业的负责地区"):
        targets.convert_to_project(library, KUNMING, target.id, {"county": "530302", "investment_yi": 12})
    with pytest.raises(ValidationError, match="总投资（亿元）：必填"):
        targets.convert_to_project(library, KUNMING, target.id, {"county": "530102"}, today=TODAY)
    assert snapshot(library) == before
    converted, project = targets.convert_to_project(
        library,
        KUNMING,
        target.id,
        {"county": "530102", "investment_yi": 12, "name": "全国一号中间品项目"},
        today=TODAY,
    )
    assert (converted.stage, converted.get("project")) == ("project_declared", project.id)
    stored = projects.get_project(library, project.id)
    assert (stored.county, stored.prefecture, stored.review_status, stored.stage) == (
        "530102",
        "530100",
        "declared",
        "negotiating",
    )
    assert (stored.get("investor"), stored.get("chain_nodes"), stored.get("from_target")) == (
        "n1",
        ["b"],
        target.id,
    )
    assert [e.target for e in library.find_edges(source=project.id, type="FROM_TARGET")] == [target.id]
    assert [(a.action, a.user) for a in projects.audit_trail(library, project.id)] == [("convert", "kunming")]
    with pytest.raises(ConflictError, match="已转为申报项目"):
        targets.convert_to_project(library, KUNMING, target.id, {"county": "530102", "investment_yi": 12})
    # the county completes it and the usual review follows; the prefecture is stopped by the checklist
    projects.update(library, WUHUA, project.id, {"stage": "signed", "date_signed": "2024-06-30"}, today=TODAY)
    with pytest.raises(ValidationError, match="风险防控"):
        projects.decide(library, KUNMING, project.id, "review")
    projects.update(library, WUHUA, project.id, CHECKLIST, today=TODAY)
    projects.decide(library, KUNMING, project.id, "review")
    assert projects.decide(library, PROVINCE, project.id, "approve").review_status == "province_approved"


def test_a_stale_version_writes_nothing(library: GraphStore):
    target, _ = add(library)
    # another process moved the target meanwhile: the version expectation fails inside the write
    stale = targets.target_changes(
        target.props,
        {**target.props, "stage": "contacted", "version": 2},
        KUNMING,
        "stage",
        at="2024-06-30T10:00:00+08:00",
    )
    targets.move_stage(library, KUNMING, target.id, "negotiating")
    before = snapshot(library)
    with pytest.raises(ConflictError):
        library.apply(stale)
    assert snapshot(library) == before


# -- a list of firms (an Excel sheet): checked whole, one transaction, all or nothing ----------


def list_rows(*rows: dict[str, str], first_line: int = 2) -> list[targets.ListRow]:
    return [targets.ListRow(first_line + i, row) for i, row in enumerate(rows)]


def add_list(
    store: GraphStore, actor, rows: list[targets.ListRow], **options: object
) -> list[targets.ListOutcome]:
    return targets.add_target_list(
        store, actor, rows, file="名单.xlsx", columns=target_list.HEADERS, **options
    )


def test_a_list_is_added_in_one_transaction_with_each_rows_conflicts(
    library: GraphStore, monkeypatch: pytest.MonkeyPatch
):
    add(library)  # 昆明 pursues 全国一号 (n1) and 集团四号 (n4), the group of 滇乙公司 (y2)
    add(library, enterprise="集团四号", node="部件")
    rows = list_rows(
        {"enterprise": "全国一号", "industry": "示例产业", "node": "中间品", "reason": "补链"},
        {"enterprise": "y2", "industry": "demo", "node": "部件", "reason": "配套"},
        {
            "enterprise": "某新材料集团",
            "industry": "示例产业",
            "node": "",
            "bureau": "市投促局",
            "assignee": "王五",
        },
    )
    writes: list[object] = []
    apply = library.apply
    monkeypatch.setattr(library, "apply", lambda changes: writes.append(changes) or apply(changes))
    outcomes = add_list(library, QUJING, rows)
    assert len(writes) == 1  # three targets, three audit entries: one ChangeSet
    assert [
        (o.line, o.target.get("name"), o.added, [(c.region, c.same) for c in o.conflicts]) for o in outcomes
    ] == [
        (2, "全国一号", True, [("530100", "enterprise")]),
        (3, "滇乙公司", True, [("530100", "group")]),
        (4, "某新材料集团", True, []),
    ]
    stored = sorted(
        (t.get("name"), t.get("enterprise"), t.get("node"), t.get("source"), t.get("assignee"))
        for t in targets.list_targets(library, QUJING)
    )
    assert stored == [
        ("全国一号", "n1", "b", "excel", None),
        ("某新材料集团", None, None, "excel", "王五"),
        ("滇乙公司", "y2", "c", "excel", None),
    ]
    for outcome in outcomes:
        assert [a.action for a in targets.target_trail(library, outcome.target.id)] == ["add"]
    # the same list again adds nothing: every firm is already the region's
    before = snapshot(library)
    again = add_list(library, QUJING, rows)
    assert [(o.line, o.added, o.target.id) for o in again] == [(o.line, False, o.target.id) for o in outcomes]
    assert snapshot(library) == before


def test_a_bad_row_refuses_the_whole_list_by_line_and_column(library: GraphStore):
    good = {"enterprise": "全国一号", "industry": "示例产业", "node": "中间品"}
    rows = list_rows(
        good,
        {"enterprise": "民营二号", "industry": "没有的产业"},
        {"enterprise": "", "industry": "demo", "node": "出口产品x"},
        {**good, "enterprise": "n1"},
        {"enterprise": "龙头五号", "industry": "demo", "assignee": "王" * 501},
    )
    before = snapshot(library)
    with pytest.raises(ValidationError) as caught:
        add_list(library, KUNMING, rows)
    assert caught.value.problems == [
        "名单.xlsx:3: column 产业: 所属产业：未知的产业“没有的产业”",
        "名单.xlsx:4: column 企业: 企业：必填，请填写企业名称",
        "名单.xlsx:4: column 环节: 产业链环节：“出口产品x”不是该产业的环节",
        "名单.xlsx:5: column 企业: 企业：与第 2 行是同一企业“全国一号”",
        "名单.xlsx:6: column 负责人: 责任人：不能超过 500 个字",
    ]
    assert snapshot(library) == before
    with pytest.raises(ValidationError, match="名单中没有企业"):
        add_list(library, KUNMING, [])
    assert snapshot(library) == before


@pytest.mark.parametrize(
    ("actor", "options", "message"),
    [
        (WUHUA, {}, "县（市、区）用户不能使用目标企业库"),
        (QUJING, {"region": "530100"}, "只能操作本州市（530300）"),
    ],
)
def test_a_list_from_a_county_or_for_another_region_is_refused(library: GraphStore, actor, options, message):
    rows = list_rows({"enterprise": "", "industry": "没有的产业"})  # refused before any row is read
    before = snapshot(library)
    with pytest.raises(PermissionDenied, match=message):
        add_list(library, actor, rows, **options)
    assert snapshot(library) == before


def test_the_province_adds_a_list_for_a_prefecture(library: GraphStore):
    [outcome] = add_list(
        library, PROVINCE, list_rows({"enterprise": "n2", "industry": "demo"}), region="530300"
    )
    assert (outcome.target.region, outcome.target.get("created_by")) == ("530300", "sheng")
    with pytest.raises(ValidationError, match="负责地区：“530102”不是云南的州（市）代码"):
        add_list(library, PROVINCE, list_rows({"enterprise": "n3", "industry": "demo"}), region="530102")


def test_no_problem_shows_an_internal_field_key(library: GraphStore):
    """Every problem reads `标签：问题` with the Chinese label, as in the project library."""
    target, _ = add(library)
    problems: list[str] = []
    attempts = [
        lambda: add(library, enterprise="", industry="", reason="理" * 2001),
        lambda: add(library, industry="demo", node="出口产品x", bureau="局" * 501, source="fax"),
        lambda: add(library, PROVINCE, region="530102"),
        lambda: targets.record_activity(
            library, KUNMING, target.id, {"kind": "call", "date": "2024-13-01", "budget": 1}, today=TODAY
        ),
        lambda: targets.record_activity(
            library,
            KUNMING,
            target.id,
            {"kind": "trip", "date": "2099-01-01", "met": "某" * 501},
            today=TODAY,
        ),
        lambda: targets.move_stage(library, KUNMING, target.id, "project_declared"),
        lambda: targets.assign(library, KUNMING, target.id, bureau="局" * 501, assignee=None),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        problems += caught.value.problems
    targets.move_stage(library, KUNMING, target.id, "negotiating")
    with pytest.raises(ValidationError) as back:
        targets.move_stage(library, KUNMING, target.id, "contacted")
    problems += back.value.problems
    with pytest.raises(PermissionDenied) as county:
        targets.convert_to_project(library, KUNMING, target.id, {"county": "530302", "investment_yi": 12})
    problems.append(str(county.value))
    keys = [
        *targets.TARGET_FIELD_ZH,
        *targets.ACTIVITY_FIELD_ZH,
        "county",
        "chain_nodes",
    ]  # "budget" is what was sent, echoed
    pattern = re.compile("|".join(rf"\b{k}\b" for k in keys))
    assert len(problems) >= 15, problems
    assert [p for p in problems if pattern.search(p)] == []
    assert [p for p in problems if targets.problem_field(p) is None and fields.problem_field(p) is None] == []

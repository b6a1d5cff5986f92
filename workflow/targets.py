"""The target-enterprise library (measure 7): firms a prefecture or the province pursues, the
contacts, visits and outbound promotion trips made for each (measure 10), the stage each has
reached, and the declared project a target turns into, which keeps the link.

Same rules as the project library: province users act on every target, prefecture users on their
own region's, county users not at all; each write is one `ChangeSet` holding the target, what
came with it (an activity, a project) and its audit entry, committed together or not at all.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from graph.lookup import resolve, resolve_enterprise
from graph.store import ChangeSet, Edge, EdgeKey, GraphStore, Node
from workflow import projects
from workflow.clock import now_in_china, today_in_china
from workflow.fields import EARLIEST_DATE, check_chain_nodes
from workflow.model import PROVINCE, ROLE_ZH, Actor, AuditEntry, Project, Record, newest_first, where_given
from workflow.permissions import region_parent, resolve_county

TARGET_STAGES: tuple[str, ...] = ("identified", "contacted", "visited", "negotiating", "project_declared")
TARGET_STAGE_ZH = {
    "identified": "已识别",
    "contacted": "已接洽",
    "visited": "已拜访",
    "negotiating": "洽谈中",
    "project_declared": "已转为申报项目",
}
ACTIVITY_KINDS: tuple[str, ...] = ("contact", "visit", "trip")
ACTIVITY_ZH = {"contact": "联络", "visit": "来访拜访", "trip": "外出招商"}
# the stage an activity shows a target has at least reached
ACTIVITY_STAGE = {"contact": "contacted", "visit": "visited", "trip": "visited"}
SOURCES: tuple[str, ...] = ("recommendation", "search", "excel")
SOURCE_ZH = {"recommendation": "系统推荐", "search": "检索添加", "excel": "Excel名单导入"}
TARGET_ACTION_ZH = {
    "add": "加入目标库",
    "assign": "分派",
    "activity": "记录招商活动",
    "stage": "调整阶段",
    "convert": "转为申报项目",
}
TARGET_FIELD_ZH = {
    "name": "企业名称",
    "enterprise": "企业",
    "group": "所属集团",
    "industry": "所属产业",
    "node": "产业链环节",
    "reason": "列入理由",
    "source": "来源",
    "region": "负责地区",
    "bureau": "责任单位",
    "assignee": "责任人",
    "stage": "推进阶段",
    "project": "申报项目",
    "activities": "招商活动次数",
}
ACTIVITY_FIELD_ZH = {
    "kind": "活动类型",
    "date": "日期",
    "people": "出行（参加）人员",
    "met": "会见对象",
    "place": "地点",
    "outcome": "成果",
    "next_step": "下一步",
}
TEXT_LIMIT = 500
# Every problem reads `标签：问题`, the project library's form (workflow.fields.problem).
PROBLEM_LABEL_ZH = {
    **ACTIVITY_FIELD_ZH,
    **TARGET_FIELD_ZH,
    "back_reason": "退回原因",
    "county": "所在县（市、区）",
    "fields": "招商活动",
}
LABEL_KEY = {label: key for key, label in PROBLEM_LABEL_ZH.items()}

_WRITE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Target(Record):
    """A target as stored: id and properties (see TARGET_FIELD_ZH)."""

    @property
    def region(self) -> str:
        return str(self.props.get("region", ""))

    @property
    def stage(self) -> str:
        return str(self.props.get("stage", "identified"))


@dataclass(frozen=True)
class Conflict:
    """Another region pursuing the same firm or a firm of the same group."""

    target: str
    region: str
    region_name: str
    name: str
    same: str  # enterprise | group | name

    @property
    def message(self) -> str:
        what = {"enterprise": "同一企业", "group": "同一集团的企业", "name": "同名企业"}[self.same]
        return f"{self.region_name}已在跟进{what}“{self.name}”（{self.target}），请与其协调，避免重复招商"


# -- who may do what --------------------------------------------------------------------------


def check_target_permission(actor: Actor, region: str) -> None:
    """Raise PermissionDenied unless `actor` may add or act on a target of `region`.

    >>> check_target_permission(Actor("k", "prefecture", "530100"), "530100")
    >>> check_target_permission(Actor("w", "county", "530102"), "530100")
    Traceback (most recent call last):
    ...
    graph.errors.PermissionDenied: 县（市、区）用户不能使用目标企业库，请由州（市）或省级用户操作
    """
    if actor.role == "province":
        return
    if actor.role == "prefecture":
        if region != actor.region:
            raise PermissionDenied(f"州市用户只能操作本州市（{actor.region}）的目标企业，该目标属于 {region}")
        return
    raise PermissionDenied(
        f"{ROLE_ZH.get(actor.role, actor.role)}用户不能使用目标企业库，请由州（市）或省级用户操作"
    )


def can_read_target(actor: Actor, target: Target) -> bool:
    return actor.role == "province" or (actor.role == "prefecture" and target.region == actor.region)


# -- helpers ----------------------------------------------------------------------------------


def problem(key: str, message: str) -> str:
    """A problem as people read it: the field's Chinese label, then what is wrong.

    >>> problem("enterprise", "必填，请填写企业名称")
    '企业：必填，请填写企业名称'
    """
    return f"{PROBLEM_LABEL_ZH.get(key, key)}：{message}"


def problem_field(text: str) -> str | None:
    """The field a problem (from `problem`) is about, or None.

    >>> problem_field("产业链环节：“x”不是该产业的环节"), problem_field("别的")
    ('node', None)
    """
    return LABEL_KEY.get(text.split("：", 1)[0].strip())


def _raise(problems: list[str]) -> None:
    if problems:
        raise ValidationError("；".join(problems), problems)


def _text(data: Mapping[str, Any], key: str, problems: list[str], *, limit: int = TEXT_LIMIT) -> str | None:
    raw = data.get(key)
    if raw is None:
        return None
    text = str(raw).strip()
    if len(text) > limit:
        problems.append(problem(key, f"不能超过 {limit} 个字"))
        return None
    return text or None


def group_of(store: GraphStore, enterprise: str) -> str:
    """The top of the enterprise's group (up SUBSIDIARY_OF), the firm itself when it has none."""
    current, seen = enterprise, {enterprise}
    while True:
        parents = [e.target for e in store.find_edges(source=current, type="SUBSIDIARY_OF")]
        if not parents or parents[0] in seen:
            return current
        current = parents[0]
        seen.add(current)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": k, "from": before.get(k), "to": after.get(k)}
        for k in TARGET_FIELD_ZH
        if before.get(k) != after.get(k)
    ]


def _target_edges(props: Mapping[str, Any]) -> list[Edge]:
    tid = str(props["id"])
    edges = [Edge(tid, "LOCATED_IN", str(props["region"])), Edge(tid, "IN_INDUSTRY", str(props["industry"]))]
    if props.get("enterprise"):
        edges.append(Edge(tid, "PURSUES", str(props["enterprise"])))
    if props.get("node"):
        edges.append(Edge(tid, "TARGETS", str(props["node"])))
    return edges


def target_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    actor: Actor,
    action: str,
    *,
    at: str,
    reason: str = "",
    extra: ChangeSet | None = None,
) -> ChangeSet:
    """One transaction: the target node and its edges, the audit entry, and `extra` (an activity
    or a project), only if the stored version is still the one `before` was read at."""
    tid = str(after["id"])
    props = {k: v for k, v in after.items() if v is not None}
    entry = projects.audit_node(
        ("target", tid), int(after["version"]), actor, action, _diff(before or {}, props), at, reason
    )
    new_edges = _target_edges(props)
    keep = {e.ident for e in new_edges}
    stale: list[EdgeKey] = [e.ident for e in _target_edges(before) if e.ident not in keep] if before else []
    extra = extra or ChangeSet()
    return ChangeSet(
        nodes=(Node(tid, "Target", props), entry, *extra.nodes),
        edges=(*new_edges, Edge(entry.id, "ABOUT", tid), *extra.edges),
        delete_edges=(*stale, *extra.delete_edges),
        expect=((tid, "version", before.get("version") if before is not None else None), *extra.expect),
    )


TargetPlan = Callable[[], tuple[Target, ChangeSet]]


def _commit(store: GraphStore, plan: TargetPlan) -> Target:
    """Plan and apply under the library's lock; a write by another process in between makes the
    store refuse the ChangeSet (its version expectation), reported as a conflict."""
    with _WRITE_LOCK:
        target, changes = plan()
        try:
            store.apply(changes)
        except ConflictError as exc:
            raise ConflictError("目标企业已被他人修改，请刷新后再操作") from exc
    return target


def _stamp(props: dict[str, Any], actor: Actor, at: str, version: int) -> dict[str, Any]:
    return {**props, "version": version, "updated_at": at, "updated_by": actor.name}


# -- reads ------------------------------------------------------------------------------------


def get_target(store: GraphStore, target_id: str) -> Target:
    """Raises NotFoundError for an unknown id."""
    node = store.get_node(target_id)
    if node is None or node.label != "Target":
        raise NotFoundError("target", target_id)
    return Target(node.id, dict(node.props))


def readable_target(store: GraphStore, actor: Actor, target_id: str) -> Target:
    target = get_target(store, target_id)
    if not can_read_target(actor, target):
        check_target_permission(actor, target.region)  # says why
    return target


def list_targets(
    store: GraphStore,
    actor: Actor,
    *,
    stage: str | None = None,
    industry: str | None = None,
    region: str | None = None,
) -> list[Target]:
    """The targets `actor` may read, newest first. County users are refused (PermissionDenied)."""
    if actor.role not in ("province", "prefecture"):
        check_target_permission(actor, actor.region)
    where = where_given(stage=stage, industry=industry, region=region)
    found = [Target(n.id, dict(n.props)) for n in store.find_nodes("Target", where=where)]
    return newest_first(t for t in found if can_read_target(actor, t))


def conflicts_of(store: GraphStore, target: Mapping[str, Any]) -> list[Conflict]:
    """Targets of other regions on the same firm, a firm of the same group, or (for a firm the
    graph does not know) the same name."""
    found: list[Conflict] = []
    names = projects.names_of(store, [str(n.props.get("region")) for n in store.find_nodes("Target")])
    for node in store.find_nodes("Target"):
        other = node.props
        if node.id == target.get("id") or other.get("region") == target.get("region"):
            continue
        same = None
        if target.get("enterprise") and other.get("enterprise") == target.get("enterprise"):
            same = "enterprise"
        elif target.get("group") and other.get("group") == target.get("group"):
            same = "group"
        elif not target.get("enterprise") and other.get("name") == target.get("name"):
            same = "name"
        if same:
            region = str(other.get("region"))
            found.append(Conflict(node.id, region, names.get(region, region), str(other.get("name")), same))
    return sorted(found, key=lambda c: (c.region, c.target))


def activities_of(store: GraphStore, target_id: str) -> list[Node]:
    """The target's activities, by date."""
    found = [store.get_node(e.source) for e in store.find_edges(type="ABOUT", target=target_id)]
    acts = [n for n in found if n is not None and n.label == "Activity"]
    return sorted(acts, key=lambda n: (str(n.props.get("date")), str(n.props.get("recorded_at")), n.id))


def target_trail(store: GraphStore, target_id: str) -> list[AuditEntry]:
    """The target's audit entries, oldest first."""
    return projects.audit_trail(store, target_id)


def target_audit_json(store: GraphStore, entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """Audit entries as the API and the page show them: each change keeps its stored values
    (`from`, `to`) and adds the field's Chinese label and both values as people read them
    (`from_text`, `to_text`: stages and sources in Chinese, names for the ids of firms,
    industries, links and regions, 是/否 for yes and no)."""
    ids = {
        str(v)
        for a in entries
        for c in a.changes
        for v in (c.get("from"), c.get("to"))
        if isinstance(v, str) and v
    } | {a.region for a in entries if a.region}
    names = projects.names_of(store, ids)

    def text(field: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        if field == "stage":
            return TARGET_STAGE_ZH.get(str(value), str(value))
        if field == "source":
            return SOURCE_ZH.get(str(value), str(value))
        return names.get(str(value), str(value))

    return [
        {
            "version": a.version,
            "at": a.at,
            "user": a.user,
            "role": a.role,
            "role_zh": ROLE_ZH.get(a.role, a.role),
            "region": a.region,
            "region_name": names.get(a.region, a.region),
            "action": a.action,
            "action_zh": TARGET_ACTION_ZH.get(a.action, a.action),
            "changes": [
                {
                    **c,
                    "label": TARGET_FIELD_ZH.get(str(c.get("field")), str(c.get("field"))),
                    "from_text": text(str(c.get("field")), c.get("from")),
                    "to_text": text(str(c.get("field")), c.get("to")),
                }
                for c in a.changes
            ],
            "reason": a.reason,
        }
        for a in entries
    ]


# -- writes -----------------------------------------------------------------------------------


def _owner_region(store: GraphStore, actor: Actor, asked: Any) -> str:
    """The region a new target belongs to: a prefecture user's own; the province's, or the
    prefecture a province user names."""
    if asked in (None, ""):
        return actor.region if actor.role in ("province", "prefecture") else ""
    node = store.get_node(str(asked)[:20])
    if node is None or node.label != "Region" or node.props.get("level") not in ("prefecture", "province"):
        message = problem("region", f"“{str(asked)[:20]}”不是云南的州（市）代码")
        raise ValidationError(message, [message])
    return node.id


def check_new_target(store: GraphStore, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """The check step of adding a firm: its fields cleaned (ids resolved), nothing read but the
    graph's firms, industries and links. `data` as for `add_target`.

    Raises:
        PermissionDenied: a county user, or a prefecture user adding for another region (before
            any field is checked).
        ValidationError: each problem `标签：问题`.
    """
    region = _owner_region(store, actor, data.get("region"))
    check_target_permission(actor, region)
    problems: list[str] = []
    text = str(data.get("enterprise") or "").strip()[:200]
    enterprise: str | None = None
    name = text
    if not text:
        problems.append(problem("enterprise", "必填，请填写企业名称"))
    else:
        try:
            node = resolve_enterprise(store, text)
            enterprise, name = node.id, node.name
        except NotFoundError:
            pass  # a firm the graph does not know (from a search or a list) is kept by its name
    industry = ""
    raw_industry = str(data.get("industry") or "").strip()[:200]
    if not raw_industry:
        problems.append(problem("industry", "必填，请选择所属产业"))
    else:
        try:
            industry = resolve("industry", raw_industry, store.find_nodes("Industry")).id
        except NotFoundError:
            problems.append(problem("industry", f"未知的产业“{raw_industry}”"))
    chain_node = None
    if data.get("node") and industry:
        found, node_problems = check_chain_nodes(store, industry, [str(data["node"])[:200]])
        problems += node_problems  # labelled 产业链环节, this field's label too
        chain_node = found[0] if found else None
    source = str(data.get("source") or "recommendation")
    if source not in SOURCES:
        problems.append(problem("source", f"应为 {'、'.join(SOURCE_ZH.values())} 之一"))
    cleaned = {
        "name": name,
        "enterprise": enterprise,
        "industry": industry,
        "node": chain_node,
        "reason": _text(data, "reason", problems, limit=2000),
        "source": source,
        "region": region,
        "bureau": _text(data, "bureau", problems),
        "assignee": _text(data, "assignee", problems),
    }
    _raise(problems)
    return cleaned


def _pursued(store: GraphStore, fields: Mapping[str, Any]) -> str | None:
    """The id of the target by which the region of `fields` already pursues its firm, if any."""
    enterprise, name = fields.get("enterprise"), fields.get("name")
    for node in store.find_nodes("Target", where={"region": fields["region"]}):
        if (enterprise and node.props.get("enterprise") == enterprise) or (
            not enterprise and node.props.get("name") == name
        ):
            return node.id
    return None


def plan_new_target(
    store: GraphStore, actor: Actor, fields: Mapping[str, Any], *, at: str
) -> tuple[Target, ChangeSet]:
    """The plan step of adding a firm (`fields` from `check_new_target`): the new target and its
    part of a ChangeSet (the node, its edges, its audit entry). Run it under the library's lock.

    Raises:
        ConflictError: the region already pursues this firm.
    """
    mine = _pursued(store, fields)
    if mine:
        raise ConflictError(f"本地区已将“{fields['name']}”列入目标企业库（{mine}），不必重复添加")
    props: dict[str, Any] = {
        **fields,
        "id": f"tgt-{uuid.uuid4().hex[:12]}",
        "group": group_of(store, str(fields["enterprise"])) if fields.get("enterprise") else None,
        "stage": "identified",
        "activities": 0,
        "created_at": at,
        "created_by": actor.name,
    }
    props = _stamp(props, actor, at, 1)
    target = Target(props["id"], {k: v for k, v in props.items() if v is not None})
    return target, target_changes(None, props, actor, "add", at=at)


def add_target(store: GraphStore, actor: Actor, data: Mapping[str, Any]) -> tuple[Target, list[Conflict]]:
    """Add a firm to the library for the actor's region (or a prefecture a province user names).

    `data`: enterprise (id or name; a firm the graph does not know is kept by name), industry,
    node (a link of the industry, optional), reason, source, bureau, assignee.

    Raises:
        PermissionDenied: a county user, or a prefecture user adding for another region (before
            any field is checked).
        ValidationError: each problem `标签：问题`.
        ConflictError: the region already pursues this firm.
    Returns the target and the other regions pursuing the same firm or group.
    """
    fields = check_new_target(store, actor, data)
    target = _commit(store, lambda: plan_new_target(store, actor, fields, at=now_in_china()))
    return target, conflicts_of(store, target.props)


def merge_changes(parts: list[ChangeSet]) -> ChangeSet:
    """One ChangeSet doing what all `parts` do, for one transaction."""
    return ChangeSet(
        nodes=tuple(n for p in parts for n in p.nodes),
        edges=tuple(e for p in parts for e in p.edges),
        delete_nodes=tuple(n for p in parts for n in p.delete_nodes),
        delete_edges=tuple(e for p in parts for e in p.delete_edges),
        expect=tuple(x for p in parts for x in p.expect),
        unique=tuple(u for p in parts for u in p.unique),
    )


@dataclass(frozen=True)
class ListRow:
    """One row of a list of firms: its line in the file and its fields (as for `add_target`)."""

    line: int
    data: Mapping[str, Any]


@dataclass(frozen=True)
class ListOutcome:
    """What became of a row: a new target, or the one the region already had (`added` False)."""

    line: int
    target: Target
    added: bool
    conflicts: tuple[Conflict, ...]


def _where(file: str, line: int, column: str | None) -> str:
    return f"{file}:{line}" + (f": column {column}" if column else "")


def add_target_list(
    store: GraphStore,
    actor: Actor,
    rows: list[ListRow],
    *,
    file: str,
    columns: Mapping[str, str],
    region: str | None = None,
) -> list[ListOutcome]:
    """Add a list of firms (an Excel sheet) for the actor's region, or the prefecture a province
    user names: every row checked first, then all new targets written in one transaction. A firm
    the region already pursues is left as it is (so loading a list again adds nothing).

    `columns` maps a field to its column's header, so each problem reads
    `FILE:LINE: column HEADER: 标签：问题` (the project sheet's report).

    Raises:
        PermissionDenied: a county user, or a prefecture user naming another region, before any
            row is read.
        ValidationError: every problem of every row; nothing is written.
    Returns each row's outcome with the other regions pursuing the same firm or group.
    """
    owner = _owner_region(store, actor, region)
    check_target_permission(actor, owner)
    problems: list[str] = []
    checked: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    if not rows:
        _raise([f"{file}: " + problem("enterprise", "名单中没有企业")])
    for row in rows:
        try:
            fields = check_new_target(store, actor, {**row.data, "region": owner, "source": "excel"})
        except ValidationError as exc:
            problems += [
                f"{_where(file, row.line, columns.get(problem_field(p) or ''))}: {p}" for p in exc.problems
            ]
            continue
        key = str(fields["enterprise"] or fields["name"])
        if key in seen:
            message = problem("enterprise", f"与第 {seen[key]} 行是同一企业“{fields['name']}”")
            problems.append(f"{_where(file, row.line, columns.get('enterprise'))}: {message}")
            continue
        seen[key] = row.line
        checked.append((row.line, fields))
    _raise(problems)
    made: list[tuple[int, Target, bool]] = []

    def plan() -> tuple[Target, ChangeSet]:
        at = now_in_china()
        parts: list[ChangeSet] = []
        made.clear()
        for line, fields in checked:
            mine = _pursued(store, fields)
            if mine:
                made.append((line, get_target(store, mine), False))
                continue
            target, part = plan_new_target(store, actor, fields, at=at)
            made.append((line, target, True))
            parts.append(part)
        return made[0][1], merge_changes(parts)

    _commit(store, plan)
    return [ListOutcome(line, t, added, tuple(conflicts_of(store, t.props))) for line, t, added in made]


def assign(
    store: GraphStore, actor: Actor, target_id: str, *, bureau: str | None, assignee: str | None
) -> Target:
    """Give the target a responsible bureau and person."""
    problems: list[str] = []
    cleaned = {
        "bureau": _text({"bureau": bureau}, "bureau", problems),
        "assignee": _text({"assignee": assignee}, "assignee", problems),
    }

    def plan() -> tuple[Target, ChangeSet]:
        current = get_target(store, target_id)
        check_target_permission(actor, current.region)
        _raise(problems)
        at = now_in_china()
        after = _stamp({**current.props, **cleaned}, actor, at, current.version + 1)
        return Target(target_id, after), target_changes(current.props, after, actor, "assign", at=at)

    return _commit(store, plan)


def move_stage(store: GraphStore, actor: Actor, target_id: str, stage: str, *, reason: str = "") -> Target:
    """Move a target to `stage`; going back needs a reason; 已转为申报项目 only by conversion."""

    def plan() -> tuple[Target, ChangeSet]:
        current = get_target(store, target_id)
        check_target_permission(actor, current.region)
        if stage not in TARGET_STAGES[:-1]:
            _raise(
                [problem("stage", f"应为 {'、'.join(TARGET_STAGE_ZH[s] for s in TARGET_STAGES[:-1])} 之一")]
            )
        if current.stage == "project_declared":
            raise ConflictError("该目标企业已转为申报项目，阶段不能再调整")
        if TARGET_STAGES.index(stage) < TARGET_STAGES.index(current.stage) and not reason.strip():
            back = f"阶段从“{TARGET_STAGE_ZH[current.stage]}”退回“{TARGET_STAGE_ZH[stage]}”须说明原因"
            _raise([problem("back_reason", back)])
        if stage == current.stage:
            raise ConflictError(f"该目标企业已处于“{TARGET_STAGE_ZH[stage]}”阶段")
        at = now_in_china()
        after = _stamp({**current.props, "stage": stage}, actor, at, current.version + 1)
        changes = target_changes(current.props, after, actor, "stage", at=at, reason=reason.strip()[:2000])
        return Target(target_id, after), changes

    return _commit(store, plan)


def _clean_activity(data: Mapping[str, Any], today: date) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    raw_kind = str(data.get("kind") or "").strip()
    kind = {v: k for k, v in ACTIVITY_ZH.items()}.get(raw_kind, raw_kind)  # the Chinese name will do
    if kind not in ACTIVITY_KINDS:
        problems.append(
            problem("kind", f"应为 {'、'.join(ACTIVITY_ZH.values())} 之一，不是“{raw_kind[:20]}”")
        )
    day: date | None = None
    raw_date = str(data.get("date") or "").strip()
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        problems.append(problem("date", f"日期格式应为 YYYY-MM-DD，不是“{raw_date[:40]}”"))
    if day is not None and day > today:
        problems.append(problem("date", f"{day.isoformat()} 晚于今天 {today.isoformat()}"))
    if day is not None and day < EARLIEST_DATE:
        problems.append(problem("date", f"{day.isoformat()} 早于 {EARLIEST_DATE.isoformat()}"))
    cleaned = {k: _text(data, k, problems) for k in ("people", "met", "place", "outcome", "next_step")}
    if kind == "trip" and not cleaned["people"]:
        problems.append(problem("people", "外出招商须填写出行人员"))
    unknown = sorted(set(data) - {"kind", "date", *cleaned})
    problems += [
        problem("fields", f"没有“{str(k)[:40]}”这一项（可填：{'、'.join(ACTIVITY_FIELD_ZH.values())}）")
        for k in unknown
    ]
    return {"kind": kind, "date": day.isoformat() if day else None, **cleaned}, problems


def record_activity(
    store: GraphStore, actor: Actor, target_id: str, data: Mapping[str, Any], *, today: date | None = None
) -> tuple[Target, Node]:
    """Record a contact, visit or outbound trip (date, who went, whom they met, outcome, next
    step); the target moves up to the stage the activity shows (联络 -> 已接洽, 拜访/外出 -> 已拜访).

    Raises:
        PermissionDenied (checked first), NotFoundError, ValidationError naming each field.
    """
    today = today or today_in_china()
    made: list[Node] = []

    def plan() -> tuple[Target, ChangeSet]:
        current = get_target(store, target_id)
        check_target_permission(actor, current.region)
        cleaned, problems = _clean_activity(data, today)
        _raise(problems)
        at = now_in_china()
        activity = Node(
            f"act-{uuid.uuid4().hex[:12]}",
            "Activity",
            {
                **{k: v for k, v in cleaned.items() if v is not None},
                "target": target_id,
                "enterprise_name": current.get("name"),
                "region": current.region,
                "recorded_at": at,
                "recorded_by": actor.name,
            },
        )
        stage = current.stage
        reached = ACTIVITY_STAGE[cleaned["kind"]]
        if stage != "project_declared" and TARGET_STAGES.index(reached) > TARGET_STAGES.index(stage):
            stage = reached
        after = _stamp(
            {**current.props, "stage": stage, "activities": int(current.get("activities") or 0) + 1},
            actor,
            at,
            current.version + 1,
        )
        extra = ChangeSet(nodes=(activity,), edges=(Edge(activity.id, "ABOUT", target_id),))
        made[:] = [activity]
        changes = target_changes(
            current.props,
            after,
            actor,
            "activity",
            at=at,
            reason=f"{ACTIVITY_ZH[cleaned['kind']]} {cleaned['date']}",
            extra=extra,
        )
        return Target(target_id, after), changes

    target = _commit(store, plan)
    return target, made[0]


def convert_to_project(
    store: GraphStore, actor: Actor, target_id: str, data: Mapping[str, Any], *, today: date | None = None
) -> tuple[Target, Project]:
    """Turn a target into a declared project of a county of its region (name, county and the
    estimated investment; the firm, industry and link come from the target). The county then
    completes the declaration; its prefecture and the province review it as any other project.

    Raises:
        PermissionDenied: not the target's region, or a county outside it.
        ValidationError, ConflictError (already converted), NotFoundError.
    """
    today = today or today_in_china()
    made: list[Project] = []

    def plan() -> tuple[Target, ChangeSet]:
        current = get_target(store, target_id)
        check_target_permission(actor, current.region)
        if current.get("project"):
            raise ConflictError(f"该目标企业已转为申报项目 {current.get('project')}")
        if data.get("county") not in (None, ""):
            county = resolve_county(store, str(data["county"])[:200]).id
            prefecture = region_parent(store, county) or ""
            if current.region != PROVINCE and prefecture != current.region:
                raise PermissionDenied(
                    problem("county", f"{county} 不在该目标企业的负责地区 {current.region} 内")
                )
        declaration = {
            "industry": current.get("industry"),
            "investor": current.get("enterprise") or current.get("name"),
            "chain_nodes": [current.get("node")] if current.get("node") else [],
            "stage": "negotiating" if TARGET_STAGES.index(current.stage) >= 3 else "lead",
            **{k: v for k, v in data.items() if k in ("name", "county", "investment_yi", "notes")},
        }
        if not declaration.get("name"):
            declaration["name"] = f"{current.get('name')}项目"
        merged, _ = projects.plan_declare(store, None, declaration, today=today)
        at = now_in_china()
        merged.update(
            {"created_by": actor.name, "updated_by": actor.name, "created_at": at, "updated_at": at}
        )
        merged["from_target"] = target_id
        project_set = projects.project_changes(None, merged, actor, "convert", at=at)
        extra = ChangeSet(
            nodes=project_set.nodes,
            edges=(*project_set.edges, Edge(str(merged["id"]), "FROM_TARGET", target_id)),
            expect=project_set.expect,
        )
        after = _stamp(
            {**current.props, "stage": "project_declared", "project": merged["id"], "converted_at": at},
            actor,
            at,
            current.version + 1,
        )
        made[:] = [Project(str(merged["id"]), merged)]
        return Target(target_id, after), target_changes(
            current.props, after, actor, "convert", at=at, extra=extra
        )

    target = _commit(store, plan)
    return target, made[0]


def target_json(store: GraphStore, target: Target) -> dict[str, Any]:
    """A target as the API returns it, with the names of what it links to."""
    data = {
        k: target.props.get(k)
        for k in (
            *TARGET_FIELD_ZH,
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "converted_at",
        )
    }
    data["id"] = target.id
    data["activities"] = int(data.get("activities") or 0)
    names = projects.names_of(
        store,
        [str(target.get(k)) for k in ("region", "industry", "node", "enterprise", "group") if target.get(k)],
    )
    for key in ("region", "industry", "node", "group"):
        value = target.get(key)
        if value:
            data[f"{key}_name"] = names.get(str(value), str(value))
    data["stage_zh"] = TARGET_STAGE_ZH.get(target.stage, target.stage)
    return data


def activity_json(node: Node) -> dict[str, Any]:
    data = {"id": node.id, **dict(node.props)}
    data["kind_zh"] = ACTIVITY_ZH.get(str(node.props.get("kind")), "")
    return data

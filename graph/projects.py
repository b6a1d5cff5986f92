"""The project library (measures 7 and 8): projects a county declares, its prefecture reviews and
the province approves, followed from lead to production, every change one transaction with its
audit entry.

Who may do what is decided here, not in the web layer: `check_permission` takes an `Actor`
(role and region) and the project's county and prefecture. Each write builds one `ChangeSet`
holding the project node, its edges and an `AuditEntry` (who, when, each field from -> to), so a
change and its audit entry are committed together or not at all.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from graph.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from graph.lookup import resolve
from graph.project_rules import APPROVED, SIGNED, STAGES, is_major, stage_index
from graph.store import ChangeSet, Edge, EdgeKey, GraphStore, Node
from graph.view import chain_node_ids

PROVINCE = "530000"
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

ROLES: tuple[str, ...] = ("county", "prefecture", "province")
ROLE_ZH = {"county": "县（市、区）", "prefecture": "州（市）", "province": "省级"}

STAGE_ZH = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工", "production": "投产"}
STAGE_DATE = {stage: f"date_{stage}" for stage in STAGES}

REVIEW_STATES: tuple[str, ...] = ("declared", "prefecture_reviewed", "province_approved", "returned")
REVIEW_ZH = {
    "declared": "县级已申报",
    "prefecture_reviewed": "州市已审核",
    "province_approved": "省级已审定",
    "returned": "已退回",
}
DECISIONS: tuple[str, ...] = ("review", "approve", "return", "resubmit")
ACTION_ZH = {
    "declare": "申报",
    "update": "修改",
    "review": "州市审核通过",
    "approve": "省级审定通过",
    "return": "退回",
    "resubmit": "重新申报",
    "import": "导入",
}

MAX_INVESTMENT_YI = 10_000.0  # 1万亿元: a larger figure is a unit mistake (万元 typed as 亿元)
EARLIEST_DATE = date(2000, 1, 1)

# Field -> Chinese label: the form, the audit trail and the Excel template use the same names.
FIELD_ZH: dict[str, str] = {
    "name": "项目名称",
    "county": "所在县（市、区）",
    "industry": "所属产业",
    "investor": "投资企业",
    "investor_name": "投资主体名称",
    "chain_nodes": "产业链环节",
    "investment_yi": "总投资（亿元）",
    "funds_in_place_yi": "累计到位资金（亿元）",
    "stage": "项目阶段",
    "date_lead": "获得线索日期",
    "date_negotiating": "开始洽谈日期",
    "date_signed": "签约日期",
    "date_started": "开工日期",
    "date_production": "投产日期",
    "chain_leader": "链主企业项目",
    "headquarters": "总部项目",
    "hq_type": "总部类型",
    "risk_collective_decision": "经集体决策",
    "risk_prior_assessment": "已开展事前评估",
    "risk_legality_review": "投资协议已经合法性审查",
    "risk_preferential_terms": "重大优惠条件",
    "risk_preferential_approved_by": "优惠条件审批单位",
    "notes": "备注",
    "review_status": "审核状态",
    "return_reason": "退回原因",
}
TEXT_FIELDS = (
    "name",
    "investor_name",
    "hq_type",
    "risk_preferential_terms",
    "risk_preferential_approved_by",
    "notes",
)
BOOL_FIELDS = (
    "chain_leader",
    "headquarters",
    "risk_collective_decision",
    "risk_prior_assessment",
    "risk_legality_review",
)
MONEY_FIELDS = ("investment_yi", "funds_in_place_yi")
DATE_FIELDS = tuple(STAGE_DATE.values())
INPUT_FIELDS = (
    "name",
    "county",
    "industry",
    "investor",
    "chain_nodes",
    *MONEY_FIELDS,
    "stage",
    *DATE_FIELDS,
    *BOOL_FIELDS,
    *TEXT_FIELDS,
)
RISK_FIELDS = (
    "risk_collective_decision",
    "risk_prior_assessment",
    "risk_legality_review",
    "risk_preferential_terms",
    "risk_preferential_approved_by",
)
# Declared facts: a change to one of these after a review sends the project back to its prefecture
# (so do changing a recorded signing date and moving the stage back; see `review_reset_causes`).
DECLARED_FIELDS = (
    "name",
    "county",
    "industry",
    "investor",
    "investor_name",
    "investment_yi",
    "chain_nodes",
    "chain_leader",
    "headquarters",
    "hq_type",
    *RISK_FIELDS,
)
TEXT_MAX = {"name": 200, "notes": 2000}
TEXT_DEFAULT_MAX = 500
TRUE_WORDS = {"true", "1", "yes", "y", "on", "是", "有", "√", "✓"}
FALSE_WORDS = {"false", "0", "no", "n", "off", "否", "无", "", "×"}

# Threads of one server take turns at read-check-write, so they never conflict with each other;
# a write by another process in between is caught by the store (ChangeSet.expect on the version).
_WRITE_LOCK = threading.Lock()
WRITE_ATTEMPTS = 3  # plans of an unpinned write, when other processes keep getting in first


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name, a role (county / prefecture / province) and the region code."""

    name: str
    role: str
    region: str


@dataclass(frozen=True)
class Project:
    """A project as stored: id and properties (see FIELD_ZH for their meaning)."""

    id: str
    props: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)

    @property
    def county(self) -> str:
        return str(self.props.get("county", ""))

    @property
    def prefecture(self) -> str:
        return str(self.props.get("prefecture", ""))

    @property
    def review_status(self) -> str:
        return str(self.props.get("review_status", "declared"))

    @property
    def stage(self) -> str:
        return str(self.props.get("stage", "lead"))

    @property
    def version(self) -> int:
        return int(self.props.get("version", 0))


@dataclass(frozen=True)
class AuditEntry:
    """One change of a project: who, when, what (each field from -> to)."""

    id: str
    project: str
    version: int
    at: str
    user: str
    role: str
    region: str
    action: str
    changes: tuple[Mapping[str, Any], ...]
    reason: str = ""


# -- permissions ------------------------------------------------------------------------------


def check_permission(actor: Actor, action: str, county: str, prefecture: str) -> None:
    """Raise PermissionDenied unless `actor` may do `action` on a project of `county` (in `prefecture`).

    County users declare, edit and resubmit their own county's projects; prefecture users review
    or return their counties' projects; only the province approves (and may return any project).

    >>> check_permission(Actor("a", "county", "530102"), "update", "530102", "530100")
    >>> check_permission(Actor("a", "county", "530102"), "approve", "530102", "530100")
    Traceback (most recent call last):
    ...
    graph.errors.PermissionDenied: 县（市、区）用户不能执行“省级审定通过”
    """
    check_role(actor, action)
    role, region = actor.role, actor.region
    if role == "county" and county != region:
        raise PermissionDenied(f"县级用户只能操作本县（{region}）的项目，该项目属于 {county}")
    if role == "prefecture" and prefecture != region:
        raise PermissionDenied(f"州市用户只能审核本州市（{region}）所辖县的项目，该项目属于 {prefecture}")


def check_role(actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless the actor's role may ever do `action` (whatever the region)."""
    allowed_roles = {
        "declare": ("county",),
        "update": ("county",),
        "resubmit": ("county",),
        "review": ("prefecture",),
        "approve": ("province",),
        "return": ("prefecture", "province"),
    }.get(action)
    if allowed_roles is None:
        raise PermissionDenied(f"unknown action {action!r}")
    if actor.role not in allowed_roles:
        raise PermissionDenied(
            f"{ROLE_ZH.get(actor.role, actor.role)}用户不能执行“{ACTION_ZH.get(action, action)}”"
        )


def can_read(actor: Actor, project: Project) -> bool:
    """Province reads all; others read their own region's projects and every approved one."""
    if actor.role == "province" or project.review_status == APPROVED:
        return True
    if actor.role == "prefecture":
        return project.prefecture == actor.region
    return actor.role == "county" and project.county == actor.region


def allowed_actions(actor: Actor, project: Project) -> list[str]:
    """The actions `actor` may take on `project` now (for the page's buttons)."""
    state = project.review_status
    possible = {
        "update": True,
        "review": state == "declared",
        "approve": state == "prefecture_reviewed",
        "return": state in ("declared", "prefecture_reviewed")
        or (state == "province_approved" and actor.role == "province"),
        "resubmit": state == "returned",
    }
    found = []
    for action, ok in possible.items():
        if not ok:
            continue
        try:
            check_permission(actor, action, project.county, project.prefecture)
        except PermissionDenied:
            continue
        found.append(action)
    return found


# -- regions ----------------------------------------------------------------------------------


def region_parent(store: GraphStore, region: str) -> str | None:
    for edge in store.find_edges(source=region, type="PART_OF"):
        return edge.target
    return None


def yunnan_counties(store: GraphStore) -> list[Node]:
    """County-level regions of Yunnan (level county, code 53....)."""
    return [n for n in store.find_nodes("Region", where={"level": "county"}) if n.id.startswith("53")]


def resolve_county(store: GraphStore, text: str) -> Node:
    """A Yunnan county by code or name.

    Raises:
        ValidationError: naming the field `county` when nothing matches.
    """
    try:
        return resolve("county", text, yunnan_counties(store))
    except NotFoundError as exc:
        hint = f"；相近的有：{'、'.join(exc.suggestions)}" if exc.suggestions else ""
        raise ValidationError(
            f"county: 未知的县（市、区）'{text}'{hint}", [f"county: 未知的县（市、区）'{text}'{hint}"]
        ) from exc


def check_region_for_role(store: GraphStore, role: str, region: str) -> Node:
    """The region node for a user of `role`: a Yunnan county, prefecture, or the province.

    Raises:
        ValidationError: an unknown role, or a region that is not of the role's level.
    """
    if role not in ROLES:
        raise ValidationError(f"role: must be one of {', '.join(ROLES)}")
    node = store.get_node(region)
    level = {"county": "county", "prefecture": "prefecture", "province": "province"}[role]
    if node is None or node.label != "Region" or not node.id.startswith("53"):
        raise ValidationError(f"region: {region!r} is not a Yunnan region code (e.g. 530102)")
    if node.props.get("level") != level:
        raise ValidationError(f"region: {region} ({node.name}) is a {node.props.get('level')}, not a {level}")
    return node


# -- cleaning input ---------------------------------------------------------------------------


def today_in_china() -> date:
    return datetime.now(CHINA_TZ).date()


def now_in_china() -> str:
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _as_money(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = re.sub(r"[,，\s]|亿元?$", "", str(value))
        try:
            number = float(text)
        except ValueError:
            return None
    return number if number == number and abs(number) != float("inf") else None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", str(value).strip()
    )
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[,，、;；\n]", str(value))
    return [i.strip() for i in items if i and i.strip()]


def _stage(value: Any) -> str | None:
    text = str(value).strip()
    if text in STAGES:
        return text
    by_zh = {zh: key for key, zh in STAGE_ZH.items()}
    return (
        by_zh.get(text)
        or by_zh.get(text.removesuffix("阶段"))
        or {
            "投产运营": "production",
            "在建": "started",
            "已签约": "signed",
            "已开工": "started",
            "已投产": "production",
        }.get(text)
    )


def clean_fields(
    store: GraphStore, data: Mapping[str, Any], *, today: date, industry_hint: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Parse the fields present in `data` (strings from a form or sheet, or typed JSON values).

    Returns the cleaned values (ids resolved, None for a cleared optional field) and the
    problems, each starting with the field's name.
    """
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for key, raw in data.items():
        if key not in INPUT_FIELDS:
            continue
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if key in TEXT_FIELDS:
            text = "" if empty else str(raw).strip()
            limit = TEXT_MAX.get(key, TEXT_DEFAULT_MAX)
            if len(text) > limit:
                problems.append(f"{key}: 不能超过 {limit} 个字 (at most {limit} characters)")
            cleaned[key] = text or None
        elif key in BOOL_FIELDS:
            flag = False if empty else _as_bool(raw)
            if flag is None:
                problems.append(f"{key}: 应为“是”或“否” (yes/no), not {str(raw)[:40]!r}")
            cleaned[key] = flag
        elif key in MONEY_FIELDS:
            if empty:
                cleaned[key] = None
                continue
            number = _as_money(raw)
            if number is None:
                problems.append(f"{key}: 应为数字（亿元） (a number in 亿元), not {str(raw)[:40]!r}")
            elif number < 0:
                problems.append(f"{key}: {FIELD_ZH[key]}不能为负数 (must not be negative)")
            elif number > MAX_INVESTMENT_YI:
                problems.append(
                    f"{key}: {number:g} 亿元过大，单位应为亿元 (over {MAX_INVESTMENT_YI:g} 亿元; unit is 亿元)"
                )
            else:
                cleaned[key] = round(number, 4)
        elif key in DATE_FIELDS:
            if empty:
                cleaned[key] = None
                continue
            day = _as_date(raw)
            if day is None:
                problems.append(f"{key}: 日期格式应为 YYYY-MM-DD (a date), not {str(raw)[:40]!r}")
            elif day > today:
                problems.append(
                    f"{key}: {FIELD_ZH[key]} {day.isoformat()} 晚于今天 {today.isoformat()} (a date in the future)"
                )
            elif day < EARLIEST_DATE:
                problems.append(f"{key}: {day.isoformat()} 早于 {EARLIEST_DATE.isoformat()}")
            else:
                cleaned[key] = day.isoformat()
        elif key == "stage":
            stage = None if empty else _stage(raw)
            if stage is None:
                problems.append(
                    f"stage: 应为 {'/'.join(STAGE_ZH.values())} 之一 (one of {', '.join(STAGES)})"
                )
            cleaned[key] = stage
        elif key == "county":
            if empty:
                problems.append("county: 必填 (required)")
                continue
            try:
                cleaned[key] = resolve_county(store, str(raw)[:200]).id
            except ValidationError as exc:
                problems.extend(exc.problems)
        elif key == "industry":
            if empty:
                problems.append("industry: 必填 (required)")
                continue
            try:
                cleaned[key] = resolve("industry", str(raw)[:200], store.find_nodes("Industry")).id
            except NotFoundError as exc:
                problems.append(
                    f"industry: 未知的产业 '{str(raw)[:200]}'"
                    + (f"；相近的有：{'、'.join(exc.suggestions)}" if exc.suggestions else "")
                )
        elif key == "investor":
            if empty:
                cleaned["investor"] = None
                continue
            text = str(raw).strip()[:200]
            found = [
                n
                for n in store.find_nodes("Enterprise")
                if text in (n.id, n.name, *(n.props.get("aliases") or []))
            ]
            cleaned["investor"] = found[0].id if len(found) == 1 else None
            if not found and "investor_name" not in data:
                cleaned["investor_name"] = text
            elif found and "investor_name" not in data:
                cleaned["investor_name"] = found[0].name
        elif key == "chain_nodes":
            cleaned[key] = _as_list(raw) if not empty else []
    return cleaned, problems


def _check_chain_nodes(store: GraphStore, industry: str, wanted: list[str]) -> tuple[list[str], list[str]]:
    if not wanted:
        return [], []
    members = chain_node_ids(store.graph(), industry)
    nodes = [n for n in store.find_nodes("ChainNode") if n.id in members]
    found: list[str] = []
    problems: list[str] = []
    for text in wanted:
        try:
            node = resolve("chain node", text[:200], nodes)
        except NotFoundError:
            problems.append(f"chain_nodes: '{text[:200]}' 不是该产业的环节 (not a link of {industry})")
            continue
        if node.id not in found:
            found.append(node.id)
    return found, problems


def risk_gaps(props: Mapping[str, Any]) -> list[str]:
    """The measure-8 checklist items a signed major project still lacks (field names)."""
    missing = [
        f
        for f in ("risk_collective_decision", "risk_prior_assessment", "risk_legality_review")
        if not props.get(f)
    ]
    if props.get("risk_preferential_terms") and not props.get("risk_preferential_approved_by"):
        missing.append("risk_preferential_approved_by")
    return missing


def approval_problems(props: Mapping[str, Any]) -> list[str]:
    """What keeps a project from being (or staying) approved: a signed major project (>= 10亿元,
    at least signed) needs the measure-8 checklist complete. One problem per missing field."""
    if not (is_major(props) and stage_index(str(props.get("stage") or "")) >= SIGNED):
        return []
    return [
        f"{f}: 已签约的10亿元以上项目须完成风险防控事项“{FIELD_ZH[f]}” (measure 8 checklist)"
        for f in risk_gaps(props)
    ]


def _same_answer(field: str, before: Any, after: Any) -> bool:
    """Whether two values of `field` say the same: a missing yes/no answer is "no", and a
    missing text or list is empty."""
    if field in BOOL_FIELDS:
        return bool(before) == bool(after)
    empty: tuple[Any, ...] = (None, "", [])
    return (before in empty and after in empty) or before == after


def review_reset_causes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The changes that make a reviewed or approved project a new declaration, by field: a
    declared fact (DECLARED_FIELDS: what, where, who, how much, the flags and the measure-8
    answers), a signing date that was already recorded, or the stage moving back. Forward
    progress (the next stage with its date, funds in place, notes) is not among them."""
    causes = [f for f in DECLARED_FIELDS if not _same_answer(f, before.get(f), after.get(f))]
    if before.get("date_signed") and after.get("date_signed") != before.get("date_signed"):
        causes.append("date_signed")
    if stage_index(str(after.get("stage") or "")) < stage_index(str(before.get("stage") or "")):
        causes.append("stage")
    return causes


def _merge(
    current: Mapping[str, Any], cleaned: Mapping[str, Any], *, today: date, reason: str
) -> tuple[dict[str, Any], list[str]]:
    """The project's properties after `cleaned` is applied, with the cross-field rules checked."""
    merged = {**current, **cleaned}
    problems: list[str] = []
    old_stage = str(current.get("stage") or "")
    new_stage = str(merged.get("stage") or "lead")
    merged["stage"] = new_stage
    if old_stage and stage_index(new_stage) < stage_index(old_stage):
        if not reason.strip():
            problems.append(
                f"stage: 阶段从“{STAGE_ZH[old_stage]}”退回“{STAGE_ZH[new_stage]}”须说明原因 (reason) "
                "(a stage going backwards needs a reason)"
            )
        for later in STAGES[stage_index(new_stage) + 1 :]:
            merged[STAGE_DATE[later]] = None  # that stage is no longer reached
    for later in STAGES[stage_index(new_stage) + 1 :]:
        if merged.get(STAGE_DATE[later]) and STAGE_DATE[later] in cleaned:
            problems.append(f"{STAGE_DATE[later]}: 项目尚未到“{STAGE_ZH[later]}”阶段，不能填写该日期")
    if not merged.get(STAGE_DATE[new_stage]) and not any(
        p.startswith(STAGE_DATE[new_stage]) for p in problems
    ):
        merged[STAGE_DATE[new_stage]] = today.isoformat()
    if (
        stage_index(new_stage) >= SIGNED
        and not merged.get("date_signed")
        and not any(p.startswith("date_signed") for p in problems)
    ):
        # skipping to 开工/投产 must not lose the signing date: measure 1 counts projects by it
        problems.append(
            f"date_signed: 项目已到“{STAGE_ZH[new_stage]}”阶段，须填写签约日期 (required from the signed stage on)"
        )
    dated = [(s, merged.get(STAGE_DATE[s])) for s in STAGES[: stage_index(new_stage) + 1]]
    previous: tuple[str, str] | None = None
    for stage, day in dated:
        if not day:
            continue
        if previous and day < previous[1]:
            problems.append(
                f"{STAGE_DATE[stage]}: {STAGE_ZH[stage]}日期 {day} 早于{STAGE_ZH[previous[0]]}日期 {previous[1]}"
            )
        previous = (stage, day)
    investment = merged.get("investment_yi")
    if investment is None:
        problems.append("investment_yi: 必填 (required)")
    funds = merged.get("funds_in_place_yi")
    if funds is not None and investment is not None and funds > investment:
        problems.append(f"funds_in_place_yi: 到位资金 {funds:g} 亿元超过总投资 {investment:g} 亿元")
    if not merged.get("name"):
        problems.append("name: 必填 (required)")
    if merged.get("risk_preferential_terms") and not merged.get("risk_preferential_approved_by"):
        problems.append(
            "risk_preferential_approved_by: 有重大优惠条件时须填写审批单位 (who approved the terms)"
        )
    if not merged.get("headquarters"):
        merged["hq_type"] = None
    return merged, problems


# -- building the change ----------------------------------------------------------------------


def _project_edges(props: Mapping[str, Any]) -> list[Edge]:
    pid = str(props["id"])
    edges = [Edge(pid, "LOCATED_IN", str(props["county"])), Edge(pid, "IN_INDUSTRY", str(props["industry"]))]
    if props.get("investor"):
        edges.append(Edge(pid, "INVESTED_BY", str(props["investor"])))
    edges += [Edge(pid, "TARGETS", str(n)) for n in props.get("chain_nodes") or []]
    return edges


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    skip = {"version", "updated_at", "updated_by", "id", "created_at", "created_by"}
    keys = [k for k in dict.fromkeys([*FIELD_ZH, *before, *after]) if k not in skip]
    return [
        {"field": k, "from": before.get(k), "to": after.get(k)}
        for k in keys
        if (before.get(k) in (None, "", [])) != (after.get(k) in (None, "", []))
        or before.get(k) != after.get(k)
        if not (before.get(k) in (None, "", [], False) and after.get(k) in (None, "", [], False))
    ]


def new_audit_id() -> str:
    """A fresh id: never derived from the version, so two writers can never share an entry."""
    return f"audit-{uuid.uuid4().hex}"


def project_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    actor: Actor,
    action: str,
    *,
    reason: str = "",
    at: str | None = None,
) -> ChangeSet:
    """One transaction: the project node, its edges (stale ones deleted) and the audit entry,
    written only if the stored version is still the one `before` was read at (absent for a new
    project); otherwise the store raises ConflictError."""
    pid = str(after["id"])
    props = _present(after)
    new_edges = _project_edges(props)
    stale: list[EdgeKey] = []
    if before is not None:
        keep = {e.ident for e in new_edges}
        stale = [e.ident for e in _project_edges(before) if e.ident not in keep]
    entry_props = {
        "project": pid,
        "version": int(after["version"]),
        "at": at or now_in_china(),
        "user": actor.name,
        "role": actor.role,
        "region": actor.region,
        "action": action,
        "changes": _diff(before or {}, props),
        "reason": reason or None,
    }
    entry = Node(new_audit_id(), "AuditEntry", entry_props)
    return ChangeSet(
        nodes=(Node(pid, "Project", props), entry),
        edges=(*new_edges, Edge(entry.id, "ABOUT", pid)),
        delete_edges=tuple(stale),
        expect=((pid, "version", before.get("version") if before is not None else None),),
    )


def _present(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None and v != []}


def _raise(problems: list[str]) -> None:
    if problems:
        raise ValidationError("; ".join(problems), problems)


def new_project_id() -> str:
    return f"prj-{uuid.uuid4().hex[:12]}"


def plan_declare(
    store: GraphStore,
    actor: Actor | None,
    data: Mapping[str, Any],
    *,
    today: date | None = None,
    project_id: str | None = None,
    action: str = "declare",
    at: str | None = None,
) -> tuple[dict[str, Any], ChangeSet]:
    """Check a new project and build its ChangeSet (nothing is written). `actor` None means an
    import, which skips the role check but nothing else.

    Who may declare is settled first: a refused actor gets PermissionDenied whatever else is
    wrong with the fields (only an unknown county, which decides the region, comes before)."""
    today = today or today_in_china()
    if actor is not None and actor.role == "county" and not data.get("county"):
        data = {**data, "county": actor.region}
    if actor is not None:
        check_role(actor, "declare")
        if data.get("county") not in (None, ""):
            county_node = resolve_county(store, str(data["county"])[:200])
            check_permission(actor, "declare", county_node.id, region_parent(store, county_node.id) or "")
    missing = [
        f"{f}: 必填 (required)"
        for f in ("name", "county", "industry", "investment_yi")
        if data.get(f) in (None, "")
    ]
    cleaned, problems = clean_fields(store, data, today=today)
    problems = [
        p for p in problems if not any(p.startswith(m.split(":")[0] + ":") for m in missing)
    ] + missing
    _raise(problems)
    county = str(cleaned["county"])
    prefecture = region_parent(store, county) or ""
    who = actor or Actor("import", "county", county)
    nodes, node_problems = _check_chain_nodes(
        store, str(cleaned["industry"]), cleaned.get("chain_nodes") or []
    )
    cleaned["chain_nodes"] = nodes
    pid = project_id or new_project_id()
    # every yes/no answer is stored, "no" included, so a later form that sends "no" is no change
    base = {
        "id": pid,
        "stage": "lead",
        "prefecture": prefecture,
        "review_status": "declared",
        **dict.fromkeys(BOOL_FIELDS, False),
    }
    merged, merge_problems = _merge({}, {**base, **cleaned}, today=today, reason="")
    merged["stage"] = merged.get("stage") or "lead"
    duplicate = [
        p.id
        for p in store.find_nodes("Project", where={"county": county, "name": merged.get("name") or ""})
        if p.id != pid
    ]
    if duplicate:
        merge_problems.append(f"name: 本县已有同名项目 {duplicate[0]} (a project of this name exists)")
    _raise(node_problems + merge_problems)
    stamp = at or now_in_china()
    merged.update(
        {
            "version": 1,
            "created_at": stamp,
            "created_by": who.name,
            "updated_at": stamp,
            "updated_by": who.name,
        }
    )
    return merged, project_changes(None, merged, who, action, at=stamp)


Plan = Callable[[], tuple["Project", ChangeSet | None]]


def _commit(store: GraphStore, plan: Plan, *, pinned: bool) -> Project:
    """Run `plan` (read, check, build the ChangeSet) and apply what it returns; None is no change.

    The ChangeSet expects the version it was planned from, so a write by another process in
    between makes the store raise ConflictError. A caller who pinned the version it read gets
    that conflict; otherwise the write is planned again on the new state, so both writes and
    both audit entries are kept (a few times at most).
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        with _WRITE_LOCK:
            project, changes = plan()
            if changes is None:
                return project
            try:
                store.apply(changes)
            except ConflictError as exc:
                if pinned or attempt == WRITE_ATTEMPTS:
                    raise ConflictError(
                        "项目已被他人修改，请刷新后再操作 (the project changed meanwhile; reload it)"
                    ) from exc
                continue
        return project
    raise AssertionError("unreachable: the last attempt returns or raises")


def declare(
    store: GraphStore, actor: Actor, data: Mapping[str, Any], *, today: date | None = None
) -> Project:
    """Declare a new project (county users, for their own county) and write it with its audit entry.

    Raises:
        PermissionDenied: the actor is not the project's county.
        ValidationError: a field is missing or wrong; each problem names the field.
    """

    def plan() -> tuple[Project, ChangeSet]:
        merged, changes = plan_declare(store, actor, data, today=today)
        return Project(str(merged["id"]), merged), changes

    return _commit(store, plan, pinned=True)


def get_project(store: GraphStore, project_id: str) -> Project:
    """Raises NotFoundError for an unknown id."""
    node = store.get_node(project_id)
    if node is None or node.label != "Project":
        raise NotFoundError("project", project_id)
    return Project(node.id, dict(node.props))


def update(
    store: GraphStore,
    actor: Actor,
    project_id: str,
    data: Mapping[str, Any],
    *,
    reason: str = "",
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """Change a project's fields (the county's own projects): stage, dates, funds, checklist...

    A stage may skip ahead (the signing date is required from 签约 on); going back needs `reason`.
    On a reviewed or approved project, a change `review_reset_causes` names (a declared fact, a
    recorded signing date, the stage going back) sends it back to `declared`; forward progress
    keeps an approval, but only while the project still passes `approval_problems`.

    Raises:
        PermissionDenied (also for moving the project to another county), ValidationError,
        NotFoundError; ConflictError when `version` is given and the project changed since.
    """
    today = today or today_in_china()

    def plan() -> tuple[Project, ChangeSet | None]:
        current = get_project(store, project_id)
        check_permission(actor, "update", current.county, current.prefecture)
        if data.get("county") not in (None, ""):
            moved_to = resolve_county(store, str(data["county"])[:200]).id
            if moved_to != current.county:
                raise PermissionDenied(
                    f"county: 项目不能改到其他县（{moved_to}），请由该县另行申报 (a project cannot move county)"
                )
        if version is not None and version != current.version:
            raise ConflictError(
                f"项目已被他人修改（当前版本 {current.version}，提交的是 {version}），请刷新后再改"
            )
        cleaned, problems = clean_fields(store, data, today=today)
        _raise(problems)
        for flag in BOOL_FIELDS:
            if flag in cleaned and _same_answer(flag, cleaned[flag], current.get(flag)):
                del cleaned[flag]  # "no" where nothing was stored is no change
        industry = str(cleaned.get("industry") or current.get("industry"))
        if "chain_nodes" in cleaned or "industry" in cleaned:
            wanted = cleaned.get("chain_nodes", list(current.get("chain_nodes") or []))
            nodes, node_problems = _check_chain_nodes(store, industry, wanted)
            _raise(node_problems)
            cleaned["chain_nodes"] = nodes
        merged, merge_problems = _merge(current.props, cleaned, today=today, reason=reason)
        _raise(merge_problems)
        if "name" in cleaned and cleaned["name"] != current.get("name"):
            clash = [
                p.id
                for p in store.find_nodes(
                    "Project", where={"county": merged["county"], "name": merged["name"]}
                )
                if p.id != project_id
            ]
            _raise([f"name: 本县已有同名项目 {clash[0]}"] if clash else [])
        if current.review_status in ("prefecture_reviewed", APPROVED):
            if review_reset_causes(current.props, merged):
                merged["review_status"] = "declared"
            elif current.review_status == APPROVED:
                _raise(approval_problems(merged))  # progress may not leave an approval standing on a gap
        if _present(merged) == _present(current.props):
            return current, None  # nothing changed: no write, no audit entry
        stamp = now_in_china()
        merged.update({"version": current.version + 1, "updated_at": stamp, "updated_by": actor.name})
        return Project(project_id, merged), project_changes(
            current.props, merged, actor, "update", reason=reason, at=stamp
        )

    return _commit(store, plan, pinned=version is not None)


def decide(
    store: GraphStore,
    actor: Actor,
    project_id: str,
    decision: str,
    *,
    reason: str = "",
    version: int | None = None,
) -> Project:
    """Move a project through review: `review` (prefecture), `approve` (province), `return` (with
    a reason; prefecture or province), `resubmit` (county, after a return).

    Approving needs `approval_problems` empty (the measure-8 checklist of a signed major project).

    Raises:
        PermissionDenied, NotFoundError, ValidationError (no reason for a return, an incomplete
        checklist), ConflictError (the project is not in a state that allows the decision, or
        `version` is given and the project changed since).
    """
    if decision not in DECISIONS:
        raise ValidationError(
            f"decision: must be one of {', '.join(DECISIONS)}",
            [f"decision: must be one of {', '.join(DECISIONS)}"],
        )

    def plan() -> tuple[Project, ChangeSet]:
        current = get_project(store, project_id)
        check_permission(actor, decision, current.county, current.prefecture)
        if version is not None and version != current.version:
            raise ConflictError(f"项目已被他人修改（当前版本 {current.version}），请刷新后再操作")
        state = current.review_status
        allowed_from = {
            "review": ("declared",),
            "approve": ("prefecture_reviewed",),
            "return": ("declared", "prefecture_reviewed") + ((APPROVED,) if actor.role == "province" else ()),
            "resubmit": ("returned",),
        }[decision]
        if state not in allowed_from:
            raise ConflictError(f"项目当前为“{REVIEW_ZH.get(state, state)}”，不能{ACTION_ZH[decision]}")
        if decision == "return" and not reason.strip():
            _raise(["reason: 退回须说明原因 (a return needs a reason)"])
        if len(reason) > TEXT_MAX["notes"]:
            _raise([f"reason: 不能超过 {TEXT_MAX['notes']} 个字"])
        if decision == "approve":
            _raise(approval_problems(current.props))
        new_state = {
            "review": "prefecture_reviewed",
            "approve": APPROVED,
            "return": "returned",
            "resubmit": "declared",
        }[decision]
        stamp = now_in_china()
        merged = {
            **current.props,
            "review_status": new_state,
            "version": current.version + 1,
            "updated_at": stamp,
            "updated_by": actor.name,
            "return_reason": reason.strip() if decision == "return" else None,
        }
        if new_state == APPROVED:
            merged["approved_at"] = stamp
        changes = project_changes(current.props, merged, actor, decision, reason=reason.strip(), at=stamp)
        return Project(project_id, merged), changes

    return _commit(store, plan, pinned=version is not None)


# -- reads ------------------------------------------------------------------------------------


def list_projects(
    store: GraphStore,
    actor: Actor,
    *,
    review_status: str | None = None,
    industry: str | None = None,
    region: str | None = None,
) -> list[Project]:
    """The projects `actor` may read, newest first, optionally filtered."""
    where: dict[str, Any] = {}
    if review_status:
        where["review_status"] = review_status
    if industry:
        where["industry"] = industry
    found = [Project(n.id, dict(n.props)) for n in store.find_nodes("Project", where=where)]
    if region:
        found = [p for p in found if region in (p.county, p.prefecture)]
    visible = [p for p in found if can_read(actor, p)]
    return sorted(visible, key=lambda p: (str(p.get("updated_at") or ""), p.id), reverse=True)


def audit_trail(store: GraphStore, project_id: str) -> list[AuditEntry]:
    """The project's audit entries, oldest first."""
    entries = [store.get_node(e.source) for e in store.find_edges(type="ABOUT", target=project_id)]
    found = [
        AuditEntry(
            id=n.id,
            project=project_id,
            version=int(n.props.get("version", 0)),
            at=str(n.props.get("at", "")),
            user=str(n.props.get("user", "")),
            role=str(n.props.get("role", "")),
            region=str(n.props.get("region", "")),
            action=str(n.props.get("action", "")),
            changes=tuple(n.props.get("changes") or ()),
            reason=str(n.props.get("reason") or ""),
        )
        for n in entries
        if n is not None
    ]
    return sorted(found, key=lambda a: (a.version, a.at))


def project_json(project: Project, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A project as the API returns it (names of linked nodes added when given)."""
    names = names or {}
    data = {
        k: project.props.get(k)
        for k in (
            "name",
            "county",
            "prefecture",
            "industry",
            "investor",
            "investor_name",
            *MONEY_FIELDS,
            "stage",
            *DATE_FIELDS,
            *BOOL_FIELDS,
            "hq_type",
            "risk_preferential_terms",
            "risk_preferential_approved_by",
            "notes",
            "review_status",
            "return_reason",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "approved_at",
        )
    }
    data["chain_nodes"] = list(project.props.get("chain_nodes") or [])
    for flag in BOOL_FIELDS:
        data[flag] = bool(data.get(flag))
    data["id"] = project.id
    data["major"] = is_major(project.props)
    data["risk_missing"] = risk_gaps(project.props)
    for key in ("county", "prefecture", "industry", "investor"):
        value = data.get(key)
        if isinstance(value, str) and value in names:
            data[f"{key}_name"] = names[value]
    return data


def names_of(store: GraphStore, ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for node_id in set(ids):
        node = store.get_node(node_id) if node_id else None
        if node is not None:
            found[node_id] = node.name
    return found

"""The project library (measures 7 and 8): projects a county declares, its prefecture reviews and
the province approves, followed from lead to production, every change one transaction with its
audit entry.

Each write builds one `ChangeSet` holding the project node, its edges and an `AuditEntry` (who,
when, each field from -> to), so a change and its audit entry are committed together or not at
all. Who may act is `workflow.permissions`; what a field may hold is `workflow.fields`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from graph.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from graph.project_rules import APPROVED, is_major
from graph.store import ChangeSet, Edge, EdgeKey, GraphStore, Node
from graph.text import control_problem
from workflow.clock import now_in_china, today_in_china
from workflow.fields import (
    BOOL_FIELDS,
    FIELD_ZH,
    INPUT_FIELDS,
    PROJECT_FIELDS,
    STORED_FIELDS,
    TEXT_MAX,
    approval_problems,
    check_chain_nodes,
    clean_fields,
    display_value,
    merge_fields,
    problem,
    problem_field,
    review_reset_causes,
    risk_gaps,
    same_answer,
)
from workflow.model import (
    ACTION_ZH,
    DECISIONS,
    REVIEW_ZH,
    Actor,
    AuditEntry,
    Project,
    newest_first,
    where_given,
)
from workflow.permissions import can_read, check_permission, check_role, region_parent, resolve_county

# Threads of one server take turns at read-check-write, so they never conflict with each other;
# a write by another process in between is caught by the store (ChangeSet.expect on the version).
_WRITE_LOCK = threading.Lock()
WRITE_ATTEMPTS = 3  # plans of an unpinned write, when other processes keep getting in first


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


def audit_node(
    about: tuple[str, str],
    version: int,
    actor: Actor,
    action: str,
    changes: list[dict[str, Any]],
    at: str,
    reason: str = "",
) -> Node:
    """An audit entry about a project or a target: `about` is ("project" or "target", its id)."""
    kind, subject = about
    return Node(
        new_audit_id(),
        "AuditEntry",
        {
            kind: subject,
            "version": version,
            "at": at,
            "user": actor.name,
            "role": actor.role,
            "region": actor.region,
            "action": action,
            "changes": changes,
            "reason": reason or None,
        },
    )


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
    project); otherwise the store raises ConflictError.

    Raises:
        ValidationError: the reason holds a control character.
    """
    _raise(
        [p.replace(": ", "：", 1) for p in [control_problem(FIELD_ZH["reason"], reason, multiline=True)] if p]
    )
    pid = str(after["id"])
    props = _present(after)
    new_edges = _project_edges(props)
    stale: list[EdgeKey] = []
    if before is not None:
        keep = {e.ident for e in new_edges}
        stale = [e.ident for e in _project_edges(before) if e.ident not in keep]
    entry = audit_node(
        ("project", pid),
        int(after["version"]),
        actor,
        action,
        _diff(before or {}, props),
        at or now_in_china(),
        reason,
    )
    return ChangeSet(
        nodes=(Node(pid, "Project", props), entry),
        edges=(*new_edges, Edge(entry.id, "ABOUT", pid)),
        delete_edges=tuple(stale),
        expect=((pid, "version", before.get("version") if before is not None else None),),
        # checked inside the write: two servers, or an import racing the API, cannot both add the name
        unique=(("Project", (("county", str(props["county"])), ("name", str(props["name"]))), pid),)
        if props.get("name") and props.get("county")
        else (),
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
    missing = [f.key for f in PROJECT_FIELDS if f.required and data.get(f.key) in (None, "")]
    cleaned, problems = clean_fields(store, data, today=today)
    problems = [p for p in problems if problem_field(p) not in missing] + [
        problem(key, "必填") for key in missing
    ]
    _raise(problems)
    county = str(cleaned["county"])
    prefecture = region_parent(store, county) or ""
    who = actor or Actor("import", "county", county)
    nodes, node_problems = check_chain_nodes(
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
    merged, merge_problems = merge_fields({}, {**base, **cleaned}, today=today, reason="")
    merged["stage"] = merged.get("stage") or "lead"
    duplicate = [
        p.id
        for p in store.find_nodes("Project", where={"county": county, "name": merged.get("name") or ""})
        if p.id != pid
    ]
    if duplicate:
        merge_problems.append(problem("name", f"本县已有同名项目 {duplicate[0]}"))
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

    # not pinned: a name another process took meanwhile is found when the write is planned again
    return _commit(store, plan, pinned=False)


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

    A returned project saved by its county is resubmitted in the same write (audit action
    `update_resubmit`, or `resubmit` when no field changed).

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
                    problem("county", f"项目不能改到其他县（{moved_to}），请由该县另行申报")
                )
        if version is not None and version != current.version:
            raise ConflictError(
                f"项目已被他人修改（当前版本 {current.version}，提交的是 {version}），请刷新后再改"
            )
        cleaned, problems = clean_fields(store, data, today=today)
        _raise(problems)
        for flag in BOOL_FIELDS:
            if flag in cleaned and same_answer(flag, cleaned[flag], current.get(flag)):
                del cleaned[flag]  # "no" where nothing was stored is no change
        industry = str(cleaned.get("industry") or current.get("industry"))
        if "chain_nodes" in cleaned or "industry" in cleaned:
            wanted = cleaned.get("chain_nodes", list(current.get("chain_nodes") or []))
            nodes, node_problems = check_chain_nodes(store, industry, wanted)
            _raise(node_problems)
            cleaned["chain_nodes"] = nodes
        merged, merge_problems = merge_fields(current.props, cleaned, today=today, reason=reason)
        _raise(merge_problems)
        if "name" in cleaned and cleaned["name"] != current.get("name"):
            clash = [
                p.id
                for p in store.find_nodes(
                    "Project", where={"county": merged["county"], "name": merged["name"]}
                )
                if p.id != project_id
            ]
            _raise([problem("name", f"本县已有同名项目 {clash[0]}")] if clash else [])
        if current.review_status in ("prefecture_reviewed", APPROVED):
            if review_reset_causes(current.props, merged):
                merged["review_status"] = "declared"
            elif current.review_status == APPROVED:
                _raise(approval_problems(merged))  # progress may not leave an approval standing on a gap
        changed = _present(merged) != _present(current.props)
        # a returned project the county saves goes back to its prefecture in the same step
        resubmit = current.review_status == "returned" and actor.role == "county"
        if not changed and not resubmit:
            return current, None  # nothing changed: no write, no audit entry
        action = "update"
        if resubmit:
            merged.update({"review_status": "declared", "return_reason": None})
            action = "update_resubmit" if changed else "resubmit"
        stamp = now_in_china()
        merged.update({"version": current.version + 1, "updated_at": stamp, "updated_by": actor.name})
        return Project(project_id, merged), project_changes(
            current.props, merged, actor, action, reason=reason, at=stamp
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
        message = f"审核操作：应为 {'、'.join(ACTION_ZH[d] for d in DECISIONS)} 之一"
        raise ValidationError(message, [message])

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
            _raise([problem("return_reason", "退回须说明原因")])
        if len(reason) > TEXT_MAX["notes"]:
            _raise([problem("reason", f"不能超过 {TEXT_MAX['notes']} 个字")])
        if decision in ("review", "approve"):  # the prefecture is held to the checklist too
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


# Size bands of the list's filter: lower bound inclusive, upper exclusive (亿元).
SIZE_BANDS: dict[str, tuple[str, float, float]] = {
    "lt1": ("1亿元以下", 0.0, 1.0),
    "1to10": ("1亿至10亿元", 1.0, 10.0),
    "10to50": ("10亿至50亿元", 10.0, 50.0),
    "50to100": ("50亿至100亿元", 50.0, 100.0),
    "ge100": ("100亿元及以上", 100.0, float("inf")),
}


def project_year(project: Project) -> int | None:
    """The year a project counts in: its signing year once signed, else the year of its lead
    (or of its declaration)."""
    day = project.get("date_signed") or project.get("date_lead") or project.get("created_at") or ""
    return int(day[:4]) if str(day)[:4].isdigit() else None


def list_projects(
    store: GraphStore,
    actor: Actor,
    *,
    review_status: str | None = None,
    industry: str | None = None,
    region: str | None = None,
    stage: str | None = None,
    size: str | None = None,
    year: int | None = None,
) -> list[Project]:
    """The projects `actor` may read, newest first, optionally filtered: review state, industry,
    region (a county or a prefecture code), stage, size band (`SIZE_BANDS`) and year
    (`project_year`)."""
    where = where_given(review_status=review_status, industry=industry, stage=stage)
    found = [Project(n.id, dict(n.props)) for n in store.find_nodes("Project", where=where)]
    if region:
        found = [p for p in found if region in (p.county, p.prefecture)]
    if size:
        _, low, high = SIZE_BANDS[size]
        found = [p for p in found if low <= float(p.get("investment_yi") or 0) < high]
    if year is not None:
        found = [p for p in found if project_year(p) == year]
    return newest_first(p for p in found if can_read(actor, p))


def audit_trail(store: GraphStore, project_id: str) -> list[AuditEntry]:
    """The audit entries of a project (or a target: `workflow.targets` keeps its trail the same
    way), oldest first."""
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
        if n is not None and n.label == "AuditEntry"
    ]
    return sorted(found, key=lambda a: (a.version, a.at))


def project_json(project: Project, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A project as the API returns it (names of linked nodes added when given)."""
    names = names or {}
    data = {k: project.props.get(k) for k in (*INPUT_FIELDS, *STORED_FIELDS)}
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


ID_FIELDS = ("county", "prefecture", "industry", "investor", "chain_nodes", "park")


def audit_json(store: GraphStore, entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """Audit entries as the API and the page show them: each change keeps its stored values
    (`from`, `to`) and adds the field's Chinese label and both values as people read them
    (`from_text`, `to_text`: 是/否, stage and state in Chinese, names for ids)."""
    entries = list(entries)
    ids: set[str] = set()
    for entry in entries:
        for change in entry.changes:
            if change.get("field") in ID_FIELDS:
                for value in (change.get("from"), change.get("to")):
                    ids.update(str(v) for v in (value if isinstance(value, list) else [value]) if v)
    names = names_of(store, ids)
    return [
        {
            "id": a.id,
            "version": a.version,
            "at": a.at,
            "user": a.user,
            "role": a.role,
            "region": a.region,
            "action": a.action,
            "action_zh": ACTION_ZH.get(a.action, a.action),
            "changes": [
                {
                    **c,
                    "label": FIELD_ZH.get(str(c.get("field")), str(c.get("field"))),
                    "from_text": display_value(str(c.get("field")), c.get("from"), names),
                    "to_text": display_value(str(c.get("field")), c.get("to"), names),
                }
                for c in a.changes
            ],
            "reason": a.reason,
        }
        for a in entries
    ]


def names_of(store: GraphStore, ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for node_id in set(ids):
        node = store.get_node(node_id) if node_id else None
        if node is not None:
            found[node_id] = node.name
    return found

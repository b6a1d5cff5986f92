"""Who may do what in the project library: roles, regions and the actions each may take.

Decided here, not in the web layer: `check_permission` takes an `Actor` (role and region) and the
project's county and prefecture.
"""

from __future__ import annotations

from graph.errors import NotFoundError, PermissionDenied, ValidationError
from graph.lookup import resolve
from graph.project_rules import APPROVED
from graph.store import GraphStore, Node
from workflow.model import ACTION_ZH, ROLE_ZH, ROLES, Actor, Project


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
        message = f"所在县（市、区）：未知的县（市、区）“{text}”{hint}"
        raise ValidationError(message, [message]) from exc


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

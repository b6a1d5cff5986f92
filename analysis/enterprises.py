"""Facts about one enterprise read off the graph: its group, its ranking lists, its ties."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

LIST_NAMES = {
    "fortune-global-500": "世界500强",
    "china-500": "中国企业500强",
    "china-private-500": "中国民营企业500强",
    "china-manufacturing-500": "中国制造业企业500强",
    "single-item-champion": "制造业单项冠军",
    "little-giant": "专精特新“小巨人”",
}


@dataclass(frozen=True)
class Membership:
    """A firm's place on a ranking list (the list id, its edition, and the rank if known)."""

    list: str
    edition: str
    rank: int | None = None

    @property
    def label(self) -> str:
        return f"{LIST_NAMES.get(self.list, self.list)}（{self.edition}）"


def name_of(view: nx.MultiDiGraph, node: str) -> str:
    return str(view.nodes[node].get("name", node)) if node in view else node


def parent_of(view: nx.MultiDiGraph, enterprise: str) -> str | None:
    if enterprise not in view:
        return None
    for target, keys in view._succ[enterprise].items():
        if any(data.get("type") == "SUBSIDIARY_OF" for data in keys.values()):
            return str(target)
    return None


def ancestors(view: nx.MultiDiGraph, enterprise: str) -> list[str]:
    """The groups above `enterprise`, nearest first."""
    found: list[str] = []
    current = enterprise
    while (parent := parent_of(view, current)) is not None and parent not in found and parent != enterprise:
        found.append(parent)
        current = parent
    return found


def group_root(view: nx.MultiDiGraph, enterprise: str) -> str:
    """The top of `enterprise`'s group (itself when it has no parent).

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("plant", "sub", type="SUBSIDIARY_OF"); _ = g.add_edge("sub", "group", type="SUBSIDIARY_OF")
    >>> group_root(g, "plant")
    'group'
    """
    above = ancestors(view, enterprise)
    return above[-1] if above else enterprise


def group_members(view: nx.MultiDiGraph, enterprise: str) -> set[str]:
    """Every entity of `enterprise`'s group: the root and all its subsidiaries at any depth."""
    root = group_root(view, enterprise)
    members = {root}
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for child, _, data in view.in_edges(current, data=True):
            if data.get("type") == "SUBSIDIARY_OF" and child not in members:
                members.add(child)
                frontier.append(child)
    return members


def memberships(view: nx.MultiDiGraph, enterprise: str) -> list[Membership]:
    """The ranking lists `enterprise` itself is on, newest edition first."""
    found = [
        Membership(str(data.get("list", target)), str(data.get("edition", "")), data.get("rank"))
        for _, target, data in view.out_edges(enterprise, data=True)
        if data.get("type") == "RANKED_IN"
    ]
    return sorted(found, key=lambda m: (-int(m.edition or 0), m.list))


def ties(view: nx.MultiDiGraph, enterprises: set[str]) -> dict[str, str]:
    """Firms tied to any of `enterprises` by a SUPPLIES edge (either way), with the tie's kind."""
    found: dict[str, str] = {}
    for firm in sorted(enterprises):
        if firm not in view:
            continue
        for _, other, data in view.out_edges(firm, data=True):
            if data.get("type") == "SUPPLIES" and other not in enterprises:
                found.setdefault(str(other), str(data.get("kind", "supplies")))
        for other, _, data in view.in_edges(firm, data=True):
            if data.get("type") == "SUPPLIES" and other not in enterprises:
                found.setdefault(str(other), str(data.get("kind", "supplies")))
    return found

"""The one small chain every analysis test uses, small enough to work out answers by hand.

    a (upstream) -> b (midstream) -> c (midstream) -> d (downstream)
    a -> e (downstream, export)          x (support, technology; no flow)

Yunnan firms: y1 (Kunming, leader on a, subsidiary of n6), y3 (Kunming, player on a),
y2 (Qujing, player on c, subsidiary of n4). Firms elsewhere: n1 (Fortune Global 500; b leader,
d major), n2 (private 500; b player, e leader; supplies y1), n3 (revenue 100 亿元; c major),
n4 (c leader), n5 (a leader), n6 (a leader, b major). b is energy-intensive.
"""

from __future__ import annotations

import networkx as nx

from graph.store import ChangeSet, Edge, Node
from graph.view import build_view

SRC = {"source": "hand-built test chain", "as_of": "2024", "confidence": "high"}
INDUSTRY = "demo"


def _node(node_id: str, label: str, **props: object) -> Node:
    return Node(node_id, label, {**props, **SRC})


def _edge(source: str, edge_type: str, target: str, key: str = "", **props: object) -> Edge:
    return Edge(source, edge_type, target, key, {**props, **SRC})


def canonical_changes() -> ChangeSet:
    chain = {
        "a": ("原料", "upstream", []),
        "b": ("中间品", "midstream", ["energy-intensive"]),
        "c": ("部件", "midstream", []),
        "d": ("整机", "downstream", []),
        "e": ("出口产品", "downstream", ["export"]),
        "x": ("检测认证", "support", ["technology"]),
    }
    nodes = [
        _node(INDUSTRY, "Industry", name="示例产业", yearly_project_quota=5),
        _node("fortune-global-500", "RankingList", name="世界500强"),
        _node("china-private-500", "RankingList", name="中国民营企业500强"),
        _node("CN", "Region", name="中国", level="country"),
        _node("530000", "Region", name="云南省", level="province"),
        _node("530100", "Region", name="昆明市", level="prefecture"),
        _node("530300", "Region", name="曲靖市", level="prefecture"),
        _node("110000", "Region", name="北京市", level="province"),
    ]
    nodes += [_node(k, "ChainNode", name=n, stage=s, level=1, tags=t) for k, (n, s, t) in chain.items()]
    firms = {
        "y1": "滇甲公司",
        "y2": "滇乙公司",
        "y3": "滇丙公司",
        "n1": "全国一号",
        "n2": "民营二号",
        "n3": "中型三号",
        "n4": "集团四号",
        "n5": "龙头五号",
        "n6": "集团六号",
    }
    nodes += [_node(k, "Enterprise", name=v) for k, v in firms.items() if k != "n3"]
    nodes.append(_node("n3", "Enterprise", name=firms["n3"], revenue_100m_cny=100, revenue_year=2023))
    edges = [_edge(k, "PART_OF", INDUSTRY) for k in chain]
    edges += [_edge(s, "FEEDS", t) for s, t in (("a", "b"), ("b", "c"), ("c", "d"), ("a", "e"))]
    edges += [
        _edge("530000", "PART_OF", "CN"),
        _edge("110000", "PART_OF", "CN"),
        _edge("530100", "PART_OF", "530000"),
        _edge("530300", "PART_OF", "530000"),
    ]
    hq = {"y1": "530100", "y3": "530100", "y2": "530300"}
    hq.update(dict.fromkeys(("n1", "n2", "n3", "n4", "n5", "n6"), "110000"))
    edges += [_edge(f, "HAS_SITE", r, key="hq", kind="hq") for f, r in hq.items()]
    operates = [
        ("y1", "a", "leader"),
        ("y3", "a", "player"),
        ("y2", "c", "player"),
        ("n1", "b", "leader"),
        ("n1", "d", "major"),
        ("n2", "b", "player"),
        ("n2", "e", "leader"),
        ("n3", "c", "major"),
        ("n4", "c", "leader"),
        ("n5", "a", "leader"),
        ("n6", "a", "leader"),
        ("n6", "b", "major"),
    ]
    edges += [_edge(f, "OPERATES_IN", n, role=r) for f, n, r in operates]
    edges += [
        _edge("y1", "SUBSIDIARY_OF", "n6"),
        _edge("y2", "SUBSIDIARY_OF", "n4"),
        _edge("n2", "SUPPLIES", "y1", key="supplies", kind="supplies"),
        _edge("n1", "RANKED_IN", "fortune-global-500", key="2024", list="fortune-global-500", edition="2024"),
        _edge("n2", "RANKED_IN", "china-private-500", key="2024", list="china-private-500", edition="2024"),
    ]
    return ChangeSet(nodes=tuple(nodes), edges=tuple(edges))


def canonical_view() -> nx.MultiDiGraph:
    changes = canonical_changes()
    return build_view(changes.nodes, changes.edges)

"""Chain maps: the chain graph as a vis-network built with pyvis (positions, colours, sizes, hover
text), rendered by our own template so every script comes from the app or is inlined.

pyvis's own HTML links Bootstrap and vis-network from CDNs; here pyvis only supplies the network
data, and vis-network's files come from the copy pyvis bundles (`VIS_DIR`), served by the app
under /static/vendor/vis-network or inlined into the standalone file of `chainkg viz`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyvis
from pyvis.network import Network

from api.i18n import STAGE_ZH, STATUS_ZH, texts
from api.present import STATUS_COLOURS
from api.web import templates

VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
STATIC_DIR = Path(__file__).parent / "static"

FONT_FACE = (
    "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
)
COLUMN_WIDTH = 250
ROW_HEIGHT = 95
FIRMS_PER_NODE = 4  # on the map: a node's Yunnan firms and its first few outside firms

OPTIONS: dict[str, Any] = {
    "nodes": {"font": {"face": FONT_FACE, "size": 15}, "borderWidth": 2},
    "edges": {
        "smooth": {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.4}
    },
    "physics": {
        "enabled": True,
        "solver": "barnesHut",
        "barnesHut": {
            "gravitationalConstant": -2500,
            "springLength": 90,
            "springConstant": 0.05,
            "avoidOverlap": 0.6,
        },
        "stabilization": {"enabled": True, "iterations": 200},
    },
    "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False, "keyboard": True},
}


def _hover(node: dict[str, Any], lang: str) -> str:
    firms = node["local_enterprises"]
    shown = "、".join(firms[:6]) + (f" 等{len(firms)}家" if len(firms) > 6 else "") if firms else "无"
    if lang == "en":
        return "\n".join(
            [
                node.get("name_en") or node["name"],
                f"{node['name']} · {node['stage']} · {texts('en').value('status', node['shown_status'])}",
                f"criticality {node['criticality']:.2f} · priority {node['priority']:.2f}",
                f"Yunnan firms: {', '.join(firms[:6]) or 'none'}",
                f"firms elsewhere: {node['candidate_count']}",
            ]
        )
    lines = [
        node["name"],
        f"{STAGE_ZH.get(node['stage'], node['stage'])} · 状态：{STATUS_ZH[node['shown_status']]}"
        + (f" · {node['action']}" if node["action"] else ""),
        f"关键度 {node['criticality']:.2f} · 优先级 {node['priority']:.2f}",
        f"判定：{node['reason']}" if node.get("reason") else "",
        f"在滇企业：{shown}",
        f"省外候选企业：{node['candidate_count']}家",
    ]
    return "\n".join(line for line in lines if line)


def chain_network(graph: dict[str, Any], *, lang: str = "zh") -> dict[str, Any]:
    """The vis-network data for a chain graph (from `present.chain_graph_json`, with enterprises):
    chain nodes fixed in columns upstream to downstream, coloured by status and sized by
    criticality; enterprises as separate node and edge lists the page adds on demand."""
    net = Network(directed=True)
    rows: dict[int, int] = {}
    support_row = 0
    main = [n for n in graph["nodes"] if n["stage"] != "support"]
    depth = max((rows_in := _column_sizes(main)).values(), default=1)
    for node in graph["nodes"]:
        if node["stage"] == "support":
            x = support_row * COLUMN_WIDTH
            y = (depth / 2 + 1.3) * ROW_HEIGHT
            support_row += 1
        else:
            column = node["column"]
            index = rows.get(column, 0)
            rows[column] = index + 1
            x = column * COLUMN_WIDTH
            y = (index - (rows_in[column] - 1) / 2) * ROW_HEIGHT
        label = (node.get("name_en") or node["name"]) if lang == "en" else node["name"]
        net.add_node(
            node["id"],
            label=label,
            title=_hover(node, lang),
            color={
                "background": STATUS_COLOURS[node["shown_status"]],
                "border": "#1b1b1b" if node["status"] == "missing" and node["priority"] > 0 else "#ffffff",
                "highlight": {"background": STATUS_COLOURS[node["shown_status"]], "border": "#0d47a1"},
            },
            size=round(14 + 26 * float(node["criticality"]), 1),
            shape="dot" if node["stage"] != "support" else "diamond",
            x=x,
            y=y,
            fixed=True,
            widthConstraint={"maximum": 150},
            kind="chain",
            status=node["shown_status"],
        )
    for edge in graph["edges"]:
        if edge["type"] == "FEEDS":
            net.add_edge(edge["source"], edge["target"], arrows="to", color="#5f6b7a", width=2, kind="flow")
        else:
            net.add_edge(
                edge["source"],
                edge["target"],
                dashes=True,
                color="#9aa5b1",
                width=1,
                arrows="",
                kind="part_of",
            )
    nodes, edges, *_ = net.get_network_data()
    firm_nodes, firm_edges = _enterprise_layer(graph, {n["id"]: n for n in nodes})
    return {
        "industry": graph["industry"],
        "nodes": nodes,
        "edges": edges,
        "enterprise_nodes": firm_nodes,
        "enterprise_edges": firm_edges,
        "options": OPTIONS,
    }


def _column_sizes(nodes: list[dict[str, Any]]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for node in nodes:
        sizes[node["column"]] = sizes.get(node["column"], 0) + 1
    return sizes


def _enterprise_layer(
    graph: dict[str, Any], placed: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shown_per_node: dict[str, int] = {}
    firm_nodes: list[dict[str, Any]] = []
    firm_edges: list[dict[str, Any]] = []
    firms = sorted(graph["enterprises"], key=lambda f: (not f["in_region"], f["id"]))
    for firm in firms:
        links = []
        for op in firm["operates"]:
            count = shown_per_node.get(op["node"], 0)
            if firm["in_region"] or count < FIRMS_PER_NODE:
                shown_per_node[op["node"]] = count + 1
                links.append(op)
        if not links:
            continue
        anchor = placed[links[0]["node"]]
        spread = shown_per_node[links[0]["node"]]
        firm_id = f"firm:{firm['id']}"
        firm_nodes.append(
            {
                "id": firm_id,
                "label": firm["name"],
                "title": firm["name"] + ("\n在滇企业" if firm["in_region"] else "\n省外企业"),
                "shape": "box",
                "color": {"background": "#e3f2fd" if firm["in_region"] else "#f5f5f5", "border": "#90a4ae"},
                "font": {"size": 12, "face": FONT_FACE},
                "x": anchor["x"] + (spread % 3 - 1) * 60,
                "y": anchor["y"] + 70 + 18 * spread,
                "kind": "enterprise",
                "enterprise": firm["id"],
            }
        )
        for op in links:
            firm_edges.append(
                {
                    "id": f"{firm_id}->{op['node']}",
                    "from": firm_id,
                    "to": op["node"],
                    "dashes": [2, 4],
                    "color": "#90a4ae",
                    "arrows": "",
                    "title": {"leader": "龙头 leader", "major": "骨干 major"}.get(
                        op["role"], "参与者 player"
                    ),
                    "kind": "operates",
                }
            )
    return firm_nodes, firm_edges


def vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS, for inlining."""
    return (
        (VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
        (VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
    )


def standalone_html(graph: dict[str, Any], *, lang: str = "zh") -> str:
    """One self-contained HTML file of the chain map: vis-network, our script and styles inlined,
    no external URL loaded."""

    vis_js, vis_css = vis_assets()
    return templates.get_template("standalone_map.html").render(
        graph=graph,
        map_data=chain_network(graph, lang=lang),
        vis_js=vis_js,
        vis_css=vis_css,
        app_js=(STATIC_DIR / "chainmap.js").read_text(encoding="utf-8"),
        app_css=(STATIC_DIR / "app.css").read_text(encoding="utf-8"),
        t=texts(lang),
        lang=lang,
        status_colours=STATUS_COLOURS,
    )

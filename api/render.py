"""Renderers of a drafted plan, all in one place: Markdown, self-contained HTML, Word (.docx) with
the chain map as an image, and the target list as Excel (.xlsx). All in Chinese.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from analysis.gaps import ChainGaps
from analysis.plans import IndustryPlan, PlanTarget
from analysis.recommend import EXPAND, NEW, TRACK_NAMES
from api.i18n import EVIDENCE_ZH, GAP_TYPE_ZH, STAGE_ZH, STATUS_ZH
from api.present import STATUS_COLOURS, stage_columns
from graph.text import sheet_row, strip_controls

CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK",
    "Source Han Sans",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def plan_title(plan: IndustryPlan) -> str:
    return f"{plan.scope}{plan.industry_name}产业“1+1+1+1”招商方案（草案）"


# -- the tables every format shares ----------------------------------------------------------------


def chain_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [STAGE_ZH.get(s.stage, s.stage), str(s.nodes), str(s.strong), str(s.weak), str(s.missing)]
        for s in plan.stages
    ]


def gap_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [
            str(i),
            g.name,
            STAGE_ZH.get(g.stage, g.stage),
            STATUS_ZH[g.shown_status],
            GAP_TYPE_ZH.get(g.gap_type, g.gap_type),
            g.action,
            f"{g.criticality:.2f}",
            "、".join(f.name for f in g.local_firms) or "无",
            g.reason + (f"（证据{EVIDENCE_ZH[g.evidence.level]}）" if g.evidence else ""),
        ]
        for i, g in enumerate(plan.gaps, start=1)
    ]


def _target_rows(targets: Iterable[PlanTarget]) -> list[list[str]]:
    return [
        [
            str(t.rank),
            t.name,
            t.node_name,
            t.action,
            f"{t.score:.1f}",
            "、".join(t.tiers) or "—",
            "；".join(t.reasons),
            "；".join(t.warnings) or "—",
        ]
        for t in targets
    ]


def expand_rows(plan: IndustryPlan) -> list[list[str]]:
    return _target_rows(plan.expand)


def new_rows(plan: IndustryPlan) -> list[list[str]]:
    return _target_rows(plan.new)


def leader_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [
            str(i),
            p.name,
            TRACK_NAMES[p.track],
            "、".join(_node_names(plan, p.new_gaps)),
            f"{p.marginal_gain:.2f}",
        ]
        for i, p in enumerate(plan.leaders.picks, start=1)
    ]


def hq_rows(plan: IndustryPlan) -> list[list[str]]:
    return [[t.name, "、".join(t.hq_types), "；".join(t.reasons)] for t in plan.headquarters]


def talent_rows(plan: IndustryPlan) -> list[list[str]]:
    def offers(items: Iterable[object]) -> str:
        return "；".join(f"{o.name}（{o.programme}）" for o in items) or "—"  # type: ignore[attr-defined]

    return [
        [
            n.node_name,
            STATUS_ZH[n.status],
            "、".join(n.skills) or "待补充",
            offers(n.in_yunnan),
            offers(n.elsewhere),
        ]
        for n in plan.talent
    ]


def policy_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [p.name, p.issuer, p.doc_number or "—", p.date, "、".join(p.applies_to), "；".join(p.measures) or "—"]
        for p in plan.policies
    ]


def _node_names(plan: IndustryPlan, ids: Iterable[str]) -> list[str]:
    names = {g.id: g.name for g in plan.gaps}
    return [names.get(i, i) for i in ids]


TARGET_HEADER = ("序号", "目标企业", "对应环节", "行动", "得分", "榜单", "推荐理由", "提示")
SECTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("chain", ("环节阶段", "环节数", "强", "弱", "缺失"), "chain_rows"),
    ("gaps", ("序号", "环节", "阶段", "状态", "类型", "行动", "关键度", "在滇企业", "判定依据"), "gap_rows"),
    ("expand", TARGET_HEADER, "expand_rows"),
    ("new", TARGET_HEADER, "new_rows"),
    ("leaders", ("序号", "链主企业", "类别", "新增覆盖环节", "边际增益"), "leader_rows"),
    ("headquarters", ("企业", "建议总部类型", "理由"), "hq_rows"),
    ("talent", ("环节", "状态", "所需技能与岗位", "省内培养机构", "省外培养机构"), "talent_rows"),
    ("policies", ("政策", "发布机关", "文号", "日期", "支持对象", "支持措施"), "policy_rows"),
)


def _table(plan: IndustryPlan, section: str) -> tuple[tuple[str, ...], list[list[str]]]:
    """A section's header and rows, stored text stripped of control characters (which Word and
    Excel files cannot hold: one imported name must never make every export fail)."""
    for name, header, rows in SECTIONS:
        if name == section:
            return header, [[strip_controls(c) for c in row] for row in globals()[rows](plan)]
    raise KeyError(section)


def outline(plan: IndustryPlan) -> list[tuple[int, str, str | None, str | None]]:
    """The document as (heading level, heading, paragraph, table section) in order: the one
    structure every renderer walks, so the formats never disagree."""
    return [
        (level, strip_controls(heading), strip_controls(text) if text else text, section)
        for level, heading, text, section in _outline(plan)
    ]


def _outline(plan: IndustryPlan) -> list[tuple[int, str, str | None, str | None]]:
    p = plan
    intro = (
        f"牵头部门：{p.lead_department}。产业链完整度 {p.completeness}/100，共 {sum(p.counts.values())} 个环节，"
        f"其中强 {p.counts['strong']} 个、弱 {p.counts['weak']} 个、缺失 {p.counts['missing']} 个。"
    )
    leaders = (
        f"按贪心覆盖选出 {len(p.leaders.picks)} 家链主企业，合计覆盖缺口权重 {p.leaders.gain:.2f}"
        f"（全部缺口 {p.leaders.total_gap_weight:.2f}），{p.leaders.tracks_text}。"
    )
    return [
        (
            1,
            plan_title(p),
            f"依据：云政办函〔2022〕97号《云南省实施招大引强专项行动若干措施》第三条。{intro}",
            None,
        ),
        (
            1,
            "一、产业与产业链",
            "产业链各阶段的环节数量与在滇布局情况如下（完整度按环节关键度加权）。",
            "chain",
        ),
        (
            2,
            "薄弱与缺失环节（按优先级）",
            "补链：填补缺失环节；强链：做强薄弱环节；延链：在优势环节的前沿延伸。",
            "gaps",
        ),
        (1, "二、产业招商方案", p.quota.text, None),
        (
            2,
            "目标企业清单（增资扩产）",
            "集团已在云南布局的企业，可增资扩产。得分为八项之和：环节匹配、规模与榜单、链主带动、以商招商、"
            "在滇布局、资源匹配、可行性（在中国大陆及西部、南亚东南亚的布局，扣除困境、平台或轻资产等不匹配）、"
            "投资意向（近期投资、扩产、募资、拿地、考察信号，随时间衰减）。",
            "expand",
        ),
        (
            2,
            "目标企业清单（新引进）",
            "尚未在云南布局的企业，得分构成同上；“提示”列为须注意的可行性问题。",
            "new",
        ),
        (2, "链主企业组合", leaders, "leaders"),
        (
            2,
            "总部经济目标（措施第二条）",
            "鼓励在滇设立面向南亚东南亚的区域总部、中国区总部和功能性总部。",
            "headquarters",
        ),
        (1, "三、人才招引方案", "针对薄弱与缺失环节所需的技能，以及省内外的培养机构。", "talent"),
        (1, "四、产业支持政策", "与本产业及其环节相关的支持政策（以原文为准）。", "policies"),
        (
            1,
            "说明",
            f"本草案由 chainkg 根据知识图谱生成：规则版本 {p.config_version}，数据截至 {p.data_as_of}。"
            "企业与环节信息均注明来源与可信度，使用前请核实。",
            None,
        ),
    ]


# -- Markdown -----------------------------------------------------------------------------------------


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#|~!])")


def _md_text(text: str) -> str:
    r"""Stored text as literal Markdown: its markup characters (links, images, HTML, emphasis,
    table bars) backslash-escaped, line breaks as spaces.

    >>> _md_text("[点我](javascript:x) <b>|")
    '\\[点我\\]\\(javascript:x\\) \\<b\\>\\|'
    """
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def plan_markdown(plan: IndustryPlan) -> str:
    lines: list[str] = []
    for level, heading, paragraph, section in outline(plan):
        lines += ["#" * level + " " + _md_text(heading), ""]
        if paragraph:
            lines += [_md_text(paragraph), ""]
        if section:
            header, rows = _table(plan, section)
            if rows:
                lines.append("| " + " | ".join(header) + " |")
                lines.append("|" + "---|" * len(header))
                lines += ["| " + " | ".join(_md_text(c) for c in row) + " |" for row in rows]
            else:
                lines.append("（暂无）")
            lines.append("")
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.6}
h1{font-size:1.5em;border-bottom:2px solid #1a5276;padding-bottom:.3em}h2{font-size:1.2em;color:#1a5276}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}th{background:#eef3f7}
tr{page-break-inside:avoid}.map{max-width:100%;border:1px solid #ddd}
@media print{body{margin:0;max-width:none}h1,h2{page-break-after:avoid}}
"""


def plan_html(plan: IndustryPlan, map_png: bytes | None = None) -> str:
    """One self-contained page (styles inline, the map as a data URI) that prints well."""
    import base64

    esc = html.escape
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{esc(plan_title(plan))}</title><style>{_CSS}</style></head><body>",
    ]
    for level, heading, paragraph, section in outline(plan):
        parts.append(f"<h{level}>{esc(heading)}</h{level}>")
        if paragraph:
            parts.append(f"<p>{esc(paragraph)}</p>")
        if section == "chain" and map_png:
            data = base64.b64encode(map_png).decode("ascii")
            parts.append(f"<img class='map' alt='产业链图谱' src='data:image/png;base64,{data}'>")
        if section:
            header, rows = _table(plan, section)
            if not rows:
                parts.append("<p>（暂无）</p>")
                continue
            parts.append(
                "<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"
            )
            parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows]
            parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# -- the chain map as an image ----------------------------------------------------------------------


def cjk_font() -> str | None:
    """The file of an installed CJK font, or None (then labels fall back to node ids)."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(font.name.startswith(name) for name in CJK_FONT_NAMES):
            return str(font.fname)
    return None


def chain_positions(flow: nx.DiGraph, stages: dict[str, str]) -> dict[str, tuple[float, float]]:
    """The web map's layout (`present.stage_columns`): x is the node's column from upstream to
    downstream, y spreads the nodes of one column (in id order, as on the web map).

    >>> chain_positions(nx.DiGraph([("a", "b"), ("a", "c")]), {"a": "upstream", "b": "midstream", "c": "midstream"})
    {'a': (0.0, -0.0), 'b': (1.0, 0.5), 'c': (1.0, -0.5)}
    """
    columns = stage_columns(flow, stages)
    by_column: dict[int, list[str]] = {}
    for node in sorted(flow, key=lambda n: (columns.get(n, 0), n)):
        by_column.setdefault(columns.get(node, 0), []).append(node)
    positions = {}
    for x, members in by_column.items():
        for y, node in enumerate(members):
            positions[node] = (float(x), -(y - (len(members) - 1) / 2))
    return positions


def chain_map_png(view: nx.MultiDiGraph, gaps: ChainGaps) -> bytes:
    """The chain as a PNG: nodes coloured by status, sized by criticality, flow left to right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from analysis.gaps import feeds_graph

    flow = feeds_graph(view, [n.id for n in gaps.nodes])
    stages = {n.id: n.stage for n in gaps.nodes}
    positions = chain_positions(flow, stages)
    font_file = cjk_font()
    font = font_manager.FontProperties(fname=font_file) if font_file else None
    width = max(8.0, 2.2 * (max(x for x, _ in positions.values()) + 1))
    height = max(
        5.0, 0.55 * max(sum(1 for p in positions.values() if p[0] == x) for x, _ in positions.values()) + 1.5
    )
    fig, ax = plt.subplots(figsize=(min(width, 22), min(height, 16)), dpi=110)
    nx.draw_networkx_edges(flow, positions, ax=ax, arrows=True, edge_color="#999999", width=0.8, arrowsize=8)
    by_id = {n.id: n for n in gaps.nodes}
    nx.draw_networkx_nodes(
        flow,
        positions,
        ax=ax,
        node_color=[STATUS_COLOURS[by_id[n].shown_status] for n in flow],
        node_size=[180 + 900 * by_id[n].criticality for n in flow],
        alpha=0.9,
    )
    for node, (x, y) in positions.items():
        label = by_id[node].name if font else node
        ax.text(x, y - 0.28, label[:14], ha="center", va="top", fontsize=7, fontproperties=font)
    for status, colour in STATUS_COLOURS.items():
        ax.scatter([], [], c=colour, label=STATUS_ZH[status] if font else status)
    ax.legend(loc="upper right", prop=font, frameon=False)
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


# -- Word and Excel -----------------------------------------------------------------------------------


def plan_docx(plan: IndustryPlan, path: Path | io.BytesIO, map_png: bytes | None = None) -> None:
    """A Word document with headings, tables and the chain map, in Chinese."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    for style_name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = doc.styles[style_name]
        style.font.name = "Microsoft YaHei"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "微软雅黑")
    doc.styles["Normal"].font.size = Pt(10)
    for level, heading, paragraph, table_section in outline(plan):
        doc.add_heading(heading, level=0 if heading == plan_title(plan) else level)
        if paragraph:
            doc.add_paragraph(paragraph)
        if table_section == "chain" and map_png:
            doc.add_picture(io.BytesIO(map_png), width=Cm(24))
        if table_section:
            header, rows = _table(plan, table_section)
            if not rows:
                doc.add_paragraph("（暂无）")
                continue
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path) if isinstance(path, Path) else path)


def targets_xlsx(plan: IndustryPlan, path: Path | io.BytesIO) -> None:
    """The two target lists (增资扩产, 新引进; a sheet each) and the leader set as an Excel workbook
    with Chinese headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    first = book.active
    for track, targets in ((EXPAND, plan.expand), (NEW, plan.new)):
        sheet = first if track == EXPAND else book.create_sheet()
        sheet.title = f"目标企业-{TRACK_NAMES[track]}"
        sheet.append(sheet_row([plan_title(plan)]))
        sheet.append(sheet_row([plan.quota.text]))
        header, rows = _table(plan, track)
        sheet.append([*header, "企业ID", "环节ID", "计入年度目标"])
        for target, row in zip(targets, rows, strict=True):
            sheet.append(
                sheet_row(
                    [
                        *row[:4],
                        target.score,
                        *row[5:],
                        target.enterprise_id,
                        target.node_id,
                        "是" if target.qualifies_for_quota else "否",
                    ]
                )
            )
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDEFGHIJK", (6, 28, 20, 8, 8, 24, 80, 30, 18, 22, 10), strict=True):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=4):
            row[6].alignment = Alignment(wrap_text=True, vertical="top")
            row[7].alignment = Alignment(wrap_text=True, vertical="top")
    leaders = book.create_sheet("链主企业组合")
    header, rows = _table(plan, "leaders")
    leaders.append(list(header))
    for row in rows:
        leaders.append(sheet_row(row))
    info = book.create_sheet("说明")
    info.append(sheet_row(["规则版本", plan.config_version]))
    info.append(sheet_row(["数据截至", plan.data_as_of]))
    info.append(sheet_row(["范围", plan.scope]))
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path) if isinstance(path, Path) else path)


PLAN_FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render_plan(plan: IndustryPlan, fmt: str, *, view: nx.MultiDiGraph, gaps: ChainGaps) -> bytes:
    """The drafted plan as the bytes of one file: md, html, docx, or the target list as xlsx
    (`api.services` computes the plan and the gaps; this only writes them out).

    Raises:
        ValueError: an unknown format.
    """
    if fmt not in PLAN_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(PLAN_FORMATS)}")
    if fmt == "md":
        return plan_markdown(plan).encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "xlsx":
        targets_xlsx(plan, buffer)
        return buffer.getvalue()
    png = chain_map_png(view, gaps)
    if fmt == "html":
        return plan_html(plan, png).encode("utf-8")
    plan_docx(plan, buffer, png)
    return buffer.getvalue()

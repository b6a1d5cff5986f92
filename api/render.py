"""Renderers of a drafted plan: the outline and tables every format shares, Markdown,
self-contained HTML and the chain map as an image; Word, PDF and Excel are written by
`api.office` from the same outline. All in Chinese.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx

from analysis.gaps import ChainGaps
from analysis.localities import Park
from analysis.plans import IndustryPlan, PlanTarget, PolicyItem
from analysis.tracks import TRACK_NAMES
from api.i18n import EVIDENCE_ZH, GAP_TYPE_ZH, STAGE_ZH, STATUS_ZH
from api.present import STATUS_COLOURS, stage_columns
from graph.text import strip_controls

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


def _figure(value: float | None, digits: int = 0) -> str:
    """A factor figure as the data states it; 待补充 where no source states it (never zero)."""
    return "待补充" if value is None else f"{value:,.{digits}f}"


def year_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [
            f"{y.year}年",
            str(y.projects) if y.projects is not None else "由省分解下达",
            f"{y.projects_from_lists:.2f}",
            str(y.leaders) if y.leaders is not None else "—",
            str(y.headquarters) if y.headquarters is not None else "—",
        ]
        for y in plan.year_targets
    ]


def overcapacity_rows(plan: IndustryPlan) -> list[list[str]]:
    """One row per notice, naming every link of the chain it restrains (newest notice first)."""
    links: dict[tuple[str, str, str], list[str]] = {}
    summaries: dict[tuple[str, str, str], str] = {}
    for flag in plan.overcapacity:
        for notice in flag.notices:
            key = (notice.notice, notice.issuer, notice.date)
            links.setdefault(key, []).append(flag.node_name)
            summaries.setdefault(key, notice.summary)
    return [
        ["、".join(names), notice, issuer, day, summaries[(notice, issuer, day)]]
        for (notice, issuer, day), names in sorted(links.items(), key=lambda item: item[0][2], reverse=True)
    ]


def landing_rows(plan: IndustryPlan) -> list[list[str]]:
    """One row per park with the gap links it can take (a park serves many links), then the
    links no park names; a link under an overcapacity notice is marked."""
    by_park: dict[str, tuple[Park, list[str]]] = {}
    homeless = []
    for landing in plan.landings:
        link = landing.node_name + ("（产能调控）" if landing.overcapacity else "")
        if not landing.parks:
            homeless.append(link)
        for park in landing.parks:
            by_park.setdefault(park.id, (park, []))[1].append(link)
    rows = [
        [
            f"{park.name}（{park.region_name}）",
            park.level_name,
            "、".join(links),
            _figure(park.land_available_mu),
            _figure(park.power_price_cny_kwh, 3),
            _figure(park.energy_quota_tce),
        ]
        for park, links in by_park.values()
    ]
    if homeless:
        rows.append(["暂无主导产业相符的园区（待补充）", "—", "、".join(homeless), "—", "—", "—"])
    return rows


def talent_rows(plan: IndustryPlan) -> list[list[str]]:
    def offers(items: Iterable[object]) -> str:
        return "；".join(f"{o.name}（{o.programme}）" for o in items) or "—"  # type: ignore[attr-defined]

    return [
        [
            n.node_name,
            STATUS_ZH[n.status],
            str(n.projects) if n.projects else "待核实后测算",
            str(n.headcount) if n.headcount else "—",
            str(n.key_talent) if n.key_talent else "—",
            "、".join(n.skills) or "待补充",
            offers(n.in_yunnan),
            offers(n.elsewhere),
        ]
        for n in plan.talent
    ]


VALIDITY_ZH = {"current": "现行有效", "expired": "已失效", "unchecked": "有效性待核实"}


def _validity(policy: PolicyItem) -> str:
    notes = [VALIDITY_ZH.get(policy.validity, policy.validity)]
    if policy.valid_until and policy.validity == "expired":
        notes[0] += f"（有效期至{policy.valid_until}）"
    if "未核对" in policy.issuer:
        notes.append("印发机关未核对原文")
    return "；".join(notes)


def policy_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [p.name, p.issuer, p.doc_number or "—", p.date, "、".join(p.applies_to), "；".join(p.measures) or "—"]
        for p in plan.policies
        if p.relied_on
    ]


def flagged_policy_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [p.name, p.issuer, p.date, _validity(p), "不作为本方案依据；核实原文和现行接续政策后再用"]
        for p in plan.policies
        if not p.relied_on
    ]


def action_rows(plan: IndustryPlan) -> list[list[str]]:
    return [
        [str(i), a.task, a.lead_unit, a.partners, a.deadline] for i, a in enumerate(plan.actions, start=1)
    ]


def _node_names(plan: IndustryPlan, ids: Iterable[str]) -> list[str]:
    names = {g.id: g.name for g in plan.gaps}
    return [names.get(i, i) for i in ids]


TARGET_HEADER = ("序号", "目标企业", "对应环节", "行动", "得分", "榜单", "推荐理由", "提示")
TARGET_WIDTHS = (3, 10, 8, 4, 4, 8, 26, 14)


@dataclass(frozen=True)
class Section:
    """A table of the plan: its header, its rows and the relative widths of its columns (Word
    and PDF give each column its share of the page, so reasons are not a narrow strip);
    `prefecture_header` when a prefecture's plan heads a column otherwise (its own firms)."""

    name: str
    header: tuple[str, ...]
    rows: Callable[[IndustryPlan], list[list[str]]]
    widths: tuple[float, ...]
    prefecture_header: tuple[str, ...] | None = None


SECTIONS: tuple[Section, ...] = (
    Section("chain", ("环节阶段", "环节数", "强", "弱", "缺失"), chain_rows, (6, 3, 3, 3, 3)),
    Section(
        "gaps",
        ("序号", "环节", "阶段", "状态", "类型", "行动", "关键度", "在滇企业", "判定依据"),
        gap_rows,
        (3, 8, 3.5, 4, 5, 3.5, 4, 10, 22),
        ("序号", "环节", "阶段", "状态", "类型", "行动", "关键度", "本州（市）企业", "判定依据"),
    ),
    Section(
        "overcapacity", ("环节", "国家文件", "发文机关", "日期", "要求"), overcapacity_rows, (6, 14, 7, 6, 22)
    ),
    Section(
        "years",
        (
            "年度",
            "引进10亿元以上产业项目（个）",
            "目标清单测算可带来（个）",
            "引进链主企业（家）",
            "引进优质总部（家）",
        ),
        year_rows,
        (4, 7, 7, 6, 6),
    ),
    Section("expand", TARGET_HEADER, expand_rows, TARGET_WIDTHS),
    Section("new", TARGET_HEADER, new_rows, TARGET_WIDTHS),
    Section(
        "leaders", ("序号", "链主企业", "类别", "新增覆盖环节", "边际增益"), leader_rows, (3, 12, 5, 22, 5)
    ),
    Section("headquarters", ("企业", "建议总部类型", "理由"), hq_rows, (10, 12, 26)),
    Section(
        "landing",
        (
            "落地园区（所在地）",
            "级别",
            "可承接的缺口环节",
            "可用土地（亩）",
            "电价（元/千瓦时）",
            "能耗指标（吨标煤）",
        ),
        landing_rows,
        (10, 6, 22, 4.5, 4.5, 4.5),
    ),
    Section(
        "talent",
        (
            "环节",
            "状态",
            "测算项目（个）",
            "用工需求（人）",
            "其中专业技术人才（人）",
            "所需技能与岗位",
            "省内培养机构",
            "省外培养机构",
        ),
        talent_rows,
        (6, 3, 4, 4, 5, 14, 12, 10),
    ),
    Section(
        "policies",
        ("政策", "发布机关", "文号", "日期", "支持对象", "支持措施"),
        policy_rows,
        (12, 8, 7, 5, 8, 16),
    ),
    Section(
        "flagged_policies",
        ("政策", "发布机关", "日期", "问题", "处理"),
        flagged_policy_rows,
        (14, 10, 5, 9, 12),
    ),
    Section("actions", ("序号", "任务", "牵头单位", "配合单位", "完成时限"), action_rows, (3, 24, 9, 9, 8)),
)


def section(name: str) -> Section:
    for found in SECTIONS:
        if found.name == name:
            return found
    raise KeyError(name)


def _table(plan: IndustryPlan, name: str) -> tuple[tuple[str, ...], list[list[str]]]:
    """A section's header and rows, stored text stripped of control characters (which Word and
    Excel files cannot hold: one imported name must never make every export fail)."""
    found = section(name)
    header = found.prefecture_header if plan.prefecture and found.prefecture_header else found.header
    return header, [[strip_controls(c) for c in row] for row in found.rows(plan)]


def outline(plan: IndustryPlan) -> list[tuple[int, str, str | None, str | None]]:
    """The document as (heading level, heading, paragraph, table section) in order: the one
    structure every renderer walks, so the formats never disagree. Level 1 headings are
    numbered 一、二、, level 2 （一）（二） (the order of official documents)."""
    return [
        (level, strip_controls(heading), strip_controls(text) if text else text, table)
        for level, heading, text, table in _numbered(_outline(plan))
    ]


CHINESE_NUMERALS = "一二三四五六七八九十"


def _numbered(
    items: list[tuple[int, str, str | None, str | None]],
) -> list[tuple[int, str, str | None, str | None]]:
    """Number the headings: level 1 一、, level 2 （一）, restarting under each level 1; the title
    (level 0) and the closing note (level 9) are not numbered."""
    out = []
    first = second = 0
    for level, heading, text, table in items:
        if level == 1:
            first, second = first + 1, 0
            heading = f"{CHINESE_NUMERALS[first - 1]}、{heading}"
        elif level == 2:
            second += 1
            heading = f"（{CHINESE_NUMERALS[second - 1]}）{heading}"
        out.append((level, heading, text, table))
    return out


LINK_KIND_ZH = {"technology": "技术环节", "service": "服务环节"}  # tags of rules.yaml plans.staff_per_project
DEFAULT_LINK_KIND_ZH = "制造环节"


def _staffing(plan: IndustryPlan) -> str:
    """The staff of one project by kind of link, largest first (rules.yaml: plans.staff_per_project)."""
    spec = plan.rules.plans
    staff = {DEFAULT_LINK_KIND_ZH: spec["staff_per_project_default"]}
    staff |= {LINK_KIND_ZH.get(tag, tag): n for tag, n in spec["staff_per_project"].items()}
    return "、".join(f"{kind}{n}人" for kind, n in sorted(staff.items(), key=lambda item: -item[1]))


def _measure2(plan: IndustryPlan) -> str:
    """Measure 2's yearly figures for chain leaders and headquarters (rules.yaml: measures)."""
    leaders, hqs = plan.rules.measures["chain_leaders"], plan.rules.measures["headquarters"]
    return f"各不少于{leaders}家" if leaders == hqs else f"分别不少于{leaders}家、{hqs}家"


def _outline(plan: IndustryPlan) -> list[tuple[int, str, str | None, str | None]]:
    p = plan
    intro = (
        f"牵头单位：{p.lead_department}；配合单位：{p.promotion_unit}。产业链完整度 {p.completeness}/100，"
        f"共 {sum(p.counts.values())} 个环节，其中强 {p.counts['strong']} 个、弱 {p.counts['weak']} 个、"
        f"缺失 {p.counts['missing']} 个。"
    )
    leaders = (
        f"按贪心覆盖选出 {len(p.leaders.picks)} 家链主企业，合计覆盖缺口权重 {p.leaders.gain:.2f}"
        f"（全部缺口 {p.leaders.total_gap_weight:.2f}），{p.leaders.tracks_text}。"
    )
    years = f"{p.years[0]}—{p.years[-1]}年" if p.years else "方案期内"
    basis = "依据云政办函〔2022〕97号《云南省实施招大引强专项行动若干措施》第一至四条" + (
        f"，结合{p.scope}要素禀赋（措施第四条）" if p.prefecture else ""
    )
    overcapacity = (
        f"下列{len(p.overcapacity)}个环节受国家产能调控文件约束，方案只安排技术升级、产能置换和延链项目，不新增单纯产能。"
        if p.overcapacity
        else "本产业链暂无列入国家产能调控文件的环节。"
    )
    targets_note = (
        f"项目数为措施第一条本产业年度目标；链主企业、优质总部按措施第二条全省每年{_measure2(p)}、"
        "以本产业占各产业项目目标之和的比重分解（向上取整）；“目标清单测算可带来”按下文测算口径计算，"
        "与目标的差额须从以商招商、项目库储备和清单以外的企业中补足。"
        if not p.prefecture
        else f"项目数由省按措施第一条分解下达{p.scope}；“目标清单测算可带来”为{p.scope}目标清单按下文测算口径可带来的项目数。"
    )
    talent = (
        f"针对薄弱与缺失环节测算用工：每个10亿元项目用工按{_staffing(p)}，"
        f"其中专业技术人才按{p.rules.plans['key_talent_share']:.0%}测算（测算口径，供会议调整）；待核实的环节核实后再测算。"
    )
    return [
        (0, plan_title(p), f"{basis}，制定本方案（{years}）。{intro}", None),
        (1, "产业链现状", None, None),
        (
            2,
            "产业链总体情况",
            "产业链各阶段的环节数量与在滇布局情况如下（完整度按环节关键度加权）。",
            "chain",
        ),
        (
            2,
            "薄弱与缺失环节",
            "按优先级排列。补链：填补缺失环节；强链：做强薄弱环节；延链：在优势环节的前沿延伸；"
            "“待核实”为图谱中既无企业、无产量数据、也无核查结论的环节，核实前不作为确定缺口。",
            "gaps",
        ),
        (2, "国家产能调控环节", overcapacity, "overcapacity" if p.overcapacity else None),
        (1, "工作目标", f"{years}分年度目标如下。{targets_note}", "years"),
        (1, "产业招商方案", p.quota.text, None),
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
            "总部经济目标",
            "鼓励在滇设立面向南亚东南亚的区域总部、中国区总部和功能性总部（措施第二条）。",
            "headquarters",
        ),
        (
            2,
            "落地园区与要素条件",
            "每个缺口环节优先对接主导环节相符的园区，其次为主导产业相符的园区；可用土地、电价、能耗指标以园区公开数据为准，"
            "无来源的标注“待补充”，由所在州（市）和园区补齐。",
            "landing",
        ),
        (1, "人才招引方案", talent, "talent"),
        (1, "产业支持政策", "政策以原文为准；已失效或未核对原文的政策单列，不作为本方案依据。", None),
        (2, "可作为依据的政策", None, "policies"),
        (2, "已失效或待核实的政策", None, "flagged_policies"),
        (1, "重点任务与责任分工", "各项任务按时限推进，牵头单位每月报送进展，季度调度会通报。", "actions"),
        (
            9,
            "附注",
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


HTML_LEVEL = {0: 1, 1: 2, 2: 3, 9: 2}  # title, 一、, （一）, the closing note


def plan_markdown(plan: IndustryPlan) -> str:
    lines: list[str] = []
    for level, heading, paragraph, section in outline(plan):
        lines += ["#" * HTML_LEVEL[level] + " " + _md_text(heading), ""]
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
        tag = f"h{HTML_LEVEL[level]}"
        parts.append(f"<{tag}>{esc(heading)}</{tag}>")
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

    for name in CJK_FONT_NAMES:  # in order of preference: simplified Chinese first
        for font in font_manager.fontManager.ttflist:
            if font.name.startswith(name):
                return str(font.fname)
    return None


def wrap_label(name: str, width: int = 7) -> str:
    r"""A Chinese link name broken into lines of `width` characters (never cut off).

    >>> wrap_label("特高压与西电东送输电工程", 7)
    '特高压与西电东\n送输电工程'
    """
    return "\n".join(name[i : i + width] for i in range(0, len(name), width)) or name


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


def chain_map_png(view: nx.MultiDiGraph, gaps: ChainGaps, *, page_width: float | None = None) -> bytes:
    """The chain as a PNG: nodes coloured by status, sized by criticality, flow left to right.
    `page_width` (inches) fixes the figure's width for a page (A4 portrait in Word and PDF): the
    figure then grows in height instead, so the labels stay legible when the image is scaled."""
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
    if page_width is not None:
        width, height = page_width, min(height * 1.15, page_width * 1.3)  # stays within a page
    fig, ax = plt.subplots(figsize=(min(width, 22), min(height, 16)), dpi=110 if page_width is None else 160)
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
        label = wrap_label(by_id[node].name) if font else node
        ax.text(x, y - 0.22, label, ha="center", va="top", fontsize=7, fontproperties=font, linespacing=1.1)
    for status, colour in STATUS_COLOURS.items():
        ax.scatter([], [], c=colour, label=STATUS_ZH[status] if font else status)
    ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(STATUS_COLOURS), prop=font, frameon=False
    )
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


PLAN_FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

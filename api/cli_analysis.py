"""`chainkg` commands over the analyses: gaps, recommend, leaders, scenario, plan and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from analysis.tracks import EXPAND, NEW, TRACK_NAMES, tracks_text
from api.answers import answered
from api.cli_common import (
    friendly_errors,
    industry_arg,
    json_flag,
    make_table,
    opened_store,
    out,
    prefecture_opt,
    print_json,
)
from api.i18n import EVIDENCE_ZH, GAP_TYPE_ZH, STAGE_ZH, STATUS_ZH, texts
from graph.lookup import chain_node_id, enterprise_id, industry_id, prefecture_id
from graph.store import GraphStore


@click.command()
@industry_arg
@prefecture_opt
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "docx", "pdf"]),
    default=None,
    help="Output format (default: from the file's extension); pdf is made by LibreOffice on this machine.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@friendly_errors
def plan(industry: str, prefecture: str | None, fmt: str | None, output: Path) -> None:
    """Draft an industry's 1+1+1+1 plan (chain, promotion, talent, policies) as Markdown, HTML, Word or PDF."""
    suffixes = {".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
    fmt = fmt or suffixes.get(output.suffix.lower())
    if fmt is None:
        raise click.UsageError(
            "give --format md|html|docx|pdf or an output file ending in .md, .html, .docx or .pdf"
        )
    from api import services

    with opened_store() as store:
        chosen = industry_id(store, industry)
        data = services.assess(store, chosen, prefecture_id(store, prefecture)).plan_document(fmt)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    out.print(f"wrote {output} ({fmt})", highlight=False)


@click.group()
def export() -> None:
    """Export lists for Excel."""


@export.command("targets")
@industry_arg
@prefecture_opt
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--top", "-k", type=click.IntRange(1, 500), default=20, show_default=True)
@friendly_errors
def export_targets(industry: str, prefecture: str | None, output: Path, top: int) -> None:
    """The industry's target-enterprise list (with reasons) and leader set as an .xlsx workbook."""
    from api import services

    with opened_store() as store:
        chosen = industry_id(store, industry)
        data = services.assess(store, chosen, prefecture_id(store, prefecture)).plan_document("xlsx", top=top)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    out.print(f"wrote {output}", highlight=False)


def _firms(firms: list[dict[str, Any]] | tuple[Any, ...], limit: int = 3) -> str:
    names = [f["name"] if isinstance(f, dict) else f.name for f in firms]
    return "、".join(names[:limit]) + (f" 等{len(names)}家" if len(names) > limit else "")


# The analyses (networkx, the services) are imported when an answer is computed, not with this
# module: a question asked again prints what was kept (`api.answers`) and starts without them.
# A question asked anew reads the part of the industry's view it needs (`services.asked`).


def _gaps(store: GraphStore, industry: str, prefecture: str | None) -> dict[str, Any]:
    from api import services
    from api.present import gaps_json

    return gaps_json(services.asked(store, industry, prefecture).gaps)


def _targets(
    store: GraphStore, industry: str, node: str | None, top: int, prefecture: str | None
) -> dict[str, Any]:
    from api import services
    from api.present import target_lists_json

    assessment = services.asked(store, industry, prefecture, targets=True, node=node)
    return target_lists_json(assessment.recommend(node=node, top=top))


def _leaders(store: GraphStore, industry: str, k: int, prefecture: str | None) -> dict[str, Any]:
    from api import services
    from api.present import leaders_json

    assessment = services.asked(store, industry, prefecture, targets=True, headquarters=True)
    return leaders_json(assessment.leader_set(k=k), assessment.headquarters())


def _scenario(store: GraphStore, industry: str, firms: list[str], prefecture: str | None) -> dict[str, Any]:
    from api import services
    from api.present import scenario_json

    # an arriving firm may work on other chains too
    return scenario_json(services.what_if_result(store, industry, firms, prefecture, any_firm=True))


def _name(store: GraphStore, node_id: str) -> str:
    node = store.get_node(node_id)
    return str(node.props.get("name", node_id)) if node else node_id


@click.command()
@industry_arg
@prefecture_opt
@json_flag
@friendly_errors
def gaps(industry: str, prefecture: str | None, as_json: bool) -> None:
    """Strong, weak and missing links of an industry's chain in Yunnan (or one prefecture)."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        where = prefecture_id(store, prefecture)
        result = answered(store, ("gaps", chosen, where), lambda: _gaps(store, chosen, where))
        where_name = _name(store, where) if where else "云南省"
    if as_json:
        print_json(result)
        return
    counts = result["counts"]
    table = make_table(
        f"{result['industry_name']}（{where_name}）产业链完整度 {result['completeness']}/100  "
        f"强 {counts['strong']} · 弱 {counts['weak']} · 缺失 {counts['missing']}"
        f"（其中待核实 {counts['verify']}）",
        (
            "优先级",
            "环节",
            "阶段",
            "状态",
            "关键度",
            "类型",
            "行动",
            "本州（市）企业" if where else "在滇企业",
            "判定依据（证据）",
        ),
        caption=f"规则版本 {result['config_version']}",
    )
    table.columns[1].min_width = 12  # a link's name stays whole on an 80-column terminal
    for node in result["nodes"]:
        evidence = node["evidence"]
        table.add_row(
            f"{node['priority']:.2f}",
            f"{node['name']} ({node['id']})",
            STAGE_ZH.get(node["stage"], node["stage"]),
            STATUS_ZH[node["shown_status"]],
            f"{node['criticality']:.2f}",
            GAP_TYPE_ZH.get(node["gap_type"], node["gap_type"]),
            node["action"] or "-",
            _firms(node["local_enterprises"]) or "-",
            f"{node['reason']}（{EVIDENCE_ZH[evidence['level']]}）" if evidence else node["reason"],
        )
    out.print(table)


@click.command()
@industry_arg
@click.option("--node", "-n", default=None, help="One chain node (id or name); default: all gaps.")
@click.option("--top", "-k", "top", type=click.IntRange(1, 500), default=10, show_default=True)
@prefecture_opt
@json_flag
@friendly_errors
def recommend(industry: str, node: str | None, top: int, prefecture: str | None, as_json: bool) -> None:
    """Target enterprises for the gaps of an industry (or one node), with the reasons of each score."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        node_id = chain_node_id(store, node, chosen) if node else None
        where = prefecture_id(store, prefecture)
        lists = answered(
            store,
            ("recommend", chosen, node_id, top, where),
            lambda: _targets(store, chosen, node_id, top, where),
        )
        industry_name = _name(store, chosen)
        where_name = _name(store, where) if where else "云南省"
        node_name = f" · {_name(store, node_id)}" if node_id else ""
    if as_json:
        print_json(lists)
        return
    zh = texts("zh")
    for track in (EXPAND, NEW):
        # the place asked about in the title, as the gap table names it: a prefecture's list
        # is printed and carried to its meetings
        title = f"{industry_name}（{where_name}）招商目标企业 · {TRACK_NAMES[track]}{node_name}"
        table = make_table(title, ("#", "企业", "环节", "行动", "得分", "理由", "提示"))
        table.columns[5].min_width = 30  # the reasons are the point of the list: give them the room
        for rank, rec in enumerate(lists[track], start=1):
            # one line a part, labelled as on the web page (环节匹配30分：…)
            reasons = "\n".join(
                f"{zh.value('factor', p['factor'])}{p['value']:g}分：{p['reason']}"
                for p in rec["parts"]
                if p["value"] != 0
            )
            table.add_row(
                str(rank),
                rec["name"],
                rec["node_name"],
                rec["action"] or "-",
                f"{rec['score']:.2f}",
                reasons,
                "；".join(rec["warnings"]) or "-",
            )
        out.print(table)
    if not lists[EXPAND] and not lists[NEW]:
        out.print("没有可推荐的外部企业（该环节在滇已强，或数据中没有经营该环节的企业）。")


@click.command()
@industry_arg
@click.option(
    "--k", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="Size of the leader set."
)
@prefecture_opt
@json_flag
@friendly_errors
def leaders(industry: str, k: int, prefecture: str | None, as_json: bool) -> None:
    """The k chain leaders (链主) that together close the most weighted gaps, and headquarters targets."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        where = prefecture_id(store, prefecture)
        result = answered(store, ("leaders", chosen, k, where), lambda: _leaders(store, chosen, k, where))
        industry_name = _name(store, chosen)
        where_name = _name(store, where) if where else "云南省"
        links = {n.id: str(n.props.get("name", n.id)) for n in store.chain_of(chosen)}
    if as_json:
        print_json(result)
        return
    counts = result["counts"]
    table = make_table(
        f"{industry_name}（{where_name}）链主企业组合（k={k}）",
        ("#", "企业", "新增覆盖环节", "边际增益"),
        caption=f"合计覆盖缺口权重 {result['gain']:.2f} / {result['total_gap_weight']:.2f}；"
        f"{tracks_text(counts[EXPAND], counts[NEW])}",
    )
    for rank, pick in enumerate(result["set"], start=1):
        table.add_row(
            str(rank),
            f"{pick['name']}（{TRACK_NAMES[pick['track']]}）",
            "、".join(links.get(n, n) for n in pick["new_gaps"]),
            f"{pick['marginal_gain']:.2f}",
        )
    out.print(table)
    hq_table = make_table("总部经济目标企业", ("企业", "建议总部类型", "理由"))
    for target in result["headquarters_targets"]:
        hq_table.add_row(target["name"], "、".join(target["hq_types"]), "；".join(target["reasons"]))
    out.print(hq_table)


@click.command()
@industry_arg
@click.option(
    "--add", "adds", multiple=True, required=True, help="An enterprise that lands (id or name); repeatable."
)
@prefecture_opt
@json_flag
@friendly_errors
def scenario(industry: str, adds: tuple[str, ...], prefecture: str | None, as_json: bool) -> None:
    """What if these enterprises land in a prefecture: statuses and completeness before and after."""
    with opened_store() as store:
        chosen = industry_id(store, industry)
        firms = tuple(enterprise_id(store, a) for a in adds)
        where = prefecture_id(store, prefecture)
        result = answered(
            store, ("scenario", chosen, firms, where), lambda: _scenario(store, chosen, list(firms), where)
        )
    if as_json:
        print_json(result)
        return
    before, after = result["before"], result["after"]
    out.print(
        f"完整度 {before['completeness']} → {after['completeness']}；"
        f"强 {before['strong']}→{after['strong']}，弱 {before['weak']}→{after['weak']}，"
        f"缺失 {before['missing']}→{after['missing']}",
        highlight=False,
    )
    for change in result["changed_nodes"]:
        out.print(
            f"  {change['name']}: {STATUS_ZH[change['before']]} → {STATUS_ZH[change['after']]}",
            highlight=False,
        )
    if not result["changed_nodes"]:
        out.print("  没有环节的状态发生变化。")

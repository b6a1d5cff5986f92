"""The planner's pages: server-rendered HTML, Chinese first with English labels (?lang=en, kept in
a cookie). Each page calls the same functions as the JSON routes and renders their dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import (
    NAME_MAX,
    IndustryDep,
    PrefectureDep,
    StoreDep,
    chain_node_id,
    enterprise_id,
    industry_id,
    prefecture_id,
)
from api.models import ErrorPublic
from api.present import GAP_TYPE_ZH, STAGE_ZH, STATUS_ZH, gaps_json, industry_json
from api.routes import enterprises, industries, maps, nodes, regions
from graph.store import GraphStore

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))

LANGS = ("zh", "en")
LANG_COOKIE = "chainkg_lang"
PAGE_SIZE = 20

_EN = {
    "app": "Yunnan industry-chain map",
    "app_sub": "Investment promotion of the 12 key industry chains",
    "home": "Industries",
    "search": "Find enterprises",
    "scenario": "Scenario",
    "api": "API schema",
    "industry": "Industry",
    "industries": "The 12 key industry chains",
    "completeness": "Completeness",
    "strong": "strong",
    "weak": "weak",
    "missing": "missing",
    "quota": "Yearly project quota",
    "quota_unit": "projects ≥ 1 bn CNY / year",
    "lead_department": "Lead department",
    "nodes": "Links",
    "no_chain": "no chain data yet",
    "gaps": "Chain links by priority",
    "priority": "Priority",
    "node": "Link",
    "stage": "Stage",
    "status": "Status",
    "criticality": "Criticality",
    "gap_type": "Gap type",
    "action": "Action",
    "local_firms": "Firms in Yunnan",
    "candidates": "Firms elsewhere",
    "filter": "Filter…",
    "targets": "Top targets and why",
    "enterprise": "Enterprise",
    "score": "Score",
    "reasons": "Reasons (score parts)",
    "why": "Reasons",
    "leaders": "Chain-leader set",
    "leaders_note": "The firms that together close the most weighted gaps (greedy cover).",
    "gain": "Marginal gain",
    "new_gaps": "Gaps it adds",
    "covered": "Gap weight covered",
    "hq": "Headquarters targets",
    "hq_types": "Headquarters type",
    "downloads": "Plans and downloads",
    "downloads_note": "Drafts of the industry's 1+1+1+1 plan, made from the graph as it is now (edit them before use).",
    "download_docx": "Plan draft (Word)",
    "download_html": "Plan draft (web page, prints well)",
    "download_md": "Plan draft (Markdown)",
    "download_xlsx": "Target enterprises (Excel)",
    "map": "Chain map",
    "open_map": "Open the chain map",
    "try_scenario": "Try a scenario",
    "firms_in_industry": "Enterprises of this industry",
    "whole_yunnan": "All Yunnan",
    "prefecture": "Prefecture",
    "region": "Region",
    "apply": "Apply",
    "show_firms": "Show enterprises",
    "map_help": "Upstream on the left, downstream on the right; size = criticality. Hover for details, click a link to open it.",
    "legend_support": "◆ support / technology",
    "description": "Description",
    "upstream": "Upstream",
    "downstream": "Downstream",
    "part_of": "Part of",
    "parts": "Sub-links",
    "other_chains": "Also in the chains of",
    "role": "Role",
    "capacity": "Capacity",
    "tiers": "Ranking lists",
    "recommendations": "Whom to pursue for this link",
    "none": "none",
    "no_targets": "No outside firm to recommend (strong here already, or no data on firms for this link).",
    "aliases": "Also known as",
    "ownership": "Ownership",
    "hq_region": "Headquarters",
    "stock_code": "Stock code",
    "revenue": "Revenue",
    "revenue_unit": "100 m CNY",
    "group": "Group",
    "parent": "Parent",
    "subsidiaries": "Subsidiaries",
    "sites": "Sites",
    "operates": "Chain links",
    "ties": "Ties to other firms",
    "source": "Source",
    "in_yunnan": "In Yunnan",
    "yes": "yes",
    "no": "no",
    "any": "any",
    "query": "Name, alias or id",
    "tier": "Ranking list",
    "results": "results",
    "prev": "Previous",
    "next": "Next",
    "page": "Page",
    "scenario_intro": "Choose enterprises that land in a prefecture and see the chain before and after.",
    "choose_firms": "Enterprises that land",
    "run": "Run the scenario",
    "before": "Before",
    "after": "After",
    "changed": "Links that change",
    "unchanged": "No link changes status.",
    "error": "Error",
    "did_you_mean": "Did you mean",
    "back_home": "Back to the industries",
    "kind": "Kind",
    "config": "Rules version",
    "select_industry": "Choose an industry",
    "no_firms": "This chain has no enterprise data yet.",
    "loading": "Drawing the map…",
}
_ZH = {
    "app": "云南产业链招商图谱",
    "app_sub": "12个重点产业链 · 招大引强",
    "home": "产业总览",
    "search": "企业查询",
    "scenario": "情景推演",
    "api": "API 文档",
    "industry": "产业",
    "industries": "12个重点产业链",
    "completeness": "完整度",
    "strong": "强",
    "weak": "弱",
    "missing": "缺失",
    "quota": "年度招商项目目标",
    "quota_unit": "个10亿元以上项目/年",
    "lead_department": "牵头部门",
    "nodes": "环节数",
    "no_chain": "尚无产业链数据",
    "gaps": "产业链环节（按优先级）",
    "priority": "优先级",
    "node": "环节",
    "stage": "阶段",
    "status": "状态",
    "criticality": "关键度",
    "gap_type": "缺口类型",
    "action": "行动",
    "local_firms": "在滇企业",
    "candidates": "省外企业",
    "filter": "筛选…",
    "targets": "重点招商目标及理由",
    "enterprise": "企业",
    "score": "得分",
    "reasons": "理由（得分构成）",
    "why": "理由",
    "leaders": "链主企业组合",
    "leaders_note": "合计能补上最多加权缺口的企业组合（贪心覆盖）。",
    "gain": "边际增益",
    "new_gaps": "新增覆盖环节",
    "covered": "覆盖缺口权重",
    "hq": "总部经济目标",
    "hq_types": "建议总部类型",
    "downloads": "规划与下载",
    "downloads_note": "根据当前知识图谱生成的本产业“1+1+1+1”方案草案，使用前请编辑核实。",
    "download_docx": "招商方案草案（Word）",
    "download_html": "招商方案草案（网页，可打印）",
    "download_md": "招商方案草案（Markdown）",
    "download_xlsx": "目标企业清单（Excel）",
    "map": "产业链图谱",
    "open_map": "查看产业链图谱",
    "try_scenario": "情景推演",
    "firms_in_industry": "本产业企业",
    "whole_yunnan": "全省",
    "prefecture": "州市",
    "region": "地区",
    "apply": "确定",
    "show_firms": "显示企业",
    "map_help": "左为上游、右为下游；圆点大小表示关键度。悬停查看详情，点击环节进入环节页。",
    "legend_support": "◆ 支撑/技术环节",
    "description": "说明",
    "upstream": "上游环节",
    "downstream": "下游环节",
    "part_of": "所属环节",
    "parts": "细分环节",
    "other_chains": "同时属于",
    "role": "角色",
    "capacity": "产能",
    "tiers": "榜单",
    "recommendations": "本环节招商目标",
    "none": "无",
    "no_targets": "没有可推荐的外部企业（该环节在滇已强，或数据中没有经营该环节的企业）。",
    "aliases": "别名",
    "ownership": "所有制",
    "hq_region": "总部所在地",
    "stock_code": "股票代码",
    "revenue": "营业收入",
    "revenue_unit": "亿元",
    "group": "所属集团",
    "parent": "母公司",
    "subsidiaries": "子公司",
    "sites": "布局",
    "operates": "所在产业链环节",
    "ties": "关联企业",
    "source": "来源",
    "in_yunnan": "在滇",
    "yes": "是",
    "no": "否",
    "any": "不限",
    "query": "名称、别名或代码",
    "tier": "榜单",
    "results": "条结果",
    "prev": "上一页",
    "next": "下一页",
    "page": "第",
    "scenario_intro": "选择落地的企业和州市，查看产业链状态和完整度的前后变化。",
    "choose_firms": "落地企业",
    "run": "推演",
    "before": "推演前",
    "after": "推演后",
    "changed": "状态变化的环节",
    "unchanged": "没有环节的状态发生变化。",
    "error": "出错了",
    "did_you_mean": "您是不是要找",
    "back_home": "返回产业总览",
    "kind": "类型",
    "config": "规则版本",
    "select_industry": "选择产业",
    "no_firms": "该产业链尚无企业数据。",
    "loading": "正在绘制图谱…",
}
_EN_VALUES = {
    "status": {"strong": "strong", "weak": "weak", "missing": "missing"},
    "stage": {
        "upstream": "upstream",
        "midstream": "midstream",
        "downstream": "downstream",
        "support": "support",
    },
    "gap_type": {
        "upstream": "upstream",
        "midstream": "midstream",
        "downstream": "downstream",
        "support": "support",
        "technology": "technology",
    },
    "action": {"补链": "fill", "强链": "strengthen", "延链": "extend", "": ""},
    "role": {"leader": "leader", "major": "major", "player": "player"},
    "factor": {
        "fit": "fit",
        "scale": "scale & lists",
        "pull": "chain pull",
        "ties": "ties in Yunnan",
        "presence": "presence",
        "resource": "resource fit",
    },
    "ownership": {
        "central-soe": "central SOE",
        "local-soe": "local SOE",
        "private": "private",
        "foreign": "foreign",
        "mixed": "mixed",
    },
    "site": {"hq": "HQ", "plant": "plant", "branch": "branch", "rd": "R&D"},
}
_ZH_VALUES = {
    "status": STATUS_ZH,
    "stage": STAGE_ZH,
    "gap_type": GAP_TYPE_ZH,
    "action": {"补链": "补链", "强链": "强链", "延链": "延链", "": ""},
    "role": {"leader": "龙头", "major": "骨干", "player": "参与者"},
    "factor": {
        "fit": "环节匹配",
        "scale": "规模与榜单",
        "pull": "链主带动",
        "ties": "以商招商",
        "presence": "在滇布局",
        "resource": "资源匹配",
    },
    "ownership": {
        "central-soe": "中央企业",
        "local-soe": "地方国企",
        "private": "民营企业",
        "foreign": "外资企业",
        "mixed": "混合所有制",
    },
    "site": {"hq": "总部", "plant": "工厂", "branch": "分支机构", "rd": "研发中心"},
}


class Texts(dict[str, str]):
    """UI strings of one language; `value(kind, v)` translates a data value (status, stage...)."""

    lang: str = "zh"

    def __missing__(self, key: str) -> str:
        return key

    def value(self, kind: str, value: Any) -> str:
        table = (_EN_VALUES if self.lang == "en" else _ZH_VALUES).get(kind, {})
        return str(table.get(value, value if value is not None else ""))

    def name(self, item: Any) -> str:
        """An item's display name: the English name in English when there is one."""
        if not isinstance(item, dict):
            return str(item)
        if self.lang == "en" and item.get("name_en"):
            return str(item["name_en"])
        return str(item.get("name", item.get("id", "")))


def texts(lang: str) -> Texts:
    found = Texts(_EN if lang == "en" else _ZH)
    found.lang = lang
    return found


def page_lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else "zh"


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one).

    Leading slashes of the path collapse to one: a request for //evil.example/x must not yield
    a link to another site (a scheme-relative URL).
    """
    params = {k: v for k, v in request.query_params.multi_items() if k not in changes}
    query = list(params.items()) + [(k, v) for k, v in changes.items() if v is not None]
    path = "/" + request.url.path.lstrip("/\\")
    return path + ("?" + urlencode(query) if query else "")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = page_lang(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": texts(lang),
            "url_with": lambda **c: url_with(request, **c),
            "other_lang": "en" if lang == "zh" else "zh",
            "status_colours": maps.STATUS_COLOURS,
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def error_page(request: Request, error: ErrorPublic) -> Response:
    return render(request, "error.html", status_code=error.status, error=error)


def _pickers(store: GraphStore) -> dict[str, Any]:
    return {
        "all_industries": [
            {"id": n.id, "name": n.name, "name_en": n.props.get("name_en")}
            for n in industries.industries_in_order(store)
        ],
        "prefectures": regions.prefectures(store),
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep) -> Response:
    return render(request, "home.html", industries=industries.overview(store))


@router.get("/industries/{industry}", response_class=HTMLResponse)
def industry_page(
    request: Request, store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep
) -> Response:
    node = store.get_node(industry)
    view, gaps = industries.assess(store, industry, prefecture)
    return render(
        request,
        "industry.html",
        industry=industry_json(node.props if node else {}, gaps),
        gaps=gaps_json(gaps),
        targets=industries.recommendations(store, industry, top=10, prefecture=prefecture),
        leaders=industries.leaders(store, industry, k=5, prefecture=prefecture),
        prefecture=prefecture,
        prefecture_name=view.nodes[prefecture].get("name") if prefecture else None,
        names={n: str(d.get("name", n)) for n, d in view.nodes(data=True) if d.get("label") == "ChainNode"},
        **_pickers(store),
    )


@router.get("/industries/{industry}/map", response_class=HTMLResponse)
def map_page(request: Request, store: StoreDep, industry: IndustryDep, prefecture: PrefectureDep) -> Response:
    graph = industries.chain_graph(store, industry, prefecture=prefecture, with_enterprises=True)
    lang = page_lang(request)
    return render(
        request,
        "map.html",
        graph=graph,
        map_data=maps.chain_network(graph, lang=lang),
        prefecture=prefecture,
        **_pickers(store),
    )


@router.get("/nodes/{node}", response_class=HTMLResponse)
def node_page(
    request: Request,
    store: StoreDep,
    prefecture: PrefectureDep,
    node: str,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
) -> Response:
    found = nodes.chain_node(store, chain_node_id(store, node[:NAME_MAX]), industry, prefecture=prefecture)
    return render(request, "node.html", node=found, prefecture=prefecture)


@router.get("/enterprises/{enterprise}", response_class=HTMLResponse)
def enterprise_page(request: Request, store: StoreDep, enterprise: str) -> Response:
    found = enterprises.profile(store, enterprise_id(store, enterprise[:NAME_MAX]))
    industry_names = {
        n.id: {"id": n.id, "name": n.name, "name_en": n.props.get("name_en")}
        for n in store.find_nodes("Industry")
    }
    return render(request, "enterprise.html", firm=found, industry_names=industry_names)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    store: StoreDep,
    prefecture: PrefectureDep,
    q: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    tier: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    node: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
    in_yunnan: Annotated[str | None, Query(pattern="^(|yes|no)$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = enterprises.search(
        store,
        q=q,
        tier=tier or None,
        node=node or None,
        prefecture=prefecture,
        industry=industry or None,
        in_yunnan={"yes": True, "no": False}.get(in_yunnan or ""),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-result["total"] // PAGE_SIZE))
    return render(
        request,
        "search.html",
        result=result,
        page=page,
        pages=pages,
        form={
            "q": q or "",
            "tier": tier or "",
            "industry": industry or "",
            "node": node or "",
            "prefecture": prefecture or "",
            "in_yunnan": in_yunnan or "",
        },
        tiers=[{"id": n.id, "name": n.name} for n in store.find_nodes("RankingList")],
        **_pickers(store),
    )


def _scenario_form(store: GraphStore, industry: str | None) -> dict[str, Any]:
    firms: list[dict[str, Any]] = []
    if industry:
        graph = industries.chain_graph(store, industry, with_enterprises=True)
        node_names = {n["id"]: n["name"] for n in graph["nodes"]}
        firms = [
            {**f, "nodes": "、".join(node_names[o["node"]] for o in f["operates"])}
            for f in sorted(graph["enterprises"], key=lambda f: (f["in_region"], f["id"]))
        ]
    return {"firms": firms, **_pickers(store)}


@router.get("/scenario", response_class=HTMLResponse)
def scenario_page(
    request: Request, store: StoreDep, industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None
) -> Response:
    chosen = industry_id(store, industry) if industry else None
    return render(
        request,
        "scenario.html",
        industry=chosen,
        result=None,
        chosen=[],
        prefecture=None,
        **_scenario_form(store, chosen),
    )


@router.post("/scenario", response_class=HTMLResponse)
def scenario_run(
    request: Request,
    store: StoreDep,
    industry: Annotated[str, Form(max_length=NAME_MAX)],
    enterprises_: Annotated[list[str], Form(alias="enterprise", max_length=50)],
    prefecture: Annotated[str | None, Form(max_length=NAME_MAX)] = None,
) -> Response:
    chosen = industry_id(store, industry)
    firms = [enterprise_id(store, f[:NAME_MAX]) for f in enterprises_]
    region = prefecture_id(store, prefecture)
    result = industries.what_if(store, chosen, firms, region)
    return render(
        request,
        "scenario.html",
        industry=chosen,
        result=result,
        chosen=firms,
        prefecture=region,
        **_scenario_form(store, chosen),
    )

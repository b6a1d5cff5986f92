"""The planner's pages: server-rendered HTML, Chinese first with English labels (?lang=en, kept in
a cookie). Each page calls the same functions as the JSON routes and renders their dicts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import chainmap, regional, services
from api.deps import (
    NAME_MAX,
    IndustryDep,
    PrefectureDep,
    ResultsDep,
    StoreDep,
    chain_node_id,
    enterprise_id,
    industry_id,
    prefecture_id,
)
from api.web import page_lang, render, render_kept
from graph.store import GraphStore

router = APIRouter()

PAGE_SIZE = 20


def _pickers(store: GraphStore) -> dict[str, Any]:
    return {
        "all_industries": [
            {"id": n.id, "name": n.name, "name_en": n.props.get("name_en")}
            for n in services.industries_in_order(store)
        ],
        "prefectures": services.prefectures(store),
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, store: StoreDep, results: ResultsDep) -> Response:
    return await render_kept(
        request, results, "home.html", lambda: {"industries": services.overview(store, results)}
    )


@router.get("/industries/{industry}", response_class=HTMLResponse)
async def industry_page(
    request: Request, store: StoreDep, results: ResultsDep, industry: IndustryDep, prefecture: PrefectureDep
) -> Response:
    assessment = results.assessment(industry, prefecture)  # the chain's gaps, computed once a version

    def context() -> dict[str, Any]:
        view = assessment.view
        return {
            "industry": assessment.summary(),
            "gaps": assessment.gaps_json(),
            "targets": assessment.recommendations(top=10),
            "leaders": assessment.leaders(k=5),
            "prefecture": prefecture,
            "prefecture_name": view.nodes[prefecture].get("name") if prefecture else None,
            "local": regional.local_lead(store, prefecture, industry) if prefecture else None,
            "names": assessment.chain_node_names(),
            **_pickers(store),
        }

    return await render_kept(request, results, "industry.html", context)


@router.get("/industries/{industry}/map", response_class=HTMLResponse)
def map_page(
    request: Request, store: StoreDep, results: ResultsDep, industry: IndustryDep, prefecture: PrefectureDep
) -> Response:
    graph = results.assessment(industry, prefecture).chain_graph(with_enterprises=True)
    lang = page_lang(request)
    return render(
        request,
        "map.html",
        graph=graph,
        map_data=chainmap.chain_network(graph, lang=lang),
        prefecture=prefecture,
        **_pickers(store),
    )


@router.get("/nodes/{node}", response_class=HTMLResponse)
def node_page(
    request: Request,
    store: StoreDep,
    results: ResultsDep,
    prefecture: PrefectureDep,
    node: str,
    industry: Annotated[str | None, Query(max_length=NAME_MAX)] = None,
) -> Response:
    found = services.chain_node(
        store, chain_node_id(store, node[:NAME_MAX]), industry, prefecture=prefecture, results=results
    )
    return render(request, "node.html", node=found, prefecture=prefecture)


@router.get("/enterprises/{enterprise}", response_class=HTMLResponse)
def enterprise_page(request: Request, store: StoreDep, enterprise: str) -> Response:
    found = services.profile(store, enterprise_id(store, enterprise[:NAME_MAX]))
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
    result = services.search(
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
        graph = services.chain_graph(store, industry, with_enterprises=True)
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
    result = services.what_if(store, chosen, firms, region)
    return render(
        request,
        "scenario.html",
        industry=chosen,
        result=result,
        chosen=firms,
        prefecture=region,
        **_scenario_form(store, chosen),
    )


@router.get("/prefectures", response_class=HTMLResponse)
def prefecture_matrix_page(request: Request, store: StoreDep) -> Response:
    """The 12 industries x 16 prefectures matrix, one measure at a time (?measure=)."""
    matrix = regional.prefecture_matrix(store)
    keys = [m["key"] for m in matrix["measures"]]
    measure = request.query_params.get("measure")
    return render(request, "prefectures.html", matrix=matrix, measure=measure if measure in keys else keys[0])


@router.get("/prefectures/map", response_class=HTMLResponse)
def yunnan_map_page(request: Request, store: StoreDep) -> Response:
    """The map of Yunnan by prefecture, drawn from the app's own boundary file (no tiles)."""
    matrix = regional.prefecture_matrix(store)
    return render(request, "yunnan_map.html", matrix=matrix)


@router.get("/prefectures/{prefecture}", response_class=HTMLResponse)
def prefecture_page(request: Request, store: StoreDep, prefecture: str) -> Response:
    chosen = prefecture_id(store, prefecture[:NAME_MAX])
    assert chosen is not None  # a non-empty name resolves or raises NotFoundError
    return render(request, "prefecture.html", place=regional.prefecture_dashboard(store, chosen))

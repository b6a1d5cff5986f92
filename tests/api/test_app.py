"""The JSON API and the pages on the canonical chain (answers worked out in tests/analysis/*) and,
where it loads, on the bundled dataset."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.canonical import INDUSTRY

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def get(client: TestClient, url: str, **params: object) -> object:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- JSON API ------------------------------------------------------------------------------


def test_health(client):
    assert get(client, "/api/health") == {"status": "ok", "backend": "sqlite", "industries": 1}
    assert get(client, "/health")["status"] == "ok"


def test_industries_with_completeness_counts_and_quota(client):
    [demo] = get(client, "/api/industries")
    # 100 x (1.32 + 0.5 x 1.12) / 6.64 = 28.3; a strong, c weak, b d e x missing
    assert demo["id"] == INDUSTRY and demo["name"] == "示例产业"
    assert demo["completeness"] == 28.3
    assert demo["counts"] == {"strong": 1, "weak": 1, "missing": 4}
    assert demo["yearly_project_quota"] == 5
    assert demo["node_count"] == 6


def test_gaps_by_slug_or_chinese_name_sorted_by_priority(client):
    by_slug = get(client, f"/api/industries/{INDUSTRY}/gaps")
    assert get(client, "/api/industries/示例产业/gaps") == by_slug
    assert [n["id"] for n in by_slug["nodes"]] == ["b", "d", "e", "x", "c", "a"]
    status = {n["id"]: n["status"] for n in by_slug["nodes"]}
    assert status == {
        "a": "strong",
        "b": "missing",
        "c": "weak",
        "d": "missing",
        "e": "missing",
        "x": "missing",
    }
    action = {n["id"]: n["action"] for n in by_slug["nodes"]}
    assert action == {"a": "", "b": "补链", "c": "强链", "d": "补链", "e": "延链", "x": "补链"}
    a = next(n for n in by_slug["nodes"] if n["id"] == "a")
    assert [f["id"] for f in a["local_enterprises"]] == ["y1", "y3"]


def test_gaps_of_one_prefecture_by_code_or_name(client):
    kunming = get(client, f"/api/industries/{INDUSTRY}/gaps", prefecture="昆明")
    status = {n["id"]: n["status"] for n in kunming["nodes"]}
    assert kunming["prefecture"] == "530100" and status["a"] == "strong" and status["c"] == "missing"
    qujing = get(client, f"/api/industries/{INDUSTRY}/gaps", prefecture="530300")
    assert {n["id"]: n["status"] for n in qujing["nodes"]}["c"] == "weak"


def test_recommendations_industry_wide_and_for_one_node(client):
    lists = get(client, f"/api/industries/{INDUSTRY}/recommendations")
    # the scores of tests/analysis/test_recommend.py
    assert [(r["enterprise_id"], r["node_id"], r["score"]) for r in lists["expand"]] == [
        ("n4", "c", 66.67),
        ("n6", "b", 64.67),
    ]
    assert [(r["enterprise_id"], r["node_id"], r["score"]) for r in lists["new"]] == [
        ("n1", "b", 81.33),
        ("n2", "e", 75.33),
        ("n3", "c", 42.67),
    ]
    for rec in lists["expand"] + lists["new"]:
        assert rec["score"] == pytest.approx(sum(p["value"] for p in rec["parts"]), abs=0.011)
        assert [p["factor"] for p in rec["parts"]][-2:] == ["feasibility", "signals"]
        assert rec["warnings"] == []
    on_b = get(client, f"/api/industries/{INDUSTRY}/recommendations", node="中间品", top=1)
    assert [(r["enterprise_id"], r["score"]) for r in on_b["new"]] == [("n1", 81.33)]
    assert [(r["enterprise_id"], r["track"]) for r in on_b["expand"]] == [("n6", "expand")]
    assert "世界500强" in on_b["new"][0]["parts"][1]["reason"]


def test_leaders_and_headquarters_targets(client):
    result = get(client, f"/api/industries/{INDUSTRY}/leaders", k=2)
    assert [p["enterprise_id"] for p in result["set"]] == ["n1", "n2"]
    assert result["counts"] == {"expand": 0, "new": 2}
    assert result["k"] == 2
    assert [(t["enterprise_id"], t["score"]) for t in result["headquarters_targets"]] == [
        ("n1", 1.2),
        ("n2", 0.9),
    ]


def test_scenario_post(client):
    response = client.post(f"/api/industries/{INDUSTRY}/scenario", json={"enterprises": ["集团四号"]})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["before"]["completeness"], result["after"]["completeness"]) == (28.3, 36.7)
    assert result["landings"] == ["n4"]
    qujing = client.post(
        f"/api/industries/{INDUSTRY}/scenario", json={"enterprises": ["n4"], "prefecture": "曲靖"}
    ).json()
    assert [(c["id"], c["before"], c["after"], c["arriving"]) for c in qujing["changed_nodes"]] == [
        ("c", "weak", "strong", ["n4"])
    ]


def test_chain_graph_nodes_edges_and_columns(client):
    graph = get(client, f"/api/industries/{INDUSTRY}/graph")
    assert len(graph["nodes"]) == 6 and graph["enterprises"] == []
    feeds = {(e["source"], e["target"]) for e in graph["edges"] if e["type"] == "FEEDS"}
    assert feeds == {("a", "b"), ("b", "c"), ("c", "d"), ("a", "e")}
    column = {n["id"]: n["column"] for n in graph["nodes"]}
    # upstream a; midstream b -> c (two columns); downstream d, e; support x after them
    assert column == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 3, "x": 4}
    with_firms = get(client, f"/api/industries/{INDUSTRY}/graph", enterprises="true")
    assert {f["id"] for f in with_firms["enterprises"]} == {
        "y1",
        "y2",
        "y3",
        "n1",
        "n2",
        "n3",
        "n4",
        "n5",
        "n6",
    }
    y1 = next(f for f in with_firms["enterprises"] if f["id"] == "y1")
    assert y1["in_region"] is True and y1["operates"] == [{"node": "a", "role": "leader"}]


def test_enterprise_search_filters_and_pages(client):
    def ids(**params):
        return [f["id"] for f in get(client, "/api/enterprises", **params)["items"]]

    assert ids(q="集团") == ["n4", "n6"]
    assert ids(q="滇甲公司") == ["y1"]
    assert ids(tier="世界500强") == ["n1"]
    assert ids(node="a") == ["n5", "n6", "y1", "y3"]
    assert ids(prefecture="昆明") == ["y1", "y3"]
    assert ids(in_yunnan="true") == ["y1", "y2", "y3"]
    page = get(client, "/api/enterprises", limit=4, offset=4)
    assert page["total"] == 9 and page["limit"] == 4 and page["offset"] == 4
    assert [f["id"] for f in page["items"]] == ["n5", "n6", "y1", "y2"]


def test_enterprise_profile(client):
    y1 = get(client, "/api/enterprises/滇甲公司")
    assert y1["id"] == "y1" and y1["in_yunnan"] is True
    assert y1["parent"]["id"] == "n6" and y1["group"]["id"] == "n6"
    assert [t["id"] for t in y1["ties"]] == ["n2"]
    assert y1["operates"][0]["node"]["id"] == "a" and y1["operates"][0]["role"] == "leader"
    n1 = get(client, "/api/enterprises/n1")
    assert n1["memberships"][0]["list"] == "fortune-global-500" and n1["in_yunnan"] is False


def test_chain_node_with_firms_and_targets(client):
    b = get(client, "/api/nodes/b", industry=INDUSTRY)
    assert b["assessment"]["status"] == "missing" and b["industry"]["id"] == INDUSTRY
    assert [c["id"] for c in b["candidates"]] == ["n1", "n2", "n6"]
    assert [r["enterprise_id"] for r in b["recommendations"]["new"]] == ["n1", "n2"]
    assert [r["enterprise_id"] for r in b["recommendations"]["expand"]] == ["n6"]
    assert [u["id"] for u in b["upstream"]] == ["a"] and [d["id"] for d in b["downstream"]] == ["c"]
    a = get(client, "/api/nodes/原料")
    assert [f["id"] for f in a["assessment"]["local_enterprises"]] == ["y1", "y3"]


def test_openapi_documents_every_route_and_model(client):
    schema = get(client, "/openapi.json")
    api_paths = {route.path for route in client.app.routes if getattr(route, "path", "").startswith("/api")}
    assert api_paths <= set(schema["paths"])
    models = set(schema["components"]["schemas"])
    assert {
        "ErrorPublic",
        "IndustryPublic",
        "GapsPublic",
        "RecommendationPublic",
        "LeadersPublic",
        "ScenarioCreate",
        "ScenarioPublic",
        "ChainGraphPublic",
        "EnterprisePagePublic",
        "EnterprisePublic",
        "ChainNodePublic",
        "HealthPublic",
    } <= models
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, (method, path)
            ok = (
                operation["responses"][success[0]]
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            assert ok or success[0] == "204", (method, path)
            for status in ("404", "422"):
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorPublic"), (method, path, status)


# -- pages ---------------------------------------------------------------------------------


def page(client: TestClient, url: str, **params: object) -> str:
    response = client.get(url, params=params, headers={"accept": "text/html"})
    assert response.status_code == 200, response.text
    assert "text/html" in response.headers["content-type"]
    return response.text


def test_home_lists_industries_with_completeness_counts_and_quota(client):
    html = page(client, "/")
    assert "示例产业" in html and "28.3" in html
    assert "强 1" in html and "弱 1" in html and "缺失 4" in html


def test_a_prefecture_s_pages_name_its_own_firms_and_the_others(client):
    """In 曲靖's view a link's local firms are 曲靖's and the others include Kunming's: the
    columns say so. Link a: y1 and y3 (Kunming), n5 and n6 elsewhere: for Yunnan 2 in Yunnan and
    2 outside; for 曲靖 none of its own and 4 others."""
    province = page(client, "/nodes/a", industry=INDUSTRY)
    assert "<h2>在滇企业 (2)</h2>" in province and "<h2>省外企业 (2)</h2>" in province
    qujing = page(client, "/nodes/a", industry=INDUSTRY, prefecture="530300")
    assert "<h2>本州（市）企业 (0)</h2>" in qujing and "<h2>州（市）外企业 (4)</h2>" in qujing
    table = page(client, f"/industries/{INDUSTRY}", prefecture="530300")
    assert "<th>本州（市）企业</th>" in table and ">州（市）外企业</th>" in table and "省外企业" not in table
    assert "<th>在滇企业</th>" in page(client, f"/industries/{INDUSTRY}")


def test_industry_page_gap_table_targets_and_leaders(client):
    html = page(client, f"/industries/{INDUSTRY}")
    gap_rows = re.findall(r'<tr class="row-\w+">\s*<td>[\d.]+</td>\s*<td><a href="/nodes/(\w+)', html)
    assert gap_rows == ["b", "d", "e", "x", "c", "a"]
    # b, d, e and x: no firm, figure or review in Yunnan: missing shown as 待核实, with why
    shown = {
        node: status
        for status, node in re.findall(
            r'<tr class="row-(\w+)">\s*<td>[\d.]+</td>\s*<td><a href="/nodes/(\w+)', html
        )
    }
    assert shown == {"b": "verify", "d": "verify", "e": "verify", "x": "verify", "c": "weak", "a": "strong"}
    assert html.count('<span class="badge status-verify">待核实</span>') == 4
    assert "未掌握本地企业或产量数据" in html and "本地企业角色权重合计4，达到强链标准3" in html
    assert "全国一号" in html and "世界500强" in html  # top target n1 with its reasons
    assert 'id="targets-expand"' in html and 'id="targets-new"' in html and "增资扩产" in html
    assert 'id="leaders"' in html and 'id="hq"' in html and 'id="downloads"' in html
    links = re.findall(r'href="([^"#]+)"', html)
    assert all(link.startswith("/") for link in links), links  # nothing outside the app


def test_every_link_on_the_pages_resolves(client):
    seen: set[str] = set()
    todo = ["/", f"/industries/{INDUSTRY}", f"/industries/{INDUSTRY}/map", "/search", "/scenario"]
    while todo:
        url = todo.pop()
        if url in seen or len(seen) > 80:
            continue
        seen.add(url)
        response = client.get(url, headers={"accept": "text/html"})
        assert response.status_code == 200, url
        if "text/html" in response.headers["content-type"]:
            todo += [
                link.replace("&amp;", "&")
                for link in re.findall(r'(?:href|src)="(/[^"]*)"', response.text)
                if "lang=" not in link
            ]
    assert "/nodes/b?industry=demo" in seen and "/enterprises/n1" in seen


def test_map_page_serves_vis_network_locally(client):
    html = page(client, f"/industries/{INDUSTRY}/map")
    assert '<script src="/static/vendor/vis-network/vis-network.min.js">' in html
    assert "http://" not in html and "https://" not in html
    assert client.get("/static/vendor/vis-network/vis-network.min.js").status_code == 200
    assert client.get("/static/vendor/vis-network/vis-network.css").status_code == 200
    data = re.search(r'<script type="application/json" id="chain-map-data">(.*?)</script>', html, re.S)
    assert data and data.group(1).count('"kind": "chain"') == 6


def test_node_enterprise_search_and_scenario_pages(client):
    assert "全国一号" in page(client, "/nodes/b", industry=INDUSTRY)
    firm = page(client, "/enterprises/y1")
    assert "集团六号" in firm  # its parent
    assert "· 供货" in firm and "· supplies" not in firm  # the tie's kind in Chinese (n2 supplies y1)
    html = page(client, "/search", q="集团")
    assert "2 条结果" in html and "/enterprises/n4" in html
    form = page(client, "/scenario", industry=INDUSTRY)
    assert 'name="enterprise" value="n4"' in form
    response = client.post("/scenario", data={"industry": INDUSTRY, "enterprise": ["n4"], "prefecture": ""})
    assert response.status_code == 200
    assert '<td class="after-completeness">36.7</td>' in response.text


def test_english_switch_is_remembered(client):
    html = page(client, "/", lang="en")
    assert "Completeness" in html and client.cookies.get("chainkg_lang") == "en"
    assert "Completeness" in page(client, f"/industries/{INDUSTRY}")
    assert "完整度" in page(client, "/", lang="zh")
    assert client.cookies.get("chainkg_lang") == "zh"


def test_viz_writes_one_standalone_file(canonical_db, tmp_path):
    from click.testing import CliRunner

    from api.cli import cli

    out = tmp_path / "map.html"
    done = CliRunner().invoke(cli, ["viz", "示例产业", "-o", str(out)], env={"CHAINKG_DB": str(canonical_db)})
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', html)  # loads nothing from outside
    for host in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "fonts.googleapis.com"):
        assert host not in html
    assert "new vis.Network" in html and '"kind": "chain"' in html


# -- the bundled dataset -------------------------------------------------------------------


def test_bundled_data_industries_and_pages(bundled_client):
    industries = get(bundled_client, "/api/industries")
    assert len(industries) == 12
    for industry in industries:
        assert 0 <= industry["completeness"] <= 100
        assert sum(industry["counts"].values()) == industry["node_count"]
        assert page(bundled_client, f"/industries/{industry['id']}")
    assert page(bundled_client, "/")


def test_industries_are_listed_in_the_order_of_measure_3(bundled_client):
    ids = [i["id"] for i in bundled_client.get("/api/industries").json()]
    assert ids[:3] == ["plateau-agriculture", "green-aluminium", "green-silicon"] and ids[-1] == "tobacco"


@pytest.mark.parametrize("path", ["//evil.example/x", "///evil.example/x"])
def test_the_language_link_never_leaves_the_site(client, path):
    response = client.get("http://testserver" + path)  # a path, not a scheme-relative URL
    assert response.status_code == 404
    link = re.search(r'<a class="lang" href="([^"]*)"', response.text)[1]
    assert link == "/evil.example/x?lang=en"

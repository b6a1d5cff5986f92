"""The target library over HTTP: 201 with the target and the other prefectures pursuing the firm,
every forbidden role and region combination refused with nothing changed, bad fields a 422 naming
them."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import auth
from api.files import UPLOAD_MAX_BYTES
from api.main import create_app
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from ingest.sources import target_list
from tests.project_library import PASSWORD


@pytest.fixture(scope="module")
def client(db: Path, tokens: dict[str, str]) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(auth.SECRET_ENV, raising=False)
        with TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))) as test_client:
            yield test_client


def as_user(tokens: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[name]}"}


def snapshot(db: Path) -> list[tuple[str, str]]:
    store = SqliteStore(db)
    try:
        return [
            (n.id, json.dumps(dict(n.props), sort_keys=True))
            for label in ("Target", "Activity", "Project", "AuditEntry")
            for n in store.find_nodes(label)
        ]
    finally:
        store.close()


BODY = {"enterprise": "全国一号", "industry": "demo", "node": "中间品", "reason": "补链：中间品"}


@pytest.fixture(scope="module")
def kunming_target(client: TestClient, tokens: dict[str, str]) -> str:
    answer = client.post("/api/targets", json=BODY, headers=as_user(tokens, "kunming"))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["conflicts"] == []
    assert (body["target"]["enterprise"], body["target"]["region"], body["target"]["stage"]) == (
        "n1",
        "530100",
        "identified",
    )
    return str(body["target"]["id"])


def test_a_second_prefecture_sees_the_first_named(
    client: TestClient, tokens: dict[str, str], kunming_target: str
):
    answer = client.post("/api/targets", json={**BODY, "node": None}, headers=as_user(tokens, "qujing"))
    assert answer.status_code == 201
    conflicts = answer.json()["conflicts"]
    assert [(c["target"], c["region_name"], c["same"]) for c in conflicts] == [
        (kunming_target, "昆明市", "enterprise")
    ]
    listed = client.get("/api/targets", headers=as_user(tokens, "qujing")).json()
    assert [t["region"] for t in listed] == ["530300"]  # a prefecture reads only its own
    assert {t["region"] for t in client.get("/api/targets", headers=as_user(tokens, "sheng")).json()} == {
        "530100",
        "530300",
    }


FORBIDDEN = [
    ("wuhua", "post", "/api/targets", BODY),
    ("wuhua", "get", "/api/targets", None),
    ("qujing", "post", "/api/targets", {**BODY, "enterprise": "民营二号", "region": "530100"}),
    *[
        (who, method, path, body)
        for who in ("wuhua", "qujing")
        for method, path, body in (
            ("get", "/api/targets/{t}", None),
            ("get", "/api/targets/{t}/audit", None),
            ("post", "/api/targets/{t}/activities", {"kind": "trip", "date": "2024-05-01", "people": "张三"}),
            ("post", "/api/targets/{t}/stage", {"stage": "negotiating"}),
            ("post", "/api/targets/{t}/assign", {"bureau": "市投促局"}),
            ("post", "/api/targets/{t}/convert", {"county": "530102", "investment_yi": 12}),
        )
    ],
    (
        "kunming",
        "post",
        "/api/targets/{t}/convert",
        {"county": "530302", "investment_yi": 12},
    ),  # 曲靖's county
]


@pytest.mark.parametrize(("who", "method", "path", "body"), FORBIDDEN)
def test_forbidden_roles_and_regions_change_nothing(
    client: TestClient, tokens: dict[str, str], db: Path, kunming_target: str, who, method, path, body
):
    before = snapshot(db)
    kwargs = {"json": body} if body is not None else {}
    answer = client.request(
        method.upper(), path.format(t=kunming_target), headers=as_user(tokens, who), **kwargs
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "forbidden"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["message"])  # said in Chinese
    assert snapshot(db) == before


def test_activities_bad_fields_and_no_token(
    client: TestClient, tokens: dict[str, str], db: Path, kunming_target: str
):
    before = snapshot(db)
    bad = client.post(
        f"/api/targets/{kunming_target}/activities",
        json={"kind": "trip", "date": "2024-02-30"},
        headers=as_user(tokens, "kunming"),
    )
    assert bad.status_code == 422
    assert [p.split("：")[0] for p in bad.json()["problems"]] == ["日期", "出行（参加）人员"]
    assert (
        client.post(
            f"/api/targets/{kunming_target}/activities", json={"kind": "trip", "date": "2024-05-01"}
        ).status_code
        == 401
    )
    assert snapshot(db) == before
    trip = {
        "kind": "trip",
        "date": "2024-05-01",
        "people": "市投资促进局 李四",
        "met": "全国一号",
        "outcome": "意向",
    }
    done = client.post(
        f"/api/targets/{kunming_target}/activities", json=trip, headers=as_user(tokens, "kunming")
    )
    assert done.status_code == 201
    assert (done.json()["target"]["stage"], done.json()["activity"]["kind_zh"]) == ("visited", "外出招商")


# -- the page: a list of firms uploaded (CSRF, size cap, county refused) and its template ---------


def page_login(client: TestClient, name: str) -> str:
    """Log `name` in on the page; the CSRF token of the targets page."""
    client.cookies.clear()
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "next": "/targets"})
    assert answer.status_code == 200, answer.text
    return re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/targets").text)[1]  # type: ignore[index]


def list_sheet(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(list(target_list.HEADERS.values()))
    for row in rows:
        book.active.append([row.get(h, "") for h in target_list.HEADERS.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_list_is_uploaded_on_the_page_all_or_nothing(
    client: TestClient, tokens: dict[str, str], db: Path, kunming_target: str
):
    from openpyxl import load_workbook

    good = {"企业": "全国一号", "产业": "示例产业", "环节": "中间品", "理由": "补链", "负责人": "赵六"}
    other = {"企业": "某新材料集团", "产业": "demo"}
    bad = {"企业": "龙头五号", "产业": "没有的产业"}
    csrf = page_login(client, "qujing")

    def upload(data: bytes, name: str = "曲靖名单.xlsx", token: str | None = csrf) -> Any:
        return client.post(
            "/targets/import", data={"csrf": token} if token else {}, files={"sheet": (name, data)}
        )

    template = client.get("/targets/template.xlsx")
    assert template.status_code == 200
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert header == ("企业", "产业", "环节", "理由", "负责单位", "负责人")
    before = snapshot(db)
    assert upload(list_sheet([good]), token=None).status_code == 403  # no CSRF token
    refused = upload(list_sheet([good, other, bad]))
    assert refused.status_code == 422
    assert "曲靖名单.xlsx:4: column 产业: 所属产业：未知的产业“没有的产业”" in refused.text
    assert "未写入任何一行" in refused.text and "/tmp" not in refused.text
    too_big = upload(b"x" * (UPLOAD_MAX_BYTES + 1))
    assert too_big.status_code == 422 and "文件：超过 512 KB" in too_big.text
    no_column = upload("名称,产业\n全国一号,demo\n".encode(), "x.csv")
    assert no_column.status_code == 422 and "x.csv:1: missing column(s) 企业" in no_column.text
    assert snapshot(db) == before

    done = upload(list_sheet([good, other]))
    assert done.status_code == 200, done.text
    # 曲靖 took 全国一号 already (test_a_second_prefecture_sees_the_first_named): kept, not doubled
    assert 'id="target-import-read">2<' in done.text and 'id="target-import-added">1<' in done.text
    assert 'id="target-import-existing">1<' in done.text
    assert "昆明市已在跟进同一企业“全国一号”" in done.text  # the conflict, on its row
    listed = client.get("/api/targets", params={"region": "530300"}, headers=as_user(tokens, "qujing")).json()
    assert {(t["name"], t["source"]) for t in listed} == {
        ("全国一号", "recommendation"),
        ("某新材料集团", "excel"),
    }
    again = upload(list_sheet([good, other]))
    assert 'id="target-import-added">0<' in again.text and 'id="target-import-existing">2<' in again.text

    before = snapshot(db)
    refused_region = client.post(
        "/targets/import",
        data={"csrf": csrf, "region": "530100"},
        files={"sheet": ("x.xlsx", list_sheet([{"企业": "民营二号", "产业": "demo"}]))},
    )
    assert refused_region.status_code == 403 and snapshot(db) == before
    client.cookies.clear()
    client.post("/login", data={"username": "wuhua", "password": PASSWORD, "next": "/projects"})
    county = client.post(
        "/targets/import", data={"csrf": "0" * 32}, files={"sheet": ("x.xlsx", list_sheet([good]))}
    )
    assert county.status_code == 403 and snapshot(db) == before  # a county is refused, nothing written
    assert client.get("/targets/template.xlsx").status_code == 403
    client.cookies.clear()


def test_the_audit_trail_reads_in_chinese(client: TestClient, tokens: dict[str, str], kunming_target: str):
    trail = client.get(f"/api/targets/{kunming_target}/audit", headers=as_user(tokens, "kunming")).json()
    first = trail[0]
    assert (first["action_zh"], first["role_zh"], first["region_name"]) == (
        "加入目标库",
        "州（市）",
        "昆明市",
    )
    shown = {c["field"]: (c["label"], c["to_text"]) for c in first["changes"]}
    # ids become names (firm n1 全国一号, industry demo 示例产业), the stage its Chinese word
    assert shown["enterprise"] == ("企业", "全国一号")
    assert shown["industry"][1] == "示例产业" and shown["stage"][1] == "已识别"


def test_a_firm_found_by_search_is_added_from_its_page(client: TestClient):
    page = client.get("/enterprises/n2", headers={"accept": "text/html"}).text
    assert 'href="/targets/new?enterprise=n2&amp;source=search"' in page
    client.cookies.clear()
    page_login(client, "kunming")
    form = client.get("/targets/new", params={"enterprise": "n2", "source": "search"}).text
    assert 'value="search"' in form and 'value="n2"' in form
    client.cookies.clear()

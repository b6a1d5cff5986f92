"""The project list over HTTP: filters and paging (API and page), the Excel export of a filtered
list (formula-safe), and the county's sheet uploaded on the page (checked whole, all or nothing,
CSRF, size cap). A database of its own, so the counts are known."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.files import UPLOAD_MAX_BYTES
from ingest.sources.projects import HEADERS
from tests.api import test_projects_api as shared
from tests.api.test_projects_api import bearer, csrf_of, login, snapshot
from tests.project_library import a_project

# test_projects_api's client, module-scoped like tests/api/conftest's db and tokens: this module
# gets a database of its own
client, monkeypatch_module = shared.client, shared.monkeypatch_module


def declare(client: TestClient, tokens: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/projects", json=a_project(**overrides), headers=bearer(tokens["wuhua"]))
    assert response.status_code == 201, response.text
    return response.json()


def sheet(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(list(HEADERS.values()))
    for row in rows:
        book.active.append([row.get(h, "") for h in HEADERS.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_filters_paging_and_export(client: TestClient, tokens: dict[str, str]):
    created = [
        declare(
            client,
            tokens,
            name='=HYPERLINK("http://x")',
            investment_yi=0.5,
            stage="lead",
            date_signed=None,
            date_negotiating=None,
            date_lead="2024-01-02",
        ),
        declare(client, tokens, name="中型项目", investment_yi=5, land_mu=30, investor_origin="境外"),
        declare(client, tokens, name="大型项目", investment_yi=60, chain_leader=True),
    ]
    sheng = bearer(tokens["sheng"])
    everything = client.get("/api/projects", headers=sheng)
    assert everything.headers["X-Total-Count"] == "3"
    by_size = client.get("/api/projects", params={"size": "50to100"}, headers=sheng).json()
    assert [p["name"] for p in by_size] == ["大型项目"]
    by_stage = client.get("/api/projects", params={"stage": "lead", "year": 2024}, headers=sheng).json()
    assert [p["id"] for p in by_stage] == [created[0]["id"]]
    signed_2024 = client.get(
        "/api/projects", params={"stage": "signed", "year": 2024, "industry": "示例产业"}, headers=sheng
    )
    assert sorted(p["name"] for p in signed_2024.json()) == ["中型项目", "大型项目"]
    # pages of 2 cut the one order (newest first): 2 projects, then the last one
    first = client.get("/api/projects", params={"per_page": 2, "page": 1}, headers=sheng).json()
    second = client.get("/api/projects", params={"per_page": 2, "page": 2}, headers=sheng).json()
    assert (len(first), len(second)) == (2, 1)
    assert [p["id"] for p in first + second] == [p["id"] for p in everything.json()]
    assert client.get("/api/projects", params={"size": "huge"}, headers=sheng).status_code == 422

    login(client, "kunming")
    page = client.get("/projects", params={"size": "1to10", "prefecture": "530100"})
    assert page.status_code == 200 and "中型项目" in page.text and "大型项目" not in page.text
    assert "共 1 个项目" in page.text
    assert 'href="/projects/export.xlsx?prefecture=530100&amp;size=1to10"' in page.text

    from openpyxl import load_workbook

    exported = client.get("/projects/export.xlsx", params={"stage": "signed"})
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[: len(HEADERS)] == tuple(HEADERS.values())
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"中型项目", "大型项目"}
    middle = by_name["中型项目"]
    assert (middle["所属产业"], middle["项目阶段"], middle["用地（亩）"], middle["投资方来源"]) == (
        "示例产业",
        "签约",
        30,
        "境外",
    )
    assert (by_name["大型项目"]["链主企业项目（是/否）"], middle["链主企业项目（是/否）"]) == ("是", "否")
    assert middle["所在县（市、区）"] == "五华区" and middle["审核状态"] == "县级已申报"
    # the name that looks like a formula is text in the export
    lead = list(
        load_workbook(
            io.BytesIO(client.get("/projects/export.xlsx", params={"stage": "lead"}).content)
        ).active.iter_rows(values_only=True)
    )
    assert lead[1][0] == '\'=HYPERLINK("http://x")'
    client.cookies.clear()


def test_a_county_uploads_its_sheet_all_or_nothing(client: TestClient, tokens: dict[str, str], db: Path):
    good = {
        "项目名称": "上传项目甲",
        "所在县（市、区）": "五华区",
        "所属产业": "示例产业",
        "总投资（亿元）": 15,
        "项目阶段": "洽谈",
        "开始洽谈日期": "2024-02-01",
        "新增就业（人）": 120,
        "联系电话": "13812345678",
    }
    second = {**good, "项目名称": "上传项目乙", "总投资（亿元）": 2}
    bad = {**good, "项目名称": "上传项目丙", "用地（亩）": "-4", "联系电话": "123"}
    login(client, "wuhua")
    token = csrf_of(client.get("/projects").text)
    before = snapshot(db)

    def upload(data: bytes, name: str = "五华区申报表.xlsx", csrf: str | None = token) -> Any:
        form = {"csrf": csrf} if csrf else {}
        return client.post("/projects/import", data=form, files={"sheet": (name, data)})

    assert upload(sheet([good]), csrf=None).status_code == 403  # no CSRF token
    refused = upload(sheet([good, second, bad]))
    assert refused.status_code == 422
    assert 'id="import-read">3<' in refused.text and 'id="import-rejected">1<' in refused.text
    assert "五华区申报表.xlsx:4: column 用地（亩）: 用地（亩）：不能为负数" in refused.text
    assert "五华区申报表.xlsx:4: column 联系电话: 联系电话：应为11位手机号" in refused.text
    assert "/tmp" not in refused.text  # the file is named as uploaded
    assert snapshot(db) == before  # nothing written
    too_big = upload(b"x" * (UPLOAD_MAX_BYTES + 1))
    assert too_big.status_code == 422 and "文件：超过 512 KB" in too_big.text
    wrong_kind = upload(b"not a workbook", "a.txt")
    assert wrong_kind.status_code == 422 and "只接受 .xlsx / .csv 文件" in wrong_kind.text
    assert snapshot(db) == before

    done = upload(sheet([good, second]))
    assert done.status_code == 200, done.text
    assert 'id="import-read">2<' in done.text and 'id="import-new">2<' in done.text
    names = {p["name"] for p in client.get("/api/projects", headers=bearer(tokens["wuhua"])).json()}
    assert {"上传项目甲", "上传项目乙"} <= names
    again = upload(sheet([good, second]))  # the same sheet again changes nothing
    assert 'id="import-new">0<' in again.text and 'id="import-unchanged">2<' in again.text

    login(client, "kunming")  # a prefecture declares nothing, so uploads nothing
    before = snapshot(db)
    refused = client.post(
        "/projects/import",
        data={"csrf": csrf_of(client.get("/projects").text)},
        files={"sheet": ("x.xlsx", sheet([{**good, "项目名称": "州市上传"}]))},
    )
    assert refused.status_code == 403 and snapshot(db) == before
    client.cookies.clear()

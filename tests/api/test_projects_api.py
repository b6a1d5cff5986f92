"""The project library over HTTP and the CLI: every forbidden role/region combination is refused
with nothing changed, bad fields are a 422 naming them, junk never a 500, the pages log in with a
signed cookie and refuse a form without its CSRF token, and the reports download."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api import auth
from api.cli import cli
from api.main import create_app
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from tests.project_library import CHECKLIST, PASSWORD, a_project, library_changes
from workflow import users
from workflow.fields import FIELD_ZH, problem_field


@pytest.fixture(scope="module")
def client(db: Path, tokens: dict[str, str], monkeypatch_module: Any) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(auth.SECRET_ENV, raising=False)
        yield patch


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def snapshot(db: Path) -> list[tuple[str, str, str]]:
    store = SqliteStore(db)
    try:
        return [
            (n.id, n.label, json.dumps(dict(n.props), sort_keys=True))
            for label in ("Project", "AuditEntry")
            for n in store.find_nodes(label)
        ]
    finally:
        store.close()


def declare(client: TestClient, tokens: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = a_project(**{"name": f"项目{len(snapshot_names(client, tokens))}", **overrides})
    response = client.post("/api/projects", json=body, headers=bearer(tokens["wuhua"]))
    assert response.status_code == 201, response.text
    return response.json()


def snapshot_names(client: TestClient, tokens: dict[str, str]) -> list[str]:
    return [p["name"] for p in client.get("/api/projects", headers=bearer(tokens["sheng"])).json()]


def test_declare_review_approve_and_read_the_trail(client: TestClient, tokens: dict[str, str]):
    created = declare(client, tokens, **CHECKLIST)
    assert (created["county_name"], created["prefecture"], created["review_status"]) == (
        "五华区",
        "530100",
        "declared",
    )
    pid = created["id"]
    reviewed = client.post(
        f"/api/projects/{pid}/decision", json={"decision": "review"}, headers=bearer(tokens["kunming"])
    )
    assert reviewed.json()["review_status"] == "prefecture_reviewed"
    approved = client.post(
        f"/api/projects/{pid}/decision",
        json={"decision": "approve", "version": 2},
        headers=bearer(tokens["sheng"]),
    )
    assert approved.status_code == 200 and approved.json()["review_status"] == "province_approved"
    trail = client.get(f"/api/projects/{pid}/audit", headers=bearer(tokens["wuhua"])).json()
    assert [(a["action"], a["user"]) for a in trail] == [
        ("declare", "wuhua"),
        ("review", "kunming"),
        ("approve", "sheng"),
    ]
    tracking = client.get("/api/tracking?year=2024", headers=bearer(tokens["qujing"])).json()
    demo = next(r for r in tracking["quota"]["rows"] if r["industry"] == "demo")
    assert pid in demo["projects"] and demo["quota"] == 5
    kunming = next(r for r in tracking["bulletin"]["rows"] if r["prefecture"] == "530100")
    assert kunming["signed_count"] >= 1 and kunming["rank"] == 1
    me = client.get("/api/me", headers=bearer(tokens["kunming"])).json()
    assert me == {"name": "kunming", "role": "prefecture", "region": "530100", "region_name": "昆明市"}


FORBIDDEN = [
    ("panlong", "patch", {"funds_in_place_yi": 1}),  # a county writing another county's project
    ("wuhua", "approve", None),  # a county approving
    ("wuhua", "review", None),  # a county reviewing
    ("qujing", "review", None),  # a prefecture reviewing another prefecture's county
    ("qujing", "return", None),
    ("kunming", "approve", None),  # a prefecture approving
    ("kunming", "patch", {"stage": "started"}),  # a prefecture editing
    ("sheng", "patch", {"investment_yi": 99}),  # the province editing a county's declaration
    ("panlong", "resubmit", None),
]


@pytest.mark.parametrize(("who", "what", "body"), FORBIDDEN)
def test_forbidden_writes_are_403_and_change_nothing(
    client: TestClient, tokens: dict[str, str], db: Path, who: str, what: str, body: dict | None
):
    pid = declare(client, tokens)["id"]
    if what == "approve":
        client.post(
            f"/api/projects/{pid}/decision", json={"decision": "review"}, headers=bearer(tokens["kunming"])
        )
    before = snapshot(db)
    if what == "patch":
        response = client.patch(f"/api/projects/{pid}", json=body, headers=bearer(tokens[who]))
    else:
        response = client.post(
            f"/api/projects/{pid}/decision",
            json={"decision": what, "reason": "理由"},
            headers=bearer(tokens[who]),
        )
    assert response.status_code == 403, response.text
    assert set(response.json()) >= {"status", "code", "message"} and response.json()["status"] == 403
    assert snapshot(db) == before


def test_a_county_declaring_for_another_county_is_403(client: TestClient, tokens: dict[str, str], db: Path):
    before = snapshot(db)
    response = client.post(
        "/api/projects", json=a_project(name="越界项目"), headers=bearer(tokens["panlong"])
    )
    assert response.status_code == 403
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic d3VodWE6eA=="},
        {"Authorization": "Bearer"},
    ],
)
def test_anonymous_and_bad_tokens_are_401_and_change_nothing(
    client: TestClient, tokens: dict[str, str], db: Path, headers: dict[str, str]
):
    pid = declare(client, tokens)["id"]
    before = snapshot(db)
    for method, path, body in (
        ("post", "/api/projects", a_project(name="匿名项目")),
        ("patch", f"/api/projects/{pid}", {"funds_in_place_yi": 1}),
        ("post", f"/api/projects/{pid}/decision", {"decision": "approve"}),
        ("get", f"/api/projects/{pid}", None),
        ("get", "/api/tracking", None),
    ):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers.get("www-authenticate") == "Bearer"
    # a session cookie is not a credential for the JSON API
    client.post("/login", data={"username": "wuhua", "password": PASSWORD}, follow_redirects=False)
    assert client.post("/api/projects", json=a_project(name="cookie"), headers=headers).status_code == 401
    client.cookies.clear()
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"investment_yi": -1}, "investment_yi"),
        ({"date_signed": "2999-01-01"}, "date_signed"),
        ({"county": "不存在县"}, "county"),
        ({"county": "999999"}, "county"),
        ({"industry": "nonexistent"}, "industry"),
        ({"investment_yi": "lots"}, "investment_yi"),
        ({"stage": "done"}, "stage"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_declarations_are_422_naming_the_field(
    client: TestClient, tokens: dict[str, str], db: Path, body: dict, field: str
):
    before = snapshot(db)
    response = client.post(
        "/api/projects", json=a_project(name="坏数据", **body), headers=bearer(tokens["wuhua"])
    )
    assert response.status_code == 422, response.text
    # the workflow's problems name the field by its Chinese label; pydantic's by the JSON key
    named = (FIELD_ZH[field] + "：") if field in FIELD_ZH else f"body.{field}"
    assert any(p.startswith(named) for p in response.json()["problems"]), response.json()
    assert snapshot(db) == before


def test_stage_back_without_a_reason_is_422(client: TestClient, tokens: dict[str, str], db: Path):
    pid = declare(client, tokens)["id"]
    before = snapshot(db)
    response = client.patch(f"/api/projects/{pid}", json={"stage": "lead"}, headers=bearer(tokens["wuhua"]))
    assert response.status_code == 422 and response.json()["problems"][0].startswith("项目阶段：")
    assert snapshot(db) == before
    ok = client.patch(
        f"/api/projects/{pid}", json={"stage": "lead", "reason": "对方撤回"}, headers=bearer(tokens["wuhua"])
    )
    assert ok.status_code == 200 and ok.json()["stage"] == "lead"


def test_stale_version_and_wrong_state_are_409(client: TestClient, tokens: dict[str, str]):
    pid = declare(client, tokens)["id"]
    assert (
        client.patch(
            f"/api/projects/{pid}", json={"funds_in_place_yi": 1}, headers=bearer(tokens["wuhua"])
        ).status_code
        == 200
    )
    stale = client.patch(
        f"/api/projects/{pid}", json={"funds_in_place_yi": 2, "version": 1}, headers=bearer(tokens["wuhua"])
    )
    assert stale.status_code == 409
    early = client.post(
        f"/api/projects/{pid}/decision", json={"decision": "approve"}, headers=bearer(tokens["sheng"])
    )
    assert early.status_code == 409


def test_another_regions_draft_is_not_readable(client: TestClient, tokens: dict[str, str]):
    pid = declare(client, tokens)["id"]
    assert client.get(f"/api/projects/{pid}", headers=bearer(tokens["panlong"])).status_code == 403
    assert client.get(f"/api/projects/{pid}/audit", headers=bearer(tokens["qujing"])).status_code == 403
    assert pid not in {p["id"] for p in client.get("/api/projects", headers=bearer(tokens["qujing"])).json()}
    assert client.get("/api/projects/prj-none", headers=bearer(tokens["sheng"])).status_code == 404


JUNK = [
    ("post", "/api/projects", b"{not json"),
    ("post", "/api/projects", b"\xff\xfe\x00"),
    ("post", "/api/projects", json.dumps([1, 2]).encode()),
    ("post", "/api/projects", b'{"name": "x", "industry": "demo", "investment_yi": NaN}'),
    ("post", "/api/projects", b'{"name": "x", "industry": "demo", "investment_yi": 1e999}'),
    (
        "post",
        "/api/projects",
        json.dumps({"name": "x" * 10_000, "industry": "demo", "investment_yi": 1}).encode(),
    ),
    ("post", "/api/projects", json.dumps({"name": "x", "industry": {"a": 1}, "investment_yi": 1}).encode()),
    (
        "post",
        "/api/projects",
        json.dumps(
            {"name": "x", "industry": "demo", "investment_yi": 1, "chain_nodes": ["?"] * 500}
        ).encode(),
    ),
    (
        "post",
        "/api/projects",
        json.dumps(
            {"name": "x", "industry": "demo", "investment_yi": 1, "date_signed": "2024-02-30"}
        ).encode(),
    ),
    (
        "post",
        "/api/projects",
        json.dumps({"name": "\x00", "industry": "\u202e", "investment_yi": 10**30}).encode(),
    ),
    ("patch", "/api/projects/..%2F..%2Fetc", b"{}"),
    ("patch", "/api/projects/" + "a" * 500, b"{}"),
    ("post", "/api/projects/prj-x/decision", json.dumps({"decision": "explode"}).encode()),
    ("post", "/api/projects/prj-x/decision", json.dumps({"decision": "approve", "version": -1}).encode()),
    ("get", "/api/projects?review_status=%00", b""),
    ("get", "/api/tracking?year=99999", b""),
    ("get", "/api/tracking?year=abc", b""),
]


@pytest.mark.parametrize(("method", "path", "raw"), JUNK)
def test_junk_never_makes_a_500(
    client: TestClient, tokens: dict[str, str], method: str, path: str, raw: bytes
):
    headers = {**bearer(tokens["wuhua"]), "Content-Type": "application/json"}
    response = client.request(method, path, content=raw or None, headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert "status" in response.json()


# -- pages ------------------------------------------------------------------------------------


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    client.cookies.clear()
    return client.post(
        "/login", data={"username": name, "password": password, "next": "/projects"}, follow_redirects=False
    )


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html)[1]  # type: ignore[index]


def test_pages_need_a_login_and_a_csrf_token(client: TestClient, tokens: dict[str, str], db: Path):
    client.cookies.clear()
    response = client.get("/projects", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert login(client, "wuhua", "wrong password").status_code == 401
    assert login(client, "nobody").status_code == 401
    ok = login(client, "wuhua")
    assert ok.status_code == 303 and ok.headers["location"] == "/projects"
    assert "httponly" in ok.headers["set-cookie"].lower()
    form = client.get("/projects/new")
    assert form.status_code == 200 and "申报新项目" in form.text
    fields = {
        "name": "页面申报项目",
        "industry": "demo",
        "investment_yi": "11",
        "stage": "negotiating",
        "date_negotiating": "2024-02-01",
        "chain_nodes": "原料",
    }
    before = snapshot(db)
    assert (
        client.post("/projects/new", data=fields, follow_redirects=False).status_code == 403
    )  # no CSRF token
    assert snapshot(db) == before
    bad = client.post("/projects/new", data={**fields, "investment_yi": "-5", "csrf": csrf_of(form.text)})
    assert bad.status_code == 422 and "investment_yi" in bad.text and "页面申报项目" in bad.text
    done = client.post("/projects/new", data={**fields, "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "页面申报项目" in page.text and 'data-action="declare"' in page.text
    # a forged cookie is no session
    forged = client.cookies.get(auth.SESSION_COOKIE)[:-2] + "xx"
    client.cookies.clear()
    client.cookies.set(auth.SESSION_COOKIE, forged)
    assert client.get("/projects", follow_redirects=False).status_code == 303
    client.cookies.clear()
    # a prefecture user may not open the declaration form
    login(client, "kunming")
    assert client.get("/projects/new").status_code == 403
    client.cookies.clear()


def test_tracking_page_and_downloads(client: TestClient, tokens: dict[str, str]):
    from docx import Document
    from openpyxl import load_workbook

    login(client, "qujing")
    page = client.get("/tracking?year=2024")
    assert page.status_code == 200 and 'id="bulletin"' in page.text and "曲靖市" in page.text
    xlsx = client.get("/tracking/report.xlsx?year=2024")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["州市通报", "通报要点", "产业项目目标", "链主与总部", "月度进展", "季度调度"]
    assert [c.value for c in book["州市通报"][2]][:2] == ["排名", "州（市）"]
    docx = client.get("/tracking/report.docx?year=2024")
    assert docx.status_code == 200
    assert Document(io.BytesIO(docx.content)).paragraphs[0].text == "2024年招大引强项目推进情况通报"
    assert client.get("/tracking/report.pdf").status_code == 404
    client.cookies.clear()


def test_a_weak_secret_stops_the_server(db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(auth.SECRET_ENV, "changeme")
    with (
        pytest.raises(auth.WeakSecret),
        TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))),
    ):
        pass


def test_the_embedded_secret_is_random_kept_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    first = auth.load_secret(tmp_path)
    assert len(first) == 32 and auth.load_secret(tmp_path) == first
    assert (tmp_path / auth.SECRET_FILE).stat().st_mode & 0o077 == 0
    assert auth.load_secret(tmp_path / "other") != first


# -- the CLI ----------------------------------------------------------------------------------


def test_cli_users_reports_and_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = tmp_path / "kg.db"
    store = SqliteStore(db)
    store.apply(library_changes())
    store.close()
    monkeypatch.setenv("CHAINKG_DB", str(db))
    monkeypatch.setenv("CHAINKG_BACKEND", "sqlite")
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["user", "add", "wuhua", "--role", "county", "--region", "530102", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[-1]
    listed = json.loads(runner.invoke(cli, ["user", "list", "--json"]).stdout)
    assert (
        listed[0]["name"] == "wuhua" and "token_sha256" not in listed[0] and token not in json.dumps(listed)
    )
    store = SqliteStore(db)
    assert users.user_by_token(store, token).props["region"] == "530102"
    assert token not in json.dumps([dict(n.props) for n in store.find_nodes("User")])  # only its hash is kept
    store.close()
    wrong = runner.invoke(
        cli, ["user", "add", "x1", "--role", "county", "--region", "530100", "--no-password"]
    )
    assert wrong.exit_code == 2 and "not a county" in wrong.output

    template = tmp_path / "sheet.xlsx"
    assert runner.invoke(cli, ["projects", "template", "-o", str(template)]).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(template)
    header = [c.value for c in book.worksheets[0][1]]
    row = {"项目名称": "CLI导入项目", "所在县（市、区）": "530102", "所属产业": "demo", "总投资（亿元）": 20}
    row |= {"累计到位资金（亿元）": 2, "项目阶段": "签约", "签约日期": "2024-01-05"}
    book.worksheets[0].append([row.get(h, "") for h in header])
    book.save(template)
    imported = runner.invoke(cli, ["import", "project-library", str(template)])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(cli, ["import", "project-library", str(template)])
    assert "nothing changed" in again.stdout
    rows = json.loads(runner.invoke(cli, ["projects", "list", "--json"]).stdout)
    assert [(r["name"], r["investment_yi"], r["stage"]) for r in rows] == [("CLI导入项目", 20.0, "signed")]
    shown = runner.invoke(cli, ["projects", "show", rows[0]["id"]])
    assert "导入" in shown.stdout
    for suffix in ("xlsx", "docx"):
        out = tmp_path / f"report.{suffix}"
        result = runner.invoke(cli, ["report", "--year", "2024", "-o", str(out)])
        assert result.exit_code == 0 and out.stat().st_size > 1000
    as_json = json.loads(runner.invoke(cli, ["report", "--year", "2024", "--json"]).stdout)
    assert as_json["year"] == 2024 and len(as_json["monthly"]["rows"]) == 12


def test_cli_user_add_never_changes_an_existing_user_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "kg.db"
    store = SqliteStore(db)
    store.apply(library_changes())
    store.close()
    monkeypatch.setenv("CHAINKG_DB", str(db))
    monkeypatch.setenv("CHAINKG_BACKEND", "sqlite")
    runner = CliRunner()
    add = ["user", "add", "wuhua", "--role", "county", "--region", "530102", "--password-stdin"]
    first = runner.invoke(cli, add, input=PASSWORD + "\n")
    assert first.exit_code == 0, first.output
    old_token = first.stdout.strip().splitlines()[-1]
    # the password is never a command-line argument
    assert runner.invoke(cli, [*add[:-1], "--password", PASSWORD]).exit_code == 2
    to_prefecture = ["user", "add", "wuhua", "--role", "prefecture", "--region", "530100", "--no-password"]
    refused = runner.invoke(cli, to_prefecture)
    assert refused.exit_code == 2 and "--replace" in refused.output
    store = SqliteStore(db)
    try:
        node = users.user_by_token(store, old_token)
        assert (node.props["role"], node.props["region"]) == ("county", "530102")
        cookie = auth.sign_session(b"k" * 32, node)
    finally:
        store.close()
    replaced = runner.invoke(cli, [*to_prefecture, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    store = SqliteStore(db)
    try:
        assert users.user_by_token(store, old_token) is None  # the old token ...
        assert auth.read_session(store, b"k" * 32, cookie) is None  # ... and the old sessions end
        new = users.user_by_token(store, replaced.stdout.strip().splitlines()[-1])
        assert (new.props["role"], new.props["region"]) == ("prefecture", "530100")
    finally:
        store.close()


def test_refusals_and_conflicts_have_the_one_error_shape(client: TestClient, tokens: dict[str, str]):
    pid = declare(client, tokens)["id"]
    refused = client.patch(
        f"/api/projects/{pid}", json={"funds_in_place_yi": 1}, headers=bearer(tokens["panlong"])
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    early = client.post(
        f"/api/projects/{pid}/decision", json={"decision": "approve"}, headers=bearer(tokens["sheng"])
    )
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    unreadable = client.get(f"/api/projects/{pid}", headers=bearer(tokens["qujing"]))
    assert unreadable.status_code == 403 and unreadable.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("who", "body"),
    [
        ("kunming", {"county": "530102", "investment_yi": -1}),  # a prefecture declaring, with a bad field
        ("sheng", {"county": "530102", "date_signed": "2999-01-01"}),
        ("panlong", {"investment_yi": -1}),  # 五华区's project from 盘龙区, with a bad field
        ("panlong", {"industry": "nonexistent"}),
    ],
)
def test_a_forbidden_declaration_is_403_whatever_its_fields(
    client: TestClient, tokens: dict[str, str], db: Path, who: str, body: dict
):
    before = snapshot(db)
    response = client.post(
        "/api/projects", json=a_project(name="越权坏数据", **body), headers=bearer(tokens[who])
    )
    assert response.status_code == 403, response.text
    assert snapshot(db) == before


def test_a_stage_past_signing_without_its_date_is_422(client: TestClient, tokens: dict[str, str], db: Path):
    before = snapshot(db)
    response = client.post(
        "/api/projects",
        json=a_project(name="跳过签约", stage="started", date_signed=None),
        headers=bearer(tokens["wuhua"]),
    )
    assert response.status_code == 422 and any(
        p.startswith("签约日期：") for p in response.json()["problems"]
    )
    assert snapshot(db) == before


def test_an_approved_project_cannot_sign_without_the_checklist(
    client: TestClient, tokens: dict[str, str], db: Path
):
    created = declare(
        client,
        tokens,
        investment_yi=50,
        stage="lead",
        date_lead="2024-01-02",
        date_negotiating=None,
        date_signed=None,
    )
    pid = created["id"]
    client.post(
        f"/api/projects/{pid}/decision", json={"decision": "review"}, headers=bearer(tokens["kunming"])
    )
    client.post(
        f"/api/projects/{pid}/decision", json={"decision": "approve"}, headers=bearer(tokens["sheng"])
    )
    before = snapshot(db)
    signed = client.patch(
        f"/api/projects/{pid}",
        json={"stage": "signed", "date_signed": "2024-05-06"},
        headers=bearer(tokens["wuhua"]),
    )
    assert signed.status_code == 422
    assert {problem_field(p) for p in signed.json()["problems"]} == {
        "risk_collective_decision",
        "risk_prior_assessment",
        "risk_legality_review",
    }
    assert snapshot(db) == before
    tracking = client.get("/api/tracking?year=2024", headers=bearer(tokens["wuhua"])).json()
    assert pid not in next(r for r in tracking["quota"]["rows"] if r["industry"] == "demo")["projects"]


def test_the_industry_filter_takes_a_name_and_refuses_an_unknown_one(
    client: TestClient, tokens: dict[str, str]
):
    pid = declare(client, tokens)["id"]
    for industry in ("demo", "示例产业"):
        found = client.get("/api/projects", params={"industry": industry}, headers=bearer(tokens["wuhua"]))
        assert pid in {p["id"] for p in found.json()}, industry
    unknown = client.get("/api/projects", params={"industry": "绿色铝"}, headers=bearer(tokens["wuhua"]))
    assert unknown.status_code == 404 and unknown.json()["kind"] == "industry"


def test_a_page_edit_that_changes_nothing_keeps_the_approval(
    client: TestClient, tokens: dict[str, str], db: Path
):
    # declared through the API without any yes/no answer, then approved
    pid = declare(client, tokens, stage="negotiating", date_signed=None)["id"]
    client.post(
        f"/api/projects/{pid}/decision", json={"decision": "review"}, headers=bearer(tokens["kunming"])
    )
    client.post(
        f"/api/projects/{pid}/decision", json={"decision": "approve"}, headers=bearer(tokens["sheng"])
    )
    login(client, "wuhua")
    page = client.get(f"/projects/{pid}").text
    assert 'step="any"' in page and 'step="0.01"' not in page  # 4-decimal values stay submittable
    edit_form = re.search(r'<form method="post" action="/projects/[^"]+/edit".*?</form>', page, re.S)[0]  # type: ignore[index]
    # the form as the browser sends it: every text, number and date input, no checkbox ticked
    form = dict(
        re.findall(r'<input type="(?:text|number|date|hidden)" name="(\w+)" value="([^"]*)"', edit_form)
    )
    form |= {"industry": "demo", "stage": "negotiating", "notes": "", "reason": ""}
    assert {"csrf", "version", "name", "investment_yi", "date_negotiating", "hq_type"} <= form.keys()
    before = snapshot(db)
    saved = client.post(f"/projects/{pid}/edit", data=form, follow_redirects=False)  # every box unticked
    assert saved.status_code == 303
    assert snapshot(db) == before
    assert (
        client.get(f"/api/projects/{pid}", headers=bearer(tokens["wuhua"])).json()["review_status"]
        == "province_approved"
    )
    client.cookies.clear()


def test_signing_out_ends_the_session_and_needs_the_csrf_token(client: TestClient, tokens: dict[str, str]):
    login(client, "kunming")
    page = client.get("/projects")
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    logout_form = re.search(r'<form method="post" action="/logout".*?</form>', page.text, re.S)[0]  # type: ignore[index]
    assert f'value="{csrf_of(page.text)}"' in logout_form
    assert client.post("/logout", follow_redirects=False).status_code == 403  # a cross-site post has no token
    assert client.get("/projects", follow_redirects=False).status_code == 200  # still signed in
    out = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.clear()
    client.cookies.set(auth.SESSION_COOKIE, cookie)  # a copy of the cookie taken before signing out
    assert client.get("/projects", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert login(client, "kunming").status_code == 303  # a new sign-in works
    assert client.get("/projects", follow_redirects=False).status_code == 200
    client.cookies.clear()


def test_failed_logins_make_the_next_attempt_wait_a_growing_delay_not_a_lockout(
    db: Path, tokens: dict[str, str], monkeypatch_module: Any
):
    with TestClient(create_app(Settings(CHAINKG_DB=db, CHAINKG_BACKEND="sqlite"))) as fresh:
        clock = [time.time() + 2 * auth.LOGIN_FORGET_SECONDS]  # earlier tests' failures forgotten
        fresh.app.state.login_throttle.clock = lambda: clock[0]
        for _ in range(3):  # three free failures; the third makes the next attempt wait 1 s
            assert login(fresh, "panlong", "wrong password").status_code == 401
        waiting = login(fresh, "panlong")  # the right password, but too soon
        assert waiting.status_code == 429 and waiting.headers["retry-after"] == "2"
        assert "2 秒" in waiting.text and auth.SESSION_COOKIE not in fresh.cookies
        clock[0] += 1
        assert login(fresh, "panlong", "wrong password").status_code == 401  # now 2 s
        clock[0] += 2
        assert login(fresh, "panlong").status_code == 303  # not locked out: the owner gets in
        fresh.cookies.clear()


def test_login_attempts_are_reserved_atomically_and_shared_between_processes(tmp_path: Path):
    import threading

    first, second = (auth.LoginThrottle(tmp_path, clock=lambda: 5000.0) for _ in "ab")  # two servers
    allowed: list[float] = []
    gate = threading.Barrier(20)

    def guess(throttle: auth.LoginThrottle) -> None:
        gate.wait()
        allowed.append(throttle.begin("sheng", "10.0.0.9"))

    threads = [threading.Thread(target=guess, args=(t,)) for t in [first, second] * 10]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed)[:4] == [0.0, 0.0, 0.0, 1.0]  # three went ahead, then everyone waits
    assert first.begin("sheng", "10.0.0.10") > 0  # the user name waits, from any client
    first.succeeded("sheng", "10.0.0.9")  # (an attempt that went ahead and was right)
    assert second.begin("sheng", "10.0.0.10") == 0.0
    for name in ("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"):
        assert first.begin(name, "10.0.0.66") == 0.0  # one client tries many names ...
    assert first.begin("a10", "10.0.0.66") == 0.0
    assert second.begin("a11", "10.0.0.66") == 1.0  # ... and waits from the eleventh
    first.close()
    second.close()


@pytest.mark.parametrize("content", ["", "00", "ab" * 16, "not hex"])
def test_a_short_or_broken_secret_file_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
):
    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    (tmp_path / auth.SECRET_FILE).write_text(content, encoding="ascii")
    synced: list[int] = []
    real_fsync = auth.os.fsync
    monkeypatch.setattr(auth.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    secret = auth.load_secret(tmp_path)
    assert len(secret) == 32 and synced  # a full-length key, flushed to disk before it was linked in
    assert (tmp_path / auth.SECRET_FILE).read_text(encoding="ascii") == secret.hex()
    assert auth.load_secret(tmp_path) == secret

"""The target library over HTTP: 201 with the target and the other prefectures pursuing the firm,
every forbidden role and region combination refused with nothing changed, bad fields a 422 naming
them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import auth
from api.main import create_app
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from tests.project_library import library_db, sign_up

USERS = {
    "wuhua": ("county", "530102"),
    "kunming": ("prefecture", "530100"),
    "qujing": ("prefecture", "530300"),
    "sheng": ("province", "530000"),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return library_db(tmp_path_factory.mktemp("targets") / "kg.db")


@pytest.fixture(scope="module")
def tokens(db: Path) -> dict[str, str]:
    return sign_up(db, USERS, "target-pass-1")


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
    assert [p.split(":")[0] for p in bad.json()["problems"]] == ["date", "people"]
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

"""One error body for every error: 404 for unknown ids (with close matches), 422 for malformed
parameters, the same shape on pages; and a property-based run over the OpenAPI schema that
finds no 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.canonical import INDUSTRY

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MAX_EXAMPLES = 20  # per operation and mode: enough to hit the edges, a few seconds in all
ERROR_KEYS = {"status", "code", "message", "kind", "key", "suggestions", "problems"}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status and body["message"]
    return body


@pytest.mark.parametrize(
    ("url", "kind", "key", "suggestion"),
    [
        ("/api/industries/dmeo/gaps", "industry", "dmeo", "demo"),
        ("/api/industries/烟草/leaders", "industry", "烟草", None),
        ("/api/enterprises/集团五号", "enterprise", "集团五号", "n4"),
        ("/api/nodes/zz", "chain node", "zz", None),
        (f"/api/industries/{INDUSTRY}/gaps?prefecture=拉萨", "prefecture", "拉萨", None),
        (f"/api/industries/{INDUSTRY}/recommendations?node=硅锭", "chain node", "硅锭", None),
        ("/api/enterprises?tier=世界五百强", "ranking list", "世界五百强", None),
    ],
)
def test_unknown_ids_are_404_with_suggestions(client: TestClient, url, kind, key, suggestion):
    body = error_of(client.get(url), 404)
    assert body["code"] == "not_found" and body["kind"] == kind and body["key"] == key
    if suggestion:
        assert suggestion in body["suggestions"]


def test_unknown_enterprise_in_a_scenario_is_404(client: TestClient):
    body = error_of(
        client.post(f"/api/industries/{INDUSTRY}/scenario", json={"enterprises": ["n1", "nobody"]}), 404
    )
    assert body["kind"] == "enterprise" and body["key"] == "nobody"


@pytest.mark.parametrize(
    ("method", "url", "payload", "where"),
    [
        ("get", f"/api/industries/{INDUSTRY}/recommendations?top=0", None, "query.top"),
        ("get", f"/api/industries/{INDUSTRY}/recommendations?top=ten", None, "query.top"),
        ("get", f"/api/industries/{INDUSTRY}/leaders?k=1000", None, "query.k"),
        ("get", "/api/enterprises?limit=0", None, "query.limit"),
        ("get", "/api/enterprises?offset=-1", None, "query.offset"),
        ("get", f"/api/industries/{INDUSTRY}/graph?enterprises=maybe", None, "query.enterprises"),
        ("get", "/api/enterprises?q=" + "x" * 500, None, "query.q"),
        ("post", f"/api/industries/{INDUSTRY}/scenario", {"enterprises": []}, "body.enterprises"),
        ("post", f"/api/industries/{INDUSTRY}/scenario", {"prefecture": "曲靖"}, "body.enterprises"),
        ("post", f"/api/industries/{INDUSTRY}/scenario", "not json", "body"),
    ],
)
def test_malformed_parameters_are_422_naming_them(client: TestClient, method, url, payload, where):
    if method == "get":
        response = client.get(url)
    elif isinstance(payload, str):
        response = client.post(url, content=payload, headers={"content-type": "application/json"})
    else:
        response = client.post(url, json=payload)
    body = error_of(response, 422)
    assert body["code"] == "invalid_request"
    assert any(problem.startswith(where) for problem in body["problems"]), body["problems"]


def test_unknown_route_and_method_use_the_same_shape(client: TestClient):
    assert error_of(client.get("/api/nothing-here"), 404)["code"] == "http_error"
    assert error_of(client.delete("/api/industries"), 405)["code"] == "http_error"


def test_no_page_loads_swagger_from_a_cdn(client: TestClient):
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_pages_show_the_error_with_links_to_close_matches(client: TestClient):
    response = client.get("/industries/dmeo", headers={"accept": "text/html"})
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert 'data-code="not_found"' in response.text and 'href="/industries/demo"' in response.text
    lost = client.get("/no-such-page", headers={"accept": "text/html"})
    assert lost.status_code == 404 and "没有这个页面" in lost.text and "no such" not in lost.text
    assert client.get("/api/no-such").json()["message"] == "no such page or route"  # the API keeps its words
    bad = client.get("/search?page=0", headers={"accept": "text/html"})
    assert bad.status_code == 422 and "query.page" in bad.text


# -- property-based: whatever a client sends, no 5xx and answers match the schema ----------


def operations(client: TestClient) -> list:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_for_any_input(client: TestClient, mode: GenerationMode):
    """Generated requests for every operation of the schema, valid (positive) and invalid
    (negative): never a 5xx, and every answer matches its documented status and schema."""
    found = operations(client)
    assert len(found) >= 10
    for operation in found:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
            )

        try:
            run()
        except Unsatisfiable:
            # an operation without parameters or body has no invalid input to generate
            assert mode is GenerationMode.NEGATIVE, operation.label

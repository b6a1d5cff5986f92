"""End to end in headless Chromium: `chainkg serve` as a subprocess on a free port with its own
store, driven with Playwright through Debian's chromium (never a downloaded browser). Every
request to a host other than 127.0.0.1 is aborted, so the map renders with the network cut.

Skips with the reason when chromium or Playwright is missing; CHAINKG_REQUIRE_BROWSER=1 (CI)
makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@dataclass
class Server:
    url: str
    industry: str
    graph: dict[str, Any]
    blocked: list[str] = field(default_factory=list)


def require_browser() -> None:
    """Skip (or fail under CHAINKG_REQUIRE_BROWSER=1) without Debian's chromium and playwright."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        skip_or_fail(
            "Debian's chromium is not installed (scripts/install-system-deps.sh)", "CHAINKG_REQUIRE_BROWSER"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail(
            "the playwright package is not installed (pip install -e '.[test]')", "CHAINKG_REQUIRE_BROWSER"
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_browser()
    root = tmp_path_factory.mktemp("serve")
    # an empty store: `serve` builds it from the bundled data by itself
    env = {**os.environ, "CHAINKG_DB": str(root / "kg.db"), "CHAINKG_BACKEND": "sqlite"}
    port = _free_port()
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get_json(url + "/api/health")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "chainkg serve did not start: " + (root / "serve.log").read_text()
                    ) from None
                time.sleep(0.2)
        assert "building it from the bundled data" in (root / "serve.log").read_text()
        industries = [i for i in _get_json(url + "/api/industries") if i["node_count"]]
        industry = max(
            industries, key=lambda i: (i["counts"]["weak"] + i["counts"]["strong"], i["node_count"])
        )["id"]
        graph = _get_json(f"{url}/api/industries/{industry}/graph?enterprises=true")
        yield Server(url, industry, graph)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser_context(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import Route, sync_playwright

    def only_localhost(route: Route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            server.blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", only_localhost)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert not errors, errors


def test_open_an_industry_its_map_and_click_a_node(server: Server, page: Any):
    page.goto(server.url + "/")
    page.click(f'a.card[href="/industries/{server.industry}"]')
    page.wait_for_url(f"**/industries/{server.industry}")
    assert page.locator("#gaps tbody tr").count() == len(server.graph["nodes"])

    page.click(f'a[href^="/industries/{server.industry}/map"]')
    page.wait_for_selector("#chain-map[data-rendered]")
    assert page.locator("#chain-map canvas").count() == 1
    # the map draws one vis node per chain node
    assert page.evaluate("window.chainMap.nodes.length") == len(server.graph["nodes"])
    assert page.evaluate("window.chainMap.network.body.nodeIndices.length") == len(server.graph["nodes"])

    target = server.graph["nodes"][0]["id"]
    point = page.evaluate(
        """(id) => {
            const net = window.chainMap.network;
            const dom = net.canvasToDOM(net.getPositions([id])[id]);
            const box = document.getElementById("chain-map").getBoundingClientRect();
            return {x: box.left + dom.x, y: box.top + dom.y};
        }""",
        target,
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/nodes/**")
    assert page.locator("h1[data-node]").get_attribute("data-node") == target
    assert server.blocked == [], server.blocked  # nothing even tried to leave 127.0.0.1


def test_enterprises_on_demand(server: Server, page: Any):
    page.goto(f"{server.url}/industries/{server.industry}/map")
    page.wait_for_selector("#chain-map[data-rendered]")
    before = page.evaluate("window.chainMap.nodes.length")
    page.check("#toggle-firms")
    firms = page.evaluate("window.chainMap.data.enterprise_nodes.length")
    assert firms > 0
    assert page.evaluate("window.chainMap.nodes.length") == before + firms
    page.uncheck("#toggle-firms")
    assert page.evaluate("window.chainMap.nodes.length") == before


def test_search_an_enterprise_and_open_it(server: Server, page: Any):
    firm = server.graph["enterprises"][0]
    page.goto(server.url + "/search")
    page.fill('input[name="q"]', firm["name"])
    page.click('form.search-form button[type="submit"]')
    page.wait_for_selector("#result-count")
    page.click(f'#results a[href="/enterprises/{firm["id"]}"]')
    page.wait_for_url(f"**/enterprises/{firm['id']}")
    assert page.locator("h1[data-enterprise]").get_attribute("data-enterprise") == firm["id"]
    assert server.blocked == [], server.blocked


def test_the_map_renders_with_outside_hosts_blocked(server: Server, page: Any):
    # The context aborts every request to another host; a page that needed a CDN would not draw.
    page.goto(f"{server.url}/industries/{server.industry}/map?lang=en")
    page.wait_for_selector("#chain-map[data-rendered]")
    assert page.evaluate("typeof vis") == "object"
    assert page.evaluate("window.chainMap.nodes.length") == len(server.graph["nodes"])
    assert "Chain map" in page.title()
    page.goto(f"{server.url}/?lang=zh")  # leave the cookie as it was
    assert server.blocked == [], server.blocked


def test_the_prefecture_matrix_and_a_dashboard(server: Server, page: Any):
    page.goto(server.url + "/prefectures")
    assert page.locator("#matrix tbody tr").count() == 12
    assert page.locator("#matrix thead th").count() == 1 + 16
    assert page.locator("#matrix").get_attribute("data-measure") == "completeness"
    page.click('nav.measures a[href="?measure=projects"]')
    page.wait_for_url("**/prefectures?measure=projects")
    assert page.locator("#matrix").get_attribute("data-measure") == "projects"
    page.click('#matrix thead a[href="/prefectures/530300"]')
    page.wait_for_url("**/prefectures/530300")
    assert page.locator("#promotion-unit").inner_text() == "曲靖市投资促进局"
    assert page.locator("#prefecture-industries tbody tr").count() == 12
    assert "曲靖经济技术开发区" in page.locator("#prefecture-parks").inner_text()
    assert server.blocked == [], server.blocked


def test_the_map_of_yunnan_draws_offline_colours_and_clicks(server: Server, page: Any):
    page.goto(server.url + "/prefectures/map")
    page.wait_for_selector('#yunnan-map[data-drawn="16"]')
    assert page.locator("#yunnan-map a.prefecture").count() == 16
    matrix = json.loads(page.locator("#map-matrix").inner_text())
    silicon = next(r for r in matrix["industries"] if r["id"] == "green-silicon")
    page.select_option("#map-industry", "green-silicon")
    page.select_option("#map-measure", "firms")
    values = {
        p["id"]: page.locator(f'#yunnan-map a[data-prefecture="{p["id"]}"] path').get_attribute("data-value")
        for p in matrix["prefectures"]
    }
    assert values == {p: str(c["firms"]) for p, c in silicon["cells"].items()}
    fills = {page.locator(f'#yunnan-map a[data-prefecture="{p}"] path').get_attribute("fill") for p in values}
    assert len(fills) > 1  # coloured by the measure, not one flat colour
    box = page.locator('#yunnan-map a[data-prefecture="530300"] text').bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/prefectures/530300")
    assert server.blocked == [], server.blocked  # boundaries from the app itself, no tiles

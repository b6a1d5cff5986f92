"""The project library end to end in headless Chromium (Debian's, through Playwright), with every
host but 127.0.0.1 blocked: a county user declares a project in the browser, the prefecture
reviews it, the province approves it, it appears in the industry's quota progress and the
prefecture bulletin, and the audit trail shows each step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from graph.sqlite_store import SqliteStore
from tests.api.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _free_port, require_browser
from tests.api.test_project_crash import start_server
from tests.project_library import library_changes
from workflow.users import create_user

PASSWORD = "browser-pass-1"
USERS = {"wuhua": ("county", "530102"), "kunming": ("prefecture", "530100"), "sheng": ("province", "530000")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    root = tmp_path_factory.mktemp("library-serve")
    db = root / "kg.db"
    store = SqliteStore(db)
    store.apply(library_changes())
    for name, (role, region) in USERS.items():
        create_user(store, name, role, region, password=PASSWORD)
    store.close()
    port = _free_port()
    proc = start_server(db, port, root / "serve.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page(server: str, tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []

    def only_localhost(route: Route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", only_localhost)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield page
        finally:
            browser.close()
    assert not errors, errors
    assert blocked == [], blocked


def sign_in(page: Any, server: str, name: str) -> None:
    page.goto(server + "/projects")
    assert "/login?next=" in page.url  # the pages need a login
    page.fill('input[name="username"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url("**/projects")
    assert page.locator("#me").get_attribute("data-role") == USERS[name][0]


def sign_out(page: Any) -> None:
    page.click('.project-user form button[type="submit"]')
    page.wait_for_url("**/login")


def test_declare_review_approve_in_the_browser(server: str, page: Any):
    signed = date.today() - timedelta(days=2)
    # 1. the county declares
    sign_in(page, server, "wuhua")
    page.click("#declare-link")
    page.wait_for_url("**/projects/new")
    page.fill('input[name="name"]', "浏览器申报的铝材项目")
    page.select_option('select[name="industry"]', "demo")
    page.fill('input[name="investor"]', "全国一号")
    page.fill('input[name="chain_nodes"]', "中间品")
    page.fill('input[name="investment_yi"]', "18.5")
    page.fill('input[name="funds_in_place_yi"]', "3")
    page.select_option('select[name="stage"]', "signed")
    page.fill('input[name="date_signed"]', signed.isoformat())
    for box in ("chain_leader", "risk_collective_decision", "risk_prior_assessment", "risk_legality_review"):
        page.check(f'input[name="{box}"]')
    page.click('#project-form button[type="submit"]')
    page.wait_for_url("**/projects/prj-*")
    project_url = page.url
    assert page.locator("#review-status").get_attribute("data-status") == "declared"
    assert page.locator("#stage").get_attribute("data-stage") == "signed"
    assert page.locator("#decision-review").count() == 0  # a county cannot review
    sign_out(page)

    # 2. the prefecture reviews
    sign_in(page, server, "kunming")
    page.click("#project-list a:has-text('浏览器申报的铝材项目')")
    page.wait_for_url(project_url)
    assert page.locator("#decision-approve").count() == 0  # a prefecture cannot approve
    page.click("#decision-review")
    page.wait_for_url(project_url)
    assert page.locator("#review-status").get_attribute("data-status") == "prefecture_reviewed"
    sign_out(page)

    # 3. the province approves
    sign_in(page, server, "sheng")
    page.goto(project_url)
    page.click("#decision-approve")
    page.wait_for_url(project_url)
    assert page.locator("#review-status").get_attribute("data-status") == "province_approved"

    # 4. the audit trail shows each step, by whom
    rows = page.locator("#audit-trail tbody tr")
    steps = [
        (rows.nth(i).get_attribute("data-action"), rows.nth(i).get_attribute("data-user"))
        for i in range(rows.count())
    ]
    assert steps == [("declare", "wuhua"), ("review", "kunming"), ("approve", "sheng")]

    # 5. it counts in the industry's quota and leads the prefecture bulletin
    page.click(".project-user a[href='/tracking']")
    page.goto(f"{server}/tracking?year={signed.year}")
    quota_row = page.locator("#quota tr[data-industry='demo']")
    assert quota_row.locator("td.count").inner_text() == "1"
    assert "浏览器申报的铝材项目" in quota_row.inner_text()
    kunming = page.locator("#bulletin tr[data-prefecture='530100']")
    assert (
        kunming.locator("td.signed").inner_text() == "1" and kunming.locator("td.major").inner_text() == "1"
    )
    assert kunming.locator("td").first.inner_text() == "1"  # ranked first
    assert page.locator("#chain-leader-count").inner_text().startswith("1")

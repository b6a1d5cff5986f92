"""The target library end to end in headless Chromium with every host but 127.0.0.1 blocked: a
prefecture adds three recommended firms from the industry page, logs a trip, converts one to a
project; the county completes it, the prefecture and the province pass it; the bulletin and the
report show the trip and the project; a second prefecture adding the same firm is warned."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import review_and_approve, sign_in, sign_out
from workflow.clock import today_in_china


def add_from_industry_page(tab: Any, server: str, enterprise: str) -> str:
    tab.goto(server + "/industries/demo")
    tab.locator(f"table.targets a.add-target[data-enterprise='{enterprise}']").first.click()
    tab.wait_for_url("**/targets/new?*")
    assert tab.locator('#target-form input[name="reason"]').input_value() != ""  # the row's reasons
    tab.click('#target-form button[type="submit"]')
    tab.wait_for_url("**/targets/tgt-*")
    return str(tab.url)


def test_targets_trip_conversion_review_and_bulletin_in_the_browser(server: str, page: Any):
    today = today_in_china().isoformat()  # the server dates in China time
    # 1. the prefecture adds three recommended firms from the industry page
    sign_in(page, server, "kunming")
    page.goto(server + "/industries/demo")
    firms = list(
        dict.fromkeys(
            page.locator("table.targets a.add-target").evaluate_all(
                "els => els.map(e => e.dataset.enterprise)"
            )
        )
    )
    assert len(firms) >= 3
    urls = [add_from_industry_page(page, server, firm) for firm in firms[:3]]
    page.click("#targets-link")
    page.wait_for_url("**/targets")
    assert page.locator("#target-list tbody tr").count() == 3

    # 2. a trip to the first firm
    page.goto(urls[0])
    assert page.locator("#conflicts").count() == 0
    page.select_option('#activity-form select[name="kind"]', "trip")
    page.fill('#activity-form input[name="date"]', today)
    page.fill('#activity-form input[name="people"]', "市投资促进局 张三、李四")
    page.fill('#activity-form input[name="met"]', "董事长")
    page.fill('#activity-form input[name="outcome"]', "达成投资意向")
    page.click('#activity-form button[type="submit"]')
    page.wait_for_url(urls[0])
    assert page.locator("#activities tr[data-kind='trip']").count() == 1
    assert page.locator("#target-stage").get_attribute("data-stage") == "visited"

    # 3. it becomes a declared project of 五华区
    page.fill('#convert-form input[name="name"]', "浏览器目标转化项目")
    page.select_option('#convert-form select[name="county"]', "530102")
    page.fill('#convert-form input[name="investment_yi"]', "15")
    page.click('#convert-form button[type="submit"]')
    page.wait_for_url("**/projects/prj-*")
    project_url = page.url
    assert page.locator("#review-status").get_attribute("data-status") == "declared"
    page.goto(urls[0])
    assert page.locator("#target-stage").get_attribute("data-stage") == "project_declared"
    assert page.locator("#target-project").get_attribute("href") == project_url.removeprefix(server)
    # the prefecture cannot pass it before the county completes the measure-8 checklist of a signed project
    sign_out(page)

    # 4. the county completes it
    sign_in(page, server, "wuhua")
    page.goto(project_url)
    page.click("#edit-box summary")
    page.select_option('#edit-form select[name="stage"]', "signed")
    page.fill('#edit-form input[name="date_signed"]', today)
    for box in ("risk_collective_decision", "risk_prior_assessment", "risk_legality_review"):
        page.check(f'#edit-form input[name="{box}"]')
    page.click('#edit-form button[type="submit"]')
    page.wait_for_load_state()
    assert page.locator("#problems").count() == 0, page.locator("#problems").inner_text()
    page.wait_for_url(project_url)
    assert page.locator("#stage").get_attribute("data-stage") == "signed"
    sign_out(page)

    # 5. the prefecture and the province pass it
    review_and_approve(page, server, project_url)
    steps = page.locator("#audit-trail tbody tr").evaluate_all("rs => rs.map(r => r.dataset.action)")
    assert steps == ["convert", "update", "review", "approve"]

    # 6. the bulletin and the report show the trip and the project
    page.goto(server + "/tracking")
    kunming = page.locator("#bulletin tr[data-prefecture='530100']")
    assert kunming.locator("td.trips").inner_text() == "1"
    assert (
        kunming.locator("td.signed").inner_text() == "1" and kunming.locator("td.major").inner_text() == "1"
    )
    assert kunming.locator("td").first.inner_text() == "1"
    assert "外出招商1次" in page.locator("#narratives li[data-prefecture='530100']").inner_text()
    month = page.locator(f"#monthly tr[data-period='{today[:7]}']")
    assert (
        month.locator("td.trips").inner_text() == "1"
        and month.locator("td.targets-added").inner_text() == "3"
    )
    assert (
        month.locator("td.converted").inner_text() == "1" and month.locator("td.signed").inner_text() == "1"
    )
    assert "浏览器目标转化项目" in page.locator("#quota tr[data-industry='demo']").inner_text()
    sign_out(page)

    # 7. a second prefecture adding the same firm is warned, naming the first
    sign_in(page, server, "qujing")
    add_from_industry_page(page, server, firms[1])
    assert "昆明市已在跟进同一企业" in page.locator("#conflicts").inner_text()
    # and it cannot open 昆明's target
    response = page.goto(urls[0])
    assert response is not None and response.status == 403

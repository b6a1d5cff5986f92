"""The project library end to end in headless Chromium (Debian's, through Playwright), with every
host but 127.0.0.1 blocked: a county user declares a project in the browser, the prefecture
reviews it, the province approves it, it appears in the industry's quota progress and the
prefecture bulletin, and the audit trail shows each step."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.api.conftest import review_and_approve, sign_in, sign_out

NEW_FIELDS = {
    "land_mu": "150",
    "energy_tce": "12000",
    "jobs": "260",
    "output_yi": "30",
    "tax_yi": "1.5",
    "park": "五华科技产业园",
    "contact_name": "李四",
}


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
    # what bureaus record for every project
    page.select_option('select[name="investor_origin"]', "省外")
    for field, value in NEW_FIELDS.items():
        page.fill(f'input[name="{field}"]', value)
    page.fill('input[name="contact_phone"]', "0871-123")  # too short: refused, named in Chinese
    page.click('#project-form button[type="submit"]')
    assert "联系电话：应为11位手机号" in page.locator("#problems").inner_text()
    assert "contact_phone" not in page.locator("#problems").inner_text()
    page.fill('input[name="contact_phone"]', "13812345678")
    page.click('#project-form button[type="submit"]')
    page.wait_for_url("**/projects/prj-*")
    project_url = page.url
    facts = {
        key: page.locator(f'dd[data-field="{key}"]').inner_text()
        for key in (
            "investor_origin",
            "land_mu",
            "energy_tce",
            "jobs",
            "output_yi",
            "tax_yi",
            "park",
            "contact",
        )
    }
    typed = {k: v for k, v in NEW_FIELDS.items() if k != "contact_name"}
    assert facts == {**typed, "investor_origin": "省外", "contact": "李四 13812345678"}
    # the audit trail reads in Chinese: names, 是/否, the stage
    changes = page.locator("#audit-trail tbody tr").first
    assert changes.locator('li[data-field="industry"]').inner_text() == "所属产业：— → 示例产业"
    assert changes.locator('li[data-field="chain_leader"]').inner_text() == "链主企业项目：否 → 是"
    assert changes.locator('li[data-field="stage"]').inner_text() == "项目阶段：— → 签约"
    assert page.locator("#review-status").get_attribute("data-status") == "declared"
    assert page.locator("#stage").get_attribute("data-stage") == "signed"
    assert page.locator("#decision-review").count() == 0  # a county cannot review
    sign_out(page)

    # 2. the prefecture reviews, 3. the province approves; the list links the project
    review_and_approve(page, server, project_url)
    page.goto(server + "/projects")
    page.click("#project-list a:has-text('浏览器申报的铝材项目')")
    page.wait_for_url(project_url)

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


def _sheet(path: Path, rows: list[dict[str, Any]]) -> Path:
    from openpyxl import Workbook

    from ingest.sources.projects import HEADERS

    book = Workbook()
    book.active.append(list(HEADERS.values()))
    for row in rows:
        book.active.append([row.get(h, "") for h in HEADERS.values()])
    book.save(path)
    return path


def test_upload_a_sheet_and_filter_the_list(server: str, page: Any, tmp_path: Path):
    row = {"所在县（市、区）": "五华区", "所属产业": "示例产业", "项目阶段": "线索", "投资方来源": "境外"}
    small = {**row, "项目名称": "上传的小项目", "总投资（亿元）": 0.8}
    large = {**row, "项目名称": "上传的大项目", "总投资（亿元）": 66, "用地（亩）": 300}
    bad = {**row, "项目名称": "上传的坏项目", "总投资（亿元）": 5, "新增就业（人）": "很多"}
    sign_in(page, server, "wuhua")
    page.click("#upload-box summary")
    # one bad row: the report names line and column, and nothing is written
    page.set_input_files(
        '#upload-form input[name="sheet"]', str(_sheet(tmp_path / "五华区.xlsx", [small, large, bad]))
    )
    page.click('#upload-form button[type="submit"]')
    report = page.locator("#import-report")
    assert report.get_attribute("data-ok") == "no"
    assert (
        page.locator("#import-read").inner_text() == "3"
        and page.locator("#import-rejected").inner_text() == "1"
    )
    assert (
        "五华区.xlsx:4: column 新增就业（人）: 新增就业（人）：应为整数（人），不是“很多”"
        in report.inner_text()
    )
    assert page.locator("#project-list a:has-text('上传的小项目')").count() == 0
    # the good rows: written in one go (the box stays open after a report)
    page.set_input_files(
        '#upload-form input[name="sheet"]', str(_sheet(tmp_path / "五华区.xlsx", [small, large]))
    )
    page.click('#upload-form button[type="submit"]')
    assert page.locator("#import-report").get_attribute("data-ok") == "yes"
    assert page.locator("#import-new").inner_text() == "2"
    # filter: 50亿至100亿元 in the lead stage shows the large one only
    page.select_option('#project-filter select[name="size"]', "50to100")
    page.select_option('#project-filter select[name="stage"]', "lead")
    page.click('#project-filter button[type="submit"]')
    page.wait_for_url("**/projects?*size=50to100*")
    assert page.locator("#project-count").inner_text() == "共 1 个项目"
    names = page.locator("#project-list tbody tr td:first-child").all_inner_texts()
    assert names == ["上传的大项目"]
    with page.expect_download() as download:
        page.click("#export-link")
    from openpyxl import load_workbook

    saved = tmp_path / "export.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "项目库.xlsx"
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["上传的大项目"]

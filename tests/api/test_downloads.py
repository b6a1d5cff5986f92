"""The plan and target-list downloads linked from the industry page."""

from __future__ import annotations

import io
import shutil

import pytest


def test_industry_page_links_every_download(client):
    page = client.get("/industries/demo").text
    for href in (
        "/industries/demo/plan.docx",
        "/industries/demo/plan.html",
        "/industries/demo/plan.md",
        "/industries/demo/targets.xlsx",
    ):
        assert href in page


def test_word_plan(client):
    from docx import Document

    response = client.get("/industries/demo/plan.docx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    doc = Document(io.BytesIO(response.content))
    assert any(p.text == "三、产业招商方案" for p in doc.paragraphs)
    # the gap table shows thin missing links as 待核实, each with its deciding rule and evidence
    (gap_table,) = [t for t in doc.tables if "判定依据" in [c.text for c in t.rows[0].cells]]
    cells = [cell.text for row in gap_table.rows for cell in row.cells]
    assert cells.count("待核实") == 4 and "未掌握本地企业或产量数据（证据薄弱）" in cells


def test_markdown_plan_for_a_prefecture(client):
    text = client.get("/industries/示例产业/plan.md", params={"prefecture": "530300"}).text
    assert text.startswith("# 曲靖市示例产业产业“1+1+1+1”招商方案（草案）")


def test_targets_workbook(client):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/industries/demo/targets.xlsx").content))
    assert book["目标企业-新引进"]["B4"].value == "全国一号"
    assert book["目标企业-增资扩产"]["B4"].value == "集团四号"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_pdf_plan(client):
    response = client.get("/industries/demo/plan.pdf?prefecture=530300")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "plan.pdf" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "url",
    ["/industries/nowhere/plan.docx", "/industries/demo/plan.odt", "/industries/demo/plan.md?prefecture=xx"],
)
def test_bad_downloads_are_4xx(client, url):
    assert client.get(url).status_code in (404, 422)

"""Each renderer's output opened with its own library, with the expected headings and rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.gaps import chain_gaps
from analysis.plans import industry_plan
from api.office import plan_docx, targets_xlsx
from api.render import chain_map_png, plan_html, plan_markdown
from tests.canonical import INDUSTRY, canonical_view

HEADINGS = [
    "一、产业链现状",
    "二、工作目标",
    "三、产业招商方案",
    "四、人才招引方案",
    "五、产业支持政策",
    "六、重点任务与责任分工",
]


@pytest.fixture(scope="module")
def plan():
    return industry_plan(canonical_view(), INDUSTRY)


@pytest.fixture(scope="module")
def png():
    view = canonical_view()
    return chain_map_png(view, chain_gaps(view, INDUSTRY))


def test_markdown(plan):
    text = plan_markdown(plan)
    for heading in HEADINGS:
        assert f"# {heading}" in text
    assert "| 1 | 全国一号 | 中间品 | 补链 | 81.3 | 世界500强（2024） |" in text
    assert "| 1 | 集团四号 | 部件 | 强链 | 66.7 | — |" in text
    assert "占年度目标的3%" in text
    # no park data in the canonical chain: every gap link in one row, flagged for completion
    assert "| 落地园区（所在地） | 级别 | 可承接的缺口环节 | 可用土地（亩） |" in text
    assert (
        "| 暂无主导产业相符的园区（待补充） | — | 中间品、整机、出口产品、检测认证、部件 | — | — | — |"
        in text
    )
    assert "## 六、重点任务与责任分工" in text and "### （一）产业链总体情况" in text


def test_html_is_self_contained(plan, png):
    page = plan_html(plan, png)
    assert "http://" not in page and "https://" not in page
    assert "data:image/png;base64," in page
    assert all(h in page for h in HEADINGS)
    assert page.count("<tr>") >= 5 + 5 + 4


def test_png_is_an_image(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_docx_opens_with_python_docx(plan, png, tmp_path: Path):
    from docx import Document

    path = tmp_path / "plan.docx"
    path.write_bytes(plan_docx(plan, png))
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "云南省示例产业产业“1+1+1+1”招商方案（草案）"
    assert all(h in headings for h in HEADINGS)
    expand, new = [t for t in doc.tables if t.rows[0].cells[1].text == "目标企业"]
    assert [r.cells[1].text for r in expand.rows[1:]] == ["集团四号", "集团六号"]
    assert [r.cells[1].text for r in new.rows[1:]] == ["全国一号", "民营二号", "中型三号"]
    assert len(doc.inline_shapes) == 1


def test_xlsx_opens_with_openpyxl(plan, tmp_path: Path):
    from openpyxl import load_workbook

    path = tmp_path / "targets.xlsx"
    path.write_bytes(targets_xlsx(plan))
    book = load_workbook(path)
    sheet = book["目标企业-新引进"]
    assert sheet["A3"].value == "序号" and sheet["B3"].value == "目标企业" and sheet["H3"].value == "提示"
    assert [sheet.cell(row=r, column=2).value for r in range(4, 7)] == ["全国一号", "民营二号", "中型三号"]
    assert sheet["E4"].value == 81.33
    assert [c.value for c in book["目标企业-增资扩产"]["B"][3:]] == ["集团四号", "集团六号"]
    assert book.sheetnames == ["目标企业-增资扩产", "目标企业-新引进", "链主企业组合", "说明"]

"""The drafted plans on the bundled data, as an office would receive them: every industry's Word
file is an A4 portrait government document (cover, numbered headings, page numbers, columns
sized to their content); the CLI writes a PDF for the province and for a prefecture."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from api import services
from api.office import MARGINS_CM
from graph.sqlite_store import SqliteStore
from tests.api.test_cli import run
from tests.conftest import BUNDLED_INDUSTRIES

LEVEL1 = ("一、产业链现状", "二、工作目标", "三、产业招商方案", "四、人才招引方案", "五、产业支持政策")


@pytest.fixture(scope="module")
def store(bundled_db: Path):
    opened = SqliteStore(bundled_db)
    yield opened
    opened.close()


@pytest.mark.parametrize("industry", BUNDLED_INDUSTRIES)
def test_every_industry_is_a_government_document(store, industry: str):
    from docx import Document
    from docx.shared import Cm

    doc = Document(io.BytesIO(services.assess(store, industry).plan_document("docx")))
    page = doc.sections[0]
    assert (round(page.page_width.cm, 1), round(page.page_height.cm, 1)) == (21.0, 29.7)
    assert (
        round(page.left_margin.cm, 1) == MARGINS_CM["left_margin"] and page.different_first_page_header_footer
    )
    assert "PAGE" in page.footer._element.xml
    texts = [p.text for p in doc.paragraphs]
    first = date.today().year + 1
    assert texts[2] == f"（{first}—{first + 2}年）（草案）" and "云南省投资促进局" in " ".join(texts[:8])
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h in LEVEL1] == list(LEVEL1)
    assert "（一）产业链总体情况" in headings
    assert (
        doc.styles["Normal"].element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "仿宋_GB2312"
    )
    # columns get their share of the text width: the reasons column of the gap table is widest
    gaps = next(t for t in doc.tables if t.rows[0].cells[-1].text == "判定依据")
    widths = [c.width for c in gaps.columns]
    assert widths[-1] == max(widths) and sum(widths) == pytest.approx(Cm(15.6), rel=0.01)
    assert len(doc.inline_shapes) == 1


def test_green_silicon_flags_overcapacity_and_expired_policies(store):
    plan = services.assess(store, "green-silicon").plan()
    assert {"polysilicon", "si-cells", "pv-modules"} <= {f.node_id for f in plan.overcapacity}
    assert all(p.validity == "current" for p in plan.policies if p.relied_on)
    assert any(p.policy_id == "yn-industry-strong-2022" and not p.relied_on for p in plan.policies)
    # measure 1: 5 projects a year; measure 2: 20 x 5/89 rounded up = 2 leaders and 2 HQs a year
    assert [(y.projects, y.leaders, y.headquarters) for y in plan.year_targets] == [(5, 2, 2)] * 3


def test_prefecture_plan_names_its_own_units_and_parks(store):
    plan = services.assess(store, "green-silicon", "530300").plan()
    assert (plan.lead_department, plan.promotion_unit) == ("曲靖市工业和信息化局", "曲靖市投资促进局")
    parks = {p.id for landing in plan.landings for p in landing.parks}
    assert parks and parks <= {"qujing-etdz", "zhanyi-industrial-park"}
    assert plan.quota.yearly_quota is None
    # its gap table's firms are 曲靖's own, and headed so; the province's are Yunnan's
    from api.render import plan_markdown

    assert "| 本州（市）企业 |" in plan_markdown(plan) and "| 在滇企业 |" not in plan_markdown(plan)
    assert "| 在滇企业 |" in plan_markdown(services.assess(store, "green-silicon").plan())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize(
    ("industry", "prefecture", "scope"), [("tobacco", None, "云南省"), ("green-aluminium", "532600", "文山")]
)
def test_cli_writes_a_pdf(
    bundled_db: Path, tmp_path: Path, industry: str, prefecture: str | None, scope: str
):
    output = tmp_path / "plan.pdf"
    run(
        ["plan", industry, *(["--prefecture", prefecture] if prefecture else []), "-o", str(output)],
        bundled_db,
    )
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True).stdout
    assert "841.89 pts (A4)" in info
    text = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert scope in flat and "一、产业链现状" in flat and "六、重点任务与责任分工" in flat and "—2—" in flat


def test_pdf_without_libreoffice_is_an_error_and_writes_nothing(bundled_db: Path, tmp_path: Path):
    import os
    import sys

    output = tmp_path / "plan.pdf"
    env = {**os.environ, "CHAINKG_DB": str(bundled_db), "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [sys.executable, "-m", "api", "plan", "tobacco", "-o", str(output)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "PDF export needs LibreOffice (soffice)" in done.stderr
    assert "Traceback" not in done.stderr and not output.exists()

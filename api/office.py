"""Office files of a drafted plan: Word in the form of a government document (A4 portrait, the
usual margins and fonts, headings 一、（一）, page numbers, a cover), PDF made from that Word
file by LibreOffice on this machine (no network service), and the target lists as Excel.

All walk `api.render.outline`, so they say what the Markdown and HTML say.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from analysis.gaps import ChainGaps
from analysis.plans import IndustryPlan
from analysis.tracks import EXPAND, NEW, TRACK_NAMES
from api.render import (
    PLAN_FORMATS,
    _table,
    chain_map_png,
    outline,
    plan_html,
    plan_markdown,
    plan_title,
    section,
)
from graph.errors import ChainKGError
from graph.text import strip_controls
from ingest.sheets import Sheet, workbook

PAGE_WIDTH_CM, PAGE_HEIGHT_CM = 21.0, 29.7  # A4 portrait
# GB/T 9704-2012 《党政机关公文格式》: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
MARGINS_CM = {"top_margin": 3.7, "bottom_margin": 3.5, "left_margin": 2.8, "right_margin": 2.6}
TEXT_WIDTH_CM = PAGE_WIDTH_CM - MARGINS_CM["left_margin"] - MARGINS_CM["right_margin"]
BODY_PT, TITLE_PT, TABLE_PT, SMALL_TABLE_PT, FOOTER_PT = 16, 22, 10.5, 9, 14  # 三号, 二号, 五号, 小五, 四号
LINE_PT = 28  # fixed line spacing of the body (22 lines a page)
PAGE_FIGURE_WIDTH_IN = 9.0  # the chain image's width before Word scales it to the text width


@dataclass(frozen=True)
class Fonts:
    """East Asian font families: body, level-1 heading, level-2 heading, title."""

    body: str
    heading1: str
    heading2: str
    title: str


# The fonts of official documents, as offices have them installed.
OFFICIAL_FONTS = Fonts("仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体")
# What the PDF is set in here: the CJK fonts installed with fonts-noto-cjk (serif for the body,
# sans for 黑体), so the PDF never depends on LibreOffice's guess at a missing font.
RENDER_FONTS = Fonts("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Serif CJK SC")


# A report's section: heading, table header, table rows and the note under the table.
DocSection = tuple[str, Sequence[str], Sequence[Sequence[Any]], str]


class RenderError(ChainKGError):
    """A document could not be made (a converter missing, failing or too slow)."""


def _set_font(target: Any, family: str, size: float | None = None, *, bold: bool | None = None) -> None:
    """Set a run's or a style's font, the East Asian family included (Word keeps it apart)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    target.font.name = family
    rpr = target.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), family)
    if size is not None:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold


def _page_number_footer(section: Any) -> None:
    """ "— 1 —" centred at the foot of every page but the cover."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section.different_first_page_header_footer = True
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("text", "— "), ("begin", None), ("instr", " PAGE "), ("end", None), ("text", " —")):
        run = paragraph.add_run()
        if kind == "text":
            run.text = text or ""
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        _set_font(run, "宋体" if kind == "text" else "Times New Roman", FOOTER_PT)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _narrow_cell_margins(table: Any, cm: float = 0.08) -> None:
    """Cell margins of 0.8 mm left and right (Word's 1.9 mm default eats narrow columns)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(cm / 2.54 * 1440)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)


def _add_table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    fonts: Fonts,
    weights: Sequence[float] = (),
) -> None:
    """A table whose columns share the text width by `weights` (equal shares by default), the
    header row repeated on each page, set in the body font at 五号 (小五 for wide tables)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm

    weights = weights or (1.0,) * len(header)
    widths = [Cm(TEXT_WIDTH_CM * w / sum(weights)) for w in weights]
    size = TABLE_PT if len(header) <= 6 else SMALL_TABLE_PT
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _narrow_cell_margins(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    _repeat_header(table.rows[0])
    for row_index, values in enumerate([list(header), *rows]):
        cells = table.rows[0].cells if row_index == 0 else table.add_row().cells
        for cell, text, width in zip(cells, values, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = None
            paragraph.paragraph_format.line_spacing = 1.0
            run = paragraph.add_run(text)
            _set_font(run, fonts.heading1 if row_index == 0 else fonts.body, size)


def _document(fonts: Fonts) -> Any:
    """An empty A4 portrait document with the official margins, styles and page numbers."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    for margin, value in MARGINS_CM.items():
        setattr(page, margin, Cm(value))
    normal = doc.styles["Normal"]
    _set_font(normal, fonts.body, BODY_PT)
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_after = Pt(0)
    for style_name, family, bold in (
        ("Title", fonts.title, False),
        ("Heading 1", fonts.heading1, False),
        ("Heading 2", fonts.heading2, False),
    ):
        style = doc.styles[style_name]
        _set_font(style, family, TITLE_PT if style_name == "Title" else BODY_PT, bold=bold)
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(6 if style_name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6 if style_name == "Title" else 0)
        style.paragraph_format.line_spacing = Pt(LINE_PT if style_name != "Title" else 36)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.first_line_indent = Pt(0 if style_name == "Title" else 2 * BODY_PT)
    # the Title style draws a rule under itself in python-docx's template: not in an official document
    title_ppr = doc.styles["Title"].element.get_or_add_pPr()
    for border in title_ppr.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr"):
        title_ppr.remove(border)
    _page_number_footer(page)
    return doc


def _cover(doc: Any, plan: IndustryPlan, fonts: Fonts, drafted: date) -> None:
    """The cover: the title, 草案, the issuing unit, the drafting units and the date."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    def line(text: str, family: str, size: float, *, space: int = 0) -> None:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.first_line_indent = None
        for _ in range(space):
            paragraph.add_run().add_break()
        _set_font(paragraph.add_run(text), family, size)

    scope = plan.scope
    years = f"（{plan.years[0]}—{plan.years[-1]}年）" if plan.years else ""
    line(f"{scope}{plan.industry_name}产业", fonts.title, TITLE_PT, space=5)
    line("“1+1+1+1”招商方案", fonts.title, TITLE_PT)
    line(f"{years}（草案）", fonts.heading2, BODY_PT)
    drafters = "　".join(dict.fromkeys(u for u in (plan.lead_department, plan.promotion_unit) if u))
    line(plan.issuing_unit, fonts.body, BODY_PT, space=9)
    line(f"起草单位：{drafters}", fonts.body, BODY_PT)
    line(f"{drafted.year}年{drafted.month}月", fonts.body, BODY_PT)
    doc.paragraphs[-1].runs[-1].add_break(WD_BREAK.PAGE)


def plan_docx(
    plan: IndustryPlan,
    map_png: bytes | None = None,
    *,
    fonts: Fonts = OFFICIAL_FONTS,
    drafted: date | None = None,
) -> bytes:
    """The plan as a Word document in the form of a government document (see the module)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = _document(fonts)
    _cover(doc, plan, fonts, drafted or date.today())
    for level, heading, paragraph, table_section in outline(plan):
        if level == 0:
            title = doc.add_heading(heading, level=0)
            title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            doc.add_heading(heading, level=min(level, 2) if level != 9 else 1)
        if paragraph:
            body = doc.add_paragraph(paragraph)
            body.paragraph_format.first_line_indent = Cm(2 * BODY_PT * 0.0353)
        if table_section == "chain" and map_png:
            doc.add_picture(io.BytesIO(map_png), width=Cm(TEXT_WIDTH_CM))
            picture = doc.paragraphs[-1]
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.line_spacing = 1.0  # a fixed line height would crop the image
            picture.paragraph_format.first_line_indent = None
        if table_section:
            header, rows = _table(plan, table_section)
            if rows:
                _add_table(doc, header, rows, fonts, section(table_section).widths)
            else:
                doc.add_paragraph("（暂无）")
    return _saved(doc)


def _saved(document: Any) -> bytes:
    """The bytes of a python-docx document."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_docx(title: str, sections: Iterable[DocSection], *, fonts: Fonts = OFFICIAL_FONTS) -> bytes:
    """A Word report in the same form as the plan (no cover): the title, then each section as a
    heading, a table (numbers as `%g`) and its note."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = _document(fonts)
    doc.add_heading(strip_controls(title), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for heading, header, rows, note in sections:
        doc.add_heading(strip_controls(heading), level=1)
        cells = [[f"{v:g}" if isinstance(v, float) else strip_controls(str(v)) for v in row] for row in rows]
        _add_table(doc, [strip_controls(str(h)) for h in header], cells, fonts)
        doc.add_paragraph(strip_controls(note))
    return _saved(doc)


def docx_to_pdf(docx: bytes, *, timeout: float = 180.0) -> bytes:
    """Convert a Word file to PDF with LibreOffice headless on this machine (its own throw-away
    profile, so runs side by side never share one).

    Raises:
        RenderError: LibreOffice is not installed, fails or takes longer than `timeout`.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RenderError(
            "PDF export needs LibreOffice (soffice); scripts/install-system-deps.sh installs "
            "libreoffice-writer-nogui"
        )
    with tempfile.TemporaryDirectory(prefix="chainkg-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "plan.docx"
        source.write_bytes(docx)
        command = [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"LibreOffice took longer than {timeout:.0f} s to convert the plan") from exc
        target = folder / "plan.pdf"
        if done.returncode != 0 or not target.is_file():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
            raise RenderError(
                f"LibreOffice could not convert the plan to PDF (exit {done.returncode}): {detail}"
            )
        return target.read_bytes()


def plan_pdf(plan: IndustryPlan, map_png: bytes | None = None, *, drafted: date | None = None) -> bytes:
    """The Word document, set in the fonts installed here, as PDF."""
    return docx_to_pdf(plan_docx(plan, map_png, fonts=RENDER_FONTS, drafted=drafted))


def targets_xlsx(plan: IndustryPlan) -> bytes:
    """The two target lists (增资扩产, 新引进; a sheet each) and the leader set as an Excel workbook
    with Chinese headers."""
    sheets = []
    for track, targets in ((EXPAND, plan.expand), (NEW, plan.new)):
        header, rows = _table(plan, track)
        listed = [
            [
                *row[:4],
                target.score,
                *row[5:],
                target.enterprise_id,
                target.node_id,
                "是" if target.qualifies_for_quota else "否",
            ]
            for target, row in zip(targets, rows, strict=True)
        ]
        sheets.append(
            Sheet(
                f"目标企业-{TRACK_NAMES[track]}",
                [
                    [plan_title(plan)],
                    [plan.quota.text],
                    [*header, "企业ID", "环节ID", "计入年度目标"],
                    *listed,
                ],
                bold={3: None},
                widths=(6, 28, 20, 8, 8, 24, 80, 30, 18, 22, 10),
                wrapped=(6, 7),
            )
        )
    header, rows = _table(plan, "leaders")
    sheets.append(Sheet("链主企业组合", [list(header), *rows]))
    info = [["规则版本", plan.config_version], ["数据截至", plan.data_as_of], ["范围", plan.scope]]
    sheets.append(Sheet("说明", info))
    return workbook(sheets)


def render_plan(plan: IndustryPlan, fmt: str, *, view: nx.MultiDiGraph, gaps: ChainGaps) -> bytes:
    """The drafted plan as the bytes of one file: md, html, docx, pdf, or the target list as xlsx
    (`api.services` computes the plan and the gaps; this only writes them out).

    Raises:
        ValueError: an unknown format.
    """
    if fmt not in PLAN_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(PLAN_FORMATS)}")
    if fmt == "md":
        return plan_markdown(plan).encode("utf-8")
    if fmt == "xlsx":
        return targets_xlsx(plan)
    if fmt == "html":
        return plan_html(plan, chain_map_png(view, gaps)).encode("utf-8")
    png = chain_map_png(view, gaps, page_width=PAGE_FIGURE_WIDTH_IN)
    if fmt == "pdf":
        return plan_pdf(plan, png)
    return plan_docx(plan, png)

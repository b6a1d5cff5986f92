"""The one Excel writer: every .xlsx the project hands out (target lists, reports, the project
export, the declaration templates) is a list of `Sheet`s written by `workbook`, every cell made
safe by `graph.text.sheet_row`. It sits in `ingest/`, beside `ingest.tables` which reads the
sheets back, so the sources' templates and `api/` share it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.text import sheet_row

REQUIRED_FILL, OPTIONAL_FILL = "0B5CAD", "DCE6F2"  # a form's header: required columns dark blue
FORM_ROWS = 1000  # the rows of a form that offer the drop-down lists


@dataclass(frozen=True)
class Sheet:
    """One worksheet as `workbook` writes it: its rows (made safe for Excel by `sheet_row`), the
    bold rows (1-based row number: font size, None for the default), the column widths, the
    columns (0-based) wrapped and top-aligned below the last bold row, and the cell the panes
    freeze at.

    A form to fill in (a template) names its `required` columns (0-based): row 1 is then its
    header, bold on light blue, the required columns white on dark blue; `choices` offers a
    drop-down list (column -> the values) in the rows below.
    """

    title: str
    rows: list[list[Any]]
    bold: dict[int, float | None] = field(default_factory=dict)
    widths: tuple[float, ...] = ()
    wrapped: tuple[int, ...] = ()
    freeze: str | None = None
    required: tuple[int, ...] | None = None
    choices: dict[int, Sequence[str]] = field(default_factory=dict)


def workbook(sheets: Iterable[Sheet]) -> bytes:
    """An Excel workbook of `sheets`, in order.

    >>> from openpyxl import load_workbook
    >>> book = load_workbook(io.BytesIO(workbook([Sheet("表", [["名称", "数"], ["=1+1", 2]])])))
    >>> [[c.value for c in row] for row in book["表"].iter_rows()]
    [['名称', '数'], ["'=1+1", 2]]
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        for row in spec.rows:
            sheet.append(sheet_row(row))
        for number, size in spec.bold.items():
            for cell in sheet[number][: len(spec.rows[number - 1])]:
                cell.font = Font(bold=True, size=size)
        for column, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        for cells in sheet.iter_rows(min_row=max(spec.bold, default=0) + 1):
            for column in spec.wrapped:
                cells[column].alignment = Alignment(wrap_text=True, vertical="top")
        if spec.required is not None:
            _form(sheet, spec.required, spec.choices)
        sheet.freeze_panes = spec.freeze
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _form(sheet: Any, required: tuple[int, ...], choices: dict[int, Sequence[str]]) -> None:
    """Style row 1 as a form's header and add the drop-down lists (one validation per list)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for column, cell in enumerate(sheet[1]):
        needed = column in required
        cell.font = Font(bold=True, color="FFFFFF" if needed else "000000")
        cell.fill = PatternFill("solid", fgColor=REQUIRED_FILL if needed else OPTIONAL_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    lists: dict[str, DataValidation] = {}
    for column, values in choices.items():
        formula = '"' + ",".join(values) + '"'
        if formula not in lists:
            lists[formula] = DataValidation(type="list", formula1=formula, allow_blank=True)
            sheet.add_data_validation(lists[formula])
        letter = get_column_letter(column + 1)
        lists[formula].add(f"{letter}2:{letter}{FORM_ROWS}")

"""Tables as an attacker writes them (issue 16): a dimension tag that understates the rows, and
control characters in cells."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.tables import read_table


def test_an_xlsx_whose_dimension_tag_understates_its_rows_is_read_whole(tmp_path: Path):
    from openpyxl import Workbook

    book = Workbook()
    for row in (["名称", "数量"], ["甲", 1], ["乙", 2], ["丙", 3]):
        book.active.append(row)
    honest, lying = tmp_path / "honest.xlsx", tmp_path / "lying.xlsx"
    book.save(honest)
    with zipfile.ZipFile(honest) as src, zipfile.ZipFile(lying, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B1"', data)
            dst.writestr(item, data)
    rows = read_table(lying, ("名称", "数量"))
    assert [(r.line, r.cells["名称"], r.cells["数量"]) for r in rows] == [
        (2, "甲", "1"),
        (3, "乙", "2"),
        (4, "丙", "3"),
    ]


def test_control_characters_in_cells_are_stripped(tmp_path: Path):
    path = tmp_path / "firms.csv"
    path.write_text("名称,城市\n甲\x0b公司\x01,昆\x1b[31m明\n", encoding="utf-8")
    assert read_table(path, ("名称",))[0].cells == {"名称": "甲公司", "城市": "昆[31m明"}

"""Tables as an attacker writes them (issue 16): a dimension tag that understates the rows, and
control characters in cells."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from graph.errors import ValidationError
from ingest import tables
from ingest.tables import read_table, stream_table


class Cells:
    """`stream_cells`, decoding JSON Lines in this process or, `apart`, in a second one (every
    file counts as large); `forks` counts the reading processes started."""

    def __init__(self, apart: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.apart, self.forks = apart, 0
        if apart:
            monkeypatch.setattr("ingest.tables.READER_PROCESS_BYTES", 0)
            started = tables.in_second_process

            def counted(*args: Any) -> Any:
                self.forks += 1
                return started(*args)

            monkeypatch.setattr("ingest.tables.in_second_process", counted)

    def __call__(self, path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> Any:
        return tables.stream_cells(path, columns, optional, apart=self.apart)


@pytest.fixture(params=[False, True], ids=["one process", "second process"])
def stream_cells(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Cells:
    return Cells(request.param, monkeypatch)


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


def test_an_xlsx_sheet_streams_and_a_shifted_row_is_named_after_the_rows(tmp_path: Path):
    """The sheet is read a row at a time (issue 15 item 3): the first rows come out before a
    shifted row further down is reached, and that row is then named with its line; an empty
    row in between is skipped, a short row padded."""
    from openpyxl import Workbook

    book = Workbook()
    for row in (["名称", "数量", ""], ["甲", 1], [], ["乙", 2.0, None], ["丙", 3, "多出"]):
        book.active.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    rows = stream_table(path, ("名称", "数量"))
    first = next(rows)
    assert (first.line, first.cells) == (2, {"名称": "甲", "数量": "1"})
    with pytest.raises(ValidationError) as err:
        rest = [(r.line, r.cells) for r in rows]
    assert str(err.value) == f"{path}:5: 3 cells but the header has 2 (a shifted row?)"
    assert "rest" not in locals()


def test_cells_are_the_rows_cells(tmp_path: Path, stream_cells: Cells):
    """`stream_cells` gives what `Row.get` gives, for CSV and JSON Lines alike: stripped, control
    characters removed, an absent optional column empty, a JSON number as its text."""
    csv_path, jsonl_path = tmp_path / "t.csv", tmp_path / "t.jsonl"
    csv_path.write_text("a,b,a\n x ,\x01y,z\n,,\n1,2,3\n", encoding="utf-8")
    assert list(stream_cells(csv_path, ("a", "b"), ("c",))) == [(2, ["z", "y", ""]), (4, ["3", "2", ""])]
    jsonl_path.write_text(
        '{"a": " x ", "b": 0.25, "c": null}\n\n{"a": "\\u0001y", "b": 2, "c": "w"}\n'
        '{"a": " \\u001f p\\u000bq\\u2028 ", "b": "\\u001f", "c": " \\u3000v"}\n',
        encoding="utf-8",
    )
    # a value is stripped, and its control characters removed, whether the others' hold any or not
    assert list(stream_cells(jsonl_path, ("a", "b"), ("c", "d"))) == [
        (1, ["x", "0.25", "", ""]),
        (3, ["y", "2", "w", ""]),
        (4, ["pq", "", "v", ""]),
    ]
    assert list(stream_cells(jsonl_path, ())) == [(1, []), (3, []), (4, [])]  # no column: each row still
    assert stream_cells.forks == (2 if stream_cells.apart else 0)  # (CSV is read in this process)


def test_json_lines_read_in_chunks_give_what_one_line_at_a_time_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream_cells: Cells
):
    """Lines are decoded a chunk at a time; the rows, the lines named and the error are those of
    reading one line at a time: a chunk holding a bad line, a blank one or a line of two values
    is read again line by line. So too when a second process decodes them: the error comes
    after the rows before it."""
    monkeypatch.setattr("ingest.tables.JSON_CHUNK", 3)
    path = tmp_path / "t.jsonl"
    good = [
        '{"a": "x", "b": 1}',
        "",
        '{"a": "\\u0001y", "b": 12345678901234567890123}',
        '{"a": " p\\t", "b": 0.5, "c": "\\u4e91"}',
        '{"a": "q", "b": NaN}',
        '  {"a": "r", "b": true}  ',
        '{"a": "s", "b": null}',
    ]
    path.write_text("\n".join(good) + "\n", encoding="utf-8")
    assert list(stream_cells(path, ("a", "b"), ("c",))) == [
        (1, ["x", "1", ""]),
        (3, ["y", "12345678901234567890123", ""]),
        (4, ["p", "0.5", "云"]),
        (5, ["q", "nan", ""]),
        (6, ["r", "True", ""]),
        (7, ["s", "", ""]),
    ]
    bad = [*good[:5], '{"a": "t", "b": 2}, {"a": "u", "b": 3}', "[1]", '{"a": "v"}', '{"a": "w", "b": 4}']
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    rows = stream_cells(path, ("a", "b"))
    read = []
    with pytest.raises(ValidationError) as err:
        for row in rows:
            read.append(row)
    assert read == [
        (1, ["x", "1"]),
        (3, ["y", "12345678901234567890123"]),
        (4, ["p", "0.5"]),
        (5, ["q", "nan"]),
    ]
    assert err.value.problems == [
        f"{path}:6: not valid JSON (Extra data)",
        f"{path}:7: expected a JSON object",
        f"{path}:8: missing field(s) b",
    ]
    assert stream_cells.forks == (2 if stream_cells.apart else 0)

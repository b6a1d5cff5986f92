"""Reading tabular files the way Chinese offices write them, with errors that name file and row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.errors import ValidationError

AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Row:
    """One data row of a table: where it is (file, line) and its cells by column name."""

    path: Path
    line: int
    cells: dict[str, str]

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()


def decode_text(path: Path, *, allow_gbk: bool = False) -> str:
    """The text of `path`: UTF-8 (with or without BOM), or GBK/GB18030 when `allow_gbk`.

    Raises:
        ValidationError: the bytes are in no accepted encoding; names the file and the
            first bad byte's line.
    """
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if allow_gbk:
            try:
                return raw.decode("gb18030")
            except UnicodeDecodeError:
                pass
        looks_gbk = _decodes(raw, "gb18030")
        hint = "；文件像是 GBK 编码，请另存为 UTF-8" if looks_gbk else ""
        raise ValidationError(f"{path}:{line}: not valid UTF-8{hint}") from exc


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def read_csv(path: Path, columns: tuple[str, ...], *, allow_gbk: bool = False) -> Iterator[Row]:
    """Rows of a CSV file whose header must hold every name in `columns`.

    Raises:
        ValidationError: unreadable encoding, a missing column, or a row with more or fewer
            cells than the header (a shifted row).
    """
    text = decode_text(path, allow_gbk=allow_gbk)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError(f"{path}: empty file, expected a header {','.join(columns)}") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError(f"{path}:1: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    rows: list[Row] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                f"{path}:{line}: {len(cells)} cells but the header has {len(header)} (a shifted row?)"
            )
            continue
        rows.append(Row(path, line, dict(zip(header, cells, strict=True))))
    if problems:
        raise ValidationError(problems[0], problems)
    yield from rows

"""Reading tabular files the way Chinese offices write them, with errors that name file and row.

CSV in UTF-8 (with or without BOM) or GBK/GB18030, Excel `.xlsx` (first sheet) and JSON Lines.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import json
import multiprocessing
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from graph.errors import ValidationError
from graph.text import CONTROL, json_value, strip_controls

T = TypeVar("T")
AS_OF = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def is_as_of(text: str) -> bool:
    """Whether `text` is a year, YYYY-MM or a real calendar date YYYY-MM-DD.

    >>> [is_as_of(t) for t in ("2024", "2024-06", "2024-02-29", "2023-02-29", "2026-13", "24")]
    [True, True, True, False, False, False]
    """
    if not AS_OF.match(text):
        return False
    if len(text) == 10:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return False
    return True


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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if allow_gbk:
            try:
                return raw.decode("gb18030")
            except UnicodeDecodeError:
                raise ValidationError(f"{path}:{line}: neither UTF-8 nor GBK/GB18030 text") from exc
        looks_gbk = _decodes(raw, "gb18030")
        hint = "；文件像是 GBK 编码，请另存为 UTF-8" if looks_gbk else ""
        raise ValidationError(f"{path}:{line}: not valid UTF-8{hint}") from exc


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _rows_from_cells(
    path: Path, header: list[str], body: Iterator[tuple[int, list[str]]], columns: tuple[str, ...]
) -> list[Row]:
    return list(_stream_rows(path, header, body, columns))


def _stream_rows(
    path: Path, header: list[str], body: Iterator[tuple[int, list[str]]], columns: tuple[str, ...]
) -> Iterator[Row]:
    """The rows of `body` as they come; shifted rows are collected and raised after the last
    row (an import reading them writes inside a transaction that the error rolls back)."""
    for line, cells, clean in _records(path, header, body, columns):
        yield Row(
            path,
            line,
            dict(zip(header, cells, strict=True))
            if clean
            else {h: strip_controls(c) for h, c in zip(header, cells, strict=True)},
        )


def _records(
    path: Path, header: list[str], body: Iterator[tuple[int, list[str]]], columns: tuple[str, ...]
) -> Iterator[tuple[int, list[str], bool]]:
    """(line, cells, whether they hold no control character) for every non-empty row of `body`
    as wide as the header; shifted rows are raised after the last row."""
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError(f"{path}:1: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    width = len(header)
    for line, cells in body:
        if len(cells) != width:
            if not any(str(c).strip() for c in cells):
                continue
            problems.append(f"{path}:{line}: {len(cells)} cells but the header has {width} (a shifted row?)")
            continue
        # one search over the row's text; the cells are cleaned one by one only when it finds
        # a control character
        text = "".join(cells)
        if not text.strip():
            continue
        if not problems:  # after a shifted row the file is refused: the rest is only checked
            yield line, cells, CONTROL.search(text) is None
    if problems:
        raise ValidationError(problems[0], problems)


def text_encoding(path: Path, *, allow_gbk: bool = False) -> str:
    """The encoding `decode_text` would read `path` in, found by decoding it in chunks (the
    file is never held whole); raises as `decode_text` does."""
    for encoding in ("utf-8-sig", "gb18030") if allow_gbk else ("utf-8-sig",):
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 1
        try:
            with path.open("rb") as file:
                while chunk := file.read(1 << 20):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
            return encoding
        except OSError as exc:
            raise ValidationError(f"{path}: cannot read: {exc.strerror}") from exc
        except UnicodeDecodeError:
            continue
    decode_text(path, allow_gbk=allow_gbk)  # raises, naming the first bad line
    raise ValidationError(f"{path}: not valid text")  # not reached


def read_csv(path: Path, columns: tuple[str, ...] = (), *, allow_gbk: bool = False) -> Iterator[Row]:
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
    body = ((reader.line_num, cells) for cells in reader)
    yield from _rows_from_cells(path, header, body, columns)


def read_xlsx(path: Path, columns: tuple[str, ...] = ()) -> Iterator[Row]:
    """Rows of the first sheet of an Excel workbook; the first non-empty row is the header.
    The sheet is streamed (openpyxl's read-only mode): one row in memory at a time."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # read-only mode trusts the file's dimension tag, which may understate the rows
        values = (
            (
                number,
                [
                    "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                    for v in row
                ],
            )
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        filled = ((n, cells) for n, cells in values if any(c.strip() for c in cells))
        first = next(filled, None)
        if first is None:
            raise ValidationError(f"{path}: empty workbook")
        _, header = first
        while header and not header[-1].strip():
            header = header[:-1]
        width = len(header)
        # a row's trailing empty cells may be absent from the file: pad them; content beyond the
        # header is a shifted row
        body = (
            (
                n,
                (cells + [""] * (width - len(cells)))[:width]
                if not any(c.strip() for c in cells[width:])
                else cells,
            )
            for n, cells in filled
        )
        yield from _stream_rows(path, [h.strip() for h in header], body, columns)
    finally:
        book.close()


def read_jsonl(path: Path, columns: tuple[str, ...] = ()) -> Iterator[Row]:
    """Rows of a JSON Lines file (one object a line); every object must have `columns`."""
    text = decode_text(path, allow_gbk=True)
    yield from list(_jsonl_rows(path, enumerate(text.splitlines(), start=1), columns))


def _jsonl_rows(path: Path, lines: Iterable[tuple[int, str]], columns: tuple[str, ...]) -> Iterator[Row]:
    """Rows of JSON Lines as they come; bad lines raised after the last one (as `_stream_rows`)."""
    for chunk in _jsonl_objects(path, lines, columns):
        for line, data, clean in chunk:
            yield Row(
                path,
                line,
                {k: "" if v is None else str(v) for k, v in data.items()}
                if clean
                else {k: "" if v is None else strip_controls(str(v)) for k, v in data.items()},
            )


_LINE_ENDS = ("", "\n", "\r\n")


JSON_CHUNK = 2000  # JSON Lines decoded by one json.loads


def _chunk_values(raws: list[str]) -> list[Any] | None:
    """The values of `raws` (lines of JSON) decoded as one JSON array, one C call for the chunk;
    None when the chunk must be read line by line: a bad line, or a line that is not exactly
    one value (`1, 2`), which the count of values tells."""
    try:
        values = json.loads("[" + ",".join(raws) + "]")
    except json.JSONDecodeError:
        return None
    return values if len(values) == len(raws) else None


def _jsonl_chunks(
    path: Path, lines: Iterable[tuple[int, str]], columns: tuple[str, ...]
) -> Iterator[tuple[list[int], list[dict[str, Any]], list[str]]]:
    """(line numbers, objects, their lines' text) for every object line that has `columns`, a
    chunk of lines at a time; bad lines are raised after the last one. A chunk is decoded by one
    json.loads; a chunk holding a bad line (or a blank one, or a line of two values) is decoded
    again line by line, to name the line."""
    problems: list[str] = []
    wanted = set(columns)
    numbered = iter(lines)
    while chunk := list(itertools.islice(numbered, JSON_CHUNK)):
        raws = [raw for _line, raw in chunk]
        values = _chunk_values(raws)
        if (
            values is not None
            and not problems
            and all(type(data) is dict and wanted <= data.keys() for data in values)
        ):
            yield [line for line, _raw in chunk], values, raws
            continue
        found: tuple[list[int], list[dict[str, Any]], list[str]] = ([], [], [])
        for at, (line, raw) in enumerate(chunk):
            if values is not None:
                data = values[at]
            else:
                try:
                    data = json_value(raw, _LINE_ENDS)  # a JSON value up to its line break
                except json.JSONDecodeError as exc:
                    if not raw.strip():
                        continue
                    problems.append(f"{path}:{line}: not valid JSON ({exc.msg})")
                    continue
            if type(data) is not dict:
                problems.append(f"{path}:{line}: expected a JSON object")
                continue
            if not wanted <= data.keys():
                missing = [c for c in columns if c not in data]
                problems.append(f"{path}:{line}: missing field(s) {', '.join(missing)}")
                continue
            if not problems:  # after a bad line the file is refused: the rest is only checked
                found[0].append(line)
                found[1].append(data)
                found[2].append(raw)
        if found[0]:
            yield found
    if problems:
        raise ValidationError(problems[0], problems)


def _jsonl_objects(
    path: Path, lines: Iterable[tuple[int, str]], columns: tuple[str, ...]
) -> Iterator[list[tuple[int, dict[str, Any], bool]]]:
    """`_jsonl_chunks` as lists of (line, object, whether its text holds no escape or control
    character)."""
    for numbers, objects, raws in _jsonl_chunks(path, lines, columns):
        text = "".join(raws)
        # a line with no backslash escapes and no control character holds none once decoded
        if "\\" not in text and CONTROL.search(text) is None:
            yield [(line, data, True) for line, data in zip(numbers, objects, strict=True)]
        else:
            yield [
                (line, data, "\\" not in raw and CONTROL.search(raw) is None)
                for line, data, raw in zip(numbers, objects, raws, strict=True)
            ]


def read_table(path: Path, columns: tuple[str, ...] = ()) -> list[Row]:
    """Rows of a CSV (any office encoding), XLSX or JSON Lines file, by its extension."""
    return list(stream_table(path, columns))


def stream_table(path: Path, columns: tuple[str, ...] = ()) -> Iterator[Row]:
    """The rows of `read_table` one at a time: a CSV or JSON Lines file is read as it goes, never
    held whole (an .xlsx sheet streams too). Errors in the rows come after the last row.

    Raises:
        ValidationError: as `read_table`.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, columns)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _stream_jsonl(path, columns)
    if suffix in (".csv", ".txt", ""):
        return _stream_csv(path, columns)
    raise ValidationError(f"{path}: unsupported file type {suffix!r}; use .csv, .xlsx or .jsonl")


def stream_cells(
    path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = (), *, apart: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """(line, the row's `columns` and then `optional` columns as `Row.get` gives them: "" when
    absent) for every row of `stream_table(path, columns)`, without a Row a line. With `apart`, a
    large JSON Lines file (`read_apart`) is decoded by a second process meanwhile.

    Raises:
        ValidationError: as `read_table`.
    """
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson") and path.is_file():
        return _jsonl_cells(path, columns, optional, apart)
    if suffix in (".csv", ".txt", "") and path.is_file():
        return _csv_cells(path, columns, optional)
    wanted = columns + optional
    return ((row.line, [row.get(c) for c in wanted]) for row in stream_table(path, columns))


def _csv_parts(
    path: Path, columns: tuple[str, ...]
) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """The header of a CSV file and its body as (line, cells), once (the file open meanwhile)."""
    encoding = text_encoding(path, allow_gbk=True)
    with path.open(encoding=encoding, newline="") as file:
        reader = csv.reader(file)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ValidationError(f"{path}: empty file, expected a header {','.join(columns)}") from None
        yield header, ((reader.line_num, cells) for cells in reader)


def _csv_cells(
    path: Path, columns: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, list[str]]]:
    for header, body in _csv_parts(path, columns):
        # the last cell of a column named twice, as a Row's dict keeps it; an absent optional
        # column reads the empty cell put after the row's own (-1)
        at = [len(header) - 1 - header[::-1].index(c) if c in header else -1 for c in columns + optional]
        for line, cells, clean in _records(path, header, body, columns):
            cells.append("")
            if clean:
                yield line, [cells[i].strip() for i in at]
            else:
                yield line, [strip_controls(cells[i]).strip() for i in at]


READER_PROCESS_BYTES = 32 << 20  # a register this large is read and matched by a second process


def _jsonl_cells(
    path: Path, columns: tuple[str, ...], optional: tuple[str, ...], apart: bool
) -> Iterator[tuple[int, list[str]]]:
    encoding = text_encoding(path, allow_gbk=True)  # (checked at once: the rows are one generator deep)
    wanted = columns + optional
    if apart and read_apart(path):
        # decoded by a second process, which sends each chunk as its columns (a list of line
        # numbers and a list of strings a column: quick to pickle); the rows are made here
        chunks = in_second_process(lambda: _jsonl_column_chunks(path, encoding, wanted, columns), path, 1)
    else:
        chunks = _jsonl_column_chunks(path, encoding, wanted, columns)
    # a chunk's rows made by itertools (no Python layer a row: at five million rows each
    # microsecond a row is five seconds)
    return itertools.chain.from_iterable(_rows_of(numbers, cells) for numbers, cells in chunks)


def _rows_of(numbers: list[int], cells: list[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """A chunk's (line, its cells) from its line numbers and its columns' cells."""
    if not cells:  # no column asked for: a row's cells are none
        return ((line, []) for line in numbers)
    return zip(numbers, map(list, zip(*cells, strict=True)), strict=True)


def read_apart(path: Path) -> bool:
    """Whether `path` is large enough to be read by a second process (`in_second_process`),
    where processes can be forked."""
    return (
        path.is_file()
        and path.stat().st_size >= READER_PROCESS_BYTES
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _jsonl_column_chunks(
    path: Path, encoding: str, wanted: tuple[str, ...], columns: tuple[str, ...]
) -> Iterator[tuple[list[int], list[list[str]]]]:
    """(line numbers, the cells of each of the `wanted` columns) for each chunk of object lines
    that have `columns` (`_jsonl_chunks`), a column's cells made at once (`_column_cells`)."""
    with path.open(encoding=encoding, newline="") as file:
        for numbers, objects, _raws in _jsonl_chunks(path, enumerate(file, start=1), columns):
            yield numbers, [_column_cells([data.get(key) for data in objects]) for key in wanted]


def _column_cells(values: list[Any]) -> list[str]:
    """A column's cells as `Row.get` gives them: the text stripped ("" for null), control
    characters removed. Stripped first, then searched for a control character, all at once: a
    value whose stripped text holds none is what stripping its controls and then it gives."""
    cells = [v.strip() if type(v) is str else ("" if v is None else str(v).strip()) for v in values]
    if CONTROL.search("".join(cells)) is None:
        return cells
    return [("" if v is None else strip_controls(str(v))).strip() for v in values]


def in_second_process(
    items: Callable[[], Iterable[T]], name: object, per_send: int = JSON_CHUNK
) -> Iterator[T]:
    """The items `items()` gives, made by a forked process and sent over a pipe `per_send` at a
    time while this one uses them: reading, decoding and checking rows takes the other core (a
    pipe holds about one chunk: memory stays bounded). An error the items raise is raised here
    after the items before it, as in one process; the process is stopped when the items are
    not all taken. `name` (the file) names a reading process that died."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    reader = context.Process(target=_send_items, args=(send, items, per_send), daemon=True)
    reader.start()
    send.close()
    try:
        while True:
            try:
                kind, payload = receive.recv()
            except EOFError:
                raise ValidationError(
                    f"{name}: the reading process stopped (exit code {reader.exitcode})"
                ) from None
            if kind == "items":
                yield from payload
            elif kind == "invalid":
                raise ValidationError(payload[0], payload[1])
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        receive.close()
        if reader.is_alive():
            reader.kill()
        reader.join()


def _send_items(send: Any, items: Callable[[], Iterable[Any]], per_send: int) -> None:
    """The reading process of `in_second_process`: sends ("items", chunk)s, then ("done", None),
    ("invalid", (message, problems)) or ("error", the exception)."""
    chunk: list[Any] = []
    try:
        for item in items():
            chunk.append(item)
            if len(chunk) >= per_send:
                send.send(("items", chunk))
                chunk = []
        send.send(("items", chunk))
        send.send(("done", None))
    except ValidationError as exc:
        send.send(("items", chunk))
        send.send(("invalid", (str(exc), exc.problems)))
    except Exception as exc:  # an unreadable file: raised in the importing process
        send.send(("items", chunk))
        send.send(("error", exc))
    finally:
        send.close()


def _stream_csv(path: Path, columns: tuple[str, ...]) -> Iterator[Row]:
    for header, body in _csv_parts(path, columns):
        yield from _stream_rows(path, header, body, columns)


def _stream_jsonl(path: Path, columns: tuple[str, ...]) -> Iterator[Row]:
    encoding = text_encoding(path, allow_gbk=True)
    with path.open(encoding=encoding, newline="") as file:
        yield from _jsonl_rows(path, enumerate(file, start=1), columns)

"""Stored text on its way in and out: control characters refused at every way in and stripped
on every way out, and spreadsheet cells that can never start a formula.

A control character (other than tab and newline) has no business in a name or a note; Word and
Excel files cannot even hold most of them, and a terminal obeys them. A cell starting with
`= + - @` (or tab / CR before one) is a live formula in Excel, LibreOffice and WPS.
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Callable
from typing import Any

# C0 controls except tab, newline and CR; DEL; C1 controls (ESC-like CSI \x9b among them);
# the Unicode line / paragraph separators and bidirectional overrides, which reorder what is shown.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
LINE_BREAKS = re.compile("[\t\n\r]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def control_problem(field: str, text: str, *, multiline: bool = False) -> str | None:
    """A problem naming `field` and the first control character in `text`, or None.

    >>> control_problem("name", "ab\\x0bc")
    "name: 含有控制字符 (a control character, '\\\\x0b' at position 3)"
    >>> control_problem("notes", "line 1\\nline 2", multiline=True) is None
    True
    """
    found = CONTROL.search(text) or (None if multiline else LINE_BREAKS.search(text))
    if found is None:
        return None
    return f"{field}: 含有控制字符 (a control character, {found.group()!r} at position {found.start() + 1})"


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and newline kept).

    >>> strip_controls("甲\\x01乙\\x0b\\n丙")
    '甲乙\\n丙'
    """
    return CONTROL.sub("", text)


def sheet_cell(value: Any) -> Any:
    """A value safe to put in an .xlsx or .csv cell: text stripped of control characters and
    led by an apostrophe when it would start a formula; numbers and the rest unchanged.

    >>> sheet_cell("=HYPERLINK(\\"http://x\\")"), sheet_cell("-1+2"), sheet_cell("云南"), sheet_cell(-1.5)
    ('\\'=HYPERLINK("http://x")', "'-1+2", '云南', -1.5)
    """
    if not isinstance(value, str):
        return value
    text = strip_controls(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def sheet_row(values: Any) -> list[Any]:
    """`sheet_cell` on each value of a row."""
    return [sheet_cell(v) for v in values]


# the C scanner json.loads ends in, called without the Python layers around it
_SCAN: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def json_value(text: str, ends: tuple[str, ...] = ("",)) -> Any:
    """`json.loads(text)`, by json's C scanner directly when `text` is one JSON value from its
    first character followed by one of `ends` (what `loads` does around the scan costs more
    than the scan of a short text: a stored property set, a line of JSON Lines), else by
    `json.loads` itself, its result or its error.

    >>> json_value('{"a": [1, 2.5]}'), json_value('{"a": 1}\\n', ("", "\\n"))
    ({'a': [1, 2.5]}, {'a': 1})
    """
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError):
        return json.loads(text)
    return value if text[end:] in ends else json.loads(text)

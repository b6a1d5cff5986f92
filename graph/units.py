"""Numbers and lists as people and published tables write them, and money in one unit: 亿元
(100 million yuan, CNY), the unit planners and measure 1 use.

Every way in reads numbers and lists here: the project form and the county's sheet
(`workflow.fields`), the published lists (`ingest.sources.rankings`) and the curated dataset
(`ingest.curated`). Lists publish 万元 (China 500, private 500) or millions of US dollars
(Fortune); the original figure and unit are kept beside the converted one.
"""

from __future__ import annotations

import re
from typing import Any

# Yearly average RMB per US dollar (central parity), 国家统计局《国民经济和社会发展统计公报》.
USD_CNY_YEARLY_AVERAGE: dict[int, float] = {
    2019: 6.8985,
    2020: 6.8976,
    2021: 6.4515,
    2022: 6.7261,
    2023: 7.0467,
    2024: 7.1217,
}

# Thousands separators (ASCII and full-width), spaces and currency signs: never part of the number.
NUMBER_NOISE = re.compile(r"[$,，\s¥￥]")
NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
# What separates the items of a list typed in a form or a sheet cell.
LIST_SEPARATORS = ",，、;；\n"


def parse_amount(text: str, *, unit: str = "") -> float:
    """A number as lists and forms print it: `$648,125`, `1,309,085`, `12.5` -> 648125.0 ...;
    a trailing `unit` (and its first character alone: 亿元 or 亿) is dropped.

    Raises:
        ValueError: the text holds no number.

    >>> parse_amount("$648,125"), parse_amount(" 130908500 "), parse_amount("1,2亿元", unit="亿元")
    (648125.0, 130908500.0, 12.0)
    >>> parse_amount("十亿", unit="亿元")
    Traceback (most recent call last):
    ValueError: '十亿' is not a number
    """
    cleaned = NUMBER_NOISE.sub("", text or "")
    if unit:
        cleaned = cleaned.removesuffix(unit).removesuffix(unit[0])
    if not NUMBER.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a number")
    return float(cleaned)


def money_yi(value: Any) -> float | None:
    """An amount in 亿元 from a form or a sheet cell (a number, or text with an optional 亿/亿元),
    or None when it is not one.

    >>> money_yi(3), money_yi("1，200.5 亿"), money_yi("lots"), money_yi(True)
    (3.0, 1200.5, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if number == number and abs(number) != float("inf") else None
    try:
        return parse_amount(str(value), unit="亿元")
    except ValueError:
        return None


def split_list(value: Any, separators: str = LIST_SEPARATORS) -> list[str]:
    """The items of a list: a list as it is, or text split at any of `separators`; items
    stripped, empty ones dropped.

    >>> split_list("硅片、 电池片;;组件"), split_list("a, b;c", ";"), split_list(["x ", ""])
    (['硅片', '电池片', '组件'], ['a, b', 'c'], ['x'])
    """
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = re.split(f"[{re.escape(separators)}]", str(value))
    return [i.strip() for i in items if i and i.strip()]


def wan_yuan_to_yi(amount: float) -> float:
    """万元 to 亿元."""
    return round(amount / 10_000, 4)


def musd_to_yi(amount: float, year: int) -> float:
    """Millions of US dollars to 亿元 at the year's average rate.

    Raises:
        KeyError: no rate recorded for `year`.

    >>> musd_to_yi(100, 2023)
    7.0467
    """
    return round(amount * USD_CNY_YEARLY_AVERAGE[year] / 100, 4)

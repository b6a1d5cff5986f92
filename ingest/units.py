"""Money in one unit: 亿元 (100 million yuan, CNY), the unit planners and measure 1 use.

Lists publish 万元 (China 500, private 500) or millions of US dollars (Fortune); the original
figure and unit are kept beside the converted one.
"""

from __future__ import annotations

import re

# Yearly average RMB per US dollar (central parity), 国家统计局《国民经济和社会发展统计公报》.
USD_CNY_YEARLY_AVERAGE: dict[int, float] = {
    2019: 6.8985,
    2020: 6.8976,
    2021: 6.4515,
    2022: 6.7261,
    2023: 7.0467,
    2024: 7.1217,
}


def parse_amount(text: str) -> float:
    """A number as lists print it: `$648,125`, `1,309,085`, `12.5%` -> 648125.0 ...

    Raises:
        ValueError: the text holds no number.

    >>> parse_amount("$648,125"), parse_amount(" 130908500 ")
    (648125.0, 130908500.0)
    """
    cleaned = re.sub(r"[$,，\s¥￥]", "", text or "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise ValueError(f"{text!r} is not a number")
    return float(cleaned)


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

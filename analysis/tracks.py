"""The two target lists, 增资扩产 (groups already in Yunnan) and 新引进 (new investors): their ids
and names, apart from the analyses that fill them (printing a kept answer needs only these)."""

from __future__ import annotations

EXPAND, NEW = "expand", "new"
TRACK_NAMES = {EXPAND: "增资扩产", NEW: "新引进"}


def tracks_text(expand: int, new: int) -> str:
    """How many of a set are on each list, e.g. 其中增资扩产1家、新引进2家."""
    return f"其中{TRACK_NAMES[EXPAND]}{expand}家、{TRACK_NAMES[NEW]}{new}家"

"""The project library's shared vocabulary: the stages a project goes through, the review state
that makes it count, and what a major project is. `workflow.projects` (the writes) and
`analysis.tracking` (the counts) both read these, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STAGES: tuple[str, ...] = ("lead", "negotiating", "signed", "started", "production")
SIGNED = STAGES.index("signed")
APPROVED = "province_approved"
MAJOR_INVESTMENT_YI = 10.0  # measure 1: an industrial project of >= 10亿元


def stage_index(stage: str) -> int:
    """The position of `stage` in STAGES (an unknown stage counts as the first).

    >>> stage_index("signed"), stage_index("nonsense")
    (2, 0)
    """
    return STAGES.index(stage) if stage in STAGES else 0


def is_major(props: Mapping[str, Any]) -> bool:
    """Measure 1's size test: an investment of at least MAJOR_INVESTMENT_YI 亿元."""
    try:
        return float(props.get("investment_yi") or 0) >= MAJOR_INVESTMENT_YI
    except (TypeError, ValueError):
        return False

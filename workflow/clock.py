"""The project library's clock: dates and timestamps in China's time zone (UTC+8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today_in_china() -> date:
    return datetime.now(CHINA_TZ).date()


def now_in_china() -> str:
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")

"""Dates as people type them in chat."""

from __future__ import annotations

import re
from datetime import date

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_user_date(text: str, today: date) -> date | None:
    """'2023-06-30', '2023年6月30日', '2023/6/30', '6月30日' (this year); None when unreadable."""
    text = text.strip().replace("号", "日")
    try:
        if match := _FULL.search(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _MONTH_DAY.search(text):
            return date(today.year, int(match[1]), int(match[2]))
    except ValueError:
        return None
    return None

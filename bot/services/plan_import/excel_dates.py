"""What Excel shows for a date cell: its number format applied (m"月"d"日" → 4月30日)."""

from __future__ import annotations

import datetime as dt
import re

from bot.services.plan_import.numerals import int_to_chinese

# Built-in format 14 is the locale's short date; a Chinese Excel shows 2022/4/30.
_LOCALE_SHORT_DATE = "mm-dd-yy"
_TOKEN = re.compile(
    r'"[^"]*"|\\.|yyyy|yy|e|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|aaaa|aaa|hh|h|ss|s|AM/PM|上午/下午|.',
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\[[^\]]*\]")
_WEEKDAYS = "一二三四五六日"
_CN_DIGITS = "〇一二三四五六七八九"


def render_date(value: dt.date, number_format: str | None) -> str:
    """The text Excel displays; unknown formats fall back to 2022-04-30."""
    fmt = (number_format or "").split(";")[0]
    if fmt in ("", "General"):
        return value.isoformat()
    if fmt.lower() == _LOCALE_SHORT_DATE:
        return f"{value.year}/{value.month}/{value.day}"
    chinese = "DBNum1" in fmt or "DBNum2" in fmt
    fmt = _BRACKETS.sub("", fmt)
    parts: list[str] = []
    shows_date = False
    for token in _TOKEN.findall(fmt):
        lower = token.lower()
        if token.startswith('"'):
            parts.append(token[1:-1])
        elif token.startswith("\\"):
            parts.append(token[1:])
        elif lower in ("yyyy", "e"):
            parts.append(_number(value.year, chinese, year=True))
            shows_date = True
        elif lower == "yy":
            parts.append(f"{value.year % 100:02d}")
            shows_date = True
        elif lower in ("mm", "m"):
            month = f"{value.month:02d}" if lower == "mm" and not chinese else None
            parts.append(month or _number(value.month, chinese))
            shows_date = True
        elif lower in ("mmm", "mmmm", "mmmmm"):
            parts.append(f"{value.month}月")
            shows_date = True
        elif lower in ("dd", "d"):
            day = f"{value.day:02d}" if lower == "dd" and not chinese else None
            parts.append(day or _number(value.day, chinese))
            shows_date = True
        elif lower in ("aaa", "aaaa", "ddd", "dddd"):
            prefix = "星期" if lower in ("aaaa", "dddd") else ""
            parts.append(prefix + _WEEKDAYS[value.weekday()])
        elif lower in ("hh", "h", "ss", "s", "am/pm", "上午/下午"):
            # a deadline is a day: the time part (always written last) is left out
            break
        else:
            parts.append(token)
    text = "".join(parts).strip(" :,，")
    return text if shows_date else value.isoformat()


def _number(value: int, chinese: bool, *, year: bool = False) -> str:
    if not chinese:
        return str(value)
    if year:
        return "".join(_CN_DIGITS[int(ch)] for ch in str(value))
    return int_to_chinese(value)

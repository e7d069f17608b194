"""整改时限: the many ways a deadline is written, read against the plan's year."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.services.plan_import.numerals import chinese_digits_to_int, chinese_to_int

DeadlineKind = Literal["date", "immediate", "ongoing", "unknown", "none"]

# Cells that say "no deadline" rather than an unreadable one.
_EMPTY_MARKS = {"", "无", "-", "--", "—", "——", "/", "／", "\\", "暂无", "空"}
_IMMEDIATE = re.compile(r"立行立改|立即整改|立即|立改|即知即改|即查即改|马上|随时")
# periodic work (每月/每季度报送) never closes either: it reports on a cadence
_ONGOING = re.compile(
    r"长期坚持|长期|持续推进|持续整改|持续|常态化|常抓不懈|坚持|每月|每季|每年|定期"
)

_FULL_DATE = re.compile(
    r"(?<!\d)(\d{4}|\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})(?!\d)\s*[日号]?"
)
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
# a two-digit year only with 年: "12/31" is a month and a day, not the year 2012
_YEAR_MONTH = re.compile(
    r"(?:(?<!\d)(\d{4})\s*[年.\-/]|(?<!\d)(\d{2})\s*年)\s*(\d{1,2})(?!\d)\s*月?\s*"
    r"(上旬|中旬|下旬|底|末|中|份)?\s*(之前|以前|前)?"
)
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_MONTH_DAY_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?![\d./])")
_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(上旬|中旬|下旬|底|末|中|份)?\s*(之前|以前|前)?")
_YEAR_END = re.compile(r"(?<!\d)(?:(\d{4})\s*年|(\d{2})\s*年(?=\s*[底末内]))\s*(?:底|末|内|度)?")
_PLAIN_YEAR_END = re.compile(r"年底|年末|年内|本年度|今年|全年")
_HALF_YEAR = re.compile(r"(?:(\d{4}|\d{2})\s*年\s*)?(上|下)半年")
_QUARTER = re.compile(r"(?:(\d{4}|\d{2})\s*年\s*)?第?\s*([一二三四1-4])\s*季度")
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
_CN_MONTH_DAY = re.compile(r"[一二三四五六七八九十两]{1,3}(?=[月日号])")


@dataclass(frozen=True)
class Deadline:
    """A deadline as the product understands it; `raw` always keeps the text as written."""

    kind: DeadlineKind
    date: dt.date | None = None
    raw: str | None = None
    then_ongoing: bool = False
    # how an ambiguous text was read (or why it was not), for the import preview
    note: str | None = None

    @property
    def json_value(self) -> str | None:
        """The `deadline` value of the plan format."""
        if self.kind == "date" and self.date is not None:
            return self.date.isoformat()
        if self.kind in ("immediate", "ongoing"):
            return self.kind
        return None


def normalise_deadline(
    raw: str | dt.date | dt.datetime | None,
    plan_year: int | None,
    *,
    shown: str | None = None,
) -> Deadline:
    """Read a 整改时限 cell; dates without a year belong to `plan_year`.

    `shown` is how a real date cell looks in the sheet (its number format applied); it is kept
    as the raw text instead of the ISO date.
    """
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return Deadline("date", raw, shown or raw.isoformat())
    if raw is None:
        return Deadline("none")
    text = str(raw).strip()
    if text in _EMPTY_MARKS:
        return Deadline("none", raw=text or None)
    return _read_text(text, plan_year)


@lru_cache(maxsize=4096)
def _read_text(text: str, plan_year: int | None) -> Deadline:
    work = _arabise(unicodedata.normalize("NFKC", text))
    ongoing = _ONGOING.search(work) is not None
    immediate = _IMMEDIATE.search(work) is not None
    found = _find_dates(work, plan_year)
    if found.dates:
        last = max(found.dates)
        note = found.note
        if note is None and len(set(found.dates)) > 1:
            note = f"含多个日期，按最晚的{last.isoformat()}理解"
        return Deadline("date", last, text, then_ongoing=ongoing, note=note)
    if found.note:
        return Deadline("unknown", raw=text, then_ongoing=ongoing, note=found.note)
    if immediate:
        return Deadline("immediate", raw=text, then_ongoing=ongoing)
    if ongoing:
        return Deadline("ongoing", raw=text)
    return Deadline("unknown", raw=text, note=f"无法识别整改时限“{text}”")


def _arabise(text: str) -> str:
    """六月底 → 6月底, 二〇二二年 → 2022年, 十二月三十一日 → 12月31日."""
    text = _CN_YEAR.sub(lambda m: str(chinese_digits_to_int(m[0])), text)
    return _CN_MONTH_DAY.sub(lambda m: str(chinese_to_int(m[0].replace("两", "二"))), text)


@dataclass
class _Found:
    dates: list[dt.date]
    note: str | None = None


def _find_dates(work: str, plan_year: int | None) -> _Found:
    found = _Found([])
    # Each pattern consumes what it matched so that a shorter pattern cannot read it again.
    for pattern, reader in _READERS:
        work = pattern.sub(lambda match, r=reader: _consume(match, r, plan_year, found), work)
    return found


def _consume(match: re.Match[str], reader: _Reader, plan_year: int | None, found: _Found) -> str:
    result = reader(match, plan_year)
    if isinstance(result, str):
        found.note = found.note or result
    elif result is not None:
        date, note = result
        found.dates.append(date)
        found.note = found.note or note
    else:
        return match[0]
    return " "


_Result = tuple[dt.date, str | None] | str | None


_Reader = Callable[[re.Match[str], int | None], _Result]


def _year(text: str | None, plan_year: int | None) -> int | None:
    if text is None:
        return plan_year
    value = int(text)
    return value + 2000 if value < 100 else value


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _no_year(what: str) -> str:
    return f"“{what}”没有年份，且未能确定计划年份"


def _read_full(match: re.Match[str], plan_year: int | None) -> _Result:
    year = _year(match[1], plan_year)
    return _valid_date(year, int(match[2]), int(match[3]), match[0])


def _read_month_day(match: re.Match[str], plan_year: int | None) -> _Result:
    if plan_year is None:
        return _no_year(match[0])
    return _valid_date(plan_year, int(match[1]), int(match[2]), match[0])


def _read_month_day_dotted(match: re.Match[str], plan_year: int | None) -> _Result:
    month, day = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if plan_year is None:
        return _no_year(match[0])
    return _valid_date(plan_year, month, day, match[0])


def _valid_date(year: int | None, month: int, day: int, text: str) -> _Result:
    if year is None:
        return _no_year(text)
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return f"“{text}”不是有效日期"


def _read_year_month(match: re.Match[str], plan_year: int | None) -> _Result:
    year = _year(match[1] or match[2], plan_year)
    return _month_date(year, int(match[3]), match[4], match[5], match[0])


def _read_month(match: re.Match[str], plan_year: int | None) -> _Result:
    if plan_year is None:
        return _no_year(match[0])
    return _month_date(plan_year, int(match[1]), match[2], match[3], match[0])


def _month_date(
    year: int | None, month: int, part: str | None, before: str | None, text: str
) -> _Result:
    if year is None:
        return _no_year(text)
    if not 1 <= month <= 12:
        return f"“{text}”不是有效月份"
    if before and not part:
        # "6月前" literally means before June begins: the last day of May.
        if month == 1:
            return dt.date(year - 1, 12, 31), f"“{text}”按{month}月1日之前理解"
        return _month_end(year, month - 1), f"“{text}”按{month}月1日之前理解"
    if part == "上旬":
        return dt.date(year, month, 10), None
    if part == "中旬":
        return dt.date(year, month, 20), None
    if part == "中":
        return dt.date(year, month, 15), None
    return _month_end(year, month), None


def _read_year_end(match: re.Match[str], plan_year: int | None) -> _Result:
    year = _year(match[1] or match[2], plan_year)
    assert year is not None
    return dt.date(year, 12, 31), None


def _read_plain_year_end(match: re.Match[str], plan_year: int | None) -> _Result:
    if plan_year is None:
        return _no_year(match[0])
    return dt.date(plan_year, 12, 31), None


def _read_half_year(match: re.Match[str], plan_year: int | None) -> _Result:
    year = _year(match[1], plan_year)
    if year is None:
        return _no_year(match[0])
    return (dt.date(year, 6, 30) if match[2] == "上" else dt.date(year, 12, 31)), None


def _read_quarter(match: re.Match[str], plan_year: int | None) -> _Result:
    year = _year(match[1], plan_year)
    if year is None:
        return _no_year(match[0])
    quarter = int(match[2]) if match[2].isdigit() else chinese_to_int(match[2]) or 1
    return _month_end(year, quarter * 3), None


_READERS: list[tuple[re.Pattern[str], _Reader]] = [
    (_FULL_DATE, _read_full),
    (_COMPACT_DATE, _read_full),
    (_HALF_YEAR, _read_half_year),
    (_QUARTER, _read_quarter),
    (_YEAR_MONTH, _read_year_month),
    (_MONTH_DAY, _read_month_day),
    (_MONTH_DAY_DOTTED, _read_month_day_dotted),
    (_MONTH, _read_month),
    (_YEAR_END, _read_year_end),
    (_PLAIN_YEAR_END, _read_plain_year_end),
]

"""China's working calendar: public holidays off, 调休 make-up days on (chinese-calendar).

Counts come from cached per-year prefix sums, so digests and reminders over thousands of
measures do not walk the calendar day by day.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """A working day in China: weekdays and 调休 make-up days, not public holidays."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # years the calendar package does not know yet: fall back to Monday to Friday
        return day.weekday() < 5


@lru_cache(maxsize=16)
def _year_prefix(year: int) -> tuple[int, ...]:
    """prefix[i] = working days among the first i days of the year."""
    days = 366 if month_calendar.isleap(year) else 365
    start = date(year, 1, 1)
    prefix = [0]
    for offset in range(days):
        prefix.append(prefix[-1] + is_working_day(start + timedelta(days=offset)))
    return tuple(prefix)


def _through(day: date) -> int:
    """Working days from 1 January of `day`'s year up to and including `day`."""
    return _year_prefix(day.year)[day.timetuple().tm_yday]


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    if start.year == end.year:
        return _through(end) - _through(start)
    total = _year_prefix(start.year)[-1] - _through(start)
    for year in range(start.year + 1, end.year):
        total += _year_prefix(year)[-1]
    return total + _through(end)


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start` (before it when negative)."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    day = start
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def last_working_day_by(day: date) -> date:
    """`day` itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day

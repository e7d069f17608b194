"""China's working calendar: public holidays off, 调休 make-up days on (chinese-calendar)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # years the calendar package does not know yet: fall back to Monday to Friday
        return day.weekday() < 5


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


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    count = 0
    day = low
    while day < high:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return sign * count


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day

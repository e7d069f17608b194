"""Working-day rules at fixed dates: 2024 National Day (29 Sep a Sunday make-up working day,
1–7 Oct off, 12 Oct a Saturday working day), a deadline on a holiday, digest days moved off
holidays, working hours, and Europe/Berlin across both daylight-saving switches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services import reminders, schedule, workdays
from bot.services.lookbacks import due_on as lookback_due_on
from bot.services.schedule import DigestPreference

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
D = date.fromisoformat


def local(text: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-09-27", True),  # Friday
        ("2024-09-28", False),  # Saturday
        ("2024-09-29", True),  # Sunday, 调休 make-up working day
        ("2024-09-30", True),
        ("2024-10-01", False),
        ("2024-10-04", False),
        ("2024-10-07", False),  # Monday, still the holiday
        ("2024-10-08", True),
        ("2024-10-12", True),  # Saturday, 调休 make-up working day
        ("2024-10-13", False),
    ],
)
def test_national_day_2024(day: str, working: bool) -> None:
    assert workdays.is_working_day(D(day)) is working


def walked(start: date, end: date) -> int:
    """Working days in (start, end], counted one day at a time."""
    return sum(
        workdays.is_working_day(start + timedelta(days=n))
        for n in range(1, (end - start).days + 1)
    )


def test_fast_counts_agree_with_the_plain_calendar() -> None:
    start = D("2023-12-20")
    for offset in range(0, 420, 7):
        end = start + timedelta(days=offset)
        assert workdays.working_days_between(start, end) == walked(start, end)
        assert workdays.working_days_between(end, start) == -workdays.working_days_between(
            start, end
        )
    assert workdays.working_days_between(D("2024-09-30"), D("2024-10-08")) == 1
    assert workdays.add_working_days(D("2024-09-30"), 1) == D("2024-10-08")
    assert workdays.add_working_days(D("2024-10-08"), -2) == D("2024-09-29")


def test_deadline_on_a_holiday() -> None:
    policy = reminders.DEFAULT_POLICY
    deadline = D("2024-10-03")
    # on the day means the last working day before the holiday
    assert reminders.deadline_reminder_day(deadline, 0) == D("2024-09-30")
    # counting back through the Sunday make-up day, skipping Saturday
    assert reminders.deadline_reminder_day(deadline, 3) == D("2024-09-27")
    assert reminders.deadline_reminder_day(deadline, 7) == D("2024-09-23")
    assert reminders.deadline_stage(deadline, D("2024-09-22"), policy) is None
    assert reminders.deadline_stage(deadline, D("2024-09-26"), policy) == (7, D("2024-09-23"))
    assert reminders.deadline_stage(deadline, D("2024-09-29"), policy) == (3, D("2024-09-27"))
    assert reminders.deadline_stage(deadline, D("2024-09-30"), policy) == (0, D("2024-09-30"))
    # overdue from the first working day after the holiday
    assert workdays.working_days_between(deadline, D("2024-10-08")) == 1
    assert reminders.overdue_reminder_day(deadline, 1, policy) == D("2024-10-08")
    assert reminders.overdue_reminder_day(deadline, 3, policy) == D("2024-10-08")
    assert reminders.overdue_reminder_day(deadline, 4, policy) == D("2024-10-11")


def test_weekly_digest_moves_off_the_holiday() -> None:
    monday = DigestPreference()
    assert schedule.due_digest(monday, local("2024-09-30T09:00")) == D("2024-09-30")
    assert schedule.due_digest(monday, local("2024-09-30T08:59")) is None
    # Monday 7 October is a holiday: no digest that day, Tuesday instead
    assert schedule.due_digest(monday, local("2024-10-07T10:00")) is None
    assert schedule.due_digest(monday, local("2024-10-08T08:59")) is None
    assert schedule.due_digest(monday, local("2024-10-08T09:00")) == D("2024-10-07")
    # caught up on the next two working days (the ledger keeps it from going twice)
    assert schedule.due_digest(monday, local("2024-10-10T09:30")) == D("2024-10-07")
    assert schedule.due_digest(monday, local("2024-10-11T09:30")) is None
    assert schedule.due_digest(monday, local("2024-10-14T09:00")) == D("2024-10-14")
    # not in the evening, not when paused
    assert schedule.due_digest(monday, local("2024-10-14T21:00")) is None
    muted = DigestPreference(muted=True)
    assert schedule.due_digest(muted, local("2024-10-14T10:00")) is None


def test_monthly_digest_and_settings_changed_after_the_day() -> None:
    first = DigestPreference(frequency=schedule.MONTHLY, month_day=1, minute_of_day=8 * 60)
    assert schedule.due_digest(first, local("2024-10-01T08:00")) is None
    assert schedule.due_digest(first, local("2024-10-08T08:00")) == D("2024-10-01")
    assert schedule.due_digest(first, local("2024-11-01T08:00")) == D("2024-11-01")
    # a person who changes their schedule on Wednesday does not get Tuesday's at once
    changed = DigestPreference(weekday=1, updated_at=local("2024-10-16T11:00"))
    assert schedule.due_digest(changed, local("2024-10-16T11:05")) is None
    assert schedule.due_digest(changed, local("2024-10-22T09:00")) == D("2024-10-22")


def test_working_hours() -> None:
    assert schedule.in_working_hours(local("2024-09-29T10:00"))  # make-up Sunday
    assert schedule.in_working_hours(local("2024-10-12T17:59"))  # make-up Saturday
    assert not schedule.in_working_hours(local("2024-10-12T18:00"))
    assert not schedule.in_working_hours(local("2024-10-12T08:59"))
    assert not schedule.in_working_hours(local("2024-10-02T10:00"))
    assert not schedule.in_working_hours(local("2024-10-13T10:00"))


@pytest.mark.parametrize(
    ("utc", "due"),
    [
        # the week before summer time: 09:00 CET is 08:00 UTC
        ("2024-03-25T07:59", None),
        ("2024-03-25T08:00", "2024-03-25"),
        # clocks went forward on Sunday 31 March: 09:00 CEST is 07:00 UTC
        ("2024-04-01T06:59", None),
        ("2024-04-01T07:00", "2024-04-01"),
        # clocks went back on Sunday 27 October: 09:00 CET is 08:00 UTC again
        ("2024-10-21T07:00", "2024-10-21"),
        ("2024-10-28T07:30", None),
        ("2024-10-28T08:00", "2024-10-28"),
    ],
)
def test_berlin_daylight_saving(utc: str, due: str | None) -> None:
    moment = datetime.fromisoformat(utc).replace(tzinfo=UTC).astimezone(BERLIN)
    expected = D(due) if due else None
    assert schedule.due_digest(DigestPreference(), moment) == expected


def test_berlin_working_hours_across_the_switch() -> None:
    def berlin(utc: str) -> datetime:
        return datetime.fromisoformat(utc).replace(tzinfo=UTC).astimezone(BERLIN)

    assert not schedule.in_working_hours(berlin("2024-04-01T06:30"))  # 08:30 CEST
    assert schedule.in_working_hours(berlin("2024-04-01T07:00"))  # 09:00 CEST
    assert schedule.in_working_hours(berlin("2024-04-01T15:59"))  # 17:59 CEST
    assert not schedule.in_working_hours(berlin("2024-04-01T16:00"))  # 18:00 CEST
    assert schedule.in_working_hours(berlin("2024-10-28T16:59"))  # 17:59 CET
    assert not schedule.in_working_hours(berlin("2024-10-28T17:00"))  # 18:00 CET


def test_lookback_days_move_off_holidays() -> None:
    closed = local("2024-09-01T15:00").astimezone(UTC)
    assert lookback_due_on(closed, 30, SHANGHAI) == D("2024-10-08")  # 1 Oct is a holiday
    assert lookback_due_on(closed, 90, SHANGHAI) == D("2024-12-02")  # 30 Nov is a Saturday
    # closing late in the evening in Berlin is still that Berlin day
    late = datetime(2024, 9, 1, 23, 30, tzinfo=BERLIN).astimezone(UTC)
    assert lookback_due_on(late, 30, BERLIN) == D("2024-10-08")
    assert lookback_due_on(late, 30, SHANGHAI) == D("2024-10-08")

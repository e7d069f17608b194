"""Reminder selection, escalation thresholds, one message per person per run, restarts,
blocked chats and snoozing, through the scheduler with a fake sender, at fixed dates around
2024's National Day holiday."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.scheduler import Scheduler
from bot.services import reminders, schedule
from bot.services.schedule import NotificationKey
from storage.models import AuditEvent, Notification, Person, ReminderSnooze
from tests.helpers import actor_for
from tests.scheduling.conftest import (
    LEADER,
    OFFICE,
    OWNER_A,
    OWNER_B,
    FakeSender,
    FakeTime,
    at,
    make_scheduler,
)

D = date.fromisoformat


def reminders_to(sender: FakeSender, chat_id: int) -> list[str]:
    return [text for text in sender.texts_to(chat_id) if text.startswith("🔔")]


def mentions(sender: FakeSender, chat_id: int, code: str) -> list[str]:
    return [text for text in reminders_to(sender, chat_id) if code in text]


async def test_nothing_before_the_first_reminder_point(
    scheduler: Scheduler, holiday_clock: FixedClock, sender: FakeSender, holiday_plan: dict
) -> None:
    at(holiday_clock, 2024, 9, 13, 10)
    await scheduler.run_once()
    # 1.3 is due on 20 Sep: 7 working days before is 11 Sep, so its owner is reminded
    assert mentions(sender, OWNER_B, "1.3")
    assert not sender.texts_to(OWNER_A)  # 1.1 (3 Oct) is not yet 7 working days away


async def test_one_message_per_person_per_run_and_never_twice(
    scheduler: Scheduler, holiday_clock: FixedClock, sender: FakeSender, holiday_plan: dict
) -> None:
    at(holiday_clock, 2024, 9, 27, 10)
    report = await scheduler.run_once()
    # 李四: 1.3 overdue (5 working days) and 2.1 ongoing report due: one message
    to_b = reminders_to(sender, OWNER_B)
    assert len(to_b) == 1 and "1.3" in to_b[0] and "2.1" in to_b[0]
    assert "逾期5个工作日" in to_b[0]
    # 张三: 1.1 due on a holiday, 3 working days before it is today
    # (after today: 29 Sep, a make-up Sunday, and 30 Sep; 1–7 Oct are off)
    to_a = reminders_to(sender, OWNER_A)
    assert len(to_a) == 1 and "1.1" in to_a[0] and "还有2个工作日" in to_a[0]
    # the leader: escalation of 1.3 at 5 working days overdue; the office nothing yet
    to_leader = reminders_to(sender, LEADER)
    assert len(to_leader) == 1 and "1.3" in to_leader[0] and "李四" in to_leader[0]
    assert not reminders_to(sender, OFFICE)
    assert report.reminders == 3
    # the same run again (a restart, or the next tick): nothing new
    sent = len(sender.sent)
    again = await scheduler.run_once()
    assert again.reminders == 0 and again.digests == 0 and len(sender.sent) == sent
    # outside working hours and on a holiday nothing goes out
    at(holiday_clock, 2024, 9, 30, 18, 0)
    assert (await scheduler.run_once()).reminders == 0
    at(holiday_clock, 2024, 10, 3, 10)
    assert (await scheduler.run_once()).reminders == 0


async def test_overdue_cadence_and_escalation_thresholds_across_the_holiday(
    scheduler: Scheduler, holiday_clock: FixedClock, sender: FakeSender, holiday_plan: dict
) -> None:
    """1.3 was due on Friday 20 September. Working days overdue: 23 Sep → 1, 27 Sep → 5,
    29 Sep (make-up Sunday) → 6, 8 Oct → 8, 10 Oct → 10, 12 Oct (make-up Saturday) → 12,
    14 Oct → 13."""
    owner_days, leader_days, office_days = [], [], []
    day = D("2024-09-21")
    while day <= D("2024-10-14"):
        at(holiday_clock, day.year, day.month, day.day, 10)
        before = len(sender.sent)
        await scheduler.run_once()
        for chat_id, part in sender.sent[before:]:
            if not (part.text or "").startswith("🔔") or "1.3" not in (part.text or ""):
                continue
            {OWNER_B: owner_days, LEADER: leader_days, OFFICE: office_days}[chat_id].append(
                day.isoformat()
            )
        day += timedelta(days=1)
    # first working day overdue, then every 3 working days: 1, 4, 7, 10, 13
    assert owner_days == ["2024-09-23", "2024-09-26", "2024-09-30", "2024-10-10", "2024-10-14"]
    # once to the leader at 5 working days, once to the office at 10
    assert leader_days == ["2024-09-27"]
    assert office_days == ["2024-10-10"]


async def test_claimed_but_unsent_is_sent_after_a_crash_and_blocked_chats_are_skipped(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    sender: FakeSender,
    fake_time: FakeTime,
    holiday_plan: dict,
) -> None:
    at(holiday_clock, 2024, 9, 27, 10)
    async with session_factory() as session:
        # a run that claimed 张三's reminder, then died before sending it
        batches = {b.person_id: b for b in await reminders.collect(session, holiday_clock)}
        owner_a = await session.scalar(select(Person.id).where(Person.telegram_user_id == OWNER_A))
        claimed = await reminders.claim(session, holiday_clock, batches[owner_a])
        assert claimed is not None
    sender.blocked.add(OWNER_B)
    scheduler = make_scheduler(session_factory, holiday_clock, sender, fake_time)
    report = await scheduler.run_once()
    assert not reminders_to(sender, OWNER_A)  # still within the dead run's lease
    assert report.blocked == 1 and reminders_to(sender, LEADER)  # the run went on past 李四
    holiday_clock.advance(schedule.CLAIM_LEASE + timedelta(minutes=1))
    await scheduler.run_once()
    assert len(reminders_to(sender, OWNER_A)) == 1
    await scheduler.run_once()
    assert len(reminders_to(sender, OWNER_A)) == 1
    async with session_factory() as session:
        states = dict(
            (
                await session.execute(
                    select(Notification.state, func.count())
                    .where(Notification.kind != "digest")
                    .group_by(Notification.state)
                )
            ).all()
        )
    assert states == {"sent": 2, "blocked": 2}  # 李四's two items are recorded as blocked
    # blocked keys are not tried again
    sender.blocked.clear()
    await scheduler.run_once()
    assert not reminders_to(sender, OWNER_B)


async def test_a_send_cut_off_mid_call_is_not_repeated(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    sender: FakeSender,
    fake_time: FakeTime,
    holiday_plan: dict,
) -> None:
    at(holiday_clock, 2024, 9, 27, 10)
    async with session_factory() as session:
        owner_a = await session.scalar(select(Person.id).where(Person.telegram_user_id == OWNER_A))
        key = NotificationKey("due_3", holiday_plan["1.1"], D("2024-09-27"))
        claimed = await schedule.claim(session, holiday_clock, owner_a, [key])
        await schedule.mark(session, holiday_clock, list(claimed.values()), schedule.SENDING)
    holiday_clock.advance(timedelta(hours=1))
    scheduler = make_scheduler(session_factory, holiday_clock, sender, fake_time)
    await scheduler.run_once()
    assert not mentions(sender, OWNER_A, "1.1")  # it may have arrived: never sent twice
    async with session_factory() as session:
        row = await session.get(Notification, claimed[key])
        assert row is not None and row.state == schedule.UNKNOWN


async def test_a_clean_stop_releases_what_was_not_sent(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    sender: FakeSender,
    fake_time: FakeTime,
    holiday_plan: dict,
) -> None:
    import asyncio

    at(holiday_clock, 2024, 9, 27, 10)
    stop = asyncio.Event()
    stop.set()  # asked to stop before the first message
    scheduler = make_scheduler(session_factory, holiday_clock, sender, fake_time)
    scheduler._stop = stop
    report = await scheduler.run_once()
    assert report.not_sent == report.reminders + report.digests and not sender.sent
    scheduler._stop = None
    again = await scheduler.run_once()
    assert again.sent == report.not_sent and again.reminders == report.reminders


async def reminder_batch(session: AsyncSession, measure_id: int) -> int | None:
    """The batch (one message) that carried the reminder about a measure."""
    return await session.scalar(
        select(Notification.batch_id).where(Notification.subject_id == measure_id)
    )


async def test_snooze_one_working_day_lands_on_the_make_up_sunday(
    session_factory: async_sessionmaker[AsyncSession],
    scheduler: Scheduler,
    holiday_clock: FixedClock,
    sender: FakeSender,
    holiday_plan: dict,
) -> None:
    at(holiday_clock, 2024, 9, 27, 10)
    await scheduler.run_once()
    async with session_factory() as session:
        batch_id = await reminder_batch(session, holiday_plan["1.1"])
        assert batch_id is not None
        actor = await actor_for(session, "张三", OWNER_A)
        outcome = await reminders.snooze(session, actor, holiday_clock, batch_id, 1)
    assert outcome.until == D("2024-09-29") and outcome.codes == ("1.1",)
    at(holiday_clock, 2024, 9, 29, 10)
    before = len(reminders_to(sender, OWNER_A))
    await scheduler.run_once()
    texts = reminders_to(sender, OWNER_A)[before:]
    assert len(texts) == 1 and "1.1" in texts[0]
    at(holiday_clock, 2024, 9, 29, 15)
    await scheduler.run_once()
    assert len(reminders_to(sender, OWNER_A)) == before + 1


async def test_snooze_three_days_holds_back_the_deadline_day(
    session_factory: async_sessionmaker[AsyncSession],
    scheduler: Scheduler,
    holiday_clock: FixedClock,
    sender: FakeSender,
    holiday_plan: dict,
) -> None:
    at(holiday_clock, 2024, 9, 27, 10)
    await scheduler.run_once()
    async with session_factory() as session:
        batch_id = await reminder_batch(session, holiday_plan["1.1"])
        actor = await actor_for(session, "张三", OWNER_A)
        outcome = await reminders.snooze(session, actor, holiday_clock, batch_id, 3)
        assert outcome.until == D("2024-10-08")
        assert await session.scalar(select(func.count()).select_from(ReminderSnooze)) == 1
        assert await session.scalar(
            select(func.count()).where(AuditEvent.action == "reminder_snoozed")
        )
    for day in (D("2024-09-29"), D("2024-09-30")):  # incl. "on the day" (30 Sep)
        at(holiday_clock, day.year, day.month, day.day, 10)
        await scheduler.run_once()
    assert len(mentions(sender, OWNER_A, "1.1")) == 1
    at(holiday_clock, 2024, 10, 8, 10)
    await scheduler.run_once()
    late = mentions(sender, OWNER_A, "1.1")
    assert len(late) == 2 and "已逾期1个工作日" in late[-1]


async def test_snooze_is_only_for_the_person_reminded(
    session_factory: async_sessionmaker[AsyncSession],
    scheduler: Scheduler,
    holiday_clock: FixedClock,
    holiday_plan: dict,
) -> None:
    import pytest

    from bot.services.errors import InvalidInput, NotAllowed

    at(holiday_clock, 2024, 9, 27, 10)
    await scheduler.run_once()
    async with session_factory() as session:
        batch_id = await reminder_batch(session, holiday_plan["1.1"])
        stranger = await actor_for(session, "李四", OWNER_B)
        with pytest.raises(NotAllowed):
            await reminders.snooze(session, stranger, holiday_clock, batch_id, 1)
        owner = await actor_for(session, "张三", OWNER_A)
        with pytest.raises(InvalidInput):
            await reminders.snooze(session, owner, holiday_clock, batch_id, 2)


async def test_ongoing_report_is_asked_once_a_month_unless_reported(
    session_factory: async_sessionmaker[AsyncSession],
    scheduler: Scheduler,
    holiday_clock: FixedClock,
    sender: FakeSender,
    holiday_plan: dict,
) -> None:
    from bot.services.progress import report_progress

    # October 2024 ends on Thursday 31: 5 working days before 1 November is 25 October
    assert reminders.ongoing_ask_day(D("2024-10-10"), reminders.DEFAULT_POLICY)[1] == D(
        "2024-10-25"
    )
    at(holiday_clock, 2024, 10, 15, 10)
    async with session_factory() as session:
        actor = await actor_for(session, "李四", OWNER_B)
        await report_progress(session, actor, holiday_clock, holiday_plan["2.1"], "10月已公开")
    at(holiday_clock, 2024, 10, 25, 10)
    await scheduler.run_once()
    assert not mentions(sender, OWNER_B, "2.1")  # reported this month
    at(holiday_clock, 2024, 11, 25, 10)
    await scheduler.run_once()
    assert len(mentions(sender, OWNER_B, "2.1")) == 1


async def test_the_loop_runs_until_stopped(
    scheduler: Scheduler, holiday_clock: FixedClock, sender: FakeSender, holiday_plan: dict
) -> None:
    import asyncio

    at(holiday_clock, 2024, 9, 27, 10)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    for _ in range(200):
        if reminders_to(sender, OWNER_A):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(reminders_to(sender, OWNER_A)) == 1

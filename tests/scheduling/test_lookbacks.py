"""Look-backs: scheduled from closed_at, asked once, answered by the owner, confirmed or
reopened (反弹) by the leader; spot checks by the office."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.scheduler import Scheduler
from bot.services import digest, lookbacks, signoff, statuses
from bot.services.errors import (
    DecisionAlreadyTaken,
    MeasureNotFound,
    NotAllowed,
    ReasonRequired,
)
from bot.services.progress import Attachment
from storage.models import AuditEvent, Evidence, Lookback, Measure
from tests.helpers import actor_for
from tests.scheduling.conftest import OWNER_A, FakeSender, at


async def close(
    session: AsyncSession, clock: FixedClock, measure_id: int, owner: str = "张三"
) -> None:
    notices = await signoff.request_close(
        session, await actor_for(session, owner), clock, measure_id, "已完成"
    )
    decision_id = notices[0].decision_id
    assert decision_id is not None
    await signoff.decide(session, await actor_for(session, "王领导"), clock, decision_id, True)


def asks(sender: FakeSender, code: str) -> list[str]:
    return [t for t in sender.texts_to(OWNER_A) if "回头看" in t and code in t]


async def test_asked_once_at_30_days_then_answered_and_reopened(
    session_factory: async_sessionmaker[AsyncSession],
    scheduler: Scheduler,
    holiday_clock: FixedClock,
    sender: FakeSender,
    holiday_plan: dict[str, int],
) -> None:
    measure_id = holiday_plan["1.1"]
    at(holiday_clock, 2024, 9, 2, 10)
    async with session_factory() as session:
        await close(session, holiday_clock, measure_id)
    # 2 Sep + 30 days = 2 Oct, a holiday: due on Tuesday 8 October
    at(holiday_clock, 2024, 9, 30, 10)
    await scheduler.run_once()
    assert not asks(sender, "1.1")
    at(holiday_clock, 2024, 10, 8, 10)
    await scheduler.run_once()
    await scheduler.run_once()
    assert len(asks(sender, "1.1")) == 1
    async with session_factory() as session:
        row = await session.scalar(select(Lookback).where(Lookback.measure_id == measure_id))
        assert row is not None and row.state == lookbacks.ASKED and row.offset_days == 30
        leader = await actor_for(session, "王领导")
        shown = await digest.compile_digest(session, holiday_clock, leader)
        assert [(i.measure.code, i.state) for i in shown.lookbacks_due] == [("1.1", "asked")]
        # someone else cannot even see it (its existence is not revealed)
        with pytest.raises(MeasureNotFound):
            await lookbacks.answer(
                session, await actor_for(session, "李四"), holiday_clock, row.id, True, "x"
            )
        owner = await actor_for(session, "张三", OWNER_A)
        outcome = await lookbacks.answer(
            session,
            owner,
            holiday_clock,
            row.id,
            holds=False,
            note="复查发现又有不规范报销",
            attachments=[Attachment("document", "f-1", "u-1", "复查记录.pdf", 1000)],
        )
        assert [n.kind for n in outcome.notices] == ["lookback_relapsed"]
        assert outcome.notices[0].decision_id == row.id
        with pytest.raises(DecisionAlreadyTaken):
            await lookbacks.answer(session, owner, holiday_clock, row.id, True, "again")
        assert await session.scalar(select(func.count()).select_from(Evidence)) == 1
        with pytest.raises(ReasonRequired):
            await lookbacks.reopen(session, leader, holiday_clock, measure_id, " ", row.id)
        with pytest.raises(NotAllowed):
            await lookbacks.reopen(session, owner, holiday_clock, measure_id, "x", row.id)
        reopened = await lookbacks.reopen(
            session, leader, holiday_clock, measure_id, "问题反弹，重新整改", row.id
        )
        assert reopened.reopened and [n.kind for n in reopened.notices] == ["reopened"]
        assert reopened.notices[0].telegram_user_id == OWNER_A
    async with session_factory() as session:
        measure = await session.get(Measure, measure_id)
        assert measure is not None
        assert measure.status == statuses.IN_PROGRESS and measure.closed_at is None
        row = await session.get(Lookback, row.id)
        assert row is not None and row.state == lookbacks.REOPENED
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.measure_id == measure_id)
                .order_by(AuditEvent.id)
            )
        )
        assert actions[-2:] == ["lookback_answered", "reopened"]
    # closed again: a new series of look-backs counts from the new closing
    at(holiday_clock, 2024, 10, 9, 10)
    async with session_factory() as session:
        await close(session, holiday_clock, measure_id)
        due = await lookbacks.due_lookbacks(session, holiday_clock)
        assert due == []
    at(holiday_clock, 2024, 11, 8, 10)
    async with session_factory() as session:
        due = await lookbacks.due_lookbacks(session, holiday_clock)
        assert [(d.measure_id, d.offset_days) for d in due] == [(measure_id, 30)]


async def test_confirmed_when_the_fix_holds_and_later_offsets_follow(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    holiday_plan: dict[str, int],
) -> None:
    measure_id = holiday_plan["1.2"]
    at(holiday_clock, 2024, 9, 2, 10)
    async with session_factory() as session:
        await close(session, holiday_clock, measure_id)
    at(holiday_clock, 2024, 10, 8, 10)
    async with session_factory() as session:
        [due] = await lookbacks.due_lookbacks(session, holiday_clock)
        row = await lookbacks.open_lookback(session, holiday_clock, due)
        owner = await actor_for(session, "张三")
        outcome = await lookbacks.answer(
            session, owner, holiday_clock, row.id, True, "制度执行良好"
        )
        assert [n.kind for n in outcome.notices] == ["lookback_answered"]
        leader = await actor_for(session, "王领导")
        confirmed = await lookbacks.confirm(session, leader, holiday_clock, row.id)
        assert not confirmed.reopened
        with pytest.raises(DecisionAlreadyTaken):
            await lookbacks.confirm(session, leader, holiday_clock, row.id)
    # 90 days after 2 Sep is 1 Dec, a Sunday: due Monday 2 December
    at(holiday_clock, 2024, 11, 29, 10)
    async with session_factory() as session:
        assert await lookbacks.due_lookbacks(session, holiday_clock) == []
    at(holiday_clock, 2024, 12, 2, 10)
    async with session_factory() as session:
        [due] = await lookbacks.due_lookbacks(session, holiday_clock)
        assert due.offset_days == 90
        # a year on, only the latest missed look-back is asked (180 days)
        at(holiday_clock, 2025, 9, 1, 10)
        [due] = await lookbacks.due_lookbacks(session, holiday_clock)
        assert due.offset_days == 180


async def test_office_spot_check(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    holiday_plan: dict[str, int],
) -> None:
    at(holiday_clock, 2024, 9, 2, 10)
    async with session_factory() as session:
        await close(session, holiday_clock, holiday_plan["1.1"])
        await close(session, holiday_clock, holiday_plan["1.2"])
    at(holiday_clock, 2024, 9, 5, 10)
    async with session_factory() as session:
        office = await actor_for(session, "赵整改办")
        with pytest.raises(NotAllowed):
            await lookbacks.sample(session, await actor_for(session, "王领导"), holiday_clock, 1)
        outcome = await lookbacks.sample(session, office, holiday_clock, 5, random.Random(1))
        assert outcome.closed_total == 2 and len(outcome.picked) == 2
        assert {n.kind for n in outcome.notices} == {"lookback_sample"}
        assert {n.telegram_user_id for n in outcome.notices} == {OWNER_A}
        # measures with an open look-back are not picked again
        again = await lookbacks.sample(session, office, holiday_clock, 5, random.Random(1))
        assert again.picked == []
        owner = await actor_for(session, "张三", OWNER_A)
        assert {v.code for v in await lookbacks.open_for(session, owner)} == {"1.1", "1.2"}

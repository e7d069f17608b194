"""/digest, /settings, snoozing and the look-back answer flow through the real dispatcher,
with the scheduler sending through the same in-process Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.broadcast import bot_sender
from bot.clock import FixedClock
from bot.config import Settings
from bot.offline import OfflineSession, UpdateFactory
from bot.scheduler import Scheduler
from bot.services import signoff, statuses
from bot.telegram import build_bot
from storage.models import AuditEvent, DigestSetting, Lookback, Measure
from tests.handlers.conftest import ADMIN_ID, ChatClient
from tests.helpers import actor_for
from tests.scheduling.conftest import (
    LEADER,
    OFFICE,
    OWNER_A,
    OWNER_B,
    FakeTime,
    at,
    make_scheduler,
)


@pytest.fixture
async def chat(
    session_factory: async_sessionmaker[AsyncSession], holiday_clock: FixedClock
) -> AsyncIterator[ChatClient]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="sqlite://", admin_ids=frozenset({ADMIN_ID})
    )
    api = OfflineSession(bot_username="zhenggai_test_bot")
    bot = build_bot("123456:TEST-TOKEN", "http://offline.invalid", session=api)
    dispatcher = build_dispatcher(settings, session_factory, holiday_clock)
    yield ChatClient(dispatcher, bot, api, UpdateFactory())
    await bot.session.close()


def chat_scheduler(
    chat: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    fake_time: FakeTime,
) -> Scheduler:
    return make_scheduler(session_factory, clock, bot_sender(chat.bot), fake_time)


async def test_digest_on_demand_with_chart_and_details(
    chat: ChatClient, holiday_clock: FixedClock, holiday_plan: dict[str, int]
) -> None:
    at(holiday_clock, 2024, 9, 30, 10)
    leader = chat.user("王领导", LEADER)
    sent = await chat.send(leader, "/digest")
    assert sent[0].document == "photo.png"  # the chart comes first
    text = sent[-1].text
    assert "整改简报" in text and "您分管" in text and "1.3" in text and "逾期7个工作日" in text
    assert len(text) < 1500  # short enough for a phone
    details = await chat.click(leader, "逾期 1")
    assert "1.3" in details[-1].text and "李四" in details[-1].text
    await chat.click(leader, "停滞")
    assert "1.3" in chat.last_to(leader).text
    staff = chat.user("张三", OWNER_A)
    refused = await chat.send(staff, "/digest")
    assert "/my" in refused[-1].text and "整改简报" in refused[-1].text


async def test_settings_buttons(
    chat: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    holiday_plan: dict[str, int],
) -> None:
    leader = chat.user("王领导", LEADER)
    shown = await chat.send(leader, "/settings")
    assert "每周一 09:00" in shown[-1].text
    saved = await chat.click(leader, "每月")
    assert "每月1日 09:00" in saved[-1].text
    await chat.click(leader, "选择日期")
    saved = await chat.click(leader, "15日")
    assert "每月15日" in saved[-1].text
    await chat.click(leader, "选择时间")
    saved = await chat.click(leader, "08:30")
    assert "每月15日 08:30" in saved[-1].text
    saved = await chat.click(leader, "暂停简报")
    assert "已暂停" in saved[-1].text
    typed = await chat.send(leader, "/settings time 7:45")
    assert "07:45" in typed[-1].text
    async with session_factory() as session:
        row = await session.scalar(select(DigestSetting))
        assert row is not None
        assert (row.frequency, row.month_day, row.minute_of_day, row.muted) == (
            "monthly",
            15,
            7 * 60 + 45,
            True,
        )
    staff = chat.user("张三", OWNER_A)
    info = await chat.send(staff, "/settings")
    assert "提醒" in info[-1].text


async def test_scheduled_digest_and_reminder_with_snooze(
    chat: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    fake_time: FakeTime,
    holiday_plan: dict[str, int],
) -> None:
    scheduler = chat_scheduler(chat, session_factory, holiday_clock, fake_time)
    at(holiday_clock, 2024, 9, 23, 9, 30)  # Monday
    await scheduler.run_once()
    leader, office = chat.user("王领导", LEADER), chat.user("赵整改办", OFFICE)
    assert any("整改简报" in m.text for m in chat.to(leader))
    assert any("全部措施" in m.text for m in chat.to(office))
    at(holiday_clock, 2024, 9, 27, 10)
    await scheduler.run_once()
    owner = chat.user("张三", OWNER_A)
    reminder = chat.last_to(owner, with_button="1个工作日后再提醒")
    assert "1.1" in reminder.text
    reply = await chat.click(owner, "1个工作日后再提醒")
    assert "2024-09-29" in reply[-1].text and "1.1" in reply[-1].text
    # someone else pressing the same button is refused
    other = chat.user("李四", OWNER_B)
    await chat.feed(
        chat.updates.callback(other, reminder, reminder.button_data("1个工作日后再提醒"))
    )
    assert "权限" in chat.api.alerts[-1]


async def test_lookback_answer_and_reopen_in_chat(
    chat: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    fake_time: FakeTime,
    holiday_plan: dict[str, int],
) -> None:
    measure_id = holiday_plan["1.1"]
    at(holiday_clock, 2024, 9, 2, 10)
    async with session_factory() as session:
        notices = await signoff.request_close(
            session, await actor_for(session, "张三"), holiday_clock, measure_id, "已完成"
        )
        await signoff.decide(
            session,
            await actor_for(session, "王领导"),
            holiday_clock,
            notices[0].decision_id or 0,
            True,
        )
    at(holiday_clock, 2024, 10, 8, 10)
    await chat_scheduler(chat, session_factory, holiday_clock, fake_time).run_once()
    owner, leader = chat.user("张三", OWNER_A), chat.user("王领导", LEADER)
    asked = await chat.click(owner, "答复 1.1")
    assert "回头看" in asked[-1].text and "2024-09-02" in asked[-1].text
    await chat.click(owner, "出现反弹")
    await chat.send(owner, "复查发现又有不规范报销")
    await chat.feed(chat.updates.document(owner, "复查记录.pdf", "file-x", 2000))
    async with session_factory() as session:
        row = await session.scalar(select(Lookback))
        assert row is not None and row.state == "asked"  # nothing saved before Confirm
    done = await chat.click(owner, "确认提交")
    assert any(m.chat_id == OWNER_A and "已提交" in m.text for m in done)
    notice = [m for m in done if m.chat_id == LEADER]
    assert notice and "出现反弹" in notice[0].text
    await chat.click(leader, "反弹，重新整改")
    reopened = await chat.send(leader, "复查发现问题反弹，重新整改")
    assert any(m.chat_id == LEADER and "已重新打开" in m.text for m in reopened)
    assert any(m.chat_id == OWNER_A and "重新打开" in m.text for m in reopened)
    async with session_factory() as session:
        measure = await session.get(Measure, measure_id)
        assert measure is not None and measure.status == statuses.IN_PROGRESS
        reasons = list(
            await session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "reopened"))
        )
        assert reasons and reasons[0]["reason"] == "复查发现问题反弹，重新整改"
    # the measure's history shows it
    await chat.send(owner, "/my")
    history = await chat.click(owner, "1.1")
    assert "重新打开（反弹）" in history[-1].text


async def test_office_spot_check_and_lookback_list(
    chat: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    holiday_plan: dict[str, int],
) -> None:
    at(holiday_clock, 2024, 9, 2, 10)
    async with session_factory() as session:
        notices = await signoff.request_close(
            session, await actor_for(session, "张三"), holiday_clock, holiday_plan["1.2"], "完成"
        )
        await signoff.decide(
            session,
            await actor_for(session, "王领导"),
            holiday_clock,
            notices[0].decision_id or 0,
            True,
        )
    office, owner = chat.user("赵整改办", OFFICE), chat.user("张三", OWNER_A)
    usage = await chat.send(office, "/lookback sample")
    assert "用法" in usage[-1].text
    picked = await chat.send(office, "/lookback sample 3")
    assert any(m.chat_id == OFFICE and "随机抽取 1 项" in m.text for m in picked)
    assert any(m.chat_id == OWNER_A and "抽查" in m.text for m in picked)
    listing = await chat.send(owner, "/lookback")
    assert "1.2" in listing[-1].text and "待责任人答复" in listing[-1].text
    await chat.click(owner, "1.2")
    await chat.click(owner, "保持良好")
    await chat.send(owner, "制度执行良好")
    await chat.click(owner, "确认提交")
    leader = chat.user("王领导", LEADER)
    confirmed = await chat.click(leader, "确认保持")
    assert "整改成效保持" in confirmed[-1].text

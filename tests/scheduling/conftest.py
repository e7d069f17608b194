"""Shared pieces for the scheduling tests: a small plan around 2024's National Day holiday,
people bound to Telegram, a fake sender that records (or refuses) what would be sent, and a
dispatcher with the digest, settings and look-back routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.app
from bot.broadcast import Broadcaster, Part
from bot.clock import FixedClock
from bot.scheduler import Scheduler
from bot.services.actor import SYSTEM_ACTOR
from bot.services.people import add_person
from bot.services.plan_store import import_plan
from handlers import digest as digest_handlers
from handlers import lookbacks as lookback_handlers
from handlers import settings as settings_handlers
from storage.models import Measure, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

# Telegram ids of the people in HOLIDAY_PLAN
OWNER_A, OWNER_B, LEADER, OFFICE = 601, 602, 603, 604
IDS = {"张三": OWNER_A, "李四": OWNER_B, "王领导": LEADER, "赵整改办": OFFICE}

HOLIDAY_PLAN: dict[str, Any] = {
    "title": "国庆节前后整改测试方案",
    "year": 2024,
    "aspects": [
        {
            "title": "财务管理方面",
            "problems": [
                {
                    "number": "1",
                    "title": "财务报销不规范",
                    "measures": [
                        # 1.1: the deadline is a public holiday (National Day)
                        {
                            "text": "修订财务报销制度",
                            "leader": "王领导",
                            "department": "财务室",
                            "owner": "张三",
                            "deadline": "2024-10-03",
                            "deadline_raw": "10月3日前",
                        },
                        {
                            "text": "开展报销业务培训",
                            "leader": "王领导",
                            "department": "财务室",
                            "owner": "张三",
                            "deadline": "2024-10-18",
                            "deadline_raw": "10月18日前",
                        },
                        # 1.3: overdue since 20 September
                        {
                            "text": "清理历年往来款项",
                            "leader": "王领导",
                            "department": "财务室",
                            "owner": "李四",
                            "deadline": "2024-09-20",
                            "deadline_raw": "9月20日前",
                        },
                    ],
                },
                {
                    "number": "2",
                    "title": "制度执行不严",
                    "measures": [
                        {
                            "text": "坚持每月财务公开",
                            "leader": "王领导",
                            "department": "办公室",
                            "owner": "李四",
                            "deadline": "ongoing",
                            "deadline_raw": "长期坚持",
                        },
                    ],
                },
            ],
        }
    ],
}


def at(clock: FixedClock, *parts: int, tz: ZoneInfo | None = None) -> FixedClock:
    """Move the fixed clock to a local date and time: at(clock, 2024, 9, 27, 10)."""
    year, month, day, hour, minute = (*parts, 0, 0)[:5]
    clock.current = datetime(year, month, day, hour, minute, tzinfo=tz or clock.tz)
    return clock


@pytest.fixture
def holiday_clock() -> FixedClock:
    return FixedClock(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI), SHANGHAI)


@pytest.fixture
async def holiday_plan(
    session_factory: async_sessionmaker[AsyncSession], holiday_clock: FixedClock
) -> dict[str, int]:
    """The plan imported on 2 September 2024, everyone bound; returns measure ids by code."""
    async with session_factory() as session:
        await import_plan(session, SYSTEM_ACTOR, holiday_clock, HOLIDAY_PLAN, "holiday.json")
    async with session_factory() as session:
        await add_person(session, SYSTEM_ACTOR, holiday_clock, "赵整改办", "整改办", "office")
    async with session_factory() as session:
        for name, telegram_id in IDS.items():
            person = await session.scalar(select(Person).where(Person.name == name))
            assert person is not None, name
            person.telegram_user_id = telegram_id
        await session.commit()
        rows = await session.execute(select(Measure.code, Measure.id))
        return {code: measure_id for code, measure_id in rows}


@dataclass
class FakeSender:
    """Records every part 'sent'; chats in `blocked` answer 403, `flood` maps a chat to a
    number of 429 answers (retry_after 7) before it goes through."""

    sent: list[tuple[int, Part]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    flood: dict[int, int] = field(default_factory=dict)
    calls: int = 0

    async def __call__(self, chat_id: int, part: Part) -> None:
        self.calls += 1
        method = SendMessage(chat_id=chat_id, text=part.text or "")
        if chat_id in self.blocked:
            raise TelegramForbiddenError(method, "Forbidden: bot was blocked by the user")
        if self.flood.get(chat_id):
            self.flood[chat_id] -= 1
            raise TelegramRetryAfter(method, "Too Many Requests: retry after 7", 7)
        self.sent.append((chat_id, part))

    def texts_to(self, chat_id: int) -> list[str]:
        return [p.text or "" for c, p in self.sent if c == chat_id]

    def markups_to(self, chat_id: int) -> list[InlineKeyboardMarkup]:
        return [p.markup for c, p in self.sent if c == chat_id and p.markup is not None]


@dataclass
class FakeTime:
    """A monotonic clock that only moves when slept on."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_scheduler(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    send: Callable[[int, Part], Awaitable[None]],
    fake_time: FakeTime,
    charts: bool = False,
) -> Scheduler:
    broadcaster = Broadcaster(send, sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    return Scheduler(
        session_factory,
        clock,
        send,
        sleep=fake_time.sleep,
        broadcaster=broadcaster,
        charts=charts,
    )


@pytest.fixture
def scheduler(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    sender: FakeSender,
    fake_time: FakeTime,
) -> Scheduler:
    return make_scheduler(session_factory, holiday_clock, sender, fake_time)


@pytest.fixture(autouse=True)
def with_scheduling_routers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Until handlers.get_routers lists them, put the digest, settings and look-back routers
    before the reporting and fallback routers, as they will be wired."""
    original = bot.app.get_routers

    def routers() -> list[Any]:
        found = original()
        names = [r.name for r in found]
        if "handlers.digest" in names:
            return found
        ours = [digest_handlers.router(), settings_handlers.router(), lookback_handlers.router()]
        index = names.index("handlers.reporting") if "handlers.reporting" in names else -1
        return found[:index] + ours + found[index:]

    monkeypatch.setattr(bot.app, "get_routers", routers)
    yield

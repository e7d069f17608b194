"""The production dispatcher with only the network swapped for the in-process Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.clock import FixedClock
from bot.config import Settings
from bot.offline import OfflineSession, SentMessage, UpdateFactory
from bot.telegram import build_bot
from storage.models import Person

ADMIN_ID = 900_001


@dataclass
class ChatClient:
    """Talks to the bot as Telegram users would: `send`, `click`, and what came back."""

    dispatcher: Dispatcher
    bot: Bot
    api: OfflineSession
    updates: UpdateFactory
    users: dict[str, User] = field(default_factory=dict)

    def user(self, name: str, user_id: int, language: str = "zh-hans") -> User:
        self.users[name] = self.updates.user(user_id, name, language)
        return self.users[name]

    async def feed(self, update: Update) -> list[SentMessage]:
        before = len(self.api.sent)
        await self.dispatcher.feed_update(self.bot, update)
        return self.api.sent[before:]

    async def send(self, user: User, text: str, **fields: Any) -> list[SentMessage]:
        return await self.feed(self.updates.message(user, text, **fields))

    def last_to(self, user: User, with_button: str | None = None) -> SentMessage:
        for sent in reversed(self.api.sent):
            if sent.chat_id != user.id:
                continue
            if with_button is None:
                return sent
            try:
                sent.button_data(with_button)
                return sent
            except LookupError:
                continue
        raise LookupError(f"no message to {user.first_name} with button {with_button!r}")

    async def click(self, user: User, label: str) -> list[SentMessage]:
        message = self.last_to(user, with_button=label)
        return await self.feed(self.updates.callback(user, message, message.button_data(label)))

    def to(self, user: User) -> list[SentMessage]:
        return [s for s in self.api.sent if s.chat_id == user.id]


@pytest.fixture
async def client(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock, knowledge_base: Any
) -> AsyncIterator[ChatClient]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="sqlite://", admin_ids=frozenset({ADMIN_ID})
    )
    api = OfflineSession(bot_username="zhenggai_test_bot")
    bot = build_bot("123456:TEST-TOKEN", "http://offline.invalid", session=api)
    dispatcher = build_dispatcher(settings, session_factory, clock, knowledge=knowledge_base)
    yield ChatClient(dispatcher, bot, api, UpdateFactory())
    await bot.session.close()


async def bind(session_factory: async_sessionmaker[AsyncSession], name: str, user_id: int) -> None:
    """Link a person from the plan to a Telegram account, as an invite would."""
    async with session_factory() as session:
        person = await session.scalar(select(Person).where(Person.name == name))
        assert person is not None
        person.telegram_user_id = user_id
        await session.commit()

"""Role filters used by the routers."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.services.actor import Actor

# a text that is not a /command: what flows waiting for typed input accept
NOT_A_COMMAND = ~F.text.startswith("/")


class Registered(Filter):
    """A person bound to this Telegram account, or an admin."""

    async def __call__(self, event: TelegramObject, actor: Actor | None = None, **_: Any) -> bool:
        return actor is not None and (actor.is_registered or actor.is_admin)


class Admin(Filter):
    async def __call__(self, event: TelegramObject, actor: Actor | None = None, **_: Any) -> bool:
        return actor is not None and actor.is_admin

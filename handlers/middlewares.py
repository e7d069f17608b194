"""Per-update plumbing: one DB session, idempotency on update_id, the acting person, texts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services.actor import Actor
from handlers.texts import texts_for
from storage import repositories as repo
from storage.models import ProcessedUpdate

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Opens one session per update and makes each update count once.

    The update's id is written in the same transaction as the first change a use case commits,
    so a redelivered update (same update_id) is skipped and a crash before the commit leaves
    nothing half-written. Updates that change nothing are marked after the handler ran.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.session_factory = session_factory
        self.clock = clock

    async def __call__(
        self, handler: Handler, event_: TelegramObject, data: dict[str, Any]
    ) -> Any:
        update_id = event_.update_id if isinstance(event_, Update) else None
        async with self.session_factory() as session:
            if update_id is not None:
                if await repo.update_seen(session, update_id):
                    logger.info("update %s was already handled; skipped", update_id)
                    return None
                await session.rollback()  # end the read so SQLite does not hold a snapshot
                _mark_on_commit(session, update_id, self.clock)
            data["session"] = session
            try:
                return await handler(event_, data)
            finally:
                await session.rollback()
                if update_id is not None and not session.info.get("update_marked"):
                    await _mark_alone(session, update_id, self.clock)


def _mark_on_commit(session: AsyncSession, update_id: int, clock: Clock) -> None:
    def before_commit(sync_session: Session) -> None:
        if not sync_session.info.get("update_marked"):
            sync_session.add(ProcessedUpdate(update_id=update_id, processed_at=clock.now()))
            sync_session.info["update_marked"] = True

    def after_rollback(sync_session: Session) -> None:
        if sync_session.info.get("update_marked") and not sync_session.info.get("committed"):
            sync_session.info["update_marked"] = False

    def after_commit(sync_session: Session) -> None:
        sync_session.info["committed"] = True

    event.listen(session.sync_session, "before_commit", before_commit)
    event.listen(session.sync_session, "after_commit", after_commit)
    event.listen(session.sync_session, "after_soft_rollback", lambda s, _t: after_rollback(s))


async def _mark_alone(session: AsyncSession, update_id: int, clock: Clock) -> None:
    try:
        await session.commit()  # before_commit adds the marker
    except IntegrityError:
        await session.rollback()  # the same update was handled at the same moment elsewhere


class ActorMiddleware(BaseMiddleware):
    """Resolves who is acting (person, role, admin) and their language."""

    def __init__(self, admin_ids: frozenset[int]) -> None:
        self.admin_ids = admin_ids

    async def __call__(
        self, handler: Handler, event_: TelegramObject, data: dict[str, Any]
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        session: AsyncSession = data["session"]
        person = await repo.person_by_telegram_id(session, user.id) if user else None
        data["actor"] = Actor(
            telegram_user_id=user.id if user else None,
            chat_id=chat.id if chat else None,
            person_id=person.id if person else None,
            name=person.name if person else None,
            role=person.role if person else None,
            is_admin=bool(user and user.id in self.admin_ids),
        )
        language = person.language if person and person.language else None
        data["texts"] = texts_for(language or (user.language_code if user else None))
        await session.rollback()  # end the read; use cases open their own transactions
        return await handler(event_, data)

"""`zhenggai run`: migrate, reach the Bot API (retrying), then long-poll until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher, set_commands
from bot.clock import SystemClock
from bot.config import Settings
from bot.scheduler import run_scheduler
from bot.telegram import build_bot, install_redaction
from knowledge import KnowledgeBase
from storage import repositories
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_async

logger = logging.getLogger(__name__)

KNOWLEDGE_RELOAD_SECONDS = 60
STARTUP_RETRY_FIRST = 1.0
STARTUP_RETRY_MAX = 30.0
UNREACHABLE = (
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    OSError,
    asyncio.TimeoutError,
)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def connect(bot: Bot, settings: Settings, stop: asyncio.Event) -> bool:
    """getMe, drop a stale webhook, set the command menus; retry while the API is unreachable.

    Returns False when asked to stop before the Bot API answered.
    """
    delay = STARTUP_RETRY_FIRST
    while not stop.is_set():
        try:
            me = await bot.get_me()
            await bot.delete_webhook(drop_pending_updates=False)
            await set_commands(bot)
        except UNREACHABLE as error:
            logger.warning(
                "Bot API at %s not reachable (%s); retrying in %.0f s",
                settings.telegram_api_url,
                type(error).__name__,
                delay,
            )
            await _wait(stop, delay)
            delay = min(delay * 2, STARTUP_RETRY_MAX)
            continue
        logger.info("connected as @%s", me.username)
        return True
    return False


async def load_knowledge(settings: Settings) -> KnowledgeBase | None:
    """The regulations index, built (or read from its cache) off the event loop."""
    try:
        knowledge = await asyncio.to_thread(KnowledgeBase.load, settings.knowledge_dir)
    except OSError as error:
        logger.error("regulations folder %s unusable: %s", settings.knowledge_dir, error)
        return None
    for name, reason in knowledge.load_errors:
        logger.warning("regulation file %s skipped: %s", name, reason)
    logger.info("regulations: %d documents", len(knowledge.documents))
    return knowledge


async def keep_knowledge_fresh(knowledge: KnowledgeBase, stop: asyncio.Event) -> None:
    """Picks up added, changed and removed files without a restart."""
    while not stop.is_set():
        await _wait(stop, KNOWLEDGE_RELOAD_SECONDS)
        if stop.is_set():
            return
        try:
            report = await asyncio.to_thread(knowledge.reload)
        except OSError as error:
            logger.warning("regulations reload failed: %s", error)
            continue
        if not report.unchanged:
            logger.info(
                "regulations reloaded: +%d ~%d -%d",
                len(report.added),
                len(report.changed),
                len(report.removed),
            )


async def forget_old_updates(
    session_factory: async_sessionmaker[AsyncSession], clock: SystemClock
) -> None:
    # Telegram keeps unconfirmed updates for 24 hours; a week of markers is ample
    async with session_factory() as session:
        await repositories.forget_updates_before(session, clock.now() - timedelta(days=7))
        await session.commit()


async def run(settings: Settings) -> int:
    token = settings.token_value()
    if not token:
        raise ValueError("BOT_TOKEN is required")
    install_redaction(token)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    clock = SystemClock(settings.tz)
    session_factory = create_session_factory(engine)
    await forget_old_updates(session_factory, clock)
    knowledge = await load_knowledge(settings)
    dispatcher = build_dispatcher(settings, session_factory, clock, knowledge=knowledge)
    background = []
    if knowledge is not None:
        background.append(asyncio.create_task(keep_knowledge_fresh(knowledge, stop)))
    bot = build_bot(token, settings.telegram_api_url)
    try:
        try:
            if not await connect(bot, settings, stop):
                return 0
        except TelegramUnauthorizedError:
            logger.error("the Bot API refused the token (401 Unauthorized): check BOT_TOKEN")
            return 2
        # digests, reminders and look-backs run beside polling, on the same clock
        background.append(asyncio.create_task(run_scheduler(bot, session_factory, clock, stop)))
        # Updates are handled one at a time, in order: an update is confirmed to Telegram only
        # after the previous one was handled, so a crash leaves it to be delivered again.
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                handle_as_tasks=False,
                handle_signals=False,
                close_bot_session=False,
                polling_timeout=settings.polling_timeout,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set() and not polling.done():
            logger.info("stopping")
            with contextlib.suppress(RuntimeError):
                await dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(polling, 10)
        stopping.cancel()
        if polling.done() and not polling.cancelled() and polling.exception():
            raise polling.exception()  # type: ignore[misc]
    finally:
        stop.set()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 30)
        await bot.session.close()
        await engine.dispose()
    logger.info("stopped")
    return 0

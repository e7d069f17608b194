"""The one wiring used by `zhenggai run`, the demo and the tests."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from handlers import get_routers
from handlers.ask import RecentQuestions
from handlers.middlewares import ActorMiddleware, DbSessionMiddleware
from knowledge import KnowledgeBase

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "zh": [
        ("my", "我的整改措施"),
        ("pending", "待我审核"),
        ("overview", "整改总览"),
        ("digest", "整改简报"),
        ("export", "导出整改台账"),
        ("report", "生成整改情况报告"),
        ("settings", "简报设置"),
        ("lookback", "回头看"),
        ("ask", "查询制度规定"),
        ("lang", "切换语言"),
        ("cancel", "取消当前操作"),
        ("help", "帮助"),
    ],
    "en": [
        ("my", "My measures"),
        ("pending", "Waiting for my decision"),
        ("overview", "Overview"),
        ("digest", "Digest"),
        ("export", "Export the ledger (Excel)"),
        ("report", "Draft the report (Word)"),
        ("settings", "Digest settings"),
        ("lookback", "Look-backs"),
        ("ask", "Look up regulations"),
        ("lang", "Language"),
        ("cancel", "Cancel the current step"),
        ("help", "Help"),
    ],
}


def build_dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    storage: BaseStorage | None = None,
    knowledge: KnowledgeBase | None = None,
    **workflow_data: Any,
) -> Dispatcher:
    """The production dispatcher: middlewares, routers and what handlers are given."""
    dispatcher = Dispatcher(storage=storage or MemoryStorage())
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory, clock))
    dispatcher.update.outer_middleware(ActorMiddleware(settings.admin_ids))
    dispatcher.include_routers(*get_routers())
    dispatcher.workflow_data.update(
        clock=clock,
        settings=settings,
        timezone=settings.tz,
        invite_ttl_days=settings.invite_ttl_days,
        knowledge=knowledge,
        recent_questions=RecentQuestions(),
        **workflow_data,
    )
    return dispatcher


async def set_commands(bot: Bot) -> None:
    """Command menus per language: Chinese by default, English for English clients."""
    for language, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in commands],
            scope=BotCommandScopeDefault(),
            language_code=None if language == "zh" else language,
        )

"""/export (整改台账 as .xlsx) and /report (draft 整改情况报告 as .docx) for the office and
leaders, in private chats only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.enums import ChatAction, ChatType
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.errors import NotAllowed
from bot.services.exports import ExportFile, export_ledger, export_report
from handlers.filters import Registered
from handlers.texts import Texts


def may_export(actor: Actor) -> bool:
    """The office, admins and leaders; the services apply the same rule to what they read."""
    return actor.sees_everything or (actor.is_leader and actor.person_id is not None)


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())

    @r.message(Command("export"))
    async def export(
        message: Message, session: AsyncSession, actor: Actor, clock: Clock, texts: Texts
    ) -> None:
        await deliver(
            message, session, actor, clock, texts, export_ledger, "export_caption_ledger"
        )

    @r.message(Command("report"))
    async def report(
        message: Message, session: AsyncSession, actor: Actor, clock: Clock, texts: Texts
    ) -> None:
        await deliver(
            message, session, actor, clock, texts, export_report, "export_caption_report"
        )

    return r


def _caption(texts: Texts, exported: ExportFile) -> dict[str, object]:
    return {
        "scope": texts(f"export_scope_{exported.scope}"),
        "count": exported.measures,
        "date": exported.as_of.isoformat(),
    }


async def _upload_action(message: Message) -> None:
    assert message.bot is not None
    await message.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)


async def _send(message: Message, exported: ExportFile, caption: str) -> None:
    await message.answer_document(
        BufferedInputFile(exported.content, filename=exported.file_name), caption=caption
    )


async def deliver(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    texts: Texts,
    build: Callable[[AsyncSession, Actor, Clock], Awaitable[ExportFile]],
    caption_key: str,
) -> None:
    """Build one export for the actor's scope and send it as a document."""
    if not may_export(actor):
        await message.answer(texts("export_not_allowed"))
        return
    await _upload_action(message)
    try:
        exported = await build(session, actor, clock)
    except NotAllowed:
        await message.answer(texts("export_not_allowed"))
        return
    await _send(message, exported, texts(caption_key, **_caption(texts, exported)))

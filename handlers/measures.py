"""/my and the measure view."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import ledger
from bot.services.actor import Actor
from handlers import keyboards, render
from handlers.ask import cited_documents
from handlers.callbacks import MeasureCb
from handlers.filters import Registered
from handlers.sending import answer_long, send_long
from handlers.texts import Texts
from knowledge import KnowledgeBase


async def show_measure(
    query_or_message: CallbackQuery | Message,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    texts: Texts,
    timezone: ZoneInfo,
    measure_id: int,
    full_history: bool = False,
    knowledge: KnowledgeBase | None = None,
) -> None:
    detail = await ledger.measure_detail(session, actor, clock, measure_id)
    text = render.measure_detail(texts, detail, timezone, full_history=full_history)
    markup = keyboards.measure_actions(texts, detail, cited_documents(knowledge, detail.line.text))
    if isinstance(query_or_message, CallbackQuery):
        await query_or_message.answer()
        assert query_or_message.message is not None
        await send_long(query_or_message.bot, query_or_message.message.chat.id, text, markup)
    else:
        await answer_long(query_or_message, text, markup)


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.message(Command("my"))
    async def my(
        message: Message, session: AsyncSession, actor: Actor, clock: Clock, texts: Texts
    ) -> None:
        if not actor.is_registered:
            await message.answer(texts("not_linked"))
            return
        groups = await ledger.my_measures(session, actor, clock)
        await answer_long(
            message, render.my_measures(texts, groups), keyboards.my_measures(groups)
        )

    @r.callback_query(MeasureCb.filter(F.action.in_({"view", "history"})))
    async def view(
        query: CallbackQuery,
        callback_data: MeasureCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        timezone: ZoneInfo,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        await show_measure(
            query,
            session,
            actor,
            clock,
            texts,
            timezone,
            callback_data.id,
            full_history=callback_data.action == "history",
            knowledge=knowledge,
        )

    @r.callback_query(MeasureCb.filter(F.action == "files"))
    async def files(
        query: CallbackQuery,
        callback_data: MeasureCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        timezone: ZoneInfo,
    ) -> None:
        """Sends the evidence on file back into the chat, each with who added it and when."""
        detail = await ledger.measure_detail(session, actor, clock, callback_data.id)
        items = await ledger.evidence_files(session, actor, callback_data.id)
        await query.answer()
        assert query.message is not None
        chat_id = query.message.chat.id
        for item in items:
            caption = texts(
                "evidence_caption",
                code=detail.line.code,
                name=item.file_name or texts("evidence_photo"),
                who=item.author or "—",
                at=render.local_time(item.added_at, timezone),
            )
            if item.kind == "photo":
                await query.bot.send_photo(chat_id, item.file_id, caption=caption)
            else:
                await query.bot.send_document(chat_id, item.file_id, caption=caption)

    return r

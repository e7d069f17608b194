"""/overview for leaders and the office, with drill-down by aspect, department or person."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import ledger
from bot.services.actor import Actor
from handlers import keyboards, render
from handlers.callbacks import OverviewCb
from handlers.filters import Registered
from handlers.sending import answer_long, send_long
from handlers.texts import Texts

GROUP_MEASURES_SHOWN = 30


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.message(Command("overview"))
    async def overview(
        message: Message, session: AsyncSession, actor: Actor, clock: Clock, texts: Texts
    ) -> None:
        result = await ledger.overview(session, actor, clock)
        await answer_long(message, render.overview(texts, result), keyboards.overview(texts))

    @r.callback_query(OverviewCb.filter(F.key == ""))
    async def groups(
        query: CallbackQuery,
        callback_data: OverviewCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        items = await ledger.overview_groups(session, actor, clock, callback_data.dim)
        lines = [texts(f"group_title_{callback_data.dim}")]
        lines += [
            texts("group_line", label=g.label, total=g.total, closed=g.closed, overdue=g.overdue)
            for g in items
        ]
        await query.answer()
        assert query.message is not None
        await send_long(
            query.bot,
            query.message.chat.id,
            "\n".join(lines),
            keyboards.groups(callback_data.dim, [(g.key, g.label) for g in items]),
        )

    @r.callback_query(OverviewCb.filter(F.key != ""))
    async def group_measures(
        query: CallbackQuery,
        callback_data: OverviewCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        items = await ledger.measures_in_group(
            session, actor, clock, callback_data.dim, callback_data.key
        )
        groups = await ledger.overview_groups(session, actor, clock, callback_data.dim)
        label = next((g.label for g in groups if g.key == callback_data.key), "—")
        lines = [texts("group_measures_title", label=label, count=len(items))]
        lines += [render.overview_line(texts, m) for m in items]
        await query.answer()
        assert query.message is not None
        shown = items[:GROUP_MEASURES_SHOWN]
        await send_long(
            query.bot,
            query.message.chat.id,
            "\n".join(lines),
            keyboards.measures([(m.id, f"{m.code} {m.text}") for m in shown]),
        )

    return r

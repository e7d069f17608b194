"""Asking for a deadline extension (延期): new date, reason, confirm."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import ledger, signoff
from bot.services.actor import Actor
from bot.services.dates import parse_user_date
from bot.services.errors import WrongState
from handlers import keyboards
from handlers.callbacks import DraftCb, MeasureCb
from handlers.filters import NOT_A_COMMAND, Registered
from handlers.notify import deliver
from handlers.render import line_deadline
from handlers.states import ExtendFlow
from handlers.texts import Texts


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.callback_query(MeasureCb.filter(F.action == "extend"))
    async def begin(
        query: CallbackQuery,
        callback_data: MeasureCb,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        detail = await ledger.measure_detail(session, actor, clock, callback_data.id)
        if "extend" not in detail.actions:
            raise WrongState(status=detail.line.status)
        await state.set_state(ExtendFlow.date)
        await state.set_data(
            {
                "measure_id": detail.line.id,
                "code": detail.line.code,
                "deadline": detail.line.deadline.isoformat() if detail.line.deadline else None,
            }
        )
        await query.answer()
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id,
            texts(
                "extend_ask_date",
                code=detail.line.code,
                deadline=line_deadline(texts, detail.line),
            ),
        )

    @r.message(ExtendFlow.date, F.text, NOT_A_COMMAND)
    async def new_date(message: Message, state: FSMContext, clock: Clock, texts: Texts) -> None:
        data = await state.get_data()
        today = local_today(clock)
        wanted = parse_user_date(message.text or "", today)
        current = data.get("deadline")
        if wanted is None or wanted <= today or (current and wanted.isoformat() <= current):
            await message.answer(texts("extend_bad_date"))
            return
        data["new"] = wanted.isoformat()
        await state.set_data(data)
        await state.set_state(ExtendFlow.reason)
        await message.answer(texts("extend_ask_reason"))

    @r.message(ExtendFlow.reason, F.text, NOT_A_COMMAND)
    async def reason(message: Message, state: FSMContext, texts: Texts) -> None:
        text = (message.text or "").strip()
        if len(text) > signoff.REASON_MAX:
            await message.answer(texts("too_long", length=len(text), limit=signoff.REASON_MAX))
            return
        data = await state.get_data()
        data["reason"] = text
        await state.set_data(data)
        await state.set_state(ExtendFlow.confirm)
        await message.answer(
            texts(
                "extend_confirm",
                code=data["code"],
                old=data.get("deadline") or "—",
                new=data["new"],
                reason=text,
            ),
            reply_markup=keyboards.confirm_cancel(texts),
        )

    @r.callback_query(DraftCb.filter(), ExtendFlow.confirm)
    async def confirm(
        query: CallbackQuery,
        callback_data: DraftCb,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        data = await state.get_data()
        await state.clear()
        assert query.message is not None
        if callback_data.action != "ok":
            await query.answer()
            await query.bot.send_message(query.message.chat.id, texts("cancelled"))
            return
        notices = await signoff.request_extension(
            session,
            actor,
            clock,
            data["measure_id"],
            date.fromisoformat(data["new"]),
            data.get("reason"),
        )
        await query.answer(texts("saved"))
        await query.bot.send_message(query.message.chat.id, texts("extend_saved"))
        await deliver(query.bot, notices)

    return r

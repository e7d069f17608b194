"""/pending, sign-off and send-back, extension decisions."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import signoff
from bot.services.actor import Actor
from bot.services.errors import DecisionNotFound
from handlers import keyboards
from handlers.callbacks import DecisionCb
from handlers.filters import NOT_A_COMMAND, Registered
from handlers.notify import deliver
from handlers.render import short
from handlers.sending import answer_long
from handlers.states import DecideFlow
from handlers.texts import Texts


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.message(Command("pending"))
    async def pending(message: Message, session: AsyncSession, actor: Actor, texts: Texts) -> None:
        if not actor.is_registered:
            await message.answer(texts("not_linked"))
            return
        items = await signoff.pending_for(session, actor)
        if not items:
            await message.answer(texts("pending_empty"))
            return
        await message.answer(texts("pending_title", count=len(items)))
        for item in items:
            if item.kind == signoff.KIND_CLOSE:
                text = texts(
                    "pending_item_close",
                    code=item.measure_code,
                    who=item.requested_by,
                    text=short(item.measure_text, 200),
                )
                if item.reason:
                    text += "\n" + texts("draft_note", note=short(item.reason, 500))
            else:
                text = texts(
                    "pending_item_extension",
                    code=item.measure_code,
                    who=item.requested_by,
                    old=item.current_deadline or "—",
                    new=item.requested_deadline or "—",
                    reason=item.reason,
                )
            await answer_long(
                message, text, keyboards.decision(texts, item.decision_id, item.kind)
            )

    @r.callback_query(DecisionCb.filter(F.action == "ok"))
    async def accept(
        query: CallbackQuery,
        callback_data: DecisionCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        outcome = await signoff.decide(session, actor, clock, callback_data.id, accept=True)
        await query.answer(texts("saved"))
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id,
            texts(f"decision_done_{outcome_kind(outcome)}", code=outcome.measure_code),
        )
        await deliver(query.bot, outcome.notices)

    @r.callback_query(DecisionCb.filter(F.action == "no"))
    async def refuse(
        query: CallbackQuery,
        callback_data: DecisionCb,
        session: AsyncSession,
        actor: Actor,
        state: FSMContext,
        texts: Texts,
    ) -> None:
        items = {i.decision_id: i for i in await signoff.pending_for(session, actor)}
        item = items.get(callback_data.id)
        if item is None:
            raise DecisionNotFound()
        await state.set_state(DecideFlow.reason)
        await state.set_data({"decision_id": item.decision_id, "code": item.measure_code})
        await query.answer()
        assert query.message is not None
        key = "send_back_ask_reason" if item.kind == signoff.KIND_CLOSE else "refuse_ask_reason"
        await query.bot.send_message(query.message.chat.id, texts(key, code=item.measure_code))

    @r.message(DecideFlow.reason, F.text, NOT_A_COMMAND)
    async def reason(
        message: Message,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        state: FSMContext,
        texts: Texts,
    ) -> None:
        data = await state.get_data()
        text = (message.text or "").strip()
        if len(text) > signoff.REASON_MAX:
            await message.answer(texts("too_long", length=len(text), limit=signoff.REASON_MAX))
            return
        outcome = await signoff.decide(
            session, actor, clock, data["decision_id"], accept=False, reason=text
        )
        await state.clear()
        await message.answer(
            texts(f"decision_done_{outcome_kind(outcome)}", code=outcome.measure_code)
        )
        await deliver(message.bot, outcome.notices)

    return r


def outcome_kind(outcome: signoff.DecisionOutcome) -> str:
    if outcome.kind == signoff.KIND_CLOSE:
        return "signed_off" if outcome.accepted else "sent_back"
    return "extension_approved" if outcome.accepted else "extension_refused"

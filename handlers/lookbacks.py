"""回头看 in chat: the owner answers (holds or came back, with a note and evidence), the leader
confirms or reopens the measure with a reason, and the office picks spot checks
(/lookback sample N). /lookback lists what waits for the person.

An answer is a draft in the conversation state until the owner confirms: nothing is saved
before that, as with progress reports.
"""

from __future__ import annotations

import random
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import lookbacks
from bot.services.actor import Actor
from bot.services.notices import Notice
from bot.services.progress import ATTACHMENTS_MAX, Attachment, clean_note
from bot.services.signoff import REASON_MAX
from handlers.digest import LookbackCb
from handlers.filters import NOT_A_COMMAND, Registered
from handlers.render import short
from handlers.reporting import attachment_of
from handlers.sending import send_quietly
from handlers.texts import Texts, texts_for

LISTED = 20


class LookbackFlow(StatesGroup):
    # the owner's answer: a note and evidence, until Confirm
    drafting = State()
    # the leader writes why the measure is reopened
    reason = State()


def ask_keyboard(t: Texts, lookback_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("btn_lookback_holds"), callback_data=LookbackCb(action="holds", id=lookback_id)
    )
    builder.button(
        text=t("btn_lookback_relapsed"),
        callback_data=LookbackCb(action="relapsed", id=lookback_id),
    )
    builder.adjust(2)
    return builder.as_markup()


def review_keyboard(t: Texts, lookback_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("btn_lookback_confirm"), callback_data=LookbackCb(action="confirm", id=lookback_id)
    )
    builder.button(
        text=t("btn_lookback_reopen"), callback_data=LookbackCb(action="reopen", id=lookback_id)
    )
    builder.adjust(2)
    return builder.as_markup()


def draft_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn_confirm"), callback_data=LookbackCb(action="ok"))
    builder.button(text=t("btn_cancel"), callback_data=LookbackCb(action="cancel"))
    builder.adjust(2)
    return builder.as_markup()


def ask_text(t: Texts, view: lookbacks.LookbackView, tz: ZoneInfo) -> str:
    return t(
        "lookback_ask",
        code=view.code,
        text=short(view.text, 200),
        closed=view.closed_at.astimezone(tz).date().isoformat(),
    )


def draft_text(t: Texts, draft: dict[str, Any]) -> str:
    verdict = t("lookback_verdict_holds" if draft["holds"] else "lookback_verdict_relapsed")
    note = short(draft.get("note") or "", 500) or t("no_reason")
    return t(
        "lookback_draft",
        code=draft["code"],
        verdict=verdict,
        note=note,
        count=len(draft.get("attachments") or []),
    )


def notice_text(notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    """Look-back notices: `decision_id` carries the look-back the buttons act on."""
    t = texts_for(notice.language)
    text = t(
        f"notice_{notice.kind}",
        who=notice.actor_name or "—",
        code=notice.measure_code,
        text=short(notice.measure_text, 200),
        reason=notice.reason or t("no_reason"),
    )
    markup = None
    if notice.decision_id is not None:
        if notice.kind in ("lookback_answered", "lookback_relapsed"):
            markup = review_keyboard(t, notice.decision_id)
        elif notice.kind == "lookback_sample":
            markup = ask_keyboard(t, notice.decision_id)
    return text, markup


async def deliver(bot: Bot, notices: list[Notice]) -> None:
    for notice in notices:
        if notice.telegram_user_id is None:
            continue  # not joined yet: /lookback and the digest show it
        text, markup = notice_text(notice)
        await send_quietly(bot, notice.telegram_user_id, text, markup)


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.message(Command("lookback"))
    async def lookback_command(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        lookback_rng: random.Random | None = None,
    ) -> None:
        if not actor.is_registered:
            await message.answer(texts("not_linked"))
            return
        args = (command.args or "").split()
        if args:
            if (
                len(args) != 2
                or args[0].lower() not in ("sample", "抽查")
                or not args[1].isdigit()
            ):
                await message.answer(texts("lookback_sample_usage"))
                return
            outcome = await lookbacks.sample(session, actor, clock, int(args[1]), lookback_rng)
            if not outcome.picked:
                await message.answer(texts("lookback_sample_none"))
                return
            await message.answer(
                texts(
                    "lookback_sample_done",
                    total=outcome.closed_total,
                    count=len(outcome.picked),
                    codes="、".join(v.code for v in outcome.picked),
                )
            )
            assert message.bot is not None
            await deliver(message.bot, outcome.notices)
            return
        views = await lookbacks.open_for(session, actor)
        if not views:
            await message.answer(texts("lookback_list_empty"))
            return
        lines = [texts("lookback_list_title", count=len(views))]
        builder = InlineKeyboardBuilder()
        for view in views[:LISTED]:
            lines.append(
                texts(
                    "lookback_list_line",
                    code=view.code,
                    text=short(view.text, 30),
                    state=texts(f"lookback_state_{view.state}"),
                )
            )
            action = "ask" if view.state == lookbacks.ASKED else "show"
            builder.button(
                text=short(f"{view.code} {view.text}", 40),
                callback_data=LookbackCb(action=action, id=view.id),
            )
        builder.adjust(1)
        await message.answer("\n".join(lines), reply_markup=builder.as_markup())

    @r.callback_query(LookbackCb.filter(F.action.in_({"ask", "show"})))
    async def show(
        query: CallbackQuery,
        callback_data: LookbackCb,
        session: AsyncSession,
        actor: Actor,
        texts: Texts,
        timezone: ZoneInfo,
    ) -> None:
        view = await lookbacks.lookback_view(session, actor, callback_data.id)
        await query.answer()
        assert query.message is not None
        if view.state == lookbacks.ASKED:
            text, markup = ask_text(texts, view, timezone), ask_keyboard(texts, view.id)
        else:
            verdict = "lookback_answered" if view.holds else "lookback_relapsed"
            text = texts(
                f"notice_{verdict}",
                who=view.answered_by or "—",
                code=view.code,
                text=short(view.text, 200),
                reason=view.note or texts("no_reason"),
            )
            markup = review_keyboard(texts, view.id) if view.state == lookbacks.ANSWERED else None
        await query.bot.send_message(query.message.chat.id, text, reply_markup=markup)

    @r.callback_query(LookbackCb.filter(F.action.in_({"holds", "relapsed"})))
    async def begin(
        query: CallbackQuery,
        callback_data: LookbackCb,
        session: AsyncSession,
        actor: Actor,
        state: FSMContext,
        texts: Texts,
    ) -> None:
        view = await lookbacks.lookback_view(session, actor, callback_data.id)
        if view.state != lookbacks.ASKED:
            await query.answer(texts("err_decision_already_taken"), show_alert=True)
            return
        draft = {
            "lookback_id": view.id,
            "code": view.code,
            "holds": callback_data.action == "holds",
            "note": "",
            "attachments": [],
        }
        await state.set_state(LookbackFlow.drafting)
        await state.set_data(draft)
        await query.answer()
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id,
            texts("lookback_ask_note") + "\n\n" + draft_text(texts, draft),
            reply_markup=draft_keyboard(texts),
        )

    @r.message(LookbackFlow.drafting, F.text, NOT_A_COMMAND)
    async def draft_note(message: Message, state: FSMContext, texts: Texts) -> None:
        draft = await state.get_data()
        note = "\n".join(p for p in (draft.get("note"), (message.text or "").strip()) if p)
        clean_note(note)  # too long: refused here, before anything is kept
        draft["note"] = note
        await state.set_data(draft)
        await message.answer(draft_text(texts, draft), reply_markup=draft_keyboard(texts))

    @r.message(LookbackFlow.drafting, F.photo | F.document)
    async def draft_file(message: Message, state: FSMContext, texts: Texts) -> None:
        draft = await state.get_data()
        attachment = attachment_of(message)
        if attachment is not None and len(draft["attachments"]) < ATTACHMENTS_MAX:
            draft["attachments"].append(attachment.__dict__)
        if message.caption:
            draft["note"] = "\n".join(p for p in (draft.get("note"), message.caption.strip()) if p)
        await state.set_data(draft)
        await message.answer(draft_text(texts, draft), reply_markup=draft_keyboard(texts))

    @r.callback_query(LookbackCb.filter(F.action.in_({"ok", "cancel"})), LookbackFlow.drafting)
    async def finish(
        query: CallbackQuery,
        callback_data: LookbackCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        state: FSMContext,
        texts: Texts,
    ) -> None:
        assert query.message is not None
        chat_id = query.message.chat.id
        if callback_data.action == "cancel":
            await state.clear()
            await query.answer()
            await query.bot.send_message(chat_id, texts("cancelled"))
            return
        draft = await state.get_data()
        outcome = await lookbacks.answer(
            session,
            actor,
            clock,
            draft["lookback_id"],
            holds=draft["holds"],
            note=draft.get("note"),
            attachments=[Attachment(**a) for a in draft.get("attachments") or []],
        )
        await state.clear()
        await query.answer(texts("saved"))
        await query.bot.send_message(chat_id, texts("lookback_saved", code=outcome.lookback.code))
        await deliver(query.bot, outcome.notices)

    @r.callback_query(LookbackCb.filter(F.action == "confirm"))
    async def confirm(
        query: CallbackQuery,
        callback_data: LookbackCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        outcome = await lookbacks.confirm(session, actor, clock, callback_data.id)
        await query.answer(texts("saved"))
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id, texts("lookback_confirmed", code=outcome.code)
        )

    @r.callback_query(LookbackCb.filter(F.action == "reopen"))
    async def reopen(
        query: CallbackQuery,
        callback_data: LookbackCb,
        session: AsyncSession,
        actor: Actor,
        state: FSMContext,
        texts: Texts,
    ) -> None:
        view = await lookbacks.lookback_view(session, actor, callback_data.id)
        await state.set_state(LookbackFlow.reason)
        await state.set_data(
            {"lookback_id": view.id, "measure_id": view.measure_id, "code": view.code}
        )
        await query.answer()
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id, texts("lookback_reopen_ask_reason", code=view.code)
        )

    @r.message(LookbackFlow.reason, F.text, NOT_A_COMMAND)
    async def reopen_reason(
        message: Message,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        state: FSMContext,
        texts: Texts,
    ) -> None:
        data = await state.get_data()
        text = (message.text or "").strip()
        if len(text) > REASON_MAX:
            await message.answer(texts("too_long", length=len(text), limit=REASON_MAX))
            return
        outcome = await lookbacks.reopen(
            session, actor, clock, data["measure_id"], text, lookback_id=data["lookback_id"]
        )
        await state.clear()
        await message.answer(texts("lookback_reopened", code=outcome.code))
        assert message.bot is not None
        await deliver(message.bot, outcome.notices)

    return r

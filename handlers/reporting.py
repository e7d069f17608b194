"""Reporting progress with evidence, asking to close, and free-text reports.

Everything is a draft held in the conversation state until the user taps Confirm;
cancelling or walking away saves nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import ledger, matching, progress, statuses
from bot.services.actor import Actor
from bot.services.errors import WrongState
from bot.services.progress import Attachment
from handlers import keyboards
from handlers.ask import RecentQuestions, reply_to_question
from handlers.callbacks import DraftCb, MeasureCb, PickCb
from handlers.filters import NOT_A_COMMAND, Registered
from handlers.notify import deliver
from handlers.render import short, status_name
from handlers.states import ReportFlow
from handlers.texts import Texts, esc
from knowledge import KnowledgeBase


def attachment_of(message: Message) -> Attachment | None:
    if message.photo:
        photo = message.photo[-1]
        return Attachment(
            "photo", photo.file_id, photo.file_unique_id, None, photo.file_size, "image/jpeg"
        )
    if message.document:
        doc = message.document
        return Attachment(
            "document",
            doc.file_id,
            doc.file_unique_id,
            doc.file_name,
            doc.file_size,
            doc.mime_type,
        )
    return None


def draft_text(t: Texts, draft: dict[str, Any]) -> str:
    lines = [t("draft_title", code=draft["code"]), esc(short(draft["measure_text"], 200))]
    note = draft.get("note") or ""
    lines.append(t("draft_note", note=short(note, 500)) if note else t("draft_no_note"))
    if draft.get("status"):
        lines.append(t("draft_status", status=status_name(t, draft["status"])))
    if draft.get("percent") is not None:
        lines.append(t("draft_percent", percent=draft["percent"]))
    if draft.get("attachments"):
        lines.append(t("draft_files", count=len(draft["attachments"])))
    if draft.get("close"):
        lines.append(t("draft_close"))
    lines.append(t("draft_hint"))
    return "\n".join(lines)


async def show_draft(bot: Bot, chat_id: int, t: Texts, draft: dict[str, Any]) -> None:
    markup = keyboards.draft(
        t,
        status_choice=not draft.get("close"),
        close_choice=not draft.get("close") and draft.get("can_close", False),
    )
    await bot.send_message(chat_id, draft_text(t, draft), reply_markup=markup)


async def start_draft(
    state: FSMContext,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    measure_id: int,
    close: bool,
    note: str = "",
    status: str | None = None,
    percent: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    detail = await ledger.measure_detail(session, actor, clock, measure_id)
    if "report" not in detail.actions:
        raise WrongState(status=detail.line.status)
    draft = {
        "measure_id": measure_id,
        "code": detail.line.code,
        "measure_text": detail.line.text,
        "note": note,
        "status": status,
        "percent": percent,
        "attachments": attachments or [],
        "close": close and "close" in detail.actions,
        "can_close": "close" in detail.actions,
    }
    await state.set_state(ReportFlow.drafting)
    await state.set_data(draft)
    return draft


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.callback_query(MeasureCb.filter(F.action.in_({"report", "close"})))
    async def begin(
        query: CallbackQuery,
        callback_data: MeasureCb,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        close = callback_data.action == "close"
        draft = await start_draft(state, session, actor, clock, callback_data.id, close)
        await query.answer()
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id,
            texts("close_start" if close else "report_start", code=draft["code"]),
            reply_markup=keyboards.draft(texts, status_choice=False, close_choice=False),
        )

    @r.message(ReportFlow.drafting, F.text, NOT_A_COMMAND)
    async def draft_note(message: Message, state: FSMContext, texts: Texts) -> None:
        text = (message.text or "").strip()
        if len(text) > progress.NOTE_MAX:
            await message.answer(texts("too_long", length=len(text), limit=progress.NOTE_MAX))
            return
        draft = await state.get_data()
        note = f"{draft['note']}\n{text}".strip() if draft.get("note") else text
        if len(note) > progress.NOTE_MAX:
            await message.answer(texts("too_long", length=len(note), limit=progress.NOTE_MAX))
            return
        draft["note"] = note
        if (match := matching.PERCENT.search(text)) is not None:
            value = int(match.group(1) or match.group(2))
            if value <= 100:
                draft["percent"] = value
        await state.set_data(draft)
        await show_draft(message.bot, message.chat.id, texts, draft)

    @r.message(ReportFlow.drafting, F.photo | F.document)
    async def draft_file(message: Message, state: FSMContext, texts: Texts) -> None:
        attachment = attachment_of(message)
        assert attachment is not None
        draft = await state.get_data()
        if len(draft["attachments"]) >= progress.ATTACHMENTS_MAX:
            await message.answer(texts("err_invalid_input"))
            return
        draft["attachments"].append(asdict(attachment))
        caption = (message.caption or "").strip()
        if caption:
            draft["note"] = f"{draft['note']}\n{caption}".strip()[: progress.NOTE_MAX]
        await state.set_data(draft)
        await message.answer(
            texts(
                "draft_attached",
                name=attachment.file_name or texts("evidence_photo"),
                count=len(draft["attachments"]),
            )
        )
        await show_draft(message.bot, message.chat.id, texts, draft)

    @r.callback_query(DraftCb.filter(), ReportFlow.drafting)
    async def draft_button(
        query: CallbackQuery,
        callback_data: DraftCb,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        draft = await state.get_data()
        assert query.message is not None
        chat_id = query.message.chat.id
        action = callback_data.action
        if action == "cancel":
            await state.clear()
            await query.answer()
            await query.bot.send_message(chat_id, texts("cancelled"))
            return
        if action in (statuses.IN_PROGRESS, statuses.NOT_STARTED):
            draft["status"] = action
        elif action == "close":
            draft["close"] = True
        if action != "ok":
            await state.set_data(draft)
            await query.answer()
            await show_draft(query.bot, chat_id, texts, draft)
            return
        outcome = await progress.report_progress(
            session,
            actor,
            clock,
            draft["measure_id"],
            draft.get("note"),
            status=draft.get("status"),
            percent=draft.get("percent"),
            attachments=[Attachment(**a) for a in draft.get("attachments", [])],
            request_close=bool(draft.get("close")),
        )
        await state.clear()
        await query.answer(texts("saved"))
        text = texts(
            "report_saved", code=outcome.measure_code, status=status_name(texts, outcome.status)
        )
        if outcome.evidence_added:
            text += "\n" + texts("report_saved_evidence", count=outcome.evidence_added)
        if outcome.close_requested:
            text += "\n" + texts("close_requested_saved", code=outcome.measure_code)
        await query.bot.send_message(chat_id, text)
        await deliver(query.bot, outcome.notices)

    @r.callback_query(PickCb.filter(), ReportFlow.picking)
    async def picked(
        query: CallbackQuery,
        callback_data: PickCb,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        pending = await state.get_data()
        assert query.message is not None
        if callback_data.id == 0 or callback_data.id not in pending.get("candidates", []):
            await state.clear()
            await query.answer()
            await query.bot.send_message(query.message.chat.id, texts("pick_none"))
            return
        draft = await start_draft(
            state,
            session,
            actor,
            clock,
            callback_data.id,
            bool(pending.get("close")),
            note=pending.get("note", ""),
            status=pending.get("status"),
            percent=pending.get("percent"),
            attachments=pending.get("attachments"),
        )
        await query.answer()
        await show_draft(query.bot, query.message.chat.id, texts, draft)

    @r.message(StateFilter(None), F.text, NOT_A_COMMAND)
    async def free_text(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        recent_questions: RecentQuestions,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        text = (message.text or "").strip()
        if not text:
            await message.answer(texts("not_understood"))
            return
        handled = await offer_report(message, state, session, actor, clock, texts, text, [])
        if not handled:
            # not a progress report: a question about the rules
            await reply_to_question(message, texts, knowledge, text, recent_questions)

    @r.message(StateFilter(None), F.photo | F.document)
    async def loose_file(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        attachment = attachment_of(message)
        assert attachment is not None
        caption = (message.caption or "").strip()
        handled = await offer_report(
            message,
            state,
            session,
            actor,
            clock,
            texts,
            caption,
            [asdict(attachment)],
            offer_all=True,
        )
        if not handled:
            await message.answer(texts("not_understood"))

    return r


async def offer_report(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    texts: Texts,
    text: str,
    attachments: list[dict[str, Any]],
    offer_all: bool = False,
) -> bool:
    """Match a free-text report to the sender's own measures and ask which one."""
    if not actor.is_registered or len(text) > progress.NOTE_MAX:
        return False
    measures = await ledger.owned_measures(session, actor)
    if not measures:
        return False
    read = matching.read_report(text, measures) if text else None
    candidates = [(c.measure_id, f"{c.code} {c.text}") for c in read.candidates] if read else []
    if not candidates and offer_all:
        candidates = [(m.id, f"{m.code} {m.text}") for m in measures[:8]]
    if not candidates:
        return False
    note = read.note if read else text
    status = read.status if read else None
    percent = read.percent if read else None
    close = bool(read and read.wants_close)
    if read is not None and read.by_code:
        draft = await start_draft(
            state,
            session,
            actor,
            clock,
            candidates[0][0],
            close,
            note=note,
            status=status,
            percent=percent,
            attachments=attachments,
        )
        await show_draft(message.bot, message.chat.id, texts, draft)
        return True
    await state.set_state(ReportFlow.picking)
    await state.set_data(
        {
            "candidates": [c[0] for c in candidates],
            "note": note,
            "status": status,
            "percent": percent,
            "close": close,
            "attachments": attachments,
        }
    )
    await message.answer(texts("pick_measure"), reply_markup=keyboards.pick(texts, candidates))
    return True

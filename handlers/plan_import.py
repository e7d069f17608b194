"""/import: an admin uploads a plan file, sees exactly what was understood, then confirms."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Document, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.errors import NotAllowed
from bot.services.plan_files import PlanFileError, read_plan_async
from bot.services.plan_store import ImportSummary, import_plan
from handlers.callbacks import ImportCb
from handlers.sending import download
from handlers.states import ImportFlow
from handlers.texts import Texts, esc

# Telegram bots may download files up to 20 MB
DOWNLOAD_LIMIT = 20 * 1024 * 1024
PAGE_CHARS = 3500
NAMES_SHOWN = 30


def _deadline(t: Texts, measure: dict[str, Any]) -> str:
    value = measure.get("deadline")
    raw = measure.get("deadline_raw")
    if value in ("immediate", "ongoing"):
        text = t(f"deadline_{value}")
    elif value:
        text = str(value)
    else:
        text = t("import_deadline_unread") if raw else t("deadline_none")
    return f"{text}（{raw}）" if raw and raw != text else text


def preview_pages(
    t: Texts, plan: dict[str, Any], summary: ImportSummary, warnings: list[str]
) -> list[str]:
    """The whole preview, paged so nothing is cut: summary first, then the outline."""
    head = [
        t("import_preview_title", title=summary.title),
        t(
            "import_counts",
            aspects=summary.aspects,
            problems=summary.problems,
            measures=summary.measures,
        ),
    ]
    if summary.updated_existing:
        head.append(
            t(
                "import_changes",
                new=len(summary.new_measures),
                changed=len(summary.changed_measures),
                removed=len(summary.removed_measures),
            )
        )
        for key, codes in (
            ("import_changed_list", summary.changed_measures),
            ("import_removed_list", summary.removed_measures),
            ("import_new_list", summary.new_measures),
        ):
            if codes:
                head.append(t(key, codes="、".join(codes[:NAMES_SHOWN])))
    head.append(
        t(
            "import_new_people",
            count=len(summary.new_people),
            names="、".join(summary.new_people[:NAMES_SHOWN]) or "—",
        )
    )
    head.append(
        t(
            "import_matched_people",
            count=len(summary.matched_people),
            names="、".join(summary.matched_people[:NAMES_SHOWN]) or "—",
        )
    )
    if warnings:
        head.append(t("import_doubts", count=len(warnings)))
        head += [f"• {esc(w)}" for w in warnings]
    else:
        head.append(t("import_no_doubts"))
    head.append(t("import_confirm_hint"))
    lines = [*head, ""]
    for a_index, aspect in enumerate(plan["aspects"], start=1):
        lines.append(t("import_aspect", number=a_index, title=aspect["title"]))
        for problem in aspect["problems"]:
            lines.append(t("import_problem", number=problem["number"], title=problem["title"]))
            for m_index, measure in enumerate(problem["measures"], start=1):
                lines.append(
                    t(
                        "import_measure",
                        code=f"{problem['number']}.{m_index}",
                        text=measure["text"],
                        owner=measure.get("owner") or "—",
                        leader=measure.get("leader") or "—",
                        department=measure.get("department") or "—",
                        deadline=_deadline(t, measure),
                    )
                )
    pages: list[str] = []
    current = ""
    for line in lines:
        if len(line) > PAGE_CHARS:
            line = line[: PAGE_CHARS - 1] + "…"
        if current and len(current) + len(line) + 1 > PAGE_CHARS:
            pages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    pages.append(current)
    return pages


def preview_keyboard(t: Texts, page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn_import_confirm"), callback_data=ImportCb(action="ok"))
    builder.button(text=t("btn_cancel"), callback_data=ImportCb(action="cancel"))
    sizes = [2]
    if pages > 1:
        if page > 0:
            builder.button(
                text=t("btn_prev"), callback_data=ImportCb(action="page", page=page - 1)
            )
        builder.button(
            text=t("import_page", page=page + 1, pages=pages),
            callback_data=ImportCb(action="page", page=page),
        )
        if page < pages - 1:
            builder.button(
                text=t("btn_more"), callback_data=ImportCb(action="page", page=page + 1)
            )
        sizes.append(3)
    builder.adjust(*sizes)
    return builder.as_markup()


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE)

    @r.message(Command("import"))
    async def start(
        message: Message,
        state: FSMContext,
        actor: Actor,
        texts: Texts,
        session: AsyncSession,
        clock: Clock,
    ) -> None:
        if not actor.is_admin:
            raise NotAllowed()
        if message.document is not None:
            await preview(message, state, actor, texts, message.document, session, clock)
            return
        await state.set_state(ImportFlow.file)
        await message.answer(texts("import_send_file"))

    @r.message(ImportFlow.file, F.document)
    async def file(
        message: Message,
        state: FSMContext,
        actor: Actor,
        texts: Texts,
        session: AsyncSession,
        clock: Clock,
    ) -> None:
        assert message.document is not None
        await preview(message, state, actor, texts, message.document, session, clock)

    @r.message(ImportFlow.file, ~F.text.startswith("/"))
    async def not_a_file(message: Message, texts: Texts) -> None:
        await message.answer(texts("import_send_file"))

    @r.callback_query(ImportCb.filter(F.action == "page"), ImportFlow.preview)
    async def page(
        query: CallbackQuery, callback_data: ImportCb, state: FSMContext, texts: Texts
    ) -> None:
        data = await state.get_data()
        pages: list[str] = data["pages"]
        number = min(max(callback_data.page, 0), len(pages) - 1)
        await query.answer()
        if query.message is not None and number != data.get("page"):
            await state.update_data(page=number)
            await query.bot.edit_message_text(
                pages[number],
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
                reply_markup=preview_keyboard(texts, number, len(pages)),
            )

    @r.callback_query(ImportCb.filter(F.action == "cancel"))
    async def cancel(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
        await state.clear()
        await query.answer()
        assert query.message is not None
        await query.bot.send_message(query.message.chat.id, texts("cancelled"))

    @r.callback_query(ImportCb.filter(F.action == "ok"), ImportFlow.preview)
    async def confirm(
        query: CallbackQuery,
        state: FSMContext,
        actor: Actor,
        texts: Texts,
        session: AsyncSession,
        clock: Clock,
    ) -> None:
        data = await state.get_data()
        summary = await import_plan(session, actor, clock, data["plan"], data["source"])
        await state.clear()
        await query.answer(texts("saved"))
        assert query.message is not None
        await query.bot.send_message(
            query.message.chat.id,
            texts(
                "import_done",
                title=summary.title,
                measures=summary.measures,
                new=len(summary.new_measures),
                changed=len(summary.changed_measures),
                removed=len(summary.removed_measures),
                people=len(summary.new_people),
            ),
        )

    @r.callback_query(ImportCb.filter())
    async def expired(query: CallbackQuery, texts: Texts) -> None:
        await query.answer(texts("stale_button"), show_alert=True)

    return r


async def preview(
    message: Message,
    state: FSMContext,
    actor: Actor,
    texts: Texts,
    document: Document,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """Read the uploaded plan, dry-run the import, show the paged preview."""
    if not actor.is_admin:
        raise NotAllowed()
    name = document.file_name or "plan"
    if document.file_size and document.file_size > DOWNLOAD_LIMIT:
        raise PlanFileError(
            message_zh=f"文件太大（{document.file_size // (1024 * 1024)} MB），上限 20 MB。",
            message_en="The file is larger than 20 MB.",
        )
    assert message.bot is not None
    content = await download(message.bot, document)
    plan = await read_plan_async(content, name)
    summary = await import_plan(session, actor, clock, plan.data, name, dry_run=True)
    pages = preview_pages(texts, plan.data, summary, plan.warnings)
    await state.set_state(ImportFlow.preview)
    await state.set_data({"plan": plan.data, "source": name, "pages": pages, "page": 0})
    await message.answer(pages[0], reply_markup=preview_keyboard(texts, 0, len(pages)))

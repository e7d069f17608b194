"""Regulations Q&A: /ask, plain questions in a private chat, inline mode, /kb for admins.

Answers quote the documents verbatim and always say where the words stand; when nothing
relevant is found the bot says so instead of offering an unrelated article.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import OrderedDict
from dataclasses import replace

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.services.actor import Actor
from bot.services.errors import NotAllowed
from handlers.callbacks import KbCb
from handlers.filters import Registered
from handlers.sending import MESSAGE_LIMIT, answer_long, download, send_long
from handlers.states import KbFlow
from handlers.texts import Texts, esc
from knowledge import Hit, KnowledgeBase, Passage, SearchResult

QUESTION_MAX = 500
DEFAULT_TOP = 3
MORE_TOP = 8
INLINE_TOP = 5
RECENT_QUESTIONS = 500
QUOTE_MAX = 1500
DOCUMENT_LIMIT = 20 * 1024 * 1024
KNOWLEDGE_SUFFIXES = (".md", ".txt", ".docx")
_BRACKETED = re.compile(r"《([^》]{2,60})》")


class RecentQuestions:
    """Questions behind "more results" buttons: callback data is too small to carry them."""

    def __init__(self, size: int = RECENT_QUESTIONS) -> None:
        self.size = size
        self.items: OrderedDict[str, str] = OrderedDict()

    def key(self, question: str) -> str:
        key = hashlib.sha1(question.encode()).hexdigest()[:12]
        self.items[key] = question
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self.items.get(key)


def mark(text: str, terms: tuple[str, ...]) -> str:
    """The verbatim text, HTML-escaped, with the matched words in bold."""
    wanted = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not wanted:
        return esc(text)
    pattern = re.compile("|".join(re.escape(t) for t in wanted))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(esc(text[last : match.start()]))
        out.append(f"<b>{esc(match.group(0))}</b>")
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def where(t: Texts, passage: Passage) -> str:
    """《title》 第X条 (chapter) · version — where the quoted words stand."""
    parts = [f"《{passage.title}》"]
    if passage.article:
        parts.append(passage.article)
    if passage.row:
        parts.append(passage.row)
    text = " ".join(parts)
    if passage.chapter:
        text += f"（{passage.chapter}）"
    if passage.version:
        text += f" · {passage.version}"
    return text


def quote(t: Texts, passage: Passage, terms: tuple[str, ...] = (), limit: int = QUOTE_MAX) -> str:
    body = passage.text if len(passage.text) <= limit else passage.text[:limit] + "……"
    lines = [f"📖 <b>{esc(where(t, passage))}</b>", mark(body, terms)]
    if passage.warning:
        lines.append(t("kb_warning", warning=passage.warning))
    if len(passage.text) > limit:
        lines.append(t("kb_truncated"))
    return "\n".join(lines)


def answer_text(t: Texts, result: SearchResult) -> str:
    if result.kind == "missing_article" and result.missing is not None:
        missing = result.missing
        return t(
            "kb_missing_article",
            title=missing.title,
            number=missing.requested,
            count=missing.article_count,
        )
    if result.kind == "bad_input":
        return t("kb_bad_input")
    if not result.answered or not result.hits:
        lines = [t("kb_no_basis")]
        lines += [f"• {esc(s)}" for s in result.suggestions]
        return "\n".join(lines)
    if result.table is not None:
        table = result.table
        head = t("kb_table_overview", title=esc(table.title), rows=table.rows,
                 labels=esc("、".join(table.label_columns)), example=esc(table.example),
                 columns=esc("、".join(table.value_columns)), count=len(result.hits))
    elif result.kind == "article_lookup":
        head = t("kb_article_title")
    else:
        head = t("kb_answer_title", count=len(result.hits))
    blocks = [head]
    for index, hit in enumerate(result.hits, start=1):
        blocks.append(f"{index}. " + quote(t, hit.passage, hit.matched_terms, limit=700))
    blocks.append(t("kb_verbatim_note"))
    return "\n\n".join(blocks)


def fitting_answer_text(t: Texts, result: SearchResult) -> str:
    """The answer in one message: the last hits are left out until it fits (a cut could split
    the HTML; one quote always fits)."""
    text = answer_text(t, result)
    while len(text) > MESSAGE_LIMIT and len(result.hits) > 1:
        result = replace(result, hits=result.hits[:-1])
        text = answer_text(t, result)
    return text


def answer_keyboard(
    t: Texts, hits: list[Hit], more_key: str | None
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for index, hit in enumerate(hits, start=1):
        builder.button(
            text=t("kb_btn_full", index=index),
            callback_data=KbCb(action="full", ref=hit.passage.id),
        )
    if more_key:
        builder.button(text=t("kb_btn_more"), callback_data=KbCb(action="more", ref=more_key))
    builder.adjust(3)
    return builder.as_markup() if hits else None


def passage_keyboard(
    t: Texts, knowledge: KnowledgeBase, passage: Passage
) -> InlineKeyboardMarkup | None:
    before, after = knowledge.neighbours(passage.id)
    builder = InlineKeyboardBuilder()
    if before is not None:
        builder.button(
            text=t("kb_btn_prev", article=before.article or before.row or ""),
            callback_data=KbCb(action="full", ref=before.id),
        )
    if after is not None:
        builder.button(
            text=t("kb_btn_next", article=after.article or after.row or ""),
            callback_data=KbCb(action="full", ref=after.id),
        )
    return builder.as_markup() if (before or after) else None


def cited_documents(knowledge: KnowledgeBase | None, text: str) -> list[tuple[str, str]]:
    """(title, first passage id) of the documents a measure's text names in 《…》."""
    if knowledge is None:
        return []
    found: list[tuple[str, str]] = []
    for name in _BRACKETED.findall(text):
        document = knowledge.find_document(name)
        if document is not None and document.passage_ids:
            entry = (document.title, document.passage_ids[0])
            if entry not in found:
                found.append(entry)
    return found


async def search(knowledge: KnowledgeBase, question: str, top: int) -> SearchResult:
    return await asyncio.to_thread(knowledge.search, question, top)


async def reply_to_question(
    message: Message,
    t: Texts,
    knowledge: KnowledgeBase | None,
    question: str,
    recent: RecentQuestions,
) -> None:
    if knowledge is None:
        await message.answer(t("kb_unavailable"))
        return
    question = question.strip()
    if len(question) > QUESTION_MAX:
        await message.answer(t("kb_too_long", limit=QUESTION_MAX))
        return
    result = await search(knowledge, question, DEFAULT_TOP)
    more = recent.key(question) if result.kind == "search" and result.answered else None
    await answer_long(message, answer_text(t, result), answer_keyboard(t, result.hits, more))


def router() -> Router:
    r = Router(name=__name__)

    @r.message(Command("ask"), F.chat.type == ChatType.PRIVATE, Registered())
    async def ask(
        message: Message,
        command: CommandObject,
        texts: Texts,
        recent_questions: RecentQuestions,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        if not command.args or not command.args.strip():
            await message.answer(texts("kb_ask_usage"))
            return
        await reply_to_question(message, texts, knowledge, command.args, recent_questions)

    @r.callback_query(KbCb.filter(F.action == "full"), Registered())
    async def full(
        query: CallbackQuery,
        callback_data: KbCb,
        texts: Texts,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        passage = knowledge.passage(callback_data.ref) if knowledge else None
        if passage is None:
            await query.answer(texts("stale_button"), show_alert=True)
            return
        await query.answer()
        assert query.message is not None
        await send_long(
            query.bot,
            query.message.chat.id,
            quote(texts, passage, limit=3800),
            passage_keyboard(texts, knowledge, passage),
        )  # type: ignore[arg-type]

    @r.callback_query(KbCb.filter(F.action == "more"), Registered())
    async def more(
        query: CallbackQuery,
        callback_data: KbCb,
        texts: Texts,
        recent_questions: RecentQuestions,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        question = recent_questions.get(callback_data.ref)
        if question is None or knowledge is None:
            await query.answer(texts("stale_button"), show_alert=True)
            return
        result = await search(knowledge, question, MORE_TOP)
        await query.answer()
        assert query.message is not None
        await send_long(
            query.bot,
            query.message.chat.id,
            answer_text(texts, result),
            answer_keyboard(texts, result.hits, None),
        )

    @r.inline_query()
    async def inline(
        query: InlineQuery,
        actor: Actor,
        texts: Texts,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        question = query.query.strip()
        if not (actor.is_registered or actor.is_admin) or knowledge is None or not question:
            await query.answer([], cache_time=5, is_personal=True)
            return
        result = await search(knowledge, question[:QUESTION_MAX], INLINE_TOP)
        items = []
        if result.table is not None:
            # First the table overview: which columns to name, and the table's first rows.
            items.append(InlineQueryResultArticle(
                id=f"t{result.hits[0].passage.id}",
                title=texts("kb_table_inline", labels="、".join(result.table.label_columns))[:100],
                description=result.table.title[:120],
                input_message_content=InputTextMessageContent(
                    message_text=fitting_answer_text(texts, result)),
            ))
        for hit in result.hits if result.answered else []:
            passage = hit.passage
            items.append(
                InlineQueryResultArticle(
                    id=passage.id,
                    title=where(texts, passage)[:100],
                    description=passage.text[:120],
                    input_message_content=InputTextMessageContent(
                        message_text=quote(texts, passage, hit.matched_terms, limit=3500)
                    ),
                )
            )
        await query.answer(items, cache_time=30, is_personal=True)

    @r.message(Command("kb"), F.chat.type == ChatType.PRIVATE, Registered())
    async def kb(
        message: Message,
        command: CommandObject,
        actor: Actor,
        state: FSMContext,
        texts: Texts,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        if knowledge is None:
            await message.answer(texts("kb_unavailable"))
            return
        action = (command.args or "").strip()
        if action == "add":
            if not actor.is_admin:
                raise NotAllowed()
            await state.set_state(KbFlow.file)
            await message.answer(texts("kb_send_file"))
            return
        if action == "reload":
            if not actor.is_admin:
                raise NotAllowed()
            report = await asyncio.to_thread(knowledge.reload)
            await message.answer(reload_text(texts, report))
            return
        lines = [texts("kb_list_title", count=len(knowledge.documents))]
        for document in knowledge.documents:
            line = f"• 《{esc(document.title)}》 {esc(document.version or '')}"
            if document.warning or not document.complete:
                line += " ⚠️"
            lines.append(line)
        for name, reason in knowledge.load_errors:
            lines.append(texts("kb_load_error", name=name, reason=reason))
        if actor.is_admin:
            lines.append(texts("kb_admin_hint"))
        await answer_long(message, "\n".join(lines))

    @r.message(KbFlow.file, F.document, F.chat.type == ChatType.PRIVATE)
    async def kb_file(
        message: Message,
        actor: Actor,
        state: FSMContext,
        texts: Texts,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        assert message.document is not None and message.bot is not None
        if not actor.is_admin or knowledge is None:
            raise NotAllowed()
        name = message.document.file_name or ""
        if not name.lower().endswith(KNOWLEDGE_SUFFIXES) or "/" in name or name.startswith("."):
            await message.answer(texts("kb_bad_type"))
            return
        if (message.document.file_size or 0) > DOCUMENT_LIMIT:
            await message.answer(texts("kb_too_big"))
            return
        content = await download(message.bot, message.document)
        report = await asyncio.to_thread(knowledge.add_document, name, content)
        await state.clear()
        await message.answer(reload_text(texts, report))

    @r.message(KbFlow.file, ~F.text.startswith("/"), F.chat.type == ChatType.PRIVATE)
    async def kb_not_a_file(message: Message, texts: Texts) -> None:
        await message.answer(texts("kb_send_file"))

    return r


def reload_text(t: Texts, report: object) -> str:
    added = getattr(report, "added", [])
    changed = getattr(report, "changed", [])
    removed = getattr(report, "removed", [])
    failed = getattr(report, "failed", [])
    lines = [t("kb_reloaded", added=len(added), changed=len(changed), removed=len(removed))]
    lines += [t("kb_load_error", name=name, reason=reason) for name, reason in failed]
    return "\n".join(lines)

"""What no other router took: unknown commands, stickers and the like, edits, stale buttons."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot.services.errors import DomainError, NotAllowed, PersonNotFound
from handlers.filters import Registered
from handlers.texts import Texts, texts_for

logger = logging.getLogger(__name__)


def router() -> Router:
    r = Router(name=__name__)

    @r.message(F.chat.type != ChatType.PRIVATE, F.text.startswith("/"))
    async def group_command(message: Message, texts: Texts) -> None:
        await message.reply(texts("private_only"))

    @r.message(F.chat.type != ChatType.PRIVATE)
    async def group_message(message: Message) -> None:
        """Group chats get no ledger data; ordinary talk there is left alone."""

    @r.message(F.text.startswith("/"), Registered())
    async def unknown_command(message: Message, texts: Texts) -> None:
        await message.answer(texts("unknown_command"))

    @r.message(Registered())
    async def unsupported(message: Message, texts: Texts) -> None:
        if message.text is not None:
            await message.answer(texts("not_understood"))
        else:
            await message.answer(texts("unsupported_content"))

    @r.edited_message(F.chat.type == ChatType.PRIVATE, Registered())
    async def edited(message: Message, texts: Texts) -> None:
        await message.answer(texts("edited_ignored"))

    @r.callback_query()
    async def stale(query: CallbackQuery, texts: Texts) -> None:
        await query.answer(texts("stale_button"), show_alert=True)

    return r


def domain_error_text(t: Texts, error: DomainError) -> str:
    params = dict(error.params)
    if "message_zh" in params:  # a reason given in both languages
        params["message"] = params["message_en" if t.language == "en" else "message_zh"]
    if isinstance(error, PersonNotFound):
        names = params.get("suggestions")
        params["hint"] = t("suggest_names", names=names) if names else ""
    try:
        return t(f"err_{error.code}", **params)
    except KeyError:
        return t("err_invalid_input")


def errors_router() -> Router:
    r = Router(name=f"{__name__}.errors")

    @r.errors(ExceptionTypeFilter(DomainError))
    async def domain_error(event: ErrorEvent, texts: Texts | None = None) -> None:
        t = texts or texts_for(None)
        error = event.exception
        assert isinstance(error, DomainError)
        if not isinstance(error, NotAllowed):
            logger.info("refused: %s", error.code)
        await _tell(event, domain_error_text(t, error))

    @r.errors()
    async def unexpected(event: ErrorEvent, texts: Texts | None = None) -> None:
        logger.exception("update %s failed", event.update.update_id, exc_info=event.exception)
        await _tell(event, (texts or texts_for(None))("error_generic"))

    return r


async def _tell(event: ErrorEvent, text: str) -> None:
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
            await update.message.answer(text)
    except Exception:  # the error reply itself failed: nothing more to tell the user
        logger.warning("could not tell the user about an error", exc_info=True)

"""Delivering notices (sign-off requests, decisions) to the people concerned."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup

from bot.services.notices import Notice
from handlers import keyboards
from handlers.render import short
from handlers.sending import send_quietly
from handlers.texts import texts_for

DECISION_KINDS = ("close_requested", "extension_requested")


def notice_text(notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    t = texts_for(notice.language)
    text = t(
        f"notice_{notice.kind}",
        who=notice.actor_name or "—",
        code=notice.measure_code,
        text=short(notice.measure_text, 200),
        reason=notice.reason or t("no_reason"),
        date=notice.requested_deadline.isoformat() if notice.requested_deadline else "",
    )
    markup = None
    if notice.kind in DECISION_KINDS and notice.decision_id is not None:
        kind = "close" if notice.kind == "close_requested" else "extension"
        markup = keyboards.decision(t, notice.decision_id, kind, notice.measure_id)
    return text, markup


async def deliver(bot: Bot, notices: list[Notice]) -> None:
    for notice in notices:
        if notice.telegram_user_id is None:
            continue  # not joined yet: they will see it in /pending or their digest
        text, markup = notice_text(notice)
        await send_quietly(bot, notice.telegram_user_id, text, markup)

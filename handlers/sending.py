"""Sending within Telegram's limits: long texts are split at line breaks."""

from __future__ import annotations

import io
import logging
import re

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import Document, InlineKeyboardMarkup, Message

MESSAGE_LIMIT = 4096
# inside a tag or an entity a cut would break the HTML
_OPEN_MARKUP = re.compile(r"<[^>]*$|&[#\w]*$")

logger = logging.getLogger(__name__)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Chunks of at most `limit` characters, cut at line breaks where possible.

    Templates keep HTML tags within one line, so a cut between lines never splits a tag.
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = limit
            while cut > limit // 2 and _OPEN_MARKUP.search(line[:cut]):
                cut -= 1
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [text[:limit]]


async def send_long(
    bot: Bot,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send `text`, split as needed; the keyboard goes with the last part."""
    parts = split_text(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id, part, reply_markup=reply_markup if last else None
        )
    assert message is not None
    return message


async def answer_long(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    assert message.bot is not None
    return await send_long(message.bot, message.chat.id, text, reply_markup)


async def send_quietly(
    bot: Bot, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Send to someone other than the sender; a blocked bot or a gone chat is logged, not fatal."""
    try:
        await send_long(bot, chat_id, text, reply_markup)
    except TelegramForbiddenError:
        logger.info("chat %s has blocked the bot; notice skipped", chat_id)
        return False
    except TelegramAPIError as error:
        logger.warning("notice to chat %s failed: %s", chat_id, type(error).__name__)
        return False
    return True


async def download(bot: Bot, document: Document) -> bytes:
    """The bytes of a file a user sent (Bot API getFile, then the file download)."""
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    return buffer.getvalue()

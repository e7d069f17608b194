"""The Bot API client: base URL, 429 handling, and keeping the token out of logs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

logger = logging.getLogger(__name__)

RETRY_AFTER_MAX_SECONDS = 120
RETRY_ATTEMPTS = 5


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Waits out 429 Too Many Requests (retry_after) and sends again, so a message arrives once."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(RETRY_ATTEMPTS):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == RETRY_ATTEMPTS - 1 or error.retry_after > RETRY_AFTER_MAX_SECONDS:
                    raise
                logger.warning(
                    "flood control on %s: waiting %s s", type(method).__name__, error.retry_after
                )
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")


class RedactingFilter(logging.Filter):
    """Replaces the bot token wherever it would appear in a log line."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self.secrets):
                for secret in self.secrets:
                    text = text.replace(secret, "***")
                record.exc_info = None
                record.exc_text = None
                record.msg = f"{record.msg}\n{text}"
        return True


def redact(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def install_redaction(token: str | None) -> None:
    if not token:
        return
    redactor = RedactingFilter([token, token.split(":", 1)[-1]])
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redactor)
    root.addFilter(redactor)


def build_bot(token: str, api_url: str, session: BaseSession | None = None, **kwargs: Any) -> Bot:
    """A Bot whose HTML parse mode and no link previews are the defaults."""
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    session.middleware(RetryAfterMiddleware())
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
        **kwargs,
    )

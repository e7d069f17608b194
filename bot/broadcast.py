"""Sending to many people within Telegram's limits.

Telegram asks bots to stay under about one message a second in a chat and about thirty a
second overall; past that it answers 429 with `retry_after`. A broadcast here:
- paces every part (a photo, then the text split at 4096 characters) so that no chat gets
  two parts within `per_chat_interval` and no second holds more than `per_second` sends,
  working on other chats while one waits;
- waits out 429 (the whole bot pauses: the limit is the bot's) and sends the part again;
- skips a person who blocked the bot (403) or whose chat is gone, records the outcome and
  goes on with the others; other errors fail that message only;
- asks `before_send` just before a message's first part (the scheduler marks the ledger
  "sending" there) and reports every message's outcome to `on_result` as soon as it is known;
- stops between messages when `should_stop` says so; the rest are reported as not sent.

`sleep` and `monotonic` are injectable, so tests run without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

logger = logging.getLogger(__name__)

SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
NOT_SENT = "not_sent"

PER_CHAT_INTERVAL = 1.0
PER_SECOND = 30
RETRY_AFTER_ATTEMPTS = 5
# a longer flood wait is not waited out inside one run: the message is tried again later
RETRY_AFTER_MAX = 300.0
# Bot API answers meaning the person can no longer be reached in this chat
GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")


@dataclass(frozen=True)
class Part:
    """One Bot API call: a text message, or a photo with an optional caption."""

    text: str | None = None
    photo: bytes | None = None
    photo_name: str = "chart.png"
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    parts: tuple[Part, ...]
    # opaque to the broadcast: what the caller needs to record the outcome
    ref: Any = None


@dataclass(frozen=True)
class Delivery:
    message: Outgoing
    outcome: str
    error: str | None = None
    parts_sent: int = 0


SendPart = Callable[[int, Part], Awaitable[None]]


@dataclass
class _Pending:
    message: Outgoing
    next_part: int = 0
    started: bool = False


@dataclass
class Broadcaster:
    send_part: SendPart
    per_chat_interval: float = PER_CHAT_INTERVAL
    per_second: int = PER_SECOND
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    _recent: deque[float] = field(default_factory=deque)
    _last_in_chat: dict[int, float] = field(default_factory=dict)

    async def deliver(
        self,
        messages: Iterable[Outgoing],
        before_send: Callable[[Outgoing], Awaitable[None]] | None = None,
        on_result: Callable[[Delivery], Awaitable[None]] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Delivery]:
        queue = [_Pending(m) for m in messages if m.parts]
        results: list[Delivery] = []

        async def finish(item: _Pending, outcome: str, error: str | None = None) -> None:
            queue.remove(item)
            delivery = Delivery(item.message, outcome, error, item.next_part)
            results.append(delivery)
            if on_result is not None:
                await on_result(delivery)

        while queue:
            if should_stop is not None and should_stop():
                for item in [i for i in queue if not i.started]:
                    await finish(item, NOT_SENT)
                if not queue:
                    break
            item = self._ready(queue)
            if item is None:
                await self.sleep(self._wait_time(queue))
                continue
            if not item.started:
                item.started = True
                if before_send is not None:
                    await before_send(item.message)
            part = item.message.parts[item.next_part]
            outcome, error = await self._send(item.message.chat_id, part)
            if outcome == SENT:
                item.next_part += 1
                if item.next_part == len(item.message.parts):
                    await finish(item, SENT)
            else:
                await finish(item, outcome, error)
        return results

    def _ready(self, queue: Sequence[_Pending]) -> _Pending | None:
        now = self.monotonic()
        self._forget_before(now - 1.0)
        if len(self._recent) >= self.per_second:
            return None
        # a message already begun goes first, so its parts stay together
        for item in sorted(queue, key=lambda i: not i.started):
            last = self._last_in_chat.get(item.message.chat_id)
            if last is None or now - last >= self.per_chat_interval:
                return item
        return None

    def _wait_time(self, queue: Sequence[_Pending]) -> float:
        now = self.monotonic()
        waits = []
        if len(self._recent) >= self.per_second:
            waits.append(self._recent[0] + 1.0 - now)
        chat_waits = [
            self._last_in_chat[i.message.chat_id] + self.per_chat_interval - now
            for i in queue
            if i.message.chat_id in self._last_in_chat
        ]
        if chat_waits and len(chat_waits) == len(queue):
            waits.append(min(chat_waits))
        return max(min(waits) if waits else 0.0, 0.001)

    def _forget_before(self, moment: float) -> None:
        while self._recent and self._recent[0] <= moment:
            self._recent.popleft()

    async def _send(self, chat_id: int, part: Part) -> tuple[str, str | None]:
        for attempt in range(RETRY_AFTER_ATTEMPTS):
            now = self.monotonic()
            self._recent.append(now)
            self._last_in_chat[chat_id] = now
            try:
                await self.send_part(chat_id, part)
            except TelegramRetryAfter as error:
                wait = float(error.retry_after)
                if attempt == RETRY_AFTER_ATTEMPTS - 1 or wait > RETRY_AFTER_MAX:
                    return FAILED, f"retry_after {error.retry_after}"
                logger.warning("flood control: waiting %s s before sending again", wait)
                await self.sleep(wait)
                continue
            except TelegramForbiddenError as error:
                logger.info("chat %s has blocked the bot; skipped", chat_id)
                return BLOCKED, _short(error)
            except TelegramBadRequest as error:
                if any(marker in str(error.message).lower() for marker in GONE):
                    logger.info("chat %s is gone; skipped", chat_id)
                    return BLOCKED, _short(error)
                logger.warning("sending to chat %s refused: %s", chat_id, _short(error))
                return FAILED, _short(error)
            except (TelegramNetworkError, TelegramAPIError) as error:
                logger.warning("sending to chat %s failed: %s", chat_id, type(error).__name__)
                return FAILED, type(error).__name__
            return SENT, None
        return FAILED, "retry_after"


def _short(error: TelegramAPIError) -> str:
    return f"{type(error).__name__}: {error.message}"[:200]


def bot_sender(bot: Bot) -> SendPart:
    """Sends parts through an aiogram Bot (HTML parse mode is the bot's default)."""

    async def send(chat_id: int, part: Part) -> None:
        if part.photo is not None:
            await bot.send_photo(
                chat_id,
                BufferedInputFile(part.photo, part.photo_name),
                caption=part.text,
                reply_markup=part.markup,
            )
        else:
            assert part.text is not None
            await bot.send_message(chat_id, part.text, reply_markup=part.markup)

    return send

"""An in-process stand-in for the Bot API: the demo chats through it, handler tests assert on it.

It answers the methods the bot uses like Telegram would, including Telegram's limits
(message length, callback data size, HTML that does not parse), so mistakes show offline too.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Document, Message, PhotoSize, Update, User

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "a",
    "tg-spoiler",
    "span",
    "blockquote",
}


class _HtmlCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'unexpected end tag "{tag}"'


def html_error(text: str) -> str | None:
    """Why Telegram would refuse this HTML, or None."""
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.error:
        return checker.error
    if checker.stack:
        return f'unclosed tag "{checker.stack[-1]}"'
    return None


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    text: str
    buttons: list[list[tuple[str, str | None]]] = field(default_factory=list)
    document: str | None = None
    edits: int = 0

    def button_data(self, label_part: str) -> str:
        for row in self.buttons:
            for text, data in row:
                if label_part in text and data:
                    return data
        raise LookupError(f"no button like {label_part!r} in {self.buttons}")


def _buttons(markup: Any) -> list[list[tuple[str, str | None]]]:
    if markup is None or not hasattr(markup, "inline_keyboard"):
        return []
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


class OfflineSession(BaseSession):
    """Answers Bot API methods in memory and records what the bot sent."""

    def __init__(self, bot_username: str = "zhenggai_demo_bot") -> None:
        super().__init__()
        self.bot_username = bot_username
        self.sent: list[SentMessage] = []
        self.calls: list[TelegramMethod[Any]] = []
        self.alerts: list[str] = []
        self.files: dict[str, bytes] = {}
        # files the bot uploaded (exports, charts), by file name
        self.uploads: dict[str, bytes] = {}
        self.on_message: Callable[[SentMessage], None] | None = None
        self._ids = itertools.count(1)

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield self.files.get(url.rsplit("/", 1)[-1], b"")

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        self.calls.append(method)
        name = method.__api_method__
        answer = getattr(self, f"_api_{name}", None)
        result = answer(bot, method) if answer else True
        response = self.check_response(
            bot, method, 200, json.dumps({"ok": True, "result": result}, default=str)
        )
        return response.result  # type: ignore[return-value]

    def _bad(self, method: TelegramMethod[Any], text: str) -> None:
        raise TelegramBadRequest(method=method, message=f"Bad Request: {text}")

    def _check_outgoing(self, method: Any, text: str | None, markup: Any) -> None:
        if text is not None:
            if not text.strip():
                self._bad(method, "message text is empty")
            if len(text) > 4096:
                self._bad(method, "message is too long")
            parse_mode = getattr(method, "parse_mode", None)
            if str(parse_mode).lower().endswith("html") and (error := html_error(text)):
                self._bad(method, f"can't parse entities: {error}")
        for row in _buttons(markup):
            for _, data in row:
                if data is not None and len(data.encode()) > 64:
                    self._bad(method, "BUTTON_DATA_INVALID")

    def _message(self, bot: Bot, chat_id: int, text: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {
                "id": chat_id,
                "type": "private" if chat_id > 0 else "group",
                "title": None if chat_id > 0 else "group",
            },
            "from": {
                "id": bot.id,
                "is_bot": True,
                "first_name": "整改助手",
                "username": self.bot_username,
            },
            **({"text": text} if text is not None else {}),
            **extra,
        }

    def _record(self, result: dict[str, Any], markup: Any, document: str | None = None) -> None:
        sent = SentMessage(
            result["message_id"],
            result["chat"]["id"],
            result.get("text", ""),
            _buttons(markup),
            document,
        )
        self.sent.append(sent)
        if self.on_message:
            self.on_message(sent)

    def _api_getMe(self, bot: Bot, method: Any) -> dict[str, Any]:
        return {
            "id": bot.id,
            "is_bot": True,
            "first_name": "整改助手",
            "username": self.bot_username,
        }

    def _api_sendMessage(self, bot: Bot, method: Any) -> dict[str, Any]:
        self._check_outgoing(method, method.text, method.reply_markup)
        result = self._message(bot, int(method.chat_id), method.text)
        self._record(result, method.reply_markup)
        return result

    def _api_editMessageText(self, bot: Bot, method: Any) -> dict[str, Any]:
        self._check_outgoing(method, method.text, method.reply_markup)
        for sent in self.sent:
            if sent.message_id == method.message_id:
                sent.text, sent.buttons = method.text, _buttons(method.reply_markup)
                sent.edits += 1
        return self._message(bot, int(method.chat_id or 0), method.text)

    def _api_answerCallbackQuery(self, bot: Bot, method: Any) -> bool:
        if method.text:
            self.alerts.append(method.text)
        return True

    def _keep_upload(self, upload: Any, name: str) -> None:
        data = getattr(upload, "data", None)
        if isinstance(data, bytes):
            self.uploads[name] = data

    def _api_sendDocument(self, bot: Bot, method: Any) -> dict[str, Any]:
        name = getattr(method.document, "filename", None) or str(method.document)
        self._keep_upload(method.document, name)
        result = self._message(
            bot,
            int(method.chat_id),
            None,
            caption=method.caption,
            document={
                "file_id": f"doc{len(self.sent)}",
                "file_unique_id": f"u{len(self.sent)}",
                "file_name": name,
            },
        )
        self._record(result, method.reply_markup, document=name)
        return result

    def _api_sendPhoto(self, bot: Bot, method: Any) -> dict[str, Any]:
        self._keep_upload(method.photo, getattr(method.photo, "filename", None) or "photo.png")
        result = self._message(
            bot,
            int(method.chat_id),
            None,
            caption=method.caption,
            photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
        )
        self._record(result, method.reply_markup, document="photo.png")
        return result

    def _api_getFile(self, bot: Bot, method: Any) -> dict[str, Any]:
        return {
            "file_id": method.file_id,
            "file_unique_id": method.file_id,
            "file_path": method.file_id,
        }


class UpdateFactory:
    """Builds the updates a Telegram client would send."""

    def __init__(self, start_update_id: int = 1) -> None:
        self._update_ids = itertools.count(start_update_id)
        self._message_ids = itertools.count(1_000_000)

    def user(self, user_id: int, name: str = "用户", language: str = "zh-hans") -> User:
        return User(id=user_id, is_bot=False, first_name=name, language_code=language)

    def _chat(self, user: User, chat_id: int | None) -> Chat:
        if chat_id is None or chat_id == user.id:
            return Chat(id=user.id, type="private", first_name=user.first_name)
        return Chat(id=chat_id, type="group", title="群")

    def message(
        self, user: User, text: str | None = None, chat_id: int | None = None, **fields: Any
    ) -> Update:
        message = Message(
            message_id=next(self._message_ids),
            date=int(time.time()),
            chat=self._chat(user, chat_id),
            from_user=user,
            text=text,
            **fields,
        )
        return Update(update_id=next(self._update_ids), message=message)

    def document(
        self,
        user: User,
        file_name: str,
        file_id: str,
        size: int = 1000,
        caption: str | None = None,
    ) -> Update:
        return self.message(
            user,
            caption=caption,
            document=Document(
                file_id=file_id, file_unique_id=f"u-{file_id}", file_name=file_name, file_size=size
            ),
        )

    def photo(self, user: User, file_id: str, caption: str | None = None) -> Update:
        return self.message(
            user,
            caption=caption,
            photo=[
                PhotoSize(
                    file_id=file_id,
                    file_unique_id=f"u-{file_id}",
                    width=800,
                    height=600,
                    file_size=50_000,
                )
            ],
        )

    def edited(self, user: User, text: str) -> Update:
        message = Message(
            message_id=next(self._message_ids),
            date=int(time.time()),
            chat=self._chat(user, None),
            from_user=user,
            text=text,
            edit_date=int(time.time()),
        )
        return Update(update_id=next(self._update_ids), edited_message=message)

    def callback(self, user: User, sent: SentMessage, data: str) -> Update:
        message = Message(
            message_id=sent.message_id,
            date=int(time.time()),
            chat=Chat(id=sent.chat_id, type="private"),
            text=sent.text or None,
        )
        query = CallbackQuery(
            id=str(next(self._message_ids)),
            from_user=user,
            chat_instance="ci",
            message=message,
            data=data,
        )
        return Update(update_id=next(self._update_ids), callback_query=query)

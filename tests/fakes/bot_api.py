"""A fake Telegram Bot API server owned by the tests.

The real bot process talks to it over HTTP exactly like it talks to api.telegram.org
(``{base}/bot{token}/{method}`` and ``{base}/file/bot{token}/{path}``), while the tests drive
it from the same event loop through :class:`FakeBotApi`, :class:`FakeUser` and
:class:`FakeGroup`. Telegram's limits are enforced so that bugs which only show up against the
real server (too long texts, bad HTML, oversized callback data, "message is not modified")
fail the tests instead.
"""

# Waiting helpers take a timeout argument on purpose: tests read better with
# ``await user.next_message(timeout=5)`` than wrapping every call in asyncio.timeout.

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from aiohttp import BodyPartReader, hdrs, web

from .telegram_text import EntityParseError, FormattedText, parse_formatted, utf16_len

__all__ = [
    "ApiCall",
    "ApiError",
    "BotMessage",
    "CallbackQueryRef",
    "FakeBotApi",
    "FakeFile",
    "FakeGroup",
    "FakeUser",
    "InlineQueryRef",
    "UserMessage",
    "free_port",
]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
INLINE_KEYBOARD_BUTTON_LIMIT = 100
UPLOAD_LIMIT = 50 * 1024 * 1024
DOWNLOAD_LIMIT = 20 * 1024 * 1024
MAX_POLL_TIMEOUT = 50

_DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Form fields whose values aiogram (and Telegram) encode as JSON strings.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "results",
        "button",
        "media",
        "message_ids",
    }
)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a content and reply markup of the current message"
)
_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1, for configuring the bot before start()."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _now() -> int:
    return int(time.time())


class _ApiFailure(Exception):
    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after


def _bad_request(description: str) -> _ApiFailure:
    return _ApiFailure(400, f"Bad Request: {description}")


class ApiCall(NamedTuple):
    method: str
    params: dict[str, Any]
    timestamp: float


@dataclass(frozen=True)
class ApiError:
    """A call that was answered with ok=false (including injected faults)."""

    method: str
    params: dict[str, Any]
    error_code: int
    description: str
    injected: bool
    timestamp: float


@dataclass(eq=False)
class FakeFile:
    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    url: str | None = None
    file_path: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    def document_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name is not None:
            data["file_name"] = self.file_name
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        return data

    def photo_dict(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }


@dataclass(eq=False)
class UserMessage:
    """A message a fake user sent; ``raw`` is the Message object delivered to the bot."""

    chat_id: int
    message_id: int
    update_id: int
    raw: dict[str, Any]
    deleted: bool = False

    @property
    def text(self) -> str | None:
        value = self.raw.get("text", self.raw.get("caption"))
        return value if isinstance(value, str) else None

    def to_dict(self, *, nested: bool = True) -> dict[str, Any]:
        data = copy.deepcopy(self.raw)
        if not nested:
            data.pop("reply_to_message", None)
        return data


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent; edits are applied in place and kept in ``history``.

    ``text``/``caption`` are what the user sees (after parse_mode), ``raw_text`` is what the
    bot sent.
    """

    chat_id: int
    message_id: int
    method: str
    date: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    params: dict[str, Any]
    text: str | None = None
    caption: str | None = None
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: FakeFile | None = None
    photo: list[FakeFile] = field(default_factory=list)
    reply_to: BotMessage | UserMessage | None = None
    link_preview_options: dict[str, Any] | None = None
    media_group_id: str | None = None
    edit_date: int | None = None
    history: list[tuple[str | None, dict[str, Any] | None]] = field(default_factory=list)
    deleted: bool = False

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_markup(self) -> dict[str, Any] | None:
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows of (text, callback_data or url)."""
        markup = self.inline_markup
        if markup is None:
            return []
        return [
            [(button["text"], button.get("callback_data", button.get("url"))) for button in row]
            for row in markup["inline_keyboard"]
        ]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply keyboard rows of button texts."""
        if self.reply_markup is None or "keyboard" not in self.reply_markup:
            return []
        return [
            [button if isinstance(button, str) else button["text"] for button in row]
            for row in self.reply_markup["keyboard"]
        ]

    def find_button(self, text_or_data: str) -> dict[str, Any] | None:
        markup = self.inline_markup
        if markup is None:
            return None
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        for button in buttons:
            if button["text"] == text_or_data:
                return button
        for button in buttons:
            if button.get("callback_data") == text_or_data:
                return button
        return None

    def to_dict(self, *, nested: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": dict(self.sender),
            "chat": dict(self.chat),
            "date": self.date,
        }
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = copy.deepcopy(self.entities)
        if self.caption is not None:
            data["caption"] = self.caption
            if self.entities:
                data["caption_entities"] = copy.deepcopy(self.entities)
        if self.document is not None:
            data["document"] = self.document.document_dict()
        if self.photo:
            data["photo"] = [size.photo_dict() for size in self.photo]
        if self.media_group_id is not None:
            data["media_group_id"] = self.media_group_id
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.link_preview_options is not None and self.text is not None:
            data["link_preview_options"] = copy.deepcopy(self.link_preview_options)
        # Telegram only echoes inline keyboards back in Message.reply_markup.
        if self.inline_markup is not None:
            data["reply_markup"] = copy.deepcopy(self.inline_markup)
        if nested and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_dict(nested=False)
        return data

    def __repr__(self) -> str:
        state = " deleted" if self.deleted else ""
        return (
            f"<BotMessage chat={self.chat_id} id={self.message_id} {self.method}{state} "
            f"{self.content[:60]!r} buttons={self.buttons}>"
        )


@dataclass(eq=False)
class _Chat:
    id: int
    info: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, BotMessage | UserMessage] = field(default_factory=dict)
    bot_messages: list[BotMessage] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def is_private(self) -> bool:
        return self.info["type"] == "private"

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(eq=False)
class _Queued:
    update_id: int
    payload: dict[str, Any]
    redelivered: bool = False
    delivered: bool = False

    @property
    def kind(self) -> str:
        return next(key for key in self.payload if key != "update_id")


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _Upload:
    filename: str
    content: bytes
    content_type: str | None


@dataclass
class _Call:
    method: str
    params: dict[str, Any]
    files: dict[str, _Upload]


@dataclass(eq=False)
class CallbackQueryRef:
    query_id: str
    update_id: int
    data: str
    message: BotMessage
    _api: FakeBotApi = field(repr=False)

    @property
    def answer(self) -> dict[str, Any] | None:
        """The answerCallbackQuery parameters, once the bot answered."""
        return self._api.answered_callbacks.get(self.query_id)

    async def wait_answer(self, timeout: float = 10.0) -> dict[str, Any]:
        return await self._api.wait_until(
            lambda: self.answer, timeout, what=f"answerCallbackQuery for {self.data!r}"
        )


@dataclass(eq=False)
class InlineQueryRef:
    query_id: str
    update_id: int
    query: str
    _api: FakeBotApi = field(repr=False)

    @property
    def answer(self) -> dict[str, Any] | None:
        """The answerInlineQuery parameters, once the bot answered."""
        return self._api.inline_answers.get(self.query_id)

    async def wait_answer(self, timeout: float = 10.0) -> dict[str, Any]:
        return await self._api.wait_until(
            lambda: self.answer, timeout, what=f"answerInlineQuery for {self.query!r}"
        )


class _ChatView:
    """What the tests see of one chat: the bot's messages in order, with a read cursor."""

    def __init__(self, api: FakeBotApi, chat: _Chat) -> None:
        self._api = api
        self._chat = chat
        self._cursor = 0

    @property
    def chat_id(self) -> int:
        return self._chat.id

    @property
    def messages(self) -> list[BotMessage]:
        """Every message the bot sent to this chat (deleted ones too, flagged)."""
        return list(self._chat.bot_messages)

    @property
    def last_message(self) -> BotMessage | None:
        return self._chat.bot_messages[-1] if self._chat.bot_messages else None

    @property
    def chat_actions(self) -> list[str]:
        return list(self._chat.actions)

    async def next_message(self, timeout: float = 10.0) -> BotMessage:
        """The next message the bot sends to this chat, in send order."""

        def probe() -> BotMessage | None:
            if self._cursor < len(self._chat.bot_messages):
                return self._chat.bot_messages[self._cursor]
            return None

        message = await self._api._wait(probe, timeout)
        if message is None:
            raise TimeoutError(
                self._api.describe(f"no new bot message in chat {self.chat_id} in {timeout}s")
            )
        self._cursor += 1
        return message

    async def wait_for(
        self, predicate: Callable[[BotMessage], bool], timeout: float = 10.0
    ) -> BotMessage:
        """The first non-deleted bot message (old or new, edits included) matching."""

        def probe() -> BotMessage | None:
            for message in self._chat.bot_messages:
                if not message.deleted and predicate(message):
                    return message
            return None

        message = await self._api._wait(probe, timeout)
        if message is None:
            raise TimeoutError(
                self._api.describe(f"no bot message in chat {self.chat_id} matched in {timeout}s")
            )
        return message

    async def assert_no_message(self, within: float = 1.0) -> None:
        """Fail if the bot sends anything new to this chat within ``within`` seconds."""
        try:
            message = await self.next_message(timeout=within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected bot message: {message!r}")

    def skip_messages(self) -> None:
        """Move the next_message cursor past everything received so far."""
        self._cursor = len(self._chat.bot_messages)


class FakeGroup(_ChatView):
    @property
    def title(self) -> str:
        title: str = self._chat.info["title"]
        return title


class FakeUser(_ChatView):
    """A Telegram user; its private chat with the bot has the user's id as chat id."""

    def __init__(
        self,
        api: FakeBotApi,
        chat: _Chat,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
    ) -> None:
        super().__init__(api, chat)
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.language_code = language_code
        self.username = username
        # Telegram refuses to let a bot write first; tests may flip these directly.
        self.started = False
        self.blocked = False

    def as_user_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    async def send(
        self,
        text: str,
        *,
        chat: FakeGroup | None = None,
        reply_to: BotMessage | UserMessage | None = None,
    ) -> UserMessage:
        content: dict[str, Any] = {"text": text}
        command = text.split(maxsplit=1)[0] if text.startswith("/") else ""
        if command:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._post(content, chat, reply_to)

    async def send_document(
        self,
        file_name: str,
        content: bytes,
        caption: str | None = None,
        mime_type: str | None = None,
        *,
        chat: FakeGroup | None = None,
        reply_to: BotMessage | UserMessage | None = None,
    ) -> UserMessage:
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        document = self._api._new_file("document", content, file_name=file_name, mime_type=mime)
        message: dict[str, Any] = {"document": document.document_dict()}
        if caption is not None:
            message["caption"] = caption
        return self._post(message, chat, reply_to)

    async def send_photo(
        self,
        content: bytes,
        caption: str | None = None,
        *,
        chat: FakeGroup | None = None,
        reply_to: BotMessage | UserMessage | None = None,
    ) -> UserMessage:
        sizes = self._api._new_photo_sizes(content)
        message: dict[str, Any] = {"photo": [size.photo_dict() for size in sizes]}
        if caption is not None:
            message["caption"] = caption
        return self._post(message, chat, reply_to)

    async def send_sticker(
        self, emoji: str = "👍", *, chat: FakeGroup | None = None
    ) -> UserMessage:
        sticker = self._api._new_file(
            "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", width=512, height=512
        )
        content = {
            "sticker": {
                "file_id": sticker.file_id,
                "file_unique_id": sticker.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": sticker.size,
            }
        }
        return self._post(content, chat, None)

    async def edit_message(self, message: UserMessage, new_text: str) -> int:
        """Edit a message this user sent; returns the edited_message update_id."""
        if "text" in message.raw:
            message.raw["text"] = new_text
            message.raw.pop("entities", None)
        else:
            message.raw["caption"] = new_text
        message.raw["edit_date"] = _now()
        return self._api._push_update("edited_message", message.to_dict())

    async def click(
        self, message_or_id: BotMessage | int, button_text_or_data: str
    ) -> CallbackQueryRef:
        """Press an inline button (matched by text, then callback_data) on a bot message."""
        if isinstance(message_or_id, BotMessage):
            message = message_or_id
        else:
            stored = self._chat.messages.get(message_or_id)
            if not isinstance(stored, BotMessage):
                raise LookupError(f"the bot sent no message {message_or_id} to {self.user_id}")
            message = stored
        if message.deleted:
            raise LookupError(f"message {message.message_id} was deleted by the bot")
        button = message.find_button(button_text_or_data)
        if button is None:
            raise LookupError(
                f"no button {button_text_or_data!r} on {message!r}; buttons: {message.buttons}"
            )
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise LookupError(f"button {button['text']!r} is not a callback button: {button}")
        query_id = str(self._api._next_id())
        query = {
            "id": query_id,
            "from": self.as_user_dict(),
            "message": message.to_dict(),
            "chat_instance": str(abs(hash((message.chat_id, self._api.bot_id)))),
            "data": data,
        }
        update_id = self._api._push_update("callback_query", query)
        ref = CallbackQueryRef(query_id, update_id, data, message, self._api)
        self._api._open_callbacks[query_id] = ref
        return ref

    async def inline_query(self, text: str, offset: str = "") -> InlineQueryRef:
        query_id = str(self._api._next_id())
        query = {
            "id": query_id,
            "from": self.as_user_dict(),
            "query": text,
            "offset": offset,
            "chat_type": "sender",
        }
        update_id = self._api._push_update("inline_query", query)
        ref = InlineQueryRef(query_id, update_id, text, self._api)
        self._api._open_inline_queries[query_id] = ref
        return ref

    def _post(
        self,
        content: dict[str, Any],
        group: FakeGroup | None,
        reply_to: BotMessage | UserMessage | None,
    ) -> UserMessage:
        chat = group._chat if group is not None else self._chat
        if chat.is_private:
            self.started = True
        message_id = chat.new_message_id()
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": self.as_user_dict(),
            "chat": dict(chat.info),
            "date": _now(),
            **content,
        }
        if reply_to is not None:
            raw["reply_to_message"] = reply_to.to_dict(nested=False)
        update_id = self._api._push_update("message", copy.deepcopy(raw))
        message = UserMessage(chat.id, message_id, update_id, raw)
        chat.messages[message_id] = message
        return message


class FakeBotApi:
    """The fake server plus the test-side handle on its state.

    Use from the event loop that called :meth:`start`; nothing here is thread-safe.
    """

    def __init__(
        self,
        token: str = "123456:TEST-fake-token",
        bot_username: str = "zhenggai_test_bot",
        bot_first_name: str = "整改助手",
        *,
        strict_html_ampersand: bool = True,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_html_ampersand = strict_html_ampersand
        self.bot_id = int(token.split(":", 1)[0])

        self.calls: list[ApiCall] = []
        self.errors: list[ApiError] = []
        self.unknown_methods: list[str] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook_deleted = False
        self.dropped_pending_updates = False
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.updates: dict[int, dict[str, Any]] = {}
        self.dropped_updates: list[dict[str, Any]] = []
        self.files: dict[str, FakeFile] = {}

        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._chats: dict[int, _Chat] = {}
        self._queue: list[_Queued] = []
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED_UPDATES
        self._update_ids = itertools.count(10_001)
        self._ids = itertools.count(1)
        self._faults: dict[str, list[_Fault]] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._open_callbacks: dict[str, CallbackQueryRef] = {}
        self._open_inline_queries: dict[str, InlineQueryRef] = {}
        self._poll_generation = 0
        self._active_polls = 0
        self.poll_count = 0
        self._closing = False
        self._waiters: set[asyncio.Future[None]] = set()
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._handlers: dict[str, Callable[[_Call], Awaitable[Any]]] = {
            "getme": self._get_me,
            "logout": self._return_true,
            "close": self._return_true,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setwebhook": self._set_webhook,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "setmydescription": self._return_true,
            "setmyshortdescription": self._return_true,
            "setmyname": self._return_true,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendmediagroup": self._send_media_group,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
        }

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 and return the base URL for TELEGRAM_API_URL.

        State survives stop()/start(), so a test can take the API "down" and bring it back on
        the same port.
        """
        if self._runner is not None:
            raise RuntimeError("the fake Bot API is already running")
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation ends a long poll whose client went away (e.g. a killed bot),
        # so it neither counts as "polling" nor swallows updates meant for the next instance.
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=2.0, handler_cancellation=True
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._closing = False
        self._runner = runner
        host, bound_port = runner.addresses[0][:2]
        self._base_url = f"http://{host}:{bound_port}"
        return self._base_url

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with no updates first."""
        runner = self._runner
        if runner is None:
            return
        self._closing = True
        self._notify()
        # Give released long polls a chance to write their responses before sockets close.
        for _ in range(50):
            if self._active_polls == 0:
                break
            await asyncio.sleep(0.01)
        self._runner = None
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("start() the fake Bot API first")
        return self._base_url

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def polling(self) -> bool:
        """Whether a getUpdates long poll is waiting right now."""
        return self._active_polls > 0

    # -- test-side API -------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "zh-hans",
        username: str | None = None,
        *,
        last_name: str | None = None,
    ) -> FakeUser:
        """The user with this id (created on first use; later arguments are ignored)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        info: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            info["last_name"] = last_name
        if username is not None:
            info["username"] = username
        chat = _Chat(user_id, info)
        self._chats[user_id] = chat
        user = FakeUser(self, chat, user_id, first_name, language_code, username, last_name)
        self._users[user_id] = user
        return user

    def group(self, chat_id: int, title: str) -> FakeGroup:
        """A group the bot is a member of; ids starting with -100 are supergroups."""
        existing = self._groups.get(chat_id)
        if existing is not None:
            return existing
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat = _Chat(chat_id, {"id": chat_id, "type": kind, "title": title})
        self._chats[chat_id] = chat
        group = FakeGroup(self, chat)
        self._groups[chat_id] = group
        return group

    def redeliver(self, update_id: int) -> None:
        """Queue an already sent update again under the same update_id.

        It is delivered once even if the bot already confirmed it, which is what Telegram
        does when a bot crashes after handling an update but before confirming it.
        """
        payload = self.updates.get(update_id)
        if payload is None:
            raise LookupError(f"no update {update_id} was ever sent")
        entry = _Queued(update_id, copy.deepcopy(payload), redelivered=True)
        index = len(self._queue)
        while index > 0 and self._queue[index - 1].update_id > update_id:
            index -= 1
        self._queue.insert(index, entry)
        self._notify()

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead of running them.

        429 carries ``parameters.retry_after``; other codes get a Telegram-like description.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: injected failure",
                403: "Forbidden: bot was blocked by the user",
                409: "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        fault = _Fault(error_code, description, retry_after if error_code == 429 else None, times)
        self._faults.setdefault(method.lower(), []).append(fault)

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def command_list(self, scope: str = "default", language_code: str = "") -> list[str]:
        """Command names set for a scope key ("default", "all_private_chats", "chat:<id>")."""
        return [item["command"] for item in self.commands.get((scope, language_code), [])]

    def file(self, file_id: str) -> FakeFile:
        return self.files[file_id]

    async def wait_until(
        self, condition: Callable[[], _T | None], timeout: float = 10.0, *, what: str = ""
    ) -> _T:
        """Wait until ``condition()`` returns something truthy (re-checked on every change)."""

        def probe() -> _T | None:
            value = condition()
            return value if value else None

        value = await self._wait(probe, timeout)
        if value is None:
            raise TimeoutError(self.describe(f"timed out after {timeout}s waiting for {what}"))
        return value

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,
    ) -> ApiCall:
        """The first recorded call of ``method`` (matching ``predicate``), waiting for it."""

        def probe() -> ApiCall | None:
            for call in self.calls:
                if call.method.lower() == method.lower() and (
                    predicate is None or predicate(call)
                ):
                    return call
            return None

        call = await self._wait(probe, timeout)
        if call is None:
            raise TimeoutError(self.describe(f"the bot did not call {method} within {timeout}s"))
        return call

    async def wait_until_polling(self, timeout: float = 20.0, *, after: int = 0) -> None:
        """Wait until the bot has a getUpdates long poll open, i.e. it is ready for updates.

        Pass ``after=api.poll_count`` taken before (re)starting the bot to ignore polls that
        an earlier bot process had opened.
        """
        await self.wait_until(
            lambda: self._active_polls > 0 and self.poll_count > after,
            timeout,
            what="a getUpdates poll",
        )

    def describe(self, headline: str) -> str:
        """A readable summary of recent traffic, for assertion and timeout messages."""
        lines = [headline]
        lines.append(f"  polling now: {self.polling}; pending updates: {len(self._queue)}")
        recent = [call.method for call in self.calls[-15:]]
        lines.append(f"  last calls: {recent}")
        for error in self.errors[-5:]:
            lines.append(f"  error: {error.method} -> {error.error_code} {error.description}")
        if self.unknown_methods:
            lines.append(f"  unknown methods: {sorted(set(self.unknown_methods))}")
        for chat in self._chats.values():
            for message in chat.bot_messages[-3:]:
                lines.append(f"  {message!r}")
        return "\n".join(lines)

    # -- internals shared with FakeUser --------------------------------------------------------

    def _next_id(self) -> int:
        return next(self._ids)

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self, probe: Callable[[], _T | None], timeout: float) -> _T | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = probe()
            if value is not None:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)

    def _push_update(self, kind: str, obj: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        payload = {"update_id": update_id, kind: obj}
        self.updates[update_id] = payload
        self._queue.append(_Queued(update_id, copy.deepcopy(payload)))
        self._notify()
        return update_id

    def _new_file(
        self,
        kind: str,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
        url: str | None = None,
    ) -> FakeFile:
        number = self._next_id()
        fake = FakeFile(
            file_id=f"fake-{kind}-{number:06d}",
            file_unique_id=f"uniq{number:06d}",
            kind=kind,
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            url=url,
        )
        self.files[fake.file_id] = fake
        return fake

    def _new_photo_sizes(self, content: bytes) -> list[FakeFile]:
        # The fake does not resize; every size carries the original bytes.
        return [
            self._new_file("photo", content, width=width, height=width * 3 // 4)
            for width in (90, 320, 800)
        ]

    # -- HTTP plumbing -------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self._record_error(method, {}, _ApiFailure(401, "Unauthorized"), injected=False)
            return self._error_response(_ApiFailure(401, "Unauthorized"))
        try:
            call = await self._read_call(request, method)
        except _ApiFailure as failure:
            self._record_error(method, {}, failure, injected=False)
            return self._error_response(failure)
        self.calls.append(ApiCall(method, call.params, time.time()))
        log.debug("fake Bot API <- %s %s", method, call.params)
        self._notify()
        key = method.lower()
        faults = self._faults.get(key)
        if faults:
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.pop(0)
            failure = _ApiFailure(fault.error_code, fault.description, fault.retry_after)
            self._record_error(method, call.params, failure, injected=True)
            return self._error_response(failure)
        handler = self._handlers.get(key)
        if handler is None:
            self.unknown_methods.append(method)
            failure = _ApiFailure(404, "Not Found: method not found")
            self._record_error(method, call.params, failure, injected=False)
            return self._error_response(failure)
        try:
            result = await handler(call)
        except _ApiFailure as failure:
            self._record_error(method, call.params, failure, injected=False)
            return self._error_response(failure)
        except Exception:
            log.exception("fake Bot API crashed in %s", method)
            failure = _ApiFailure(500, "Internal Server Error: the fake Bot API crashed")
            self._record_error(method, call.params, failure, injected=False)
            return self._error_response(failure)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.Response:
        fake = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self.token or fake is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=fake.content, content_type=fake.mime_type or "application/octet-stream"
        )

    def _record_error(
        self, method: str, params: dict[str, Any], failure: _ApiFailure, *, injected: bool
    ) -> None:
        self.errors.append(
            ApiError(
                method, params, failure.error_code, failure.description, injected, time.time()
            )
        )
        self._notify()

    @staticmethod
    def _error_response(failure: _ApiFailure) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.error_code,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return web.json_response(body, status=failure.error_code, dumps=_dumps)

    async def _read_call(self, request: web.Request, method: str) -> _Call:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, _Upload] = {}
        if request.method == "POST":
            content_type = request.content_type
            if content_type == "multipart/form-data":
                await self._read_multipart(request, raw, files)
            elif content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad_request("can't parse JSON request body") from exc
                if not isinstance(body, dict):
                    raise _bad_request("JSON request body must be an object")
                raw.update(body)
            else:
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge as exc:
                    raise _ApiFailure(413, "Request Entity Too Large") from exc
                raw.update({key: value for key, value in form.items() if isinstance(value, str)})
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in _JSON_FIELDS and isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError as exc:
                    raise _bad_request(f"can't parse {key} JSON object") from exc
            else:
                params[key] = value
        for name, upload in files.items():
            params.setdefault(name, {"filename": upload.filename, "size": len(upload.content)})
        return _Call(method, params, files)

    @staticmethod
    async def _read_multipart(
        request: web.Request, raw: dict[str, Any], files: dict[str, _Upload]
    ) -> None:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                content = bytearray()
                while chunk := await part.read_chunk():
                    content.extend(chunk)
                    if len(content) > UPLOAD_LIMIT:
                        raise _ApiFailure(413, "Request Entity Too Large")
                files[part.name] = _Upload(
                    part.filename, bytes(content), part.headers.get(hdrs.CONTENT_TYPE)
                )
            else:
                raw[part.name] = await part.text()

    # -- parameter helpers ---------------------------------------------------------------------

    def _chat_of(self, params: dict[str, Any], *, sending: bool = True) -> _Chat:
        value = params.get("chat_id")
        if value is None or value == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError) as exc:
            raise _bad_request("chat not found") from exc
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad_request("chat not found")
        if sending and chat.is_private:
            user = self._users[chat_id]
            if user.blocked:
                raise _ApiFailure(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise _ApiFailure(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _format(
        self,
        text: str,
        params: dict[str, Any],
        *,
        caption: bool,
        entities_field: str,
    ) -> FormattedText:
        parse_mode = _opt_str(params, "parse_mode")
        entities = params.get(entities_field)
        try:
            formatted = parse_formatted(
                text,
                parse_mode,
                entities if isinstance(entities, list) else None,
                strict_ampersand=self.strict_html_ampersand,
            )
        except EntityParseError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from exc
        except ValueError as exc:
            raise _bad_request(f"unsupported parse_mode {parse_mode!r}") from exc
        if caption:
            if len(formatted.text) > CAPTION_LIMIT:
                raise _bad_request("message caption is too long")
        else:
            if not formatted.text:
                raise _bad_request("message text is empty")
            if len(formatted.text) > TEXT_LIMIT:
                raise _bad_request("message is too long")
        return formatted

    @staticmethod
    def _markup(params: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _check_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise _bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request("can't parse reply keyboard markup JSON object")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text")
                    if not isinstance(text, str) or not text:
                        raise _bad_request("keyboard button text must be non-empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _reply_target(chat: _Chat, params: dict[str, Any]) -> BotMessage | UserMessage | None:
        reply = params.get("reply_parameters")
        allow = _opt_bool(params, "allow_sending_without_reply")
        message_id: int | None
        if isinstance(reply, dict):
            message_id = _opt_int(reply, "message_id")
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = _opt_int(params, "reply_to_message_id")
        if message_id is None:
            return None
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if allow:
                return None
            raise _bad_request("message to be replied not found")
        return target

    def _file_input(self, call: _Call, name: str, kind: str) -> FakeFile:
        value = call.params.get(name)
        upload: _Upload | None = None
        if name in call.files:
            upload = call.files[name]
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad_request(f"file {value!r} was not attached to the request")
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._new_file(kind, b"", file_name=value.rsplit("/", 1)[-1], url=value)
        elif isinstance(value, str) and value:
            known = self.files.get(value)
            if known is None:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            return known
        else:
            raise _bad_request(f"there is no {name} in the request")
        if not upload.content:
            raise _bad_request("file must be non-empty")
        if kind == "photo" and not _looks_like_image(upload.content):
            raise _bad_request("IMAGE_PROCESS_FAILED")
        mime = (
            mimetypes.guess_type(upload.filename)[0]
            or upload.content_type
            or "application/octet-stream"
        )
        if kind == "photo":
            return self._new_file("photo", upload.content, width=800, height=600)
        return self._new_file(kind, upload.content, file_name=upload.filename, mime_type=mime)

    def _add_bot_message(self, chat: _Chat, call: _Call, **fields: Any) -> BotMessage:
        message = BotMessage(
            chat_id=chat.id,
            message_id=chat.new_message_id(),
            method=call.method,
            date=_now(),
            chat=dict(chat.info),
            sender=self._bot_user(),
            params=call.params,
            **fields,
        )
        chat.messages[message.message_id] = message
        chat.bot_messages.append(message)
        self._notify()
        return message

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _editable(self, call: _Call) -> BotMessage | None:
        """The bot message an edit call targets; None for inline messages."""
        if call.params.get("inline_message_id"):
            return None
        chat = self._chat_of(call.params)
        message_id = _opt_int(call.params, "message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise _bad_request("message to edit not found")
        if isinstance(message, UserMessage):
            raise _bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: BotMessage, **changes: Any) -> dict[str, Any]:
        message.history.append((message.content, message.reply_markup))
        for name, value in changes.items():
            setattr(message, name, value)
        message.edit_date = _now()
        self._notify()
        return message.to_dict()

    # -- methods -------------------------------------------------------------------------------

    async def _return_true(self, call: _Call) -> bool:
        return True

    async def _get_me(self, call: _Call) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _delete_webhook(self, call: _Call) -> bool:
        self.webhook_deleted = True
        if _opt_bool(call.params, "drop_pending_updates"):
            self.dropped_pending_updates = True
            self._queue.clear()
        return True

    async def _get_webhook_info(self, call: _Call) -> dict[str, Any]:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _set_webhook(self, call: _Call) -> bool:
        raise _bad_request("setWebhook is not supported by the fake Bot API; use long polling")

    async def _get_updates(self, call: _Call) -> list[dict[str, Any]]:
        params = call.params
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = min(max(_opt_int(params, "timeout") or 0, 0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED_UPDATES
        if offset is not None:
            self._confirm(offset)
        # A newer poll terminates the pending one with 409, like Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self.poll_count += 1
        self._notify()

        def probe() -> str | list[_Queued] | None:
            if self._closing:
                return "closing"
            if self._poll_generation != generation:
                return "conflict"
            batch = self._deliverable(limit)
            return batch or None

        self._active_polls += 1
        try:
            outcome = await self._wait(probe, timeout) if timeout else probe()
        finally:
            self._active_polls -= 1
            self._notify()
        if outcome == "conflict":
            raise _ApiFailure(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        if not isinstance(outcome, list):
            return []
        for entry in outcome:
            entry.delivered = True
        return [copy.deepcopy(entry.payload) for entry in outcome]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._queue = self._queue[offset:]
            return
        self._queue = [
            entry
            for entry in self._queue
            if entry.update_id >= offset or (entry.redelivered and not entry.delivered)
        ]

    def _deliverable(self, limit: int) -> list[_Queued]:
        kept: list[_Queued] = []
        for entry in self._queue:
            if entry.kind in self._allowed_updates:
                kept.append(entry)
            else:
                # The bot did not ask for this update type, so Telegram would never send it.
                self.dropped_updates.append(entry.payload)
        self._queue = kept
        return kept[:limit]

    async def _set_my_commands(self, call: _Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands must be a list of at most 100 BotCommand objects")
        cleaned: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            command = str(item.get("command", ""))
            description = str(item.get("description", ""))
            if not (1 <= len(command) <= 32) or not all(
                ch.isascii() and (ch.islower() or ch.isdigit() or ch == "_") for ch in command
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(description) <= 256):
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        self.commands[self._command_key(call.params)] = cleaned
        return True

    async def _get_my_commands(self, call: _Call) -> list[dict[str, str]]:
        return copy.deepcopy(self.commands.get(self._command_key(call.params), []))

    async def _delete_my_commands(self, call: _Call) -> bool:
        self.commands.pop(self._command_key(call.params), None)
        return True

    @staticmethod
    def _command_key(params: dict[str, Any]) -> tuple[str, str]:
        language = _opt_str(params, "language_code") or ""
        # Telegram only takes two-letter ISO 639-1 codes here, not e.g. "zh-hans".
        if language and not (len(language) == 2 and language.isascii() and language.isalpha()):
            raise _bad_request("invalid language code specified")
        return _scope_key(params.get("scope")), language

    async def _set_chat_menu_button(self, call: _Call) -> bool:
        chat_id = _opt_int(call.params, "chat_id")
        button = call.params.get("menu_button")
        self.menu_buttons[chat_id] = button if isinstance(button, dict) else {"type": "default"}
        return True

    async def _get_chat_menu_button(self, call: _Call) -> dict[str, Any]:
        chat_id = _opt_int(call.params, "chat_id")
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))

    async def _send_message(self, call: _Call) -> dict[str, Any]:
        chat = self._chat_of(call.params)
        text = _opt_str(call.params, "text")
        if text is None:
            raise _bad_request("message text is empty")
        formatted = self._format(text, call.params, caption=False, entities_field="entities")
        markup = self._markup(call.params)
        reply_to = self._reply_target(chat, call.params)
        preview = call.params.get("link_preview_options")
        message = self._add_bot_message(
            chat,
            call,
            text=formatted.text,
            entities=formatted.entities,
            raw_text=text,
            parse_mode=_opt_str(call.params, "parse_mode"),
            reply_markup=markup,
            reply_to=reply_to,
            link_preview_options=preview if isinstance(preview, dict) else None,
        )
        return message.to_dict()

    def _caption(self, params: dict[str, Any]) -> tuple[str | None, FormattedText | None]:
        caption = _opt_str(params, "caption")
        if caption is None:
            return None, None
        formatted = self._format(caption, params, caption=True, entities_field="caption_entities")
        return caption, formatted

    async def _send_photo(self, call: _Call) -> dict[str, Any]:
        chat = self._chat_of(call.params)
        raw_caption, caption = self._caption(call.params)
        markup = self._markup(call.params)
        reply_to = self._reply_target(chat, call.params)
        photo = self._file_input(call, "photo", "photo")
        message = self._add_bot_message(
            chat,
            call,
            caption=caption.text if caption else None,
            entities=caption.entities if caption else [],
            raw_text=raw_caption,
            parse_mode=_opt_str(call.params, "parse_mode"),
            photo=[photo],
            reply_markup=markup,
            reply_to=reply_to,
        )
        return message.to_dict()

    async def _send_document(self, call: _Call) -> dict[str, Any]:
        chat = self._chat_of(call.params)
        raw_caption, caption = self._caption(call.params)
        markup = self._markup(call.params)
        reply_to = self._reply_target(chat, call.params)
        document = self._file_input(call, "document", "document")
        message = self._add_bot_message(
            chat,
            call,
            caption=caption.text if caption else None,
            entities=caption.entities if caption else [],
            raw_text=raw_caption,
            parse_mode=_opt_str(call.params, "parse_mode"),
            document=document,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return message.to_dict()

    async def _send_media_group(self, call: _Call) -> list[dict[str, Any]]:
        chat = self._chat_of(call.params)
        media = call.params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad_request("media group must contain 2-10 items")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if "document" in kinds and len(kinds) > 1:
            raise _bad_request("document can't be mixed with other media types")
        reply_to = self._reply_target(chat, call.params)
        prepared: list[dict[str, Any]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "document"):
                raise _bad_request("the fake Bot API only supports photo and document albums")
            kind = str(item["type"])
            item_call = _Call(call.method, {kind: item.get("media")}, call.files)
            fake = self._file_input(item_call, kind, kind)
            raw_caption = _opt_str(item, "caption")
            caption = (
                self._format(raw_caption, item, caption=True, entities_field="caption_entities")
                if raw_caption is not None
                else None
            )
            is_document = kind == "document"
            prepared.append(
                {
                    "document": fake if is_document else None,
                    "photo": [] if is_document else [fake],
                    "caption": caption.text if caption else None,
                    "entities": caption.entities if caption else [],
                    "raw_text": raw_caption,
                    "parse_mode": _opt_str(item, "parse_mode"),
                }
            )
        group_id = str(self._next_id())
        return [
            self._add_bot_message(
                chat, call, media_group_id=group_id, reply_to=reply_to, **fields
            ).to_dict()
            for fields in prepared
        ]

    async def _edit_message_text(self, call: _Call) -> dict[str, Any] | bool:
        message = self._editable(call)
        text = _opt_str(call.params, "text")
        if text is None:
            raise _bad_request("text must be non-empty")
        formatted = self._format(text, call.params, caption=False, entities_field="entities")
        markup = self._markup(call.params, inline_only=True)
        if message is None:
            return True
        if message.text is None:
            raise _bad_request("there is no text in the message to edit")
        if (
            formatted.text == message.text
            and formatted.entities == message.entities
            and markup == message.inline_markup
        ):
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        preview = call.params.get("link_preview_options")
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        return self._apply_edit(
            message,
            text=formatted.text,
            entities=formatted.entities,
            raw_text=text,
            parse_mode=_opt_str(call.params, "parse_mode"),
            reply_markup=markup,
            link_preview_options=preview if isinstance(preview, dict) else None,
        )

    async def _edit_message_caption(self, call: _Call) -> dict[str, Any] | bool:
        message = self._editable(call)
        raw_caption, caption = self._caption(call.params)
        markup = self._markup(call.params, inline_only=True)
        if message is None:
            return True
        if message.text is not None:
            raise _bad_request("there is no caption in the message to edit")
        new_text = caption.text if caption else None
        new_entities = caption.entities if caption else []
        if (
            new_text == message.caption
            and new_entities == message.entities
            and markup == message.inline_markup
        ):
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(
            message,
            caption=new_text,
            entities=new_entities,
            raw_text=raw_caption,
            parse_mode=_opt_str(call.params, "parse_mode"),
            reply_markup=markup,
        )

    async def _edit_message_reply_markup(self, call: _Call) -> dict[str, Any] | bool:
        message = self._editable(call)
        markup = self._markup(call.params, inline_only=True)
        if message is None:
            return True
        if markup == message.inline_markup:
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(message, reply_markup=markup)

    async def _delete_message(self, call: _Call) -> bool:
        chat = self._chat_of(call.params, sending=False)
        message_id = _opt_int(call.params, "message_id")
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise _bad_request("message to delete not found")
        message.deleted = True
        self._notify()
        return True

    async def _delete_messages(self, call: _Call) -> bool:
        chat = self._chat_of(call.params, sending=False)
        ids = call.params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            message = chat.messages.get(int(message_id))
            if message is not None:
                message.deleted = True
        self._notify()
        return True

    async def _answer_callback_query(self, call: _Call) -> bool:
        query_id = _opt_str(call.params, "callback_query_id") or ""
        if query_id not in self._open_callbacks or query_id in self.answered_callbacks:
            raise _bad_request(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = _opt_str(call.params, "text") or ""
        if len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self.answered_callbacks[query_id] = dict(call.params)
        self._notify()
        return True

    async def _answer_inline_query(self, call: _Call) -> bool:
        query_id = _opt_str(call.params, "inline_query_id") or ""
        if query_id not in self._open_inline_queries or query_id in self.inline_answers:
            raise _bad_request(_QUERY_INVALID.removeprefix("Bad Request: "))
        results = call.params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad_request("RESULTS_TOO_MUCH")
        ids = [str(result.get("id", "")) for result in results if isinstance(result, dict)]
        if len(ids) != len(results) or len(set(ids)) != len(ids):
            raise _bad_request("RESULT_ID_DUPLICATE")
        if any(not 1 <= len(item.encode()) <= 64 for item in ids):
            raise _bad_request("RESULT_ID_INVALID")
        for result in results:
            markup = result.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                _check_inline_keyboard(markup["inline_keyboard"])
        self.inline_answers[query_id] = dict(call.params)
        self._notify()
        return True

    async def _send_chat_action(self, call: _Call) -> bool:
        chat = self._chat_of(call.params)
        action = _opt_str(call.params, "action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        chat.actions.append(action)
        self._notify()
        return True

    async def _get_file(self, call: _Call) -> dict[str, Any]:
        file_id = _opt_str(call.params, "file_id") or ""
        fake = self.files.get(file_id)
        if fake is None:
            raise _bad_request("invalid file_id")
        if fake.size > DOWNLOAD_LIMIT:
            raise _bad_request("file is too big")
        if fake.file_path is None:
            suffix = ""
            if fake.file_name and "." in fake.file_name:
                suffix = "." + fake.file_name.rsplit(".", 1)[1]
            elif fake.kind == "photo":
                suffix = ".jpg"
            fake.file_path = f"{fake.kind}s/file_{self._next_id()}{suffix}"
            self._files_by_path[fake.file_path] = fake
        return {
            "file_id": fake.file_id,
            "file_unique_id": fake.file_unique_id,
            "file_size": fake.size,
            "file_path": fake.file_path,
        }

    async def _get_chat(self, call: _Call) -> dict[str, Any]:
        chat = self._chat_of(call.params, sending=False)
        return {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, call: _Call) -> dict[str, Any]:
        self._chat_of(call.params, sending=False)
        user_id = _opt_int(call.params, "user_id")
        user = self._users.get(user_id) if user_id is not None else None
        if user is None:
            raise _bad_request("PARTICIPANT_ID_INVALID")
        return {"status": "member", "user": user.as_user_dict()}


# -- module helpers ----------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _opt_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    raise _bad_request(f"invalid {name} specified")


def _opt_str(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _opt_bool(params: dict[str, Any], name: str) -> bool:
    return params.get(name) in (True, 1, "true", "True", "1")


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    kind = str(scope.get("type", "default"))
    parts: Iterable[Any] = (scope[key] for key in ("chat_id", "user_id") if key in scope)
    return ":".join([kind, *(str(part) for part in parts)])


def _looks_like_image(content: bytes) -> bool:
    if content.startswith(_IMAGE_MAGIC):
        return True
    return content[:4] == b"RIFF" and content[8:12] == b"WEBP"


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request("can't parse inline keyboard button JSON object")
    total = 0
    for row in rows:
        for button in row:
            total += 1
            if not isinstance(button, dict):
                raise _bad_request("can't parse inline keyboard button JSON object")
            text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise _bad_request("BUTTON_TEXT_INVALID")
            actions = [name for name in _INLINE_BUTTON_ACTIONS if name in button]
            if not actions:
                raise _bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT
            ):
                raise _bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and (
                not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://"))
            ):
                raise _bad_request("BUTTON_URL_INVALID")
    if total > INLINE_KEYBOARD_BUTTON_LIMIT:
        raise _bad_request("reply markup is too long")

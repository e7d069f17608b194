"""The fake Bot API server, driven by a plain aiogram client like the real bot uses."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)

from tests.fakes import FakeBotApi, FakeUser
from tests.fakes.telegram_text import (
    EntityParseError,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


def make_bot(api: FakeBotApi, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    return Bot(token or api.token, session=session)


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    client = make_bot(api)
    yield client
    await client.session.close()


@pytest.fixture
async def alice(api: FakeBotApi) -> FakeUser:
    user = api.user(1001, "Alice", username="alice")
    user.started = True
    return user


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


async def test_get_me_and_base_url(api: FakeBotApi, bot: Bot) -> None:
    assert api.base_url.startswith("http://127.0.0.1:")
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == 123456
    assert me.username == "zhenggai_test_bot"
    assert api.calls_of("getMe")


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    stranger = make_bot(api, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert api.errors[-1].error_code == 401


async def test_unknown_method_is_recorded_and_404(api: FakeBotApi) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.base_url}/bot{api.token}/sendTelepathy", data={"x": "1"}) as resp,
    ):
        body = await resp.json()
    assert resp.status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert api.unknown_methods == ["sendTelepathy"]


async def test_long_polling_offsets(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    first = await alice.send("你好")
    second = await alice.send("/start")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first.update_id, second.update_id]
    assert updates[1].message is not None
    assert updates[1].message.text == "/start"
    assert updates[1].message.from_user is not None
    assert updates[1].message.from_user.language_code == "zh-hans"

    # Without an offset nothing is confirmed, so the same updates come again.
    again = await bot.get_updates(timeout=0, limit=1)
    assert [u.update_id for u in again] == [first.update_id]

    confirmed = await bot.get_updates(offset=second.update_id + 1, timeout=0)
    assert confirmed == []
    assert await bot.get_updates(timeout=0) == []


async def test_long_poll_waits_for_an_update(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_until_polling(timeout=5)
    started = time.monotonic()
    sent = await alice.send("在吗")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [sent.update_id]


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_second_poll_terminates_first_with_conflict(api: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_until_polling(timeout=5)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)


async def test_allowed_updates_filters_types(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    await alice.inline_query("台账")
    message = await alice.send("hi")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.update_id for u in updates] == [message.update_id]
    assert "inline_query" in api.dropped_updates[0]


async def test_send_message_and_button_click_round_trip(
    api: FakeBotApi, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(
        alice.user_id,
        "<b>整改</b> 请选择:",
        parse_mode="HTML",
        reply_markup=keyboard([("确认", "confirm:1"), ("取消", "cancel:1")]),
    )
    message = await alice.next_message()
    assert message.message_id == sent.message_id
    assert message.text == "整改 请选择:"
    assert message.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert message.buttons == [[("确认", "confirm:1"), ("取消", "cancel:1")]]

    click = await alice.click(message, "确认")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None
    assert query.data == "confirm:1"
    assert query.from_user.id == alice.user_id
    assert query.message is not None
    assert query.message.message_id == message.message_id

    await bot.answer_callback_query(query.id, text="已确认")
    assert (await click.wait_answer(timeout=1))["text"] == "已确认"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)

    await bot.edit_message_text(
        "已确认", chat_id=alice.user_id, message_id=message.message_id, reply_markup=None
    )
    assert message.text == "已确认"
    assert message.buttons == []
    assert message.history[0][0] == "整改 请选择:"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("已确认", chat_id=alice.user_id, message_id=sent.message_id)
    with pytest.raises(LookupError):
        await alice.click(message, "确认")


async def test_click_by_callback_data_and_missing_button(bot: Bot, alice: FakeUser) -> None:
    await bot.send_message(alice.user_id, "选择", reply_markup=keyboard([("一", "pick:1")]))
    message = await alice.next_message()
    click = await alice.click(message.message_id, "pick:1")
    assert click.data == "pick:1"
    with pytest.raises(LookupError, match="no button"):
        await alice.click(message, "二")


async def test_reply_markup_edit_and_delete(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    sent = await bot.send_message(alice.user_id, "x", reply_markup=keyboard([("a", "a")]))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=alice.user_id, message_id=sent.message_id, reply_markup=keyboard([("a", "a")])
        )
    await bot.edit_message_reply_markup(chat_id=alice.user_id, message_id=sent.message_id)
    message = alice.messages[0]
    assert message.buttons == []
    assert await bot.delete_message(alice.user_id, sent.message_id)
    assert message.deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(alice.user_id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=alice.user_id, message_id=sent.message_id)


async def test_rate_limit_injection(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    api.fail_next("sendMessage", error_code=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(alice.user_id, "hello")
    assert caught.value.retry_after == 3
    assert alice.messages == []
    assert api.errors[-1].injected

    await bot.send_message(alice.user_id, "hello")
    assert (await alice.next_message()).text == "hello"

    api.fail_next("sendMessage", error_code=500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(alice.user_id, "boom")
    await bot.send_message(alice.user_id, "ok")
    assert [m.text for m in alice.messages] == ["hello", "ok"]


async def test_telegram_limits(bot: Bot, alice: FakeUser) -> None:
    await bot.send_message(alice.user_id, "字" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(alice.user_id, "字" * 4097)
    # The limit applies after entity parsing, so markup does not count.
    await bot.send_message(alice.user_id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(alice.user_id, "<b>未闭合", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(alice.user_id, "a < b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(alice.user_id, "R&D", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(alice.user_id, "第1.2条", parse_mode="MarkdownV2")

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(alice.user_id, "x", reply_markup=keyboard([("a", "数" * 22)]))
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(alice.user_id, "   ")
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(
            alice.user_id, "x", reply_parameters=ReplyParameters(message_id=999)
        )
    assert len(alice.messages) == 2


async def test_bot_cannot_write_first_or_to_blocked_users(api: FakeBotApi, bot: Bot) -> None:
    bob = api.user(2002, "Bob")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(bob.user_id, "hi")
    await bob.send("/start")
    await bot.send_message(bob.user_id, "hi")
    bob.blocked = True
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(bob.user_id, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hi")


async def test_reply_to_user_message(bot: Bot, alice: FakeUser) -> None:
    question = await alice.send("问题编号?")
    await bot.send_message(
        alice.user_id, "答复", reply_parameters=ReplyParameters(message_id=question.message_id)
    )
    message = await alice.next_message()
    assert message.reply_to is question


async def test_document_upload_and_download_round_trip(
    api: FakeBotApi, bot: Bot, alice: FakeUser
) -> None:
    content = "整改台账".encode() * 100
    sent = await alice.send_document("台账.xlsx", content, caption="请导入")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.update_id == sent.update_id
    assert update.message is not None
    document = update.message.document
    assert document is not None
    assert document.file_name == "台账.xlsx"
    assert document.file_size == len(content)
    assert update.message.caption == "请导入"

    file = await bot.get_file(document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert isinstance(downloaded, io.BytesIO)
    assert downloaded.getvalue() == content

    reply = await bot.send_document(
        alice.user_id, BufferedInputFile(b"%PDF-1.4 report", filename="报告.pdf"), caption="结果"
    )
    assert reply.document is not None
    message = await alice.next_message()
    assert message.document is not None
    assert message.document.content == b"%PDF-1.4 report"
    assert message.document.file_name == "报告.pdf"
    assert message.document.mime_type == "application/pdf"
    assert message.caption == "结果"

    # Re-sending by file_id reuses the stored bytes.
    await bot.send_document(alice.user_id, document.file_id)
    again = await alice.next_message()
    assert again.document is not None
    assert again.document.content == content

    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(alice.user_id, "no-such-file")
    with pytest.raises(TelegramBadRequest, match="file must be non-empty"):
        await bot.send_document(alice.user_id, BufferedInputFile(b"", filename="empty.txt"))


async def test_photos(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    await alice.send_photo(PNG, caption="现场照片")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message is not None
    assert update.message.photo is not None
    largest = update.message.photo[-1]
    file = await bot.get_file(largest.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert isinstance(downloaded, io.BytesIO)
    assert downloaded.getvalue() == PNG

    await bot.send_photo(alice.user_id, BufferedInputFile(PNG, filename="chart.png"))
    message = await alice.next_message()
    assert message.photo[-1].content == PNG
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.user_id, BufferedInputFile(b"not an image", filename="x.png"))


async def test_redeliver_duplicates_update_id(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    sent = await alice.send("新增问题")
    first = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [sent.update_id]
    assert await bot.get_updates(offset=sent.update_id + 1, timeout=0) == []

    api.redeliver(sent.update_id)
    duplicate = await bot.get_updates(offset=sent.update_id + 1, timeout=0)
    assert [u.update_id for u in duplicate] == [sent.update_id]
    assert duplicate[0].message is not None
    assert duplicate[0].message.text == "新增问题"
    assert await bot.get_updates(offset=sent.update_id + 1, timeout=0) == []


async def test_commands_webhook_and_menu(api: FakeBotApi, bot: Bot) -> None:
    await bot.delete_webhook(drop_pending_updates=True)
    assert api.webhook_deleted
    assert (await bot.get_webhook_info()).url == ""

    commands = [BotCommand(command="start", description="开始")]
    await bot.set_my_commands(commands)
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    assert api.command_list() == ["start"]
    assert api.command_list("all_private_chats", "zh") == ["start"]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="language code"):
        await bot.set_my_commands(commands, language_code="zh-hans")
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    await bot.delete_my_commands()
    assert api.command_list() == []
    assert await bot.set_chat_menu_button()


async def test_delete_webhook_drops_pending_updates(
    api: FakeBotApi, bot: Bot, alice: FakeUser
) -> None:
    await alice.send("早到的消息")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == []


async def test_group_chat(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    group = api.group(-1001234, "整改工作群")
    await alice.send("/report@zhenggai_test_bot", chat=group)
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message is not None
    assert update.message.chat.type == "supergroup"
    assert update.message.chat.id == group.chat_id
    await bot.send_message(group.chat_id, "收到")
    assert (await group.next_message()).text == "收到"
    assert alice.messages == []


async def test_edited_message_and_sticker_updates(bot: Bot, alice: FakeUser) -> None:
    original = await alice.send("问题1")
    await alice.edit_message(original, "问题1(已改)")
    await alice.send_sticker()
    updates = await bot.get_updates(timeout=0)
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.text == "问题1(已改)"
    assert updates[2].message is not None
    assert updates[2].message.sticker is not None


async def test_chat_action_and_wait_helpers(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    await bot.send_chat_action(alice.user_id, "typing")
    assert alice.chat_actions == ["typing"]

    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(alice.user_id, "第一条")
        await bot.send_message(alice.user_id, "第二条")

    task = asyncio.create_task(later())
    found = await alice.wait_for(lambda m: "第二" in m.content, timeout=5)
    await task
    assert found.text == "第二条"
    assert (await alice.next_message()).text == "第一条"
    assert (await alice.next_message()).text == "第二条"
    await alice.assert_no_message(within=0.2)
    with pytest.raises(TimeoutError, match="no new bot message"):
        await alice.next_message(timeout=0.1)
    call = await api.wait_for_call("sendMessage", lambda c: c.params["text"] == "第二条")
    assert call.params["chat_id"] == str(alice.user_id)


async def test_inline_query_answer(api: FakeBotApi, bot: Bot, alice: FakeUser) -> None:
    ref = await alice.inline_query("问题")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.inline_query is not None
    assert update.inline_query.query == "问题"
    await bot.answer_inline_query(update.inline_query.id, results=[])
    assert (await ref.wait_answer(timeout=1))["results"] == []


async def test_stop_releases_pending_long_poll_and_restart(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_until_polling(timeout=5)
    started = time.monotonic()
    await api.stop()
    assert time.monotonic() - started < 3
    assert await asyncio.wait_for(poll, 5) == []

    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    port = int(api.base_url.rsplit(":", 1)[1])
    assert await api.start(port=port) == api.base_url
    assert (await bot.get_me()).username == "zhenggai_test_bot"


def test_html_parser() -> None:
    parsed = parse_html('<b>粗</b> <a href="https://t.me/x?a=1&amp;b=2">链接</a> &lt;3 &#39;')
    assert parsed.text == "粗 链接 <3 '"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "text_link", "offset": 2, "length": 2, "url": "https://t.me/x?a=1&b=2"},
    ]
    code = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert code.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    assert parse_html("R&D", strict_ampersand=False).text == "R&D"
    for bad in ("<b>x</i>", "<br>", "<b>x", "x</b>", "<span>x</span>", "a<b", "R&D"):
        with pytest.raises(EntityParseError):
            parse_html(bad)


def test_markdown_parsers() -> None:
    parsed = parse_markdown_v2(r"*粗* _斜_ __下__ ~删~ ||藏|| `c` [链](https://a.b/\)) 1\.2")
    assert parsed.text == "粗 斜 下 删 藏 c 链 1.2"
    assert [e["type"] for e in parsed.entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert parsed.entities[-1]["url"] == "https://a.b/)"
    for bad in ("1.2", "*x", "a-b", "(x)", "x!"):
        with pytest.raises(EntityParseError):
            parse_markdown_v2(bad)
    assert parse_markdown("*粗* _斜_ [链](https://a.b)").text == "粗 斜 链"
    with pytest.raises(EntityParseError):
        parse_markdown("snake_case")


async def test_disconnected_poller_stops_counting(api: FakeBotApi, alice: FakeUser) -> None:
    before = api.poll_count
    client = make_bot(api)
    poll = asyncio.create_task(client.get_updates(timeout=30))
    await api.wait_until_polling(timeout=5, after=before)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    await client.session.close()
    await api.wait_until(lambda: not api.polling, timeout=5, what="the poll to end")

    # The update is still pending for the next bot instance.
    sent = await alice.send("重启后")
    successor = make_bot(api)
    try:
        updates = await successor.get_updates(timeout=1)
    finally:
        await successor.session.close()
    assert [u.update_id for u in updates] == [sent.update_id]

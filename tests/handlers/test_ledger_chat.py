"""The ledger in chat, through the real dispatcher: joining, reporting, sign-off, refusals."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.actor import SYSTEM_ACTOR
from bot.services.plan_store import import_plan
from storage.models import AuditEvent, Evidence, Measure, Person, ProgressReport
from tests.handlers.conftest import ADMIN_ID, ChatClient, bind

OWNER_ID, LEADER_ID, OTHER_ID, STRANGER_ID = 501, 502, 503, 504


async def rows(session_factory: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_admin_invites_and_staff_joins(client: ChatClient) -> None:
    admin = client.user("admin", ADMIN_ID)
    newcomer = client.user("张三", 777)
    await client.send(admin, "/addperson 张三 财务室 staff")
    reply = await client.send(admin, "/invite 张三")
    link = reply[-1].text
    assert "https://t.me/zhenggai_test_bot?start=" in link
    code = link.rsplit("start=", 1)[1].split()[0]
    welcome = await client.send(newcomer, f"/start {code}")
    assert "张三" in welcome[-1].text
    # the link is single-use
    thief = client.user("李四", 778)
    refused = await client.send(thief, f"/start {code}")
    assert "已经使用过" in refused[-1].text


async def test_strangers_and_groups_get_no_ledger_data(
    client: ChatClient, loaded_plan: Any
) -> None:
    stranger = client.user("路人", STRANGER_ID)
    for text in ("/my", "/start", "10.2 已完成", "/overview"):
        reply = await client.send(stranger, text)
        assert len(reply) == 1 and "邀请链接" in reply[0].text
        assert "孙某某" not in reply[0].text and "财务" not in reply[0].text
    admin = client.user("admin", ADMIN_ID)
    in_group = await client.send(admin, "/my", chat_id=-100123)
    assert len(in_group) == 1 and "私聊" in in_group[0].text


async def test_report_with_file_then_close_and_sign_off(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    await bind(session_factory, "吴某某", LEADER_ID)
    owner, leader = client.user("孙某某", OWNER_ID), client.user("吴某某", LEADER_ID)
    listing = await client.send(owner, "/my")
    assert "10.2" in listing[-1].text
    await client.click(owner, "10.2")
    await client.click(owner, "报告进展")
    await client.send(owner, "已修订财务制度，完成60%")
    await client.feed(client.updates.document(owner, "财务制度.pdf", "file-abc", 20_000))
    assert await rows(session_factory, ProgressReport) == 0  # nothing before Confirm
    saved = await client.click(owner, "确认提交")
    assert "已保存" in saved[-1].text
    assert await rows(session_factory, Evidence) == 1
    # free text with the code: asks to confirm, then requests closing
    draft = await client.send(owner, "10.2 已完成，制度已印发")
    assert "申请销号" in draft[-1].text
    sent = await client.click(owner, "确认提交")
    notice = [s for s in sent if s.chat_id == LEADER_ID]
    assert notice and "申请销号" in notice[0].text
    decided = await client.click(leader, "同意销号")
    assert any(s.chat_id == OWNER_ID and "已由" in s.text for s in decided)
    async with session_factory() as session:
        measure = await session.scalar(select(Measure).where(Measure.code == "10.2"))
        assert measure is not None and measure.status == "closed"
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.measure_id == measure.id)
            )
        )
    assert {"reported", "evidence_added", "close_requested", "signed_off"} <= set(actions)
    history = await client.send(owner, "/my")
    assert "10.2" not in history[-1].text  # closed measures leave the open list


async def test_cancelled_or_unconfirmed_reports_save_nothing(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    owner = client.user("孙某某", OWNER_ID)
    reply = await client.send(owner, "报销那条 推进中 已组织培训")
    assert "哪条措施" in reply[-1].text
    await client.click(owner, "都不是")
    await client.send(owner, "10.1 推进中 已学习两次")
    await client.click(owner, "取消")
    assert await rows(session_factory, ProgressReport) == 0


async def test_forged_and_foreign_access_is_refused(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    await bind(session_factory, "刘某某", OTHER_ID)
    owner, other = client.user("孙某某", OWNER_ID), client.user("刘某某", OTHER_ID)
    await client.send(owner, "/my")
    mine = client.last_to(owner, with_button="10.2")
    forged = mine.button_data("10.2")  # someone else's callback data, replayed
    await client.feed(client.updates.callback(other, mine, forged))
    assert client.api.alerts[-1].startswith("没有找到这条措施")
    await client.feed(client.updates.callback(other, mine, "m:report:999999"))
    await client.feed(client.updates.callback(other, mine, "garbage:data"))
    assert "失效" in client.api.alerts[-1]
    typed = await client.send(other, "10.2 已完成")
    assert "10.2" not in typed[-1].text
    assert await rows(session_factory, ProgressReport) == 0


async def test_same_update_twice_counts_once(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    owner = client.user("孙某某", OWNER_ID)
    await client.send(owner, "10.1 推进中 已学习两次")
    panel = client.last_to(owner, with_button="确认提交")
    confirm = client.updates.callback(owner, panel, panel.button_data("确认提交"))
    first = await client.feed(confirm)
    second = await client.feed(confirm)
    assert first and not second
    assert await rows(session_factory, ProgressReport) == 1
    plain = client.updates.message(owner, "/my")
    assert await client.feed(plain) and not await client.feed(plain)


async def test_bad_input_gets_a_clear_answer(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    owner = client.user("孙某某", OWNER_ID)
    assert "没有这个命令" in (await client.send(owner, "/nonsense"))[-1].text
    assert (await client.send(owner, "   "))[-1].text
    await client.send(owner, "10.1 推进中")
    too_long = await client.send(owner, "长" * 4500)
    assert "太长" in too_long[-1].text
    await client.send(owner, "/cancel")
    from aiogram.types import Sticker

    sticker = Sticker(
        file_id="s",
        file_unique_id="s",
        type="regular",
        width=1,
        height=1,
        is_animated=False,
        is_video=False,
    )
    assert "不支持" in (await client.send(owner, None, sticker=sticker))[-1].text  # type: ignore[arg-type]
    edited = await client.feed(client.updates.edited(owner, "10.1 已完成"))
    assert "重新发送" in edited[-1].text
    assert await rows(session_factory, ProgressReport) == 0


async def test_markup_in_names_and_notes_is_shown_literally(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    admin = client.user("admin", ADMIN_ID)
    reply = await client.send(admin, "/addperson <b>王&五</b> 财务室 staff")
    assert "&lt;b&gt;王&amp;五&lt;/b&gt;" in reply[-1].text  # escaped, never markup
    await bind(session_factory, "孙某某", OWNER_ID)
    owner = client.user("孙某某", OWNER_ID)
    await client.send(owner, "10.1 推进中 <i>已学习</i> & *完成* _两次_")
    saved = await client.click(owner, "确认提交")
    assert "已保存" in saved[-1].text
    await client.send(owner, "/my")
    detail = await client.click(owner, "10.1")
    assert "&lt;i&gt;已学习&lt;/i&gt; &amp; *完成*" in detail[-1].text


async def test_long_lists_are_split_under_telegrams_limit(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    async with session_factory() as session:
        admin_person = Person(
            name="整改办",
            role="office",
            telegram_user_id=ADMIN_ID,
            created_at=loaded_plan
            and (await session.scalar(select(func.min(Measure.created_at)))),
        )
        session.add(admin_person)
        await session.commit()
    admin = client.user("admin", ADMIN_ID)
    for index in range(60):
        await client.send(admin, f"/addperson 同事{index:02d}{'甲' * 20} 部门{'乙' * 30} staff")
    people = await client.send(admin, "/people")
    assert len(people) >= 2 and all(len(p.text) <= 4096 for p in people)


async def test_english_speakers_get_english(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    owner = client.user("孙某某", OWNER_ID, language="en")
    assert "Your measures" in (await client.send(owner, "/my"))[-1].text
    await client.send(owner, "/lang")
    await client.click(owner, "中文")
    assert "您负责的整改措施" in (await client.send(owner, "/my"))[-1].text


async def test_a_measure_removed_meanwhile_is_reported_not_crashed(
    client: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    loaded_plan: Any,
    example_plan: dict[str, Any],
    clock: Any,
) -> None:
    await bind(session_factory, "孙某某", OWNER_ID)
    owner = client.user("孙某某", OWNER_ID)
    await client.send(owner, "/my")
    listing = client.last_to(owner, with_button="10.2")
    revised = copy.deepcopy(example_plan)
    for aspect in revised["aspects"]:
        for problem in aspect["problems"]:
            if problem["number"] == "10":
                problem["measures"] = problem["measures"][:1]
    async with session_factory() as session:
        await import_plan(session, SYSTEM_ACTOR, clock, revised)
    await client.feed(client.updates.callback(owner, listing, listing.button_data("10.2")))
    assert client.api.alerts[-1].startswith("没有找到这条措施")

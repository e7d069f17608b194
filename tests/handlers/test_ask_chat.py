"""Regulations Q&A in chat: cited verbatim answers, honest "no basis", inline mode, /kb add."""

from __future__ import annotations

import io
from typing import Any

import docx
from aiogram.methods import AnswerInlineQuery
from aiogram.types import InlineQuery, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.handlers.conftest import ADMIN_ID, ChatClient, bind

STAFF_ID = 601


async def test_article_lookup_quotes_the_article(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", STAFF_ID)
    staff = client.user("孙某某", STAFF_ID)
    reply = (await client.send(staff, "/ask 红十字会法第十一条"))[-1]
    assert "《中华人民共和国红十字会法》 第十一条" in reply.text
    full = await client.click(staff, "全文 1")
    assert "第十一条" in full[-1].text
    neighbour = await client.click(staff, "下一条")
    assert "第十二条" in neighbour[-1].text


async def test_plain_questions_and_honest_no_basis(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", STAFF_ID)
    staff = client.user("孙某某", STAFF_ID)
    answer = (await client.send(staff, "捐的钱能挪用吗？"))[-1]
    assert "挪用" in answer.text and "<b>" in answer.text and "《" in answer.text
    nothing = (await client.send(staff, "明天北京下雨吗？"))[-1]
    assert "未找到依据" in nothing.text
    missing = (await client.send(staff, "红十字会法第九十九条"))[-1]
    assert "没有第99条" in missing.text and "共 30 条" in missing.text
    for odd in ("？", "😀😀", "<b>住宿</b> **标准**"):
        assert (await client.send(staff, odd))[-1].text


async def test_lodging_answers_carry_the_unverified_warning(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", STAFF_ID)
    staff = client.user("孙某某", STAFF_ID)
    reply = (await client.send(staff, "/ask 呼和浩特 司局级 住宿费"))[-1]
    assert "呼和浩特" in reply.text and "财行〔2016〕71号" in reply.text
    # No place, no rank: the bot says which table answers it and what to add, not a random row.
    vague = (await client.send(staff, "出差住宿标准多少？"))[-1]
    assert "没有写明是哪一行" in vague.text and "请补上地区、市县" in vague.text
    assert "北京" in vague.text and "一类、二类、三类" in vague.text


async def test_inline_mode(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", STAFF_ID)
    staff = client.user("孙某某", STAFF_ID)
    query = InlineQuery(id="iq1", from_user=staff, query="红十字会法第十一条", offset="")
    await client.feed(Update(update_id=999_001, inline_query=query))
    answer = client.api.calls[-1]
    assert isinstance(answer, AnswerInlineQuery) and answer.results
    query = InlineQuery(id="iq3", from_user=staff, query="差旅 住宿", offset="")
    await client.feed(Update(update_id=999_003, inline_query=query))
    table = client.api.calls[-1]
    assert isinstance(table, AnswerInlineQuery)
    first = table.results[0]
    assert "请写明地区、市县" in first.title  # type: ignore[union-attr]
    assert "北京" in first.input_message_content.message_text  # type: ignore[union-attr]
    stranger = client.user("路人", 4242)
    query = InlineQuery(id="iq2", from_user=stranger, query="红十字会法第十一条", offset="")
    await client.feed(Update(update_id=999_002, inline_query=query))
    assert client.api.calls[-1].results == []  # type: ignore[attr-defined]


async def test_admin_adds_a_document_and_measures_link_to_it(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    admin = client.user("admin", ADMIN_ID)
    document = docx.Document()
    document.add_heading("淮北市红十字会公务接待管理制度", level=1)
    document.add_paragraph("第一条 为规范公务接待，制定本制度。")
    document.add_paragraph("第二条 公务接待实行前置审批，无公函的一律不予接待。")
    buffer = io.BytesIO()
    document.save(buffer)
    await client.send(admin, "/kb add")
    client.api.files["kb-doc"] = buffer.getvalue()
    added = await client.feed(
        client.updates.document(admin, "huaibei-reception.docx", "kb-doc", len(buffer.getvalue()))
    )
    assert "新增 1" in added[-1].text
    answer = (await client.send(admin, "/ask 公务接待没有公函怎么办"))[-1]
    assert "淮北市红十字会公务接待管理制度" in answer.text
    await bind(session_factory, "刘某某", STAFF_ID)
    owner = client.user("刘某某", STAFF_ID)
    await client.send(owner, "/my")
    view = (await client.click(owner, "11.1"))[-1]
    cited = view.button_data("淮北市红十字会公务接待管理制度")
    assert cited.startswith("kb:full:")


def test_an_overview_with_long_rows_fits_one_inline_message() -> None:
    from handlers.ask import fitting_answer_text
    from handlers.sending import MESSAGE_LIMIT
    from handlers.texts import texts_for
    from knowledge.model import Hit, Passage, SearchResult, TableOverview

    long = "<很长的说明>" * 150
    rows = [Passage(id=f"x{n}", file="t.md", title="测试表", article=None, article_number=None,
                    chapter=None, row=f"职级{n}", version=None,
                    text=f"| 职级 | 说明 |\n| 职级{n} | {long} |", warning=None, kind="row")
            for n in range(5)]
    overview = TableOverview("t.md", "测试表", ("职级",), ("说明",), 5, "职级0 说明")
    result = SearchResult("标准多少", True, [Hit(p, 0.8, ()) for p in rows], "search",
                          table=overview)
    text = fitting_answer_text(texts_for("zh"), result)
    assert len(text) <= MESSAGE_LIMIT
    assert "职级0" in text and text.count("&lt;很长的说明&gt;") >= 100  # whole quotes, escaped
    assert text.count("<b>") == text.count("</b>")
    shown = text.count("📖")
    assert 1 <= shown < 5 and f"前 {shown} 行" in text  # the heading counts what is shown

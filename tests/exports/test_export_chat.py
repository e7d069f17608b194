"""/export and /report through the real dispatcher and the in-process Bot API."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import docx
import openpyxl
import pytest
from aiogram import Dispatcher
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import exports
from tests.exports.conftest import WorkedPlan
from tests.handlers.conftest import ADMIN_ID, ChatClient, bind
from tests.handlers.conftest import client as client

LEADER_ID, STAFF_ID = 602, 603


def wire_exports(dispatcher: Dispatcher) -> None:
    """Until handlers.get_routers() includes the exports router, put it before the fallback."""
    if any(r.name == exports.__name__ for r in dispatcher.sub_routers):
        return
    router = exports.router()
    dispatcher.include_router(router)
    dispatcher.sub_routers.remove(router)
    dispatcher.sub_routers.insert(len(dispatcher.sub_routers) - 1, router)


@pytest.fixture
def chat(client: ChatClient) -> ChatClient:
    wire_exports(client.dispatcher)
    return client


def sent_file(chat: ChatClient) -> BufferedInputFile:
    calls = [c for c in chat.api.calls if isinstance(c, SendDocument)]
    assert calls, "no document was sent"
    document = calls[-1].document
    assert isinstance(document, BufferedInputFile)
    return document


async def test_office_gets_the_ledger_as_a_document(
    chat: ChatClient, worked_plan: WorkedPlan
) -> None:
    admin = chat.user("admin", ADMIN_ID)
    replies = await chat.send(admin, "/export")
    assert [r.document for r in replies] == ["整改台账-20220518.xlsx"]
    document = sent_file(chat)
    book = openpyxl.load_workbook(BytesIO(document.data))
    assert book.sheetnames == ["整改台账", "整改记录"]
    caption = chat.api.calls[-1].caption
    assert "全部措施" in caption and "32 条措施" in caption


async def test_a_leader_gets_the_report_on_what_they_lead(
    chat: ChatClient,
    session_factory: async_sessionmaker[AsyncSession],
    worked_plan: WorkedPlan,
) -> None:
    await bind(session_factory, "吴某某", LEADER_ID)
    leader = chat.user("吴某某", LEADER_ID)
    replies = await chat.send(leader, "/report")
    assert [r.document for r in replies] == ["整改情况报告-20220518.docx"]
    report = docx.Document(BytesIO(sent_file(chat).data))
    assert "本报告范围为吴某某分管的整改措施" in report.paragraphs[3].text
    assert "您分管的措施" in chat.api.calls[-1].caption
    replies = await chat.send(leader, "/export")
    book = openpyxl.load_workbook(BytesIO(sent_file(chat).data))
    assert "吴某某分管" in book["整改台账"]["A2"].value


async def test_staff_strangers_and_groups_get_no_file(
    chat: ChatClient, session_factory: async_sessionmaker[AsyncSession], loaded_plan: Any
) -> None:
    await bind(session_factory, "孙某某", STAFF_ID)
    staff = chat.user("孙某某", STAFF_ID)
    for command in ("/export", "/report"):
        replies = await chat.send(staff, command)
        assert len(replies) == 1 and replies[0].document is None
        assert "仅限整改办和责任领导" in replies[0].text
    stranger = chat.user("路人", 999)
    replies = await chat.send(stranger, "/export")
    assert len(replies) == 1 and replies[0].document is None and "邀请" in replies[0].text
    admin = chat.user("admin", ADMIN_ID)
    in_group = await chat.send(admin, "/export", chat_id=-100123)
    assert len(in_group) == 1 and in_group[0].document is None and "私聊" in in_group[0].text
    assert not [c for c in chat.api.calls if isinstance(c, SendDocument)]


async def test_nothing_to_export_is_said_plainly(chat: ChatClient) -> None:
    admin = chat.user("admin", ADMIN_ID)
    replies = await chat.send(admin, "/export")
    assert len(replies) == 1 and "还没有可导出的整改措施" in replies[0].text

"""/import in chat: upload, paged preview, nothing saved before Confirm; bad files refused."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Measure, Person
from tests.handlers.conftest import ADMIN_ID, ChatClient

LEDGER = Path(__file__).resolve().parents[2] / "examples" / "huaibei-ledger.xlsx"


async def measures(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Measure).where(Measure.deleted_at.is_(None))
            )
            or 0
        )


async def upload(client: ChatClient, name: str, content: bytes) -> list:
    admin = client.users.get("admin") or client.user("admin", ADMIN_ID)
    await client.send(admin, "/import")
    file_id = f"f-{name}-{len(content)}"
    client.api.files[file_id] = content
    return await client.feed(client.updates.document(admin, name, file_id, len(content)))


async def test_preview_then_confirm(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    reply = await upload(client, "台账.xlsx", LEDGER.read_bytes())
    preview = reply[-1]
    assert "方面 3 个，问题 17 个，措施 32 项" in preview.text
    assert "孙某某" in preview.text and "尚未保存" in preview.text
    assert await measures(session_factory) == 0
    admin = client.users["admin"]
    await client.click(admin, "»")  # the next page replaces the text in place
    assert client.api.sent[-1].edits == 1 and "问题" in client.api.sent[-1].text
    done = await client.click(admin, "确认导入")
    assert "已导入" in done[-1].text
    assert await measures(session_factory) == 32
    async with session_factory() as session:
        assert await session.scalar(select(Person).where(Person.name == "孙某某")) is not None


async def test_reimport_lists_changes(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await upload(client, "台账.xlsx", LEDGER.read_bytes())
    await client.click(client.users["admin"], "确认导入")
    book = openpyxl.load_workbook(LEDGER)
    sheet = book["台账"]
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if cell.value == "2022年2月底前":
                cell.value = "2022年3月底前"
    buffer = io.BytesIO()
    book.save(buffer)
    reply = await upload(client, "台账-修订.xlsx", buffer.getvalue())
    assert "新版本" in reply[-1].text and "修改：1.1" in reply[-1].text
    await client.click(client.users["admin"], "确认导入")
    assert await measures(session_factory) == 32


async def test_bad_files_change_nothing(
    client: ChatClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    for name, content in (
        ("plan.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        ("empty.xlsx", b""),
        ("notes.txt", "今天天气很好。".encode()),
        ("fake.xlsx", b"PK\x03\x04 this is not really a workbook"),
    ):
        reply = await upload(client, name, content)
        assert "无法导入" in reply[-1].text, (name, reply[-1].text)
        await client.send(client.users["admin"], "/cancel")
    assert await measures(session_factory) == 0


async def test_only_admins_import(client: ChatClient) -> None:
    stranger = client.user("某人", 123)
    reply = await client.send(stranger, "/import")
    assert "邀请链接" in reply[-1].text

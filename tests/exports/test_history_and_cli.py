"""A person's history as CSV (local dates, both ends included), and the CLI entry points."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotAllowed, PersonNotFound
from bot.services.exports import export_person_history
from bot.services.exports.cli import (
    export_history_file,
    export_ledger_file,
    export_report_file,
    parse_day,
)
from bot.services.exports.history import CSV_COLUMNS
from tests.exports.conftest import WorkedPlan
from tests.helpers import actor_for

# what bot.cli acts as
CLI_ACTOR = Actor(telegram_user_id=None, chat_id=None, name="命令行", is_admin=True)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to see UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def history(
    session: AsyncSession, clock: FixedClock, name: str, first: str, last: str, actor: Any = None
) -> list[list[str]]:
    exported = await export_person_history(
        session,
        actor or CLI_ACTOR,
        clock,
        name,
        date.fromisoformat(first),
        date.fromisoformat(last),
    )
    return read_csv(exported.content)


async def test_columns_and_rows_in_order(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    rows = await history(session, clock, "孙某某", "2022-05-16", "2022-05-18")
    assert (
        tuple(rows[0]) == CSV_COLUMNS == ("时间", "人员", "操作", "措施编号", "整改措施", "说明")
    )
    body = rows[1:]
    assert {r[1] for r in body} == {"孙某某"}
    assert [r[0] for r in body] == sorted(r[0] for r in body)
    assert [(r[2], r[3]) for r in body] == [
        ("报告进展", "10.2"),
        ("上传佐证材料", "10.2"),
        ("报告进展", "10.2"),
        ("申请销号", "10.2"),
        ("报告进展", "8.1"),
        ("申请延期", "13.1"),
        ("申请销号", "12.1"),
        ("报告进展", "13.2"),
        ("报告进展", "13.2"),
    ]
    assert body[0][0] == "2022-05-16 09:00:00"
    assert body[0][4].startswith("完善财务各项制度")
    assert "已修订财务报销制度，完成60%" in body[0][5]
    assert "由2022-06-30延至2022-08-31" in body[5][5] and "需开户银行配合清查" in body[5][5]


async def test_range_is_local_days_with_both_ends_included(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    # 23:30 on 17 May in Shanghai is 15:30 UTC; 00:10 on 18 May is still 17 May in UTC
    late = await history(session, clock, "孙某某", "2022-05-17", "2022-05-17")
    assert [r[0] for r in late[1:]] == ["2022-05-17 23:30:00"]
    after_midnight = await history(session, clock, "孙某某", "2022-05-18", "2022-05-18")
    assert [r[0] for r in after_midnight[1:]] == ["2022-05-18 00:10:00"]
    first_two_days = await history(session, clock, "孙某某", "2022-05-16", "2022-05-17")
    assert len(first_two_days) - 1 == 8
    assert await history(session, clock, "孙某某", "2022-05-19", "2022-06-30") == [
        list(CSV_COLUMNS)
    ]


async def test_scope_and_refusals(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    ma = await actor_for(session, "马某某")
    # a leader sees only what was done on the measures they lead
    assert await history(session, clock, "孙某某", "2022-05-16", "2022-05-18", ma) == [
        list(CSV_COLUMNS)
    ]
    ding = await history(session, clock, "丁某某", "2022-05-16", "2022-05-18", ma)
    assert [(r[2], r[3]) for r in ding[1:]] == [("报告进展", "7.2"), ("上传佐证材料", "7.2")]
    with pytest.raises(NotAllowed):
        await history(
            session,
            clock,
            "孙某某",
            "2022-05-16",
            "2022-05-18",
            await actor_for(session, "丁某某"),
        )
    with pytest.raises(PersonNotFound):
        await history(session, clock, "孙某", "2022-05-16", "2022-05-18")
    with pytest.raises(InvalidInput):
        await history(session, clock, "孙某某", "2022-05-18", "2022-05-16")


def temporary_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*.tmp")]


async def test_cli_writes_the_files(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan, tmp_path: Path
) -> None:
    ledger = await export_ledger_file(session, CLI_ACTOR, clock, tmp_path / "out" / "ledger.xlsx")
    assert ledger.path == tmp_path / "out" / "ledger.xlsx" and ledger.measures == 32
    assert ledger.size == ledger.path.stat().st_size
    assert openpyxl.load_workbook(ledger.path).sheetnames[0] == "整改台账"
    assert str(ledger.path) in ledger.text() and "32条措施" in ledger.text()
    report = await export_report_file(session, CLI_ACTOR, clock, tmp_path)
    assert report.path == tmp_path / "整改情况报告-20220518.docx" and report.path.is_file()
    assert temporary_files(tmp_path) == []
    out = io.BytesIO()
    summary = await export_history_file(
        session,
        CLI_ACTOR,
        clock,
        None,
        "孙某某",
        parse_day("2022-05-16"),
        parse_day("2022-05-18"),
        stdout=out,
    )
    assert summary.path is None and summary.records == 9
    assert len(read_csv(out.getvalue())) == 10
    saved = await export_history_file(
        session,
        CLI_ACTOR,
        clock,
        tmp_path / "sun.csv",
        "孙某某",
        date(2022, 5, 16),
        date(2022, 5, 16),
    )
    assert saved.records == 7 and (tmp_path / "sun.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(InvalidInput):
        parse_day("2022/5/16")

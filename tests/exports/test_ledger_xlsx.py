"""The ledger as .xlsx: layout, merged cells, statuses after real history, the history sheet,
scope, and the round trip through plan import."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.services.actor import SYSTEM_ACTOR
from bot.services.errors import NotAllowed
from bot.services.exports import NothingToExport, export_ledger
from bot.services.exports.xlsx import COLUMNS, HEADER_ROW, HISTORY_SHEET, LEDGER_SHEET
from bot.services.plan_store import import_plan
from tests.exports.conftest import WorkedPlan
from tests.helpers import actor_for

HEADERS = [c.header for c in COLUMNS]
FIRST_ROW = HEADER_ROW + 1


def column(header: str) -> int:
    return HEADERS.index(header) + 1


def open_book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(content))


def measure_rows(sheet: Worksheet) -> dict[str, int]:
    """Measure code → row number."""
    rows = {}
    for row in range(FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row, column("措施编号")).value
        if code:
            rows[str(code)] = row
    return rows


def merged(sheet: Worksheet) -> set[str]:
    return {str(r) for r in sheet.merged_cells.ranges}


def count_measures(plan: dict[str, Any], leader: str | None = None) -> int:
    return sum(
        1
        for a in plan["aspects"]
        for p in a["problems"]
        for m in p["measures"]
        if leader is None or m["leader"] == leader
    )


async def test_title_subtitle_header_and_one_row_per_measure(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan, example_plan: Any
) -> None:
    exported = await export_ledger(session, SYSTEM_ACTOR, clock)
    assert exported.file_name == "整改台账-20220518.xlsx"
    book = open_book(exported.content)
    assert book.sheetnames == [LEDGER_SHEET, HISTORY_SHEET]
    sheet = book[LEDGER_SHEET]
    # the example plan's title already ends with 台账: not doubled
    assert sheet["A1"].value == "淮北市红十字会市委第二巡察组反馈意见整改落实台账"
    assert "整改进展截至2022年5月18日" in sheet["A2"].value
    assert "2022年" in sheet["A2"].value.split("整改进展")[0]  # the plan's year comes first
    last = get_column_letter(len(COLUMNS))
    assert {f"A1:{last}1", f"A2:{last}2"} <= merged(sheet)
    header = [sheet.cell(HEADER_ROW, c).value for c in range(1, len(COLUMNS) + 1)]
    assert header[:4] == ["序号", "问题类别", "存在问题", "措施编号"]
    for label in (
        "整改措施",
        "责任领导",
        "牵头科室",
        "责任人",
        "整改时限",
        "完成情况",
        "最新进展",
        "佐证材料（份）",
        "更新时间",
        "销号时间",
    ):
        assert label in header
    rows = measure_rows(sheet)
    assert len(rows) == exported.measures == count_measures(example_plan) == 32
    assert list(rows)[:3] == ["1.1", "1.2", "2.1"] and list(rows)[-1] == "17.1"
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    measure_cell = sheet.cell(rows["1.1"], column("整改措施"))
    assert measure_cell.alignment.wrap_text and measure_cell.border.left.style == "thin"
    assert sheet.column_dimensions["E"].width >= 30  # the measure text gets room


async def test_aspect_and_problem_cells_are_merged_over_their_measures(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    sheet = open_book((await export_ledger(session, SYSTEM_ACTOR, clock)).content)[LEDGER_SHEET]
    rows = measure_rows(sheet)
    ranges = merged(sheet)
    # problem 2 has three measures: 序号 and 存在问题 span them
    first, last = rows["2.1"], rows["2.3"]
    assert f"A{first}:A{last}" in ranges and f"C{first}:C{last}" in ranges
    assert sheet.cell(first, 1).value == 2
    assert sheet.cell(first, 3).value.startswith("对中心业务宣传发动不到位")
    # the first aspect spans problems 1–5 (rows of 1.1 … 5.2)
    assert f"B{rows['1.1']}:B{rows['5.2']}" in ranges
    assert f"B{rows['6.1']}:B{rows['14.2']}" in ranges
    # a problem with one measure is not merged
    assert not any(r.startswith(f"A{rows['11.1']}:") for r in ranges)
    assert sheet.cell(rows["11.1"], 1).value == 11


async def test_statuses_progress_evidence_and_dates_after_work(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    sheet = open_book((await export_ledger(session, SYSTEM_ACTOR, clock)).content)[LEDGER_SHEET]
    rows = measure_rows(sheet)

    def cell(code: str, header: str) -> Any:
        return sheet.cell(rows[code], column(header)).value

    assert cell("10.2", "完成情况") == "已销号"
    assert cell("10.2", "最新进展") == "财务制度已印发执行"
    assert cell("10.2", "佐证材料（份）") == 1
    assert cell("10.2", "销号时间") == dt.datetime(2022, 5, 16)
    assert cell("10.2", "更新时间") == dt.datetime(2022, 5, 16, 11, 0)
    assert cell("12.1", "完成情况") == "待销号"
    assert cell("12.1", "最新进展") == "捐赠物资已全部补登入账"  # the close request's note
    assert cell("8.1", "完成情况") == "推进中（已逾期）"  # due 2022-04-30
    assert cell("7.2", "完成情况") == "持续推进"  # 长期坚持 measures do not close
    assert cell("7.2", "整改时限") == "长期坚持"
    assert cell("13.2", "最新进展") == "银行要求补充材料"
    # 3月底前 was missed on 16 May: overdue, shown with the status
    assert cell("11.1", "完成情况") == "未启动（已逾期）"
    assert cell("1.2", "最新进展") is None and cell("1.2", "佐证材料（份）") == 0
    # the plan's deadline text stays; the extension shows beside it
    assert cell("13.1", "整改时限") == "2022年6月30日"
    assert cell("13.1", "延期至") == dt.datetime(2022, 8, 31)
    assert cell("3.1", "整改时限") == "6月底前"
    assert cell("2.2", "整改时限") == "立行立改"
    assert cell("9.2", "牵头科室") == "财务室、赈济救护部"
    assert cell("9.2", "责任人") == "孙某某、丁某某"
    note = sheet.cell(sheet.max_row - 1, 1).value
    assert note.startswith("注：本表共32条整改措施，已销号1条，待销号1条")


async def test_history_sheet_lists_every_change_in_order(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan
) -> None:
    exported = await export_ledger(session, SYSTEM_ACTOR, clock)
    sheet = open_book(exported.content)[HISTORY_SHEET]
    assert [c.value for c in sheet[1]] == ["时间", "措施编号", "人员", "操作", "说明"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == exported.records
    times = [r[0] for r in rows]
    assert times == sorted(times)
    mine = [r for r in rows if r[1] == "10.2" and r[2] != "系统"]
    assert [r[3] for r in mine] == ["报告进展", "上传佐证材料", "报告进展", "申请销号", "同意销号"]
    assert "已修订财务报销制度，完成60%" in mine[0][4] and "进度：60%" in mine[0][4]
    assert mine[1][4] == "会议纪要.pdf"
    assert mine[-1][2] == "吴某某"
    extension = [r for r in rows if r[1] == "13.1" and r[3] == "同意延期"]
    assert extension and "2022-08-31" in extension[0][4]
    # local wall time, not UTC: the late report is on 17 May at 23:30
    assert (dt.datetime(2022, 5, 17, 23, 30), "13.2", "孙某某") in [r[:3] for r in rows]
    assert sheet.freeze_panes == "A2"


async def test_a_leader_gets_the_measures_they_lead(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan, example_plan: Any
) -> None:
    leader = await actor_for(session, "吴某某")
    exported = await export_ledger(session, leader, clock)
    assert exported.scope == "leader"
    sheet = open_book(exported.content)[LEDGER_SHEET]
    rows = measure_rows(sheet)
    assert len(rows) == count_measures(example_plan, "吴某某")
    assert {sheet.cell(r, column("责任领导")).value for r in rows.values()} == {"吴某某"}
    assert "吴某某分管" in sheet["A2"].value
    history = open_book(exported.content)[HISTORY_SHEET]
    assert {row[1].value for row in history.iter_rows(min_row=2)} <= set(rows)


async def test_staff_may_not_export(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    with pytest.raises(NotAllowed):
        await export_ledger(session, await actor_for(session, "孙某某"), clock)


async def test_nothing_to_export_without_a_plan(session: AsyncSession, clock: FixedClock) -> None:
    with pytest.raises(NothingToExport):
        await export_ledger(session, SYSTEM_ACTOR, clock)


async def test_the_exported_ledger_imports_back_to_the_same_plan(
    session: AsyncSession, clock: FixedClock, worked_plan: WorkedPlan, example_plan: Any
) -> None:
    plan_import = pytest.importorskip(
        "bot.services.plan_import", reason="plan import (another engineer's) is not there yet"
    )
    exported = await export_ledger(session, SYSTEM_ACTOR, clock)
    parsed = plan_import.parse_plan_file(exported.content, exported.file_name)
    assert parsed.to_json_dict()["aspects"] == example_plan["aspects"]
    assert parsed.title == example_plan["title"] and parsed.year == example_plan["year"]
    # the only remark is that the history sheet was not read
    assert [d.kind for d in parsed.doubts] == ["sheet"]


async def test_round_trip_of_a_plan_with_bare_dates_and_missing_names(
    session: AsyncSession, clock: FixedClock
) -> None:
    plan_import = pytest.importorskip(
        "bot.services.plan_import", reason="plan import (another engineer's) is not there yet"
    )
    plan = {
        "title": "某局巡察整改方案",
        "year": 2023,
        "aspects": [
            {
                "title": "落实主体责任不到位方面",
                "problems": [
                    {
                        "number": "1",
                        "title": "制度执行不严格。",
                        "measures": [
                            {
                                "text": "修订内控制度。",
                                "leader": "甲某",
                                "department": "办公室",
                                "owner": "乙某",
                                "deadline": "2023-03-15",
                                "deadline_raw": None,
                            },
                            {
                                "text": "开展制度执行情况检查。",
                                "leader": "甲某",
                                "department": None,
                                "owner": "丙某、丁某",
                                "deadline": "2023-06-30",
                                "deadline_raw": "6月底前",
                            },
                        ],
                    },
                    {
                        "number": "2",
                        "title": "会议记录不规范。",
                        "measures": [
                            {
                                "text": "规范会议记录。",
                                "leader": None,
                                "department": "办公室",
                                "owner": "乙某",
                                "deadline": "immediate",
                                "deadline_raw": "立行立改并长期坚持",
                            },
                        ],
                    },
                ],
            }
        ],
    }
    await import_plan(session, SYSTEM_ACTOR, clock, plan, "plan.json")
    exported = await export_ledger(session, SYSTEM_ACTOR, clock)
    sheet = open_book(exported.content)[LEDGER_SHEET]
    assert sheet["A1"].value == "某局巡察整改方案整改落实台账"
    rows = measure_rows(sheet)
    deadline = sheet.cell(rows["1.1"], column("整改时限"))
    assert deadline.value == dt.datetime(2023, 3, 15) and deadline.is_date
    parsed = plan_import.parse_plan_file(exported.content, exported.file_name).to_json_dict()
    measures = [m for a in parsed["aspects"] for p in a["problems"] for m in p["measures"]]
    expected = [m for a in plan["aspects"] for p in a["problems"] for m in p["measures"]]
    for got, want in zip(measures, expected, strict=True):
        for key in ("text", "leader", "department", "owner", "deadline"):
            assert got[key] == want[key], key
    # a date-only deadline reads back as the date it shows
    assert measures[0]["deadline_raw"] == "2023年3月15日"
    assert [m["deadline_raw"] for m in measures[1:]] == ["6月底前", "立行立改并长期坚持"]
    assert [p["title"] for p in parsed["aspects"][0]["problems"]] == [
        "制度执行不严格。",
        "会议记录不规范。",
    ]

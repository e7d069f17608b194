"""Excel ledgers laid out the many ways offices lay them out all import to the same plan."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from bot.services.plan_import import parse_plan_file
from tests.plan_import.builders import (
    DEFAULT_HEADERS,
    FIELDS,
    Layout,
    expected_plan,
    ledger_xlsx,
    plan_shape,
    workbook_bytes,
    write_sheet,
)

OTHER_HEADERS = {
    "number": "编号",
    "aspect": "类别",
    "problem": "反馈问题",
    "measure": "具体措施",
    "leader": "牵头领导",
    "department": "牵头单位",
    "owner": "具体责任人",
    "deadline": "完成时限",
    "progress": "整改进展",
}
MORE_HEADERS = {
    "number": "序 号",
    "aspect": "方面",
    "problem": "问题表现",
    "measure": "整改举措",
    "leader": "分管领导",
    "department": "责任部门",
    "owner": "牵头责任人",
    "deadline": "时限",
    "progress": "完成情况",
}
WORDY_HEADERS = {
    "number": "序号",
    "aspect": "问题类别",
    "problem": "问题",
    "measure": "整改措施\n（具体）",
    "leader": "责任领导\n（签字）",
    "department": "责任科室（单位）",
    "owner": "责任人",
    "deadline": "整改时限\n（截止日期）",
    "progress": "整改进展情况",
}
SHUFFLED = [
    "measure",
    "problem",
    "deadline",
    "owner",
    "leader",
    "department",
    "aspect",
    "number",
    "progress",
]

LAYOUTS = {
    "default": Layout(),
    "other header names": Layout(headers=OTHER_HEADERS),
    "more header names": Layout(headers=MORE_HEADERS),
    "header names with notes and line breaks": Layout(headers=WORDY_HEADERS),
    "columns in another order": Layout(order=SHUFFLED),
    "aspect rows instead of a column": Layout(aspects_as="rows"),
    "aspect rows, shuffled columns": Layout(aspects_as="rows", order=SHUFFLED),
    "aspect repeated on every row": Layout(aspects_as="repeated"),
    "problem repeated on every row": Layout(problems_as="repeated"),
    "problem only on its first row, no merge": Layout(problems_as="first_row"),
    "blank spacer rows": Layout(blank_rows=True),
    "blank rows and unmerged problems": Layout(blank_rows=True, problems_as="first_row"),
    "line breaks inside cells": Layout(wrap=True),
    "no title rows": Layout(title_rows=["（2023年）"], footer=None),
    "two-row header": Layout(two_row_header=True),
    "numbers count measures": Layout(numbers_per_measure=True),
    "numbers count measures, problems repeated": Layout(
        numbers_per_measure=True, problems_as="repeated", aspects_as="repeated"
    ),
    "header repeated after a page break": Layout(repeat_header_after=2),
    "no progress column": Layout(order=[f for f in FIELDS if f != "progress"]),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_layouts_import_to_the_same_plan(layout: Layout) -> None:
    plan = parse_plan_file(ledger_xlsx(layout), "台账.xlsx")
    assert plan_shape(plan.to_json_dict()) == expected_plan()
    assert plan.year == 2023
    assert plan.doubts == []


def test_the_ledger_is_found_on_the_second_sheet() -> None:
    workbook = openpyxl.Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = "说明"
    cover["A1"] = "填表说明：请按要求如实填写整改进展，每月5日前报送。"
    cover["A3"] = "序号"
    cover["B3"] = "说明事项"
    summary = workbook.create_sheet("统计")
    summary.append(["科室", "措施数", "已完成"])
    summary.append(["办公室", 3, 2])
    write_sheet(workbook.create_sheet("整改台账"), Layout())
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert plan_shape(plan.to_json_dict()) == expected_plan()
    assert [d.kind for d in plan.doubts] == ["sheet"]
    assert "整改台账" in plan.warnings[0]


def test_without_any_aspect_the_problems_go_under_one_aspect_with_a_doubt() -> None:
    layout = Layout(order=[f for f in FIELDS if f != "aspect"])
    plan = parse_plan_file(ledger_xlsx(layout), "台账.xlsx")
    assert plan_shape(plan.to_json_dict()) == expected_plan(aspects=False)
    assert [d.kind for d in plan.doubts] == ["no_aspects"]


def test_without_number_column_problems_are_numbered_in_order() -> None:
    layout = Layout(order=[f for f in FIELDS if f != "number"])
    plan = parse_plan_file(ledger_xlsx(layout), "台账.xlsx")
    assert plan_shape(plan.to_json_dict()) == expected_plan()


def test_problem_numbers_written_in_the_problem_cell() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["问题", "整改措施", "责任人", "整改时限"])
    sheet.append(["1.公务接待不规范", "修订接待制度", "刘某某", "2022年6月底前"])
    sheet.append(["（2）财务报销不规范", "规范报销审批", "孙某某", "立行立改"])
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert [(p.number, p.title) for p in plan.problems] == [
        ("1", "公务接待不规范"),
        ("2", "财务报销不规范"),
    ]
    assert plan.year == 2022


def sheet_with(rows: list[list[object]]) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["2022年巡察整改台账"])
    sheet.append(["序号", "存在问题", "整改措施", "责任领导", "责任科室", "责任人", "整改时限"])
    for row in rows:
        sheet.append(row)
    return workbook


def test_formula_without_a_saved_value_is_a_doubt() -> None:
    workbook = sheet_with(
        [[1, "公务接待不规范", "修订接待制度", '="陈某某"', "办公室", "刘某某", "6月底前"]]
    )
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    measure = plan.measures[0]
    assert measure.leader is None
    formula_doubts = [d for d in plan.doubts if d.kind == "formula"]
    assert len(formula_doubts) == 1
    assert formula_doubts[0].location == "第3行" and "D列" in formula_doubts[0].message


def test_date_cells_of_several_formats() -> None:
    workbook = sheet_with(
        [
            [1, "问题一", "措施一", "甲", "办公室", "乙", dt.datetime(2022, 6, 30)],
            [2, "问题二", "措施二", "甲", "办公室", "乙", dt.datetime(2022, 7, 31)],
            [3, "问题三", "措施三", "甲", "办公室", "乙", dt.datetime(2022, 8, 31)],
            [4, "问题四", "措施四", "甲", "办公室", "乙", dt.datetime(2022, 9, 30)],
        ]
    )
    sheet = workbook.active
    assert sheet is not None
    sheet["G3"].number_format = "yyyy-mm-dd"
    sheet["G4"].number_format = "yyyy/m/d"
    sheet["G5"].number_format = 'm"月"d"日"'
    sheet["G6"].number_format = "mm-dd-yy"
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert [(m.deadline.json_value, m.deadline.raw) for m in plan.measures] == [
        ("2022-06-30", "2022-06-30"),
        ("2022-07-31", "2022/7/31"),
        ("2022-08-31", "8月31日"),
        ("2022-09-30", "2022/9/30"),
    ]


def test_excel_serial_number_in_a_deadline_cell() -> None:
    workbook = sheet_with([[1, "问题一", "措施一", "甲", "办公室", "乙", 44742]])
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert plan.measures[0].deadline.json_value == "2022-06-30"
    assert any(d.kind == "deadline" for d in plan.doubts)


def test_unreadable_deadline_and_missing_fields_are_doubts() -> None:
    workbook = sheet_with(
        [
            [1, "问题一", "措施一", "甲", "办公室", "乙", "视情况而定"],
            [2, "问题二", "措施二", None, "办公室", None, "6月底前"],
        ]
    )
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    first, second = plan.measures
    assert first.deadline.kind == "unknown" and first.deadline.raw == "视情况而定"
    assert second.leader is None and second.owner is None
    messages = plan.warnings
    assert any("第3行" in m and "视情况而定" in m for m in messages)
    assert any("第4行" in m and "责任领导" in m for m in messages)
    assert any("第4行" in m and "责任人" in m for m in messages)


def test_year_from_deadlines_then_from_the_argument() -> None:
    rows = [
        ["序号", "存在问题", "整改措施", "责任人", "整改时限"],
        [1, "问题一", "措施一", "乙", "2024年3月31日前"],
        [2, "问题二", "措施二", "乙", "6月底前"],
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx", year=2020)
    assert plan.year == 2024
    assert plan.measures[1].deadline.json_value == "2024-06-30"
    sheet["E2"] = "3月底前"
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx", year=2020)
    assert plan.year == 2020
    assert plan.measures[1].deadline.json_value == "2020-06-30"
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert plan.year is None
    assert plan.measures[1].deadline.kind == "unknown"
    assert "year" in [d.kind for d in plan.doubts]


def test_measure_cell_with_numbered_items_stays_one_measure_with_its_line_breaks() -> None:
    text = "一是制定学习计划；\n二是开展专题培训；\n三是建立考核机制。"
    workbook = sheet_with([[1, "学习不深入", text, "甲", "办公室", "乙", "6月底前"]])
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert [m.text for m in plan.measures] == [text]


def test_names_on_several_lines_stay_as_written() -> None:
    workbook = sheet_with(
        [[1, "问题一", "措施一", "甲", "财务室\n办公室", "孙某某\n丁某某", "6月底前"]]
    )
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    measure = plan.measures[0]
    assert measure.owner == "孙某某\n丁某某" and measure.department == "财务室\n办公室"


def test_a_problem_without_measures_is_kept_with_a_doubt() -> None:
    workbook = sheet_with(
        [
            [1, "问题一", None, None, None, None, None],
            [2, "问题二", "措施二", "甲", "办公室", "乙", "6月底前"],
        ]
    )
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert [len(p.measures) for p in plan.problems] == [0, 1]
    assert any(d.kind == "no_measures" for d in plan.doubts)


def test_a_problem_list_without_a_measure_column() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["序号", "问题清单", "责任领导", "责任人", "完成时限"])
    sheet.append([1, "公务接待不规范", "陈某某", "刘某某", "2022年6月30日"])
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert plan.problems[0].title == "公务接待不规范"
    assert plan.measures[0].text == "公务接待不规范"
    assert plan.measures[0].owner == "刘某某"


def test_csv_ledger() -> None:
    header = ",".join(DEFAULT_HEADERS[f] for f in FIELDS)
    rows = [
        header,
        "1,作风建设方面,公务接待不规范,修订接待制度,陈某某,办公室,刘某某,2022年6月底前,已完成",
        ",作风建设方面,公务接待不规范,开展专项检查,陈某某,办公室,刘某某,立行立改,推进中",
    ]
    plan = parse_plan_file("\n".join(rows).encode("gb18030"), "台账.csv")
    assert [len(p.measures) for p in plan.problems] == [2]
    assert plan.aspects[0].title == "作风建设方面"


def test_aspect_rows_numbered_in_the_number_column() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["序号", "存在问题", "整改措施", "责任领导", "整改时限"])
    sheet.append(["一", "政治建设方面", None, None, None])
    sheet.append([1, "理论学习不深入", "制定学习计划", "陈某某", "2022年6月底前"])
    sheet.append(["二", "作风建设方面", None, None, None])
    sheet.append([2, "公务接待不规范", "修订接待制度", "吴某某", "立行立改"])
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert [(a.title, [p.title for p in a.problems]) for a in plan.aspects] == [
        ("政治建设方面", ["理论学习不深入"]),
        ("作风建设方面", ["公务接待不规范"]),
    ]
    assert plan.doubts == []


def test_the_smallest_ledger_problem_and_measure_only() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["问题", "整改措施"])
    sheet.append(["公务接待不规范", "修订接待制度"])
    sheet.append([None, "开展专项检查"])
    plan = parse_plan_file(workbook_bytes(workbook), "台账.xlsx")
    assert [(p.title, [m.text for m in p.measures]) for p in plan.problems] == [
        ("公务接待不规范", ["修订接待制度", "开展专项检查"])
    ]
    assert [d.kind for d in plan.doubts] == ["no_aspects"]

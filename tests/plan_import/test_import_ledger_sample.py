"""ledger-sample.xlsx imports to exactly what ledger-sample.json describes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import docx
import openpyxl
import pytest

from bot.services.plan_import import ParsedPlan, parse_plan_file
from tests.plan_import.builders import SAMPLES

GOLD = json.loads((SAMPLES / "ledger-sample.json").read_text(encoding="utf-8"))
MEASURE_FIELDS = ("text", "leader", "department", "owner", "deadline", "deadline_raw")


@pytest.fixture(scope="module")
def plan() -> ParsedPlan:
    return parse_plan_file(SAMPLES / "ledger-sample.xlsx", "ledger-sample.xlsx")


def gold_plan() -> dict[str, Any]:
    return {
        "aspects": [
            {
                "title": aspect["title"],
                "problems": [
                    {
                        "number": problem["number"],
                        "title": problem["title"],
                        "measures": [
                            {key: measure[key] for key in MEASURE_FIELDS}
                            for measure in problem["measures"]
                        ],
                    }
                    for problem in aspect["problems"]
                ],
            }
            for aspect in GOLD["aspects"]
        ],
        "warnings": [],
    }


def test_imports_to_the_gold_plan_field_for_field(plan: ParsedPlan) -> None:
    assert plan.to_json_dict() == gold_plan()


def test_counts(plan: ParsedPlan) -> None:
    counts = GOLD["counts"]
    assert len(plan.aspects) == counts["aspects"]
    assert len(plan.problems) == counts["problems"]
    assert len(plan.measures) == counts["measures"]


def test_title_year_and_no_doubts(plan: ParsedPlan) -> None:
    assert plan.title == GOLD["title"]
    assert plan.year == GOLD["plan_year"]
    assert plan.doubts == []
    assert plan.source_name == "ledger-sample.xlsx"


def test_progress_is_kept_outside_the_plan_format(plan: ParsedPlan) -> None:
    gold = [m["progress"] for a in GOLD["aspects"] for p in a["problems"] for m in p["measures"]]
    assert [m.progress for m in plan.measures] == gold


def test_date_cells_keep_what_excel_shows(plan: ParsedPlan) -> None:
    by_text = {m.text: m for m in plan.measures}
    gold = {
        m["text"]: m
        for a in GOLD["aspects"]
        for p in a["problems"]
        for m in p["measures"]
        if m["deadline_cell"] == "date"
    }
    assert gold
    for text, measure in gold.items():
        assert by_text[text].deadline.raw == measure["deadline_raw"]
        assert by_text[text].deadline.json_value == measure["deadline"]


def test_same_result_from_bytes_and_from_path(plan: ParsedPlan) -> None:
    data = (SAMPLES / "ledger-sample.xlsx").read_bytes()
    assert parse_plan_file(data, "ledger-sample.xlsx").to_json_dict() == plan.to_json_dict()


def gold_rows() -> list[list[str]]:
    """The sample's rows as text, each merged value only in its first row."""
    rows = [
        [GOLD["title"]],
        ["（整改进展截至2022年5月15日）"],
        [c["header"] for c in GOLD["columns"]],
    ]
    for aspect in GOLD["aspects"]:
        for p_index, problem in enumerate(aspect["problems"]):
            for m_index, measure in enumerate(problem["measures"]):
                first = m_index == 0
                rows.append(
                    [
                        problem["number"] if first else "",
                        aspect["title"] if first and p_index == 0 else "",
                        problem["title"] if first else "",
                        measure["text"],
                        measure["leader"],
                        measure["department"],
                        measure["owner"],
                        measure["deadline_raw"],
                        measure["progress"],
                    ]
                )
    return [*rows, [], ["填报人：孙某某　审核人：陈某某"]]


def test_the_sample_as_csv_reads_the_same() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(gold_rows())
    plan = parse_plan_file(buffer.getvalue().encode("gb18030"), "台账.csv")
    assert plan.to_json_dict() == gold_plan()


def test_the_sample_as_a_word_table_reads_the_same() -> None:
    rows = gold_rows()
    document = docx.Document()
    document.add_paragraph(rows[0][0])
    document.add_paragraph(rows[1][0])
    table = document.add_table(rows=len(rows) - 4, cols=9)
    for r, values in enumerate(rows[2:-2]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    plan = parse_plan_file(buffer.getvalue(), "台账.docx")
    assert plan.to_json_dict() == gold_plan()
    assert plan.title == GOLD["title"]


def test_the_sample_behind_other_sheets_reads_the_same() -> None:
    workbook = openpyxl.load_workbook(SAMPLES / "ledger-sample.xlsx")
    cover = workbook.create_sheet("填表说明", 0)
    cover["A1"] = "请各科室于每月5日前更新整改进展"
    summary = workbook.create_sheet("统计", 1)
    summary.append(["科室", "措施数", "已完成", "完成率"])
    summary.append(["办公室", 12, 8, "67%"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = parse_plan_file(buffer.getvalue(), "台账.xlsx")
    assert plan.to_json_dict()["aspects"] == gold_plan()["aspects"]
    assert [d.kind for d in plan.doubts] == ["sheet"]

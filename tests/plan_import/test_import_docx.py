"""Word plans: a ledger in a Word table, tables per aspect, and plans written as text."""

from __future__ import annotations

import io

import docx

from bot.services.plan_import import parse_plan_file
from tests.plan_import.builders import (
    CANONICAL,
    CN,
    Layout,
    docx_from_paragraphs,
    expected_plan,
    ledger_docx,
    plan_shape,
    report_lines,
)


def test_ledger_in_a_word_table_with_merged_cells() -> None:
    plan = parse_plan_file(ledger_docx(), "台账.docx")
    assert plan_shape(plan.to_json_dict()) == expected_plan()
    assert plan.title == "某某局巡察整改台账"
    assert plan.year == 2023
    assert plan.doubts == []


def test_word_table_with_aspect_rows_and_shuffled_columns() -> None:
    layout = Layout(
        title_rows=[],
        footer=None,
        aspects_as="rows",
        order=["number", "problem", "measure", "deadline", "owner", "leader", "department"],
    )
    plan = parse_plan_file(ledger_docx(layout), "台账.docx")
    assert plan_shape(plan.to_json_dict()) == expected_plan()


def test_one_table_per_aspect_under_its_heading() -> None:
    document = docx.Document()
    document.add_paragraph("某某局2023年巡察整改台账")
    for index, aspect in enumerate(CANONICAL):
        document.add_paragraph(f"{CN[index]}、{aspect.title}")
        rows = [["序号", "存在问题", "整改措施", "责任领导", "责任科室", "责任人", "整改时限"]]
        for problem in aspect.problems:
            for m in problem.measures:
                raw = m.expected_raw or ""
                rows.append(
                    [problem.number, problem.title, m.text, m.leader, m.department, m.owner, raw]
                )
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    plan = parse_plan_file(buffer.getvalue(), "台账.docx")
    assert plan_shape(plan.to_json_dict()) == expected_plan()
    assert plan.title == "某某局2023年巡察整改台账"


def test_report_written_in_word_paragraphs() -> None:
    data = docx_from_paragraphs([(line, None) for line in report_lines()])
    plan = parse_plan_file(data, "报告.docx")
    assert plan_shape(plan.to_json_dict()) == expected_plan(people=False)
    assert plan.year == 2023


def test_word_headings_and_automatic_numbering() -> None:
    paragraphs: list[tuple[str, str | None]] = [
        ("某某局巡察整改方案", "Title"),
        ("二、整改任务", "Heading 1"),
    ]
    for index, aspect in enumerate(CANONICAL):
        paragraphs.append((f"（{CN[index]}）{aspect.title}", "Heading 2"))
        for problem in aspect.problems:
            # the number "1." is drawn by Word's list numbering, not typed
            paragraphs.append((problem.title, "List Number"))
            items = "；".join(f"{CN[i]}是{m.text}" for i, m in enumerate(problem.measures))
            paragraphs.append((items + "。", None))
    plan = parse_plan_file(docx_from_paragraphs(paragraphs), "方案.docx")
    assert plan_shape(plan.to_json_dict()) == expected_plan(people=False)


def test_report_inside_a_layout_table() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=1)
    cell = table.cell(0, 0)
    cell.text = report_lines()[0]
    for line in report_lines()[1:]:
        cell.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    plan = parse_plan_file(buffer.getvalue(), "报告.docx")
    assert plan_shape(plan.to_json_dict()) == expected_plan(people=False)


def test_a_ledger_table_split_in_two_by_a_page_break() -> None:
    rows = [
        ["序号", "存在问题", "整改措施", "责任领导", "整改时限"],
        ["1", "公务接待不规范", "修订接待制度", "陈某某", "2022年6月底前"],
        ["", "", "开展专项检查", "陈某某", "立行立改"],
        ["2", "财务报销不规范", "规范报销审批", "吴某某", "长期坚持"],
    ]
    document = docx.Document()
    for part in (rows[:3], rows[3:]):
        table = document.add_table(rows=len(part), cols=len(part[0]))
        for r, values in enumerate(part):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
        document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    plan = parse_plan_file(buffer.getvalue(), "台账.docx")
    assert [(p.number, p.title, len(p.measures)) for p in plan.problems] == [
        ("1", "公务接待不规范", 2),
        ("2", "财务报销不规范", 1),
    ]
    assert plan.year == 2022

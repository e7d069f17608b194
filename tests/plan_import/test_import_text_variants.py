"""Plans written as documents: reports, plans, web pages, markdown; the same plan each time."""

from __future__ import annotations

import pytest

from bot.services.plan_import import ParsedPlan, PlanImportError, parse_plan_file
from tests.plan_import.builders import (
    as_html,
    as_markdown,
    expected_plan,
    plan_document_lines,
    plan_shape,
    report_lines,
    sectioned_report_lines,
)

REPORTS = {
    "report, problems and items on one line": "\n".join(report_lines()),
    "half-width brackets": "\n".join(report_lines(aspect_marker="({cn})")),
    "full-width brackets for problems": "\n".join(report_lines(problem_marker="（{n}）")),
    "full-width digits": "\n".join(report_lines(problem_marker="（{n}）")).replace(
        "（1）", "（１）"
    ),
    "problems numbered 1.": "\n".join(report_lines(problem_marker="{n}.")),
    "problems numbered 1、": "\n".join(report_lines(problem_marker="{n}、")),
    "web page": as_html(report_lines()),
    "markdown": as_markdown(report_lines()),
    "CRLF line ends and indents": "\r\n".join("\u3000\u3000" + line for line in report_lines()),
    "sections are the aspects": "\n".join(sectioned_report_lines()),
    "unnumbered 针对 paragraphs": "\n".join(sectioned_report_lines(numbered_problems=False)),
}


def parse(text: str, name: str = "方案.txt", year: int | None = None) -> ParsedPlan:
    return parse_plan_file(text.encode("utf-8"), name, year)


@pytest.mark.parametrize("text", REPORTS.values(), ids=REPORTS.keys())
def test_reports_import_to_the_same_plan(text: str) -> None:
    plan = parse(text)
    assert plan_shape(plan.to_json_dict()) == expected_plan(people=False)
    assert plan.year == 2023
    assert plan.doubts == []


PLANS = {
    "plan document": "\n".join(plan_document_lines()),
    "plan document as a web page": as_html(plan_document_lines()),
    "plan document as markdown": as_markdown(plan_document_lines()),
}


@pytest.mark.parametrize("text", PLANS.values(), ids=PLANS.keys())
def test_plan_documents_with_people_and_deadlines(text: str) -> None:
    plan = parse(text, "方案.md")
    assert plan_shape(plan.to_json_dict()) == expected_plan()
    assert plan.title == "某某局巡察反馈意见整改方案"
    assert plan.doubts == []


def test_other_encodings() -> None:
    text = "\n".join(report_lines())
    for data in (text.encode("gb18030"), text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        plan = parse_plan_file(data, "报告.txt")
        assert plan_shape(plan.to_json_dict()) == expected_plan(people=False)


def test_numbering_that_skips_is_kept_as_written_with_a_doubt() -> None:
    plan = parse("\n".join(report_lines(skip=2)))
    assert [p.number for p in plan.problems] == ["1", "3", "4"]
    assert [len(p.measures) for p in plan.problems] == [2, 1, 2]
    assert [d.kind for d in plan.doubts] == ["numbering"]
    assert "1之后是3" in plan.warnings[0]


def test_item_numbering_that_skips() -> None:
    text = "\n".join(
        [
            "二、反馈问题整改情况",
            "（一）作风建设方面",
            "1.针对公务接待不规范问题。一是修订制度；二是开展检查；四是建立台账。",
        ]
    )
    plan = parse(text, year=2023)
    assert [m.text for m in plan.measures] == ["修订制度", "开展检查", "建立台账"]
    assert [d.kind for d in plan.doubts] == ["numbering"]


def test_paragraphs_under_a_problem_are_its_measures() -> None:
    text = "\n".join(
        [
            "（一）作风建设方面",
            "1.公务接待不规范",
            "修订公务接待管理制度，严格落实前置审批。",
            "开展公务接待专项检查。",
            "2.财务报销不规范",
            "规范财务报销审批程序。",
        ]
    )
    plan = parse(text)
    assert [[m.text for m in p.measures] for p in plan.problems] == [
        ["修订公务接待管理制度，严格落实前置审批", "开展公务接待专项检查"],
        ["规范财务报销审批程序"],
    ]
    assert plan.aspects[0].title == "作风建设方面"


def test_a_paragraph_after_an_item_continues_it() -> None:
    text = "\n".join(
        [
            "（一）作风建设方面",
            "1.公务接待不规范",
            "一是修订公务接待管理制度。",
            "已于3月印发实施。",
            "二是开展专项检查。",
        ]
    )
    plan = parse(text)
    assert [m.text for m in plan.measures] == [
        "修订公务接待管理制度。\n已于3月印发实施",
        "开展专项检查",
    ]


def test_fields_in_brackets_after_a_measure() -> None:
    text = "\n".join(
        [
            "（一）作风建设方面",
            "1.公务接待不规范",
            "一是修订接待制度（责任领导：陈某某；责任单位：办公室；完成时限：2022年6月底前）；",
            "二是开展专项检查（责任人：刘某某，时限：立行立改）。",
        ]
    )
    plan = parse(text)
    first, second = plan.measures
    assert (first.text, first.leader, first.department) == ("修订接待制度", "陈某某", "办公室")
    assert first.deadline.json_value == "2022-06-30"
    assert (second.text, second.owner, second.deadline.json_value) == (
        "开展专项检查",
        "刘某某",
        "immediate",
    )


def test_fields_for_the_whole_problem() -> None:
    text = "\n".join(
        [
            "（一）作风建设方面",
            "1.公务接待不规范",
            "责任领导：陈某某　责任部门：办公室、财务室　整改时限：长期坚持",
            "一是修订接待制度；二是开展专项检查。",
        ]
    )
    plan = parse(text)
    assert [(m.leader, m.department, m.deadline.kind) for m in plan.measures] == [
        ("陈某某", "办公室、财务室", "ongoing"),
        ("陈某某", "办公室、财务室", "ongoing"),
    ]


def test_problems_without_aspects_go_under_one_aspect_with_a_doubt() -> None:
    text = "\n".join(
        [
            "1.公务接待不规范。一是修订接待制度；二是开展专项检查。",
            "2.财务报销不规范。规范财务报销审批程序。",
        ]
    )
    plan = parse(text)
    assert [a.title for a in plan.aspects] == ["未分方面"]
    assert [(p.number, p.title, len(p.measures)) for p in plan.problems] == [
        ("1", "公务接待不规范", 2),
        ("2", "财务报销不规范", 1),
    ]
    assert [d.kind for d in plan.doubts] == ["no_aspects"]


def test_a_document_without_any_plan_is_refused() -> None:
    with pytest.raises(PlanImportError) as caught:
        parse("会议通知\n定于下周一上午九点召开全体会议，请准时参加。")
    assert caught.value.code == "no_plan"


def test_a_bare_problem_list_section_gives_way_to_the_measures_section() -> None:
    text = "\n".join(
        [
            "附件1",
            "某某局巡察反馈问题整改方案",
            "一、存在的主要问题",
            "（一）理论学习不深入。",
            "（二）公务接待不规范。",
            "二、整改措施",
            "（一）关于理论学习不深入的问题",
            "整改措施：1.制定学习计划；",
            "责任领导：陈某某  完成时限：2023年6月底前",
            "（二）关于公务接待不规范的问题",
            "一是修订接待制度；二是开展专项检查。",
            "责任领导：吴某某  完成时限：9月底前",
            "三、保障措施",
            "（一）加强组织领导。",
        ]
    )
    plan = parse(text)
    assert plan.title == "某某局巡察反馈问题整改方案"
    assert [(p.number, p.title) for p in plan.problems] == [
        ("1", "理论学习不深入"),
        ("2", "公务接待不规范"),
    ]
    assert [[m.text for m in p.measures] for p in plan.problems] == [
        ["制定学习计划"],
        ["修订接待制度", "开展专项检查"],
    ]
    assert plan.year == 2023
    assert [m.deadline.json_value for m in plan.measures] == [
        "2023-06-30",
        "2023-09-30",
        "2023-09-30",
    ]


def test_a_closing_word_inside_a_problem_does_not_end_the_plan() -> None:
    text = "\n".join(
        [
            "（一）作风建设方面",
            "1.保障措施落实不到位",
            "一是完善保障制度。",
            "2.公务接待不规范",
            "一是修订接待制度。",
            "（二）下一步工作打算",
            "一是持续巩固整改成果。",
        ]
    )
    plan = parse(text)
    assert [p.title for p in plan.problems] == ["保障措施落实不到位", "公务接待不规范"]
    assert [a.title for a in plan.aspects] == ["作风建设方面"]


def test_year_argument_when_the_document_has_none() -> None:
    text = "\n".join(
        [
            "（一）作风建设方面",
            "1.公务接待不规范",
            "一是修订接待制度（完成时限：6月底前）。",
        ]
    )
    plan = parse(text, year=2021)
    assert plan.year == 2021
    assert plan.measures[0].deadline.json_value == "2021-06-30"
    plan = parse(text)
    assert plan.year is None and plan.measures[0].deadline.kind == "unknown"
    assert {d.kind for d in plan.doubts} == {"deadline", "year"}


def html_ledger() -> str:
    return """<html><head><meta charset="utf-8"><title>台账</title></head><body>
<h2>某某局2022年巡察整改台账</h2>
<table border="1">
<tr><th>序号</th><th>问题类别</th><th>存在问题</th><th>整改措施</th><th>责任领导</th>
<th>牵头科室</th><th>责任人</th><th>整改时限</th></tr>
<tr><td rowspan="2">1</td><td rowspan="3">作风建设方面</td><td rowspan="2">公务接待不规范</td>
<td>修订接待制度</td><td rowspan="2">陈某某</td><td>办公室</td><td>刘某某</td>
<td>6月底前</td></tr>
<tr><td>开展专项检查</td><td>办公室</td><td>刘某某&nbsp;</td><td>立行立改</td></tr>
<tr><td>2</td><td>财务报销不规范</td><td>规范报销<br/>审批程序</td><td>吴某某</td>
<td>财务室</td><td>孙某某、丁某某</td><td>长期坚持</td></tr>
<tr><td colspan="8">填报人：孙某某</td></tr>
</table></body></html>"""


def test_ledger_in_an_html_table_even_when_saved_as_xls() -> None:
    for name in ("台账.html", "台账.xls"):
        plan = parse_plan_file(html_ledger().encode("utf-8"), name)
        assert plan.title == "某某局2022年巡察整改台账"
        assert [(a.title, [(p.number, p.title) for p in a.problems]) for a in plan.aspects] == [
            ("作风建设方面", [("1", "公务接待不规范"), ("2", "财务报销不规范")])
        ]
        assert [(m.text, m.leader, m.owner, m.deadline.json_value) for m in plan.measures] == [
            ("修订接待制度", "陈某某", "刘某某", "2022-06-30"),
            ("开展专项检查", "陈某某", "刘某某", "immediate"),
            ("规范报销审批程序", "吴某某", "孙某某、丁某某", "ongoing"),
        ]
        assert plan.doubts == []


def test_ledger_in_a_markdown_table() -> None:
    text = "\n".join(
        [
            "# 2023年整改台账",
            "",
            "| 序号 | 存在问题 | 整改措施 | 责任人 | 完成时限 |",
            "|:---:|---|---|---|---|",
            "| 1 | 公务接待不规范 | 修订接待制度 | 刘某某 | 9月底前 |",
            "| | | 开展专项检查 | 刘某某 | 立行立改 |",
        ]
    )
    plan = parse(text, "台账.md")
    assert [(p.title, len(p.measures)) for p in plan.problems] == [("公务接待不规范", 2)]
    assert plan.measures[0].deadline.json_value == "2023-09-30"


def test_a_web_page_whose_article_sits_in_a_layout_table() -> None:
    rows = "".join(f"<tr><td>{line}</td></tr>" for line in report_lines())
    page = f"<html><body><table width='100%'>{rows}</table></body></html>"
    plan = parse(page, "报告.html")
    assert plan_shape(plan.to_json_dict()) == expected_plan(people=False)

"""Plan import speed: a 2,000-row ledger must parse well under a second.

Generates the files in memory, parses each several times and prints the median:
    name | rows | median ms | target
Exits 1 when a target is missed.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl

from bot.services.plan_import import ParsedPlan, parse_plan_file

RUNS = 5
SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "plan_import" / "samples"
HEADER = [
    "序号",
    "问题类别",
    "存在问题",
    "整改措施",
    "责任领导",
    "牵头科室",
    "责任人",
    "整改时限",
    "完成情况",
]
DEADLINES = [
    "6月底前",
    "2022年12月31日前",
    "长期坚持",
    "立行立改",
    "立行立改并长期坚持",
    "年底前",
    "2022年9月底",
    "第三季度",
    dt.datetime(2022, 4, 30),
]


def ledger_rows(measures: int, per_problem: int = 2, problems_per_aspect: int = 50) -> list[list]:
    rows: list[list] = []
    for index in range(measures):
        problem = index // per_problem
        aspect = problem // problems_per_aspect
        rows.append(
            [
                problem + 1,
                f"第{aspect + 1}方面：落实全面从严治党主体责任不到位方面",
                f"问题{problem + 1}：财务报销审批程序不规范，部分票据附件不全，公务接待超标准。",
                f"措施{index + 1}：修订完善财务报销管理制度，严格审批程序，逐笔核查票据附件，"
                "对发现的问题立行立改，并建立长效机制。",
                f"领导{problem % 7}",
                f"科室{index % 5}、科室{(index + 1) % 5}",
                f"责任人{index % 11}",
                DEADLINES[index % len(DEADLINES)],
                "正在推进",
            ]
        )
    return rows


def ledger_xlsx(measures: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "台账"
    sheet.append(["某某局巡察反馈问题整改落实台账"])
    sheet.append(["（整改进展截至2022年5月15日）"])
    sheet.append(HEADER)
    sheet.merge_cells("A1:I1")
    sheet.merge_cells("A2:I2")
    rows = ledger_rows(measures)
    start = 4
    for row in rows:
        sheet.append(row)
    for offset in range(0, len(rows), 2):
        top = start + offset
        for column in "ACE":
            sheet.merge_cells(f"{column}{top}:{column}{top + 1}")
        for column in ("B", "D", "F", "G", "I"):
            if column == "B" and offset % 100 == 0:
                sheet.merge_cells(f"B{top}:B{min(top + 99, start + len(rows) - 1)}")
    for row in range(start, start + len(rows)):
        cell = sheet.cell(row, 8)
        if isinstance(cell.value, dt.datetime):
            cell.number_format = 'yyyy"年"m"月"d"日"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_docx(measures: int) -> bytes:
    document = docx.Document()
    document.add_paragraph("某某局2022年巡察整改台账")
    rows = ledger_rows(measures)
    table = document.add_table(rows=len(rows) + 1, cols=len(HEADER))
    cells = table._cells
    width = len(HEADER)
    for column, label in enumerate(HEADER):
        cells[column].text = label
    for r, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            text = f"{value.month}月{value.day}日" if isinstance(value, dt.datetime) else value
            cells[r * width + column].text = str(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_plan(problems: int, measures_per_problem: int = 4) -> bytes:
    numerals = "一二三四五六七八九十"
    lines = [
        "某某局关于巡察反馈问题整改情况的报告",
        "现将整改情况报告如下。",
        "一、整改工作开展情况",
        "（一）提高政治站位。成立领导小组。",
        "二、巡察反馈问题整改情况",
    ]
    per_aspect = 25
    for number in range(1, problems + 1):
        if (number - 1) % per_aspect == 0:
            aspect = (number - 1) // per_aspect
            lines.append(f"（{numerals[aspect % 10]}）第{aspect + 1}个方面存在的问题方面")
            lines.append(f"{aspect % 4 + 1}.理论学习不够深入")
        items = "；".join(
            f"{numerals[i]}是修订完善财务报销管理制度，严格审批程序，逐笔核查票据附件{i}"
            for i in range(measures_per_problem)
        )
        lines.append(f"({number})针对财务报销不规范、票据附件不全问题{number}问题。{items}。")
    lines += ["三、下一步工作打算", "一是巩固成果；二是建立长效机制。", "某某局", "2022年5月20日"]
    return "\n".join(lines).encode("utf-8")


def median_ms(parse: Callable[[], ParsedPlan]) -> tuple[float, ParsedPlan]:
    plan = parse()  # warm-up: imports, caches
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        plan = parse()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), plan


def main() -> int:
    cases: list[tuple[str, bytes, str, float]] = [
        (
            "ledger-sample.xlsx (32 measures)",
            (SAMPLES / "ledger-sample.xlsx").read_bytes(),
            "ledger-sample.xlsx",
            100,
        ),
        (
            "report-sample-huaibei.txt",
            (SAMPLES / "report-sample-huaibei.txt").read_bytes(),
            "report-sample-huaibei.txt",
            100,
        ),
        ("ledger .xlsx, 2,000 rows", ledger_xlsx(2000), "ledger.xlsx", 1000),
        ("ledger in a Word table, 500 rows", ledger_docx(500), "ledger.docx", 1000),
        ("text plan, 500 problems", text_plan(500), "plan.txt", 1000),
    ]
    print(f"{'name':<36} | {'rows':>6} | {'median ms':>9} | target")
    print(f"{'-' * 36}-|-{'-' * 6}-|-{'-' * 9}-|-{'-' * 9}")
    missed = 0
    for name, data, file_name, target in cases:
        elapsed, plan = median_ms(lambda d=data, f=file_name: parse_plan_file(d, f))
        rows = len(plan.measures)
        ok = elapsed < target
        missed += not ok
        verdict = "" if ok else " MISSED"
        print(f"{name:<36} | {rows:>6} | {elapsed:>9.1f} | < {target:.0f} ms{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

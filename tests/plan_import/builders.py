"""Plans rendered the many ways offices write them, to check every layout reads the same.

One small plan (CANONICAL) is written as Excel ledgers, Word tables and documents of several
shapes; each rendering must import to EXPECTED.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

SAMPLES = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True)
class Measure:
    text: str
    leader: str
    department: str
    owner: str
    deadline: object  # what the cell holds: text or a date
    expected_deadline: str | None
    expected_raw: str | None
    number_format: str | None = None


@dataclass(frozen=True)
class Problem:
    number: str
    title: str
    measures: list[Measure]


@dataclass(frozen=True)
class Aspect:
    title: str
    problems: list[Problem]


PLAN_YEAR = 2023
CANONICAL = [
    Aspect(
        "政治建设方面",
        [
            Problem(
                "1",
                "理论学习不深入，学用结合不够",
                [
                    Measure(
                        "制定年度理论学习计划，每月开展集中学习",
                        "张某某",
                        "办公室",
                        "李某某",
                        "2023年3月底前",
                        "2023-03-31",
                        "2023年3月底前",
                    ),
                    Measure(
                        "开展专题读书班，检验学习成效",
                        "张某某",
                        "办公室",
                        "王某某",
                        "立行立改",
                        "immediate",
                        "立行立改",
                    ),
                ],
            ),
            Problem(
                "2",
                "意识形态工作责任制落实不到位",
                [
                    Measure(
                        "修订意识形态工作责任制实施办法",
                        "赵某某",
                        "宣传科",
                        "钱某某",
                        "6月底前",
                        "2023-06-30",
                        "6月底前",
                    ),
                ],
            ),
        ],
    ),
    Aspect(
        "作风建设方面",
        [
            Problem(
                "3",
                "公务接待不规范",
                [
                    Measure(
                        "修订公务接待管理制度，严格落实前置审批",
                        "孙某某",
                        "财务科、办公室",
                        "周某某、吴某某",
                        "长期坚持",
                        "ongoing",
                        "长期坚持",
                    ),
                    Measure(
                        "开展公务接待专项检查",
                        "孙某某",
                        "财务科",
                        "周某某",
                        dt.datetime(2023, 9, 30),
                        "2023-09-30",
                        "2023年9月30日",
                        'yyyy"年"m"月"d"日"',
                    ),
                ],
            ),
        ],
    ),
]

FIELDS = [
    "number",
    "aspect",
    "problem",
    "measure",
    "leader",
    "department",
    "owner",
    "deadline",
    "progress",
]
DEFAULT_HEADERS = {
    "number": "序号",
    "aspect": "问题类别",
    "problem": "存在问题",
    "measure": "整改措施",
    "leader": "责任领导",
    "department": "责任科室",
    "owner": "责任人",
    "deadline": "整改时限",
    "progress": "完成情况",
}


def expected_plan(*, aspects: bool = True, people: bool = True) -> dict[str, Any]:
    """The plan format every rendering of CANONICAL must import to; documents without a
    ledger (people=False) have no leader, department, owner or deadline."""
    result: list[dict[str, Any]] = []
    for aspect in CANONICAL:
        problems = []
        for problem in aspect.problems:
            measures = []
            for m in problem.measures:
                measures.append(
                    {
                        "text": m.text,
                        "leader": m.leader if people else None,
                        "department": m.department if people else None,
                        "owner": m.owner if people else None,
                        "deadline": m.expected_deadline if people else None,
                        "deadline_raw": m.expected_raw if people else None,
                    }
                )
            problems.append(
                {"number": problem.number, "title": problem.title, "measures": measures}
            )
        result.append({"title": aspect.title, "problems": problems})
    if not aspects:
        merged = [p for a in result for p in a["problems"]]
        result = [{"title": "未分方面", "problems": merged}]
    return {"aspects": result}


def plan_shape(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan format dict without the warnings, for comparing with expected_plan()."""
    return {"aspects": plan["aspects"]}


@dataclass
class Layout:
    """How an office laid its ledger out."""

    headers: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADERS))
    order: list[str] = field(default_factory=lambda: list(FIELDS))
    aspects_as: str = "column"  # "column" merged down, "repeated" in every row, "rows" between
    problems_as: str = "merged"  # "merged", "repeated", "first_row" (blank below, no merge)
    title_rows: list[str] = field(
        default_factory=lambda: ["某某局巡察反馈问题整改落实台账", "（截至2023年4月15日）"]
    )
    blank_rows: bool = False
    footer: str | None = "填报人：李某某　　审核人：张某某　　填报日期：2023年4月15日"
    wrap: bool = False
    numbers_per_measure: bool = False
    two_row_header: bool = False
    repeat_header_after: int | None = None


def ledger_rows(
    layout: Layout,
) -> tuple[list[list[object]], list[tuple[int, int, int, int]], dict[tuple[int, int], str]]:
    """Rows (1-based when written), merges (r1, c1, r2, c2) and number formats."""
    columns = [
        f
        for f in layout.order
        if f in layout.headers and not (f == "aspect" and layout.aspects_as == "rows")
    ]
    width = len(columns)
    col = {f: i for i, f in enumerate(columns)}
    rows: list[list[object]] = []
    merges: list[tuple[int, int, int, int]] = []
    formats: dict[tuple[int, int], str] = {}
    for title in layout.title_rows:
        rows.append([title] + [None] * (width - 1))
        merges.append((len(rows), 1, len(rows), width))
    if layout.two_row_header:
        top = [layout.headers[f] for f in columns]
        bottom: list[object] = [None] * width
        people = [f for f in ("leader", "department", "owner") if f in col]
        first = min(col[f] for f in people)
        for f in people:
            top[col[f]] = "责任主体" if col[f] == first else None
            bottom[col[f]] = layout.headers[f]
        rows.append(top)
        rows.append(bottom)
        header_row = len(rows) - 1
        for f in columns:
            if f not in people:
                merges.append((header_row, col[f] + 1, header_row + 1, col[f] + 1))
        merges.append((header_row, first + 1, header_row, first + len(people)))
    else:
        rows.append([layout.headers[f] for f in columns])
    header = list(rows[-1]) if not layout.two_row_header else None
    measure_number = 0
    for aspect in CANONICAL:
        if layout.aspects_as == "rows":
            number = "一" if aspect is CANONICAL[0] else "二"
            rows.append([f"{number}、{aspect.title}"] + [None] * (width - 1))
            merges.append((len(rows), 1, len(rows), width))
        aspect_written = False
        aspect_top = len(rows) + 1
        for problem in aspect.problems:
            if layout.blank_rows:
                rows.append([None] * width)
            problem_start = len(rows) + 1
            for index, m in enumerate(problem.measures):
                measure_number += 1
                first_row = index == 0
                values = {
                    "number": str(measure_number)
                    if layout.numbers_per_measure
                    else (
                        int(problem.number)
                        if first_row or layout.problems_as == "repeated"
                        else None
                    ),
                    "aspect": aspect.title,
                    "problem": _wrap(problem.title, layout.wrap)
                    if first_row or layout.problems_as == "repeated"
                    else None,
                    "measure": _wrap(m.text, layout.wrap),
                    "leader": m.leader,
                    "department": m.department,
                    "owner": m.owner,
                    "deadline": m.deadline,
                    "progress": "正在推进",
                }
                if layout.aspects_as == "column" and aspect_written:
                    values["aspect"] = None
                if not aspect_written:
                    aspect_top = len(rows) + 1
                aspect_written = True
                rows.append([values[f] for f in columns])
                if m.number_format and "deadline" in col:
                    formats[(len(rows), col["deadline"] + 1)] = m.number_format
                if (
                    layout.repeat_header_after is not None
                    and header is not None
                    and measure_number == layout.repeat_header_after
                ):
                    rows.append(list(header))
            end = len(rows)
            if layout.problems_as == "merged" and end > problem_start:
                for f in ("number", "problem"):
                    if f in col and not (f == "number" and layout.numbers_per_measure):
                        merges.append((problem_start, col[f] + 1, end, col[f] + 1))
        if layout.aspects_as == "column" and "aspect" in col and len(rows) > aspect_top:
            merges.append((aspect_top, col["aspect"] + 1, len(rows), col["aspect"] + 1))
    if layout.footer:
        rows.append([None] * width)
        rows.append([layout.footer] + [None] * (width - 1))
        merges.append((len(rows), 1, len(rows), width))
    return rows, merges, formats


def _wrap(text: str, wrap: bool) -> str:
    if not wrap or len(text) < 6:
        return text
    middle = len(text) // 2
    return text[:middle] + "\n" + text[middle:]


def write_sheet(sheet: Worksheet, layout: Layout) -> None:
    rows, merges, formats = ledger_rows(layout)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    for (r, c), number_format in formats.items():
        sheet.cell(r, c).number_format = number_format
    for r1, c1, r2, c2 in merges:
        sheet.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def workbook_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_xlsx(layout: Layout | None = None, sheet_name: str = "台账") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_name
    write_sheet(sheet, layout or Layout())
    return workbook_bytes(workbook)


def ledger_docx(layout: Layout | None = None, heading: str | None = "某某局巡察整改台账") -> bytes:
    """The ledger as a Word table, merged like the sheet."""
    layout = layout or Layout(title_rows=[], footer=None)
    rows, merges, _ = ledger_rows(layout)
    document = docx.Document()
    if heading:
        document.add_paragraph(heading)
        document.add_paragraph("（2023年4月）")
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                if isinstance(value, dt.datetime):
                    value = f"{value.year}年{value.month}月{value.day}日"
                table.cell(r, c).text = str(value)
    for r1, c1, r2, c2 in merges:
        table.cell(r1 - 1, c1 - 1).merge(table.cell(r2 - 1, c2 - 1))
    _clear_merged_duplicates(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _clear_merged_duplicates(table: Any) -> None:
    # python-docx joins the texts of merged cells; keep the first paragraph only, as Word does
    # when a user merges cells that were empty.
    for row in table.rows:
        for cell in row.cells:
            paragraphs = cell.paragraphs
            for paragraph in paragraphs[1:]:
                if not paragraph.text:
                    paragraph._p.getparent().remove(paragraph._p)


def docx_from_paragraphs(paragraphs: list[tuple[str, str | None]]) -> bytes:
    """A Word document from (text, style) pairs."""
    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def compound_file(stream_names: list[str]) -> bytes:
    """A minimal, well-formed OLE compound file (CFB v3) holding empty streams of these names.

    Enough for the reader's directory walk: header, one FAT sector, one directory sector.
    """
    sector_size = 512
    end_of_chain, fat_sector, free = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(sector_size)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<IIII", header, 0x3C, end_of_chain, 0, end_of_chain, 0)
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [fat_sector, end_of_chain] + [free] * 126
    fat_bytes = struct.pack("<128I", *fat)
    entries = bytearray()
    for index, (name, kind) in enumerate([("Root Entry", 5)] + [(n, 2) for n in stream_names]):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0 : len(encoded)] = encoded
        struct.pack_into("<H", entry, 0x40, len(encoded))
        entry[0x42] = kind
        entry[0x43] = 1
        struct.pack_into(
            "<III", entry, 0x44, free, free, 1 if index == 0 and stream_names else free
        )
        if 0 < index < len(stream_names):
            struct.pack_into("<I", entry, 0x48, index + 1)
        struct.pack_into("<I", entry, 0x74, end_of_chain)
        entries += entry
    directory = bytes(entries[:sector_size]).ljust(sector_size, b"\x00")
    return bytes(header) + fat_bytes + directory


CN = "一二三四五六七八九十"
OPENING = [
    "某某局关于巡察反馈问题整改情况的报告",
    "按照市委统一部署，市委第一巡察组于2023年1月对我局开展了巡察，现将整改情况报告如下。",
    "一、巡察整改工作开展情况",
    "（一）提高政治站位。局党组第一时间召开专题会议，成立整改工作领导小组。",
    "（二）压实整改责任。一是建立台账；二是明确时限。",
]
CLOSING = [
    "三、下一步工作打算",
    "一是持续巩固整改成果；二是建立长效机制，防止问题反弹。",
    "欢迎广大干部群众对整改落实情况进行监督。联系电话：0551-1234567。",
    "某某局",
    "2023年5月20日",
]


def report_lines(
    *, problem_marker: str = "({n})", aspect_marker: str = "（{cn}）", skip: int | None = None
) -> list[str]:
    """CANONICAL as a published 整改情况报告: problems and their 一是/二是 share one line."""
    lines = [*OPENING, "二、巡察反馈问题整改情况"]
    number = 0
    for index, aspect in enumerate(CANONICAL):
        lines.append(aspect_marker.format(cn=CN[index]) + aspect.title)
        for problem in aspect.problems:
            number += 1
            shown = number + 1 if skip is not None and number >= skip else number
            items = "；".join(f"{CN[i]}是{m.text}" for i, m in enumerate(problem.measures))
            lines.append(problem_marker.format(n=shown) + f"针对{problem.title}问题。{items}。")
    return lines + CLOSING


def plan_document_lines() -> list[str]:
    """CANONICAL as a 整改方案: numbered measures under 整改措施：, each with its people."""
    lines = [
        "某某局巡察反馈意见整改方案",
        "为认真落实巡察反馈意见，制定本方案。",
        "一、指导思想",
        "以习近平新时代中国特色社会主义思想为指导，坚持问题导向。",
        "二、整改任务",
    ]
    number = 0
    for index, aspect in enumerate(CANONICAL):
        lines.append(f"（{CN[index]}）{aspect.title}")
        for problem in aspect.problems:
            number += 1
            lines.append(f"{number}.{problem.title}。")
            lines.append("整改措施：")
            for item, m in enumerate(problem.measures, start=1):
                raw = m.expected_raw
                lines.append(f"（{item}）{m.text}。")
                lines.append(
                    f"责任领导：{m.leader}  责任单位：{m.department}  责任人：{m.owner}  "
                    f"完成时限：{raw}"
                )
    lines += ["三、保障措施", "（一）加强组织领导。", "某某局", "2023年4月1日"]
    return lines


def as_html(lines: list[str]) -> str:
    """The lines as a web page would carry them."""
    body = []
    for line in lines:
        line = line.replace("，", "，&nbsp;", 1)
        if line.startswith(("一、", "二、", "三、")):
            body.append(f'<p style="text-indent:2em"><strong>{line}</strong></p>')
        else:
            body.append(f'<p style="text-indent:2em"><span>{line}</span><br/></p>')
    return (
        "<html><head><title>整改情况</title><style>p{margin:0}</style>"
        "<script>var x = '<p>一是不是措施</p>';</script></head><body><div class='article'>"
        + "\n".join(body)
        + "</div></body></html>"
    )


def as_markdown(lines: list[str]) -> str:
    markdown = []
    for line in lines:
        if line.startswith(("一、", "二、", "三、")):
            markdown.append(f"## {line}")
        elif line.startswith("（") and line[1] in CN:
            markdown.append(f"### **{line}**")
        elif line.startswith("（"):
            markdown.append(f"- {line}")
        else:
            markdown.append(line)
        markdown.append("")
    return "\n".join(markdown)


def sectioned_report_lines(*, numbered_problems: bool = True) -> list[str]:
    """CANONICAL as a report whose top-level sections are the aspects themselves."""
    lines = ["某某局巡察整改落实情况通报（2023年）", "现将巡察反馈问题整改情况通报如下。"]
    number = 0
    for index, aspect in enumerate(CANONICAL):
        lines.append(f"{CN[index]}、{aspect.title}")
        for problem in aspect.problems:
            number += 1
            marker = f"（{CN[number - 1]}）" if numbered_problems else ""
            lines.append(f"{marker}针对{problem.title}的问题")
            for item, m in enumerate(problem.measures):
                lines.append(f"{CN[item]}是{m.text}。")
    lines += ["三、下一步工作", "一是加强督查；二是巩固成果。"]
    return lines

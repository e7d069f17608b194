"""The ledger as an Excel file (整改落实台账): the official-looking sheet an office hands in,
and a second sheet with every recorded change.

The sheet reads back through plan import: the title above the header names the plan, the
subtitle states the plan's year (so "6月底前" means the same June), 整改时限 keeps the plan's
own text, and the rows under the table start with 注/填报单位 so the importer skips them.
"""

from __future__ import annotations

import math
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet

from bot.services import statuses
from bot.services.exports import labels
from bot.services.exports.data import HistoryRow, LedgerSnapshot, MeasureRow

LEDGER_SHEET = "整改台账"
HISTORY_SHEET = "整改记录"
TITLE_SUFFIX = "整改落实台账"
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1

BODY_FONT = "宋体"
BODY_SIZE = 10.5
LINE_HEIGHT = 14.0  # points per wrapped line of BODY_FONT at BODY_SIZE
ROW_PADDING = 6.0
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DAY_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    header: str
    width: float
    centered: bool


# 序号 … 整改时限 and 完成情况 are words plan import recognises (措施编号 loses to 序号 and
# 整改措施); it leaves the other columns alone.
COLUMNS = (
    LedgerColumn("number", "序号", 6, True),
    LedgerColumn("aspect", "问题类别", 16, True),
    LedgerColumn("problem", "存在问题", 28, False),
    LedgerColumn("code", "措施编号", 8, True),
    LedgerColumn("measure", "整改措施", 42, False),
    LedgerColumn("leader", "责任领导", 10, True),
    LedgerColumn("department", "牵头科室", 12, True),
    LedgerColumn("owner", "责任人", 10, True),
    LedgerColumn("deadline", "整改时限", 13, True),
    LedgerColumn("extended", "延期至", 13, True),
    LedgerColumn("status", "完成情况", 12, True),
    LedgerColumn("progress", "最新进展", 36, False),
    LedgerColumn("evidence", "佐证材料（份）", 9, True),
    LedgerColumn("updated", "更新时间", 17, True),
    LedgerColumn("closed", "销号时间", 12, True),
)
COLUMN_INDEX = {column.key: index for index, column in enumerate(COLUMNS, start=1)}
HISTORY_COLUMNS = (
    LedgerColumn("at", "时间", 17, True),
    LedgerColumn("code", "措施编号", 10, True),
    LedgerColumn("person", "人员", 12, True),
    LedgerColumn("action", "操作", 14, True),
    LedgerColumn("detail", "说明", 80, False),
)

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _styles() -> dict[str, NamedStyle]:
    body = Font(name=BODY_FONT, size=BODY_SIZE)
    styles = {
        "zg_title": NamedStyle(
            "zg_title",
            font=Font(name="方正小标宋简体", size=18),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        "zg_subtitle": NamedStyle(
            "zg_subtitle",
            font=Font(name="楷体_GB2312", size=12),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        "zg_header": NamedStyle(
            "zg_header",
            font=Font(name="黑体", size=11),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            border=_BORDER,
            fill=PatternFill("solid", fgColor="D9D9D9"),
        ),
        "zg_text": NamedStyle(
            "zg_text",
            font=body,
            alignment=Alignment(horizontal="left", vertical="center", wrap_text=True),
            border=_BORDER,
        ),
        "zg_center": NamedStyle(
            "zg_center",
            font=body,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            border=_BORDER,
        ),
        "zg_note": NamedStyle(
            "zg_note",
            font=Font(name=BODY_FONT, size=BODY_SIZE),
            alignment=Alignment(horizontal="left", vertical="center", wrap_text=True),
        ),
    }
    return styles


CellSpec = tuple[Any, str, str | None]  # value, named style, number format


class _Styler:
    """Makes styled cells fast: openpyxl resolves a style name on every assignment, so the
    resolved style of the first cell is copied to the others."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.cache: dict[tuple[str, str | None], StyleArray] = {}

    def cell(self, spec: CellSpec | None) -> Cell | None:
        if spec is None:
            return None
        value, style, number_format = spec
        cell = WriteOnlyCell(self.sheet, value)
        resolved = self.cache.get((style, number_format))
        if resolved is None:
            cell.style = style
            if number_format:
                cell.number_format = number_format
            self.cache[(style, number_format)] = copy(cell._style)
        else:
            cell._style = copy(resolved)
        return cell


def _stream(
    sheet: WriteOnlyWorksheet, rows: list[list[CellSpec | None]], heights: dict[int, float]
) -> None:
    """Write the rows in order; a row's height has to be set before the row is written."""
    styler = _Styler(sheet)
    for number, row in enumerate(rows, start=1):
        if number in heights:
            sheet.row_dimensions[number].height = heights[number]
        sheet.append([styler.cell(spec) for spec in row])


def _range(first_row: int, first_column: int, last_row: int, last_column: int) -> str:
    return (
        f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{last_row}"
    )


def ledger_title(snapshot: LedgerSnapshot) -> str:
    """The plan's title + 整改落实台账, unless the title already names itself a 台账."""
    title = snapshot.plan_title.strip()
    return title if title.endswith("台账") else f"{title}{TITLE_SUFFIX}"


def ledger_subtitle(snapshot: LedgerSnapshot) -> str:
    parts = []
    year = snapshot.year_of_plan()
    if year:
        parts.append(f"方案年度：{year}年")
    if snapshot.scope == "leader" and snapshot.scope_person:
        parts.append(f"范围：{snapshot.scope_person}分管的整改措施")
    parts.append(f"整改进展截至{labels.chinese_date(snapshot.today)}")
    return "（" + "　".join(parts) + "）"


def status_cell_text(measure: MeasureRow) -> str:
    """完成情况: the status in Chinese, with progress percent and 逾期 when they apply."""
    if measure.status == statuses.CLOSED:
        return labels.status_label(measure.status)
    if measure.is_ongoing and measure.status == statuses.IN_PROGRESS:
        text = "持续推进"
    else:
        text = labels.status_label(measure.status)
    extras = []
    if measure.percent is not None:
        extras.append(f"{measure.percent}%")
    if measure.overdue:
        extras.append("已逾期")
    return text + (f"（{'，'.join(extras)}）" if extras else "")


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """openpyxl writes naive datetimes: the local wall time, minutes only."""
    if moment is None:
        return None
    return moment.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def _local_day(moment: datetime | None, tz: ZoneInfo) -> date | None:
    local = _local(moment, tz)
    return local.date() if local is not None else None


def _deadline_value(measure: MeasureRow) -> tuple[Any, str | None]:
    """整改时限 as the plan wrote it; a real date cell when only a date is known."""
    if measure.deadline_raw:
        return measure.deadline_raw, None
    if measure.deadline_kind == statuses.DEADLINE_DATE and measure.original_deadline:
        return measure.original_deadline, DATE_FORMAT
    return labels.deadline_text(measure.deadline_kind, None, None) or None, None


def _lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(labels.display_width(part) / usable)) for part in text.split("\n"))


def _height(lines: int) -> float:
    return lines * LINE_HEIGHT + ROW_PADDING


class _LedgerRows:
    """The ledger sheet as rows of cells, with merged blocks and row heights, built before
    anything is written (a streamed sheet cannot go back to merge or grow a row)."""

    def __init__(self, snapshot: LedgerSnapshot) -> None:
        self.snapshot = snapshot
        self.tz = snapshot.tz
        self.rows: list[list[CellSpec | None]] = []
        self.merged: list[str] = []
        self.lines: dict[int, int] = {}
        self.heights: dict[int, float] = {}

    def build(self) -> None:
        width = len(COLUMNS)
        self._banner(ledger_title(self.snapshot), "zg_title", 36)
        self._banner(ledger_subtitle(self.snapshot), "zg_subtitle", 22)
        self.rows.append([(c.header, "zg_header", None) for c in COLUMNS])
        self.heights[HEADER_ROW] = 32
        for aspect in self.snapshot.aspects:
            aspect_first = len(self.rows) + 1
            for problem in aspect.problems:
                problem_first = len(self.rows) + 1
                for measure in problem.measures:
                    self._measure_row(measure)
                last = len(self.rows)
                number: Any = int(problem.number) if problem.number.isdigit() else problem.number
                self._block("number", problem_first, last, number)
                self._block("problem", problem_first, last, problem.title)
            self._block("aspect", aspect_first, len(self.rows), aspect.title)
        for row, lines in self.lines.items():
            self.heights[row] = _height(lines)
        self.rows.append([None] * width)
        for text in self._notes():
            self.rows.append([(text, "zg_note", None)] + [None] * (width - 1))
            row = len(self.rows)
            self.merged.append(_range(row, 1, row, width))
            self.heights[row] = 30

    def _banner(self, text: str, style: str, height: float) -> None:
        self.rows.append([(text, style, None)] + [None] * (len(COLUMNS) - 1))
        row = len(self.rows)
        self.merged.append(_range(row, 1, row, len(COLUMNS)))
        self.heights[row] = height

    def _measure_row(self, measure: MeasureRow) -> None:
        deadline, deadline_format = _deadline_value(measure)
        latest = measure.latest_note
        values: dict[str, tuple[Any, str | None]] = {
            "number": (None, None),
            "aspect": (None, None),
            "problem": (None, None),
            "code": (measure.code, None),
            "measure": (measure.text, None),
            "leader": (measure.leader or None, None),
            "department": (measure.department or None, None),
            "owner": (measure.owner or None, None),
            "deadline": (deadline, deadline_format),
            "extended": (measure.deadline if measure.extended else None, DATE_FORMAT),
            "status": (status_cell_text(measure), None),
            "progress": (latest.text if latest else None, None),
            "evidence": (measure.evidence_count, None),
            "updated": (_local(measure.last_activity_at, self.tz), TIME_FORMAT),
            "closed": (_local_day(measure.closed_at, self.tz), DAY_FORMAT),
        }
        self.rows.append([(*values[c.key][:1], _style_of(c), values[c.key][1]) for c in COLUMNS])
        lines = 1
        for column in COLUMNS:
            text = values[column.key][0]
            if isinstance(text, str) and text:
                lines = max(lines, _lines(text, column.width))
        self.lines[len(self.rows)] = lines

    def _block(self, key: str, first: int, last: int, value: Any) -> None:
        """A value standing for several rows: written in the first, merged over them. Every
        cell of the block keeps its border, so the merged block is drawn framed."""
        column = COLUMN_INDEX[key]
        spec = self.rows[first - 1][column - 1]
        assert spec is not None
        self.rows[first - 1][column - 1] = (value, spec[1], spec[2])
        if last > first:
            self.merged.append(_range(first, column, last, column))
        needed = _lines(str(value), COLUMNS[column - 1].width)
        have = sum(self.lines.get(r, 1) for r in range(first, last + 1))
        if needed > have:
            # the merged text needs more room than its rows give: the last row grows
            self.lines[last] = self.lines.get(last, 1) + needed - have

    def _notes(self) -> tuple[str, str]:
        measures = self.snapshot.measures
        by_status = dict.fromkeys(statuses.STATUSES, 0)
        for measure in measures:
            by_status[measure.status] = by_status.get(measure.status, 0) + 1
        overdue = sum(m.overdue for m in measures)
        ongoing = sum(m.is_ongoing for m in measures)
        note = (
            f"注：本表共{len(measures)}条整改措施，已销号{by_status[statuses.CLOSED]}条，"
            f"待销号{by_status[statuses.AWAITING_SIGNOFF]}条，"
            f"推进中{by_status[statuses.IN_PROGRESS]}条，未启动{by_status[statuses.NOT_STARTED]}条；"
            f"其中长期坚持{ongoing}条，逾期未完成{overdue}条。"
            "“最新进展”为责任人最近一次报告的进展，“佐证材料”为已登记的文件份数，"
            f"历次进展见“{HISTORY_SHEET}”工作表。"
        )
        signature = (
            "填报单位（盖章）：　　　　　　　　填报人：　　　　　　　　审核人：　　　　　　　　"
            f"填报日期：{labels.chinese_date(self.snapshot.today)}"
        )
        return note, signature


def _style_of(column: LedgerColumn) -> str:
    return "zg_center" if column.centered else "zg_text"


def _ledger_sheet(sheet: WriteOnlyWorksheet, snapshot: LedgerSnapshot) -> None:
    ledger = _LedgerRows(snapshot)
    ledger.build()
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{get_column_letter(len(COLUMNS))}{len(ledger.rows)}"
    _print_setup(sheet)
    sheet.merged_cells = MultiCellRange([CellRange(r) for r in ledger.merged])
    _stream(sheet, ledger.rows, ledger.heights)


def _print_setup(sheet: WriteOnlyWorksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.HeaderFooter.oddFooter.center.text = "第 &P 页，共 &N 页"


def _history_sheet(sheet: WriteOnlyWorksheet, rows: list[HistoryRow], tz: ZoneInfo) -> None:
    for index, column in enumerate(HISTORY_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(HISTORY_COLUMNS))}{len(rows) + 1}"
    _print_setup(sheet)
    center, text = "zg_center", "zg_text"
    cells: list[list[CellSpec | None]] = [[(c.header, "zg_header", None) for c in HISTORY_COLUMNS]]
    for item in rows:
        detail = labels.detail_text(item.action, item.detail)
        cells.append(
            [
                (_local(item.at, tz), center, TIME_FORMAT),
                (item.measure_code or None, center, None),
                (item.person, center, None),
                (labels.action_label(item.action), center, None),
                (detail or None, text, None),
            ]
        )
    _stream(sheet, cells, {})


def ledger_workbook(snapshot: LedgerSnapshot) -> bytes:
    """The .xlsx file: the ledger sheet, then the full history of changes. Written as a
    stream (openpyxl's write-only mode): a big ledger is written several times faster."""
    workbook = Workbook(write_only=True)
    for style in _styles().values():
        workbook.add_named_style(style)
    _ledger_sheet(workbook.create_sheet(LEDGER_SHEET), snapshot)
    _history_sheet(workbook.create_sheet(HISTORY_SHEET), snapshot.history, snapshot.tz)
    workbook.properties.title = ledger_title(snapshot)
    workbook.properties.creator = "整改助手"
    # the file's own timestamps follow the clock, not the machine's
    naive_now = snapshot.as_of.replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = naive_now
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()

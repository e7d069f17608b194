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
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.merge import MergedCellRange
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


# The first nine headers are words plan import recognises; the others it leaves alone.
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


class _Styler:
    """Applies named styles fast: openpyxl resolves a style name on every assignment, so the
    resolved style of the first cell is copied to the others."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str | None], StyleArray] = {}

    def apply(self, cell: Cell, style: str, number_format: str | None = None) -> None:
        key = (style, number_format)
        resolved = self.cache.get(key)
        if resolved is None:
            cell.style = style
            if number_format:
                cell.number_format = number_format
            self.cache[key] = copy(cell._style)
        else:
            cell._style = copy(resolved)


def _merged(
    sheet: Worksheet, first_row: int, first_column: int, last_row: int, last_column: int
) -> MergedCellRange:
    """A merged block over cells already written and styled. Worksheet.merge_cells would
    rebuild every cell of the block and compare it with every merge so far: slow for a
    ledger of thousands of rows. The blocks are set on the sheet all at once instead."""
    return MergedCellRange(
        sheet,
        f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{last_row}",
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


class _LedgerSheet:
    def __init__(self, sheet: Worksheet, snapshot: LedgerSnapshot) -> None:
        self.sheet = sheet
        self.snapshot = snapshot
        self.tz = snapshot.tz
        self.merges: list[tuple[int, int, int]] = []  # (column, first row, last row)
        self.merged: list[MergedCellRange] = []
        self.row_lines: dict[int, int] = {}
        self.styler = _Styler()

    def write(self) -> int:
        sheet = self.sheet
        last_column = get_column_letter(len(COLUMNS))
        for index, column in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        self._banner(TITLE_ROW, ledger_title(self.snapshot), "zg_title", 36)
        self._banner(SUBTITLE_ROW, ledger_subtitle(self.snapshot), "zg_subtitle", 22)
        for index, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(HEADER_ROW, index, column.header)
            cell.style = "zg_header"
        sheet.row_dimensions[HEADER_ROW].height = 32
        row = FIRST_DATA_ROW
        for aspect in self.snapshot.aspects:
            aspect_first = row
            for problem in aspect.problems:
                problem_first = row
                for measure in problem.measures:
                    self._measure_row(row, measure)
                    row += 1
                number: Any = int(problem.number) if problem.number.isdigit() else problem.number
                self._block("number", problem_first, row - 1, number)
                self._block("problem", problem_first, row - 1, problem.title)
            self._block("aspect", aspect_first, row - 1, aspect.title)
        last_row = row - 1
        self.merged.extend(_merged(sheet, first, c, last, c) for c, first, last in self.merges)
        self._row_heights(last_row)
        self._notes(last_row + 2)
        sheet.merged_cells = MultiCellRange(self.merged)
        sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1)
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.print_area = f"A1:{last_column}{last_row + 3}"
        _print_setup(sheet)
        return last_row - FIRST_DATA_ROW + 1

    def _banner(self, row: int, text: str, style: str, height: float) -> None:
        cell = self.sheet.cell(row, 1, text)
        cell.style = style
        self.merged.append(_merged(self.sheet, row, 1, row, len(COLUMNS)))
        self.sheet.row_dimensions[row].height = height

    def _set(self, row: int, key: str, value: Any, number_format: str | None = None) -> None:
        column = COLUMN_INDEX[key]
        cell = self.sheet.cell(row, column, value)
        style = "zg_center" if COLUMNS[column - 1].centered else "zg_text"
        self.styler.apply(cell, style, number_format)

    def _measure_row(self, row: int, measure: MeasureRow) -> None:
        deadline, deadline_format = _deadline_value(measure)
        latest = measure.latest_note
        values: dict[str, Any] = {
            "code": measure.code,
            "measure": measure.text,
            "leader": measure.leader or None,
            "department": measure.department or None,
            "owner": measure.owner or None,
            "status": status_cell_text(measure),
            "progress": latest.text if latest else None,
            "evidence": measure.evidence_count,
        }
        for key, value in values.items():
            self._set(row, key, value)
        self._set(row, "deadline", deadline, deadline_format)
        self._set(row, "extended", measure.deadline if measure.extended else None, DATE_FORMAT)
        self._set(row, "updated", _local(measure.last_activity_at, self.tz), TIME_FORMAT)
        self._set(row, "closed", _local_day(measure.closed_at, self.tz), DAY_FORMAT)
        lines = 1
        for key in ("measure", "leader", "department", "owner", "status", "progress"):
            text = values[key]
            if isinstance(text, str) and text:
                lines = max(lines, _lines(text, COLUMNS[COLUMN_INDEX[key] - 1].width))
        if isinstance(deadline, str):
            lines = max(lines, _lines(deadline, COLUMNS[COLUMN_INDEX["deadline"] - 1].width))
        self.row_lines[row] = lines

    def _block(self, key: str, first: int, last: int, value: Any) -> None:
        """A value standing for several rows: written once, merged over them, every cell
        styled so the borders of the merged block are drawn."""
        self._set(first, key, value)
        for row in range(first + 1, last + 1):
            self._set(row, key, None)
        column = COLUMN_INDEX[key]
        if last > first:
            self.merges.append((column, first, last))
        needed = _lines(str(value), COLUMNS[column - 1].width)
        have = sum(self.row_lines.get(r, 1) for r in range(first, last + 1))
        if needed > have:
            # the merged text needs more room than its rows give: the last row grows
            self.row_lines[last] = self.row_lines.get(last, 1) + needed - have

    def _row_heights(self, last_row: int) -> None:
        for row in range(FIRST_DATA_ROW, last_row + 1):
            self.sheet.row_dimensions[row].height = _height(self.row_lines.get(row, 1))

    def _notes(self, row: int) -> None:
        measures = self.snapshot.measures
        by_status = {s: 0 for s in statuses.STATUSES}
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
        for offset, text in enumerate((note, signature)):
            cell = self.sheet.cell(row + offset, 1, text)
            cell.style = "zg_note"
            self.merged.append(_merged(self.sheet, row + offset, 1, row + offset, len(COLUMNS)))
            self.sheet.row_dimensions[row + offset].height = 30


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _history_sheet(sheet: Worksheet, rows: list[HistoryRow], tz: ZoneInfo) -> None:
    for index, column in enumerate(HISTORY_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.cell(1, index, column.header).style = "zg_header"
    styler = _Styler()
    styles = [
        ("zg_center" if c.centered else "zg_text", TIME_FORMAT if c.key == "at" else None)
        for c in HISTORY_COLUMNS
    ]
    for offset, item in enumerate(rows, start=2):
        values = (
            _local(item.at, tz),
            item.measure_code or None,
            item.person,
            labels.action_label(item.action),
            labels.detail_text(item.action, item.detail) or None,
        )
        for index, value in enumerate(values, start=1):
            styler.apply(sheet.cell(offset, index, value), *styles[index - 1])
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(HISTORY_COLUMNS))}{len(rows) + 1}"
    _print_setup(sheet)


def ledger_workbook(snapshot: LedgerSnapshot) -> bytes:
    """The .xlsx file: the ledger sheet, then the full history of changes."""
    workbook = Workbook()
    for style in _styles().values():
        workbook.add_named_style(style)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = LEDGER_SHEET
    _LedgerSheet(sheet, snapshot).write()
    _history_sheet(workbook.create_sheet(HISTORY_SHEET), snapshot.history, snapshot.tz)
    workbook.properties.title = ledger_title(snapshot)
    workbook.properties.creator = "整改助手"
    # the file's own timestamps follow the clock, not the machine's
    naive_now = snapshot.as_of.replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = naive_now
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()

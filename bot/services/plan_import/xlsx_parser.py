"""Excel ledgers (.xlsx): pick the sheet that is the ledger and read it."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from io import BytesIO

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.excel_dates import render_date
from bot.services.plan_import.grid import EMPTY_CELL, EXCEL_ERRORS, Grid, GridCell, Position
from bot.services.plan_import.headers import HeaderMatch, find_header
from bot.services.plan_import.ledger_plan import ledger_plan
from bot.services.plan_import.model import Doubt, ParsedPlan

# Ledgers are narrow; a sheet "used" to column XFD by formatting is not read that far.
_MAX_COLUMNS = 60
# Elements may carry a namespace prefix (<x:mergeCell>) when written by other programs.
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+\d+:[A-Za-z]+\d+)"')
_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Za-z]+\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.DOTALL
)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>[^<]")


def parse_xlsx(data: bytes, source_name: str, year: int | None) -> ParsedPlan:
    """Read the ledger sheet of a workbook (the sheet whose header looks most like a ledger)."""
    with warnings.catch_warnings():
        # openpyxl warns about every Excel feature it skips (data validation, slicers…)
        warnings.simplefilter("ignore")
        grids = _sheet_grids(data)
    filled = [grid for grid in grids if grid.rows]
    if not filled:
        raise PlanImportError("empty", "表格是空的，没有任何内容。", "The workbook is empty.")
    best: tuple[Grid, HeaderMatch] | None = None
    for grid in filled:
        header = find_header(grid)
        if header and (best is None or header.score > best[1].score):
            best = (grid, header)
    if best is None:
        names = "、".join(f"“{g.name}”" for g in filled)
        raise PlanImportError(
            "no_header",
            f"在工作表{names}中没有找到台账表头（如“存在问题”“整改措施”“责任领导”“整改时限”）。",
            "No ledger header (问题/整改措施/责任领导/整改时限…) was found in any sheet.",
        )
    grid, header = best
    doubts: list[Doubt] = []
    if len(filled) > 1:
        doubts.append(
            Doubt(
                "sheet",
                grid.name,
                f"工作簿共有{len(filled)}个工作表，已读取台账所在的“{grid.name}”",
            )
        )
    return ledger_plan([(grid, header, None)], source_name, year, doubts)


def _sheet_grids(data: bytes) -> list[Grid]:
    # read_only is twice as fast on big ledgers; merges and formulas without a saved value
    # are then read from each sheet's XML directly.
    workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return [
                sheet_grid(sheet, archive.read(sheet._worksheet_path))
                for sheet in workbook.worksheets
                if isinstance(sheet, ReadOnlyWorksheet)
            ]
    finally:
        workbook.close()


def sheet_grid(sheet: ReadOnlyWorksheet, xml: bytes) -> Grid:
    """A worksheet as a grid: merged cells carry their value; dates keep how they look."""
    # the <dimension> a program wrote may be wrong; read every row there is
    sheet.reset_dimensions()
    rows: list[list[GridCell]] = []
    notes: dict[Position, str] = {}
    for r, row in enumerate(sheet.iter_rows(max_col=_MAX_COLUMNS)):
        cells: list[GridCell] = []
        for c, cell in enumerate(row):
            value = cell.value
            if isinstance(value, dt.datetime | dt.date):
                cells.append(GridCell(value, shown=render_date(value, cell.number_format)))
            elif value is None or value == "":
                cells.append(EMPTY_CELL)
            else:
                if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
                    notes[(r, c)] = f"{get_column_letter(c + 1)}列的公式出错（{value.strip()}）"
                cells.append(GridCell(value))
        while cells and cells[-1] is EMPTY_CELL:
            cells.pop()
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    _apply_merges(_merged_ranges(xml), rows)
    notes.update(_formulas_without_values(xml, rows))
    return Grid(sheet.title, rows, cell_notes=notes)


def _merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column), 0-based, of each merge."""
    ranges = []
    for found in _MERGE.finditer(xml):
        bounds = range_boundaries(found[1].decode("ascii"))
        min_col, min_row, max_col, max_row = (b or 1 for b in bounds)
        ranges.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
    return ranges


def _apply_merges(ranges: list[tuple[int, int, int, int]], rows: list[list[GridCell]]) -> None:
    for top, left, bottom, right in ranges:
        if top >= len(rows):
            continue
        source = rows[top][left] if left < len(rows[top]) else EMPTY_CELL
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            cells = rows[r]
            if len(cells) <= min(right, _MAX_COLUMNS - 1):
                cells.extend([EMPTY_CELL] * (min(right, _MAX_COLUMNS - 1) + 1 - len(cells)))
            for c in range(left, min(right, _MAX_COLUMNS - 1) + 1):
                cells[c] = GridCell(source.value, (top, left), source.shown)


def _formulas_without_values(xml: bytes, rows: list[list[GridCell]]) -> dict[Position, str]:
    # data_only gives the value Excel saved with a formula; a file written by a program that
    # never calculated it has none, and the cell would silently read as empty.
    if b"<f" not in xml and b":f" not in xml:
        return {}
    notes: dict[Position, str] = {}
    for found in _CELL.finditer(xml):
        content = found[2] or b""
        if _FORMULA.search(content) is None or _VALUE.search(content) is not None:
            continue
        column, row = coordinate_to_tuple(found[1].decode("ascii"))[::-1]
        if row - 1 < len(rows):
            notes[(row - 1, column - 1)] = (
                f"{get_column_letter(column)}列是公式，但文件中没有保存计算结果，按空白处理"
                "（请用Excel打开并保存后重新导入）"
            )
    return notes

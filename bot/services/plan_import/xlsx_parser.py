"""Excel ledgers (.xlsx): pick the sheet that is the ledger and read it."""

from __future__ import annotations

import datetime as dt
import zipfile
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.excel_dates import render_date
from bot.services.plan_import.grid import Grid, GridCell
from bot.services.plan_import.headers import HeaderMatch, find_header
from bot.services.plan_import.ledger_plan import ledger_plan
from bot.services.plan_import.model import Doubt, ParsedPlan

# Ledgers are narrow; a sheet "used" to column XFD by formatting is not read that far.
_MAX_COLUMNS = 60
_EXCEL_ERRORS = {"#REF!", "#VALUE!", "#N/A", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!"}


def parse_xlsx(data: bytes, source_name: str, year: int | None) -> ParsedPlan:
    """Read the ledger sheet of a workbook (the sheet whose header looks most like a ledger)."""
    workbook = openpyxl.load_workbook(BytesIO(data), data_only=True, read_only=False)
    grids = [sheet_grid(sheet) for sheet in workbook.worksheets]
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
    if _has_formulas(data):
        _note_formulas_without_values(data, grid)
    return ledger_plan([(grid, header, None)], source_name, year, doubts)


def sheet_grid(sheet: Worksheet) -> Grid:
    """A worksheet as a grid: merged cells carry their value; dates keep how they look."""
    rows: list[list[GridCell]] = []
    notes: dict[tuple[int, int], str] = {}
    width = min(sheet.max_column or 0, _MAX_COLUMNS)
    for r, values in enumerate(sheet.iter_rows(max_col=width, values_only=True)):
        cells: list[GridCell] = []
        for c, value in enumerate(values):
            if isinstance(value, dt.datetime | dt.date):
                shown = render_date(value, sheet.cell(r + 1, c + 1).number_format)
                cells.append(GridCell(value, shown=shown))
            elif value is None or value == "":
                cells.append(GridCell())
            else:
                if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
                    notes[(r, c)] = f"{get_column_letter(c + 1)}列的公式出错（{value.strip()}）"
                cells.append(GridCell(value))
        rows.append(cells)
    _apply_merges(sheet, rows)
    while rows and all(cell.value is None for cell in rows[-1]):
        rows.pop()
    return Grid(sheet.title, rows, cell_notes=notes)


def _apply_merges(sheet: Worksheet, rows: list[list[GridCell]]) -> None:
    for merged in sheet.merged_cells.ranges:
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(rows) or left >= len(rows[top]):
            continue
        source = rows[top][left]
        for r in range(top, min(merged.max_row, len(rows))):
            cells = rows[r]
            for c in range(left, min(merged.max_col, len(cells))):
                cells[c] = GridCell(source.value, (top, left), source.shown)


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                content = archive.read(name)
                if b"<f>" in content or b"<f " in content:
                    return True
    return False


def _note_formulas_without_values(data: bytes, grid: Grid) -> None:
    # data_only gives the value Excel saved with a formula; a file written by a program that
    # never calculated it has none, and the cell would silently read as empty.
    workbook = openpyxl.load_workbook(BytesIO(data), data_only=False, read_only=False)
    sheet = workbook[grid.name]
    for r, cells in enumerate(grid.rows):
        for c, cell in enumerate(cells):
            if cell.value is not None or cell.origin not in (None, (r, c)):
                continue
            formula: Any = sheet.cell(r + 1, c + 1).value
            if (isinstance(formula, str) and formula.startswith("=")) or (
                formula is not None and type(formula).__name__ == "ArrayFormula"
            ):
                grid.cell_notes[(r, c)] = (
                    f"{get_column_letter(c + 1)}列是公式，但文件中没有保存计算结果，按空白处理"
                    "（请用Excel打开并保存后重新导入）"
                )

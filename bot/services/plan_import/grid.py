"""A table as the ledger reader sees it, whether it came from a sheet or a Word table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

Position = tuple[int, int]
# what a formula that failed shows; as a value it means "nothing usable here"
EXCEL_ERRORS = frozenset({"#REF!", "#VALUE!", "#N/A", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!"})


@dataclass(frozen=True, slots=True)
class GridCell:
    """A cell; a cell covered by a merge carries the merge's value and the merge's origin."""

    value: object = None
    origin: Position | None = None
    # a date cell's text as the sheet displays it
    shown: str | None = None


EMPTY_CELL = GridCell()


@dataclass
class Grid:
    """Rows of cells, 0-based; `row_offset` turns an index into the row number people see."""

    name: str
    rows: list[list[GridCell]]
    location_prefix: str = ""
    row_offset: int = 1
    # doubts found while reading the file, keyed by row index (formulas without a value…)
    cell_notes: dict[Position, str] = field(default_factory=dict)

    def cell(self, row: int, column: int) -> GridCell:
        cells = self.rows[row]
        return cells[column] if column < len(cells) else EMPTY_CELL

    def location(self, row: int) -> str:
        return f"{self.location_prefix}第{row + self.row_offset}行"

    def origin(self, row: int, column: int) -> Position:
        return self.cell(row, column).origin or (row, column)

    @property
    def width(self) -> int:
        return max((len(cells) for cells in self.rows), default=0)

    def extend(self, other: Grid) -> None:
        """Append another table's rows: a table split in two by a page break."""
        shift = len(self.rows)
        for cells in other.rows:
            self.rows.append(
                [
                    GridCell(cell.value, (cell.origin[0] + shift, cell.origin[1]), cell.shown)
                    if cell.origin is not None
                    else cell
                    for cell in cells
                ]
            )
        for (row, column), note in other.cell_notes.items():
            self.cell_notes[(row + shift, column)] = note


def cell_text(value: object) -> str:
    """A cell's value as text, the way the office typed it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "" if value.strip() in EXCEL_ERRORS else value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()

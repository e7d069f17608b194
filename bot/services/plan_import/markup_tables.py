"""Ledgers inside text: HTML tables (web pages, and the ".xls" files some systems export as
HTML) and markdown tables."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.services.plan_import.grid import Grid, GridCell, Position
from bot.services.plan_import.markup import clean_spaces

_MARKDOWN_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MARKDOWN_RULE = re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$")
_MAX_SPAN = 1000

_RawCell = tuple[str, int, int]


class _TableCollector(HTMLParser):
    """Collects every table's rows of (text, rowspan, colspan); nested tables stand alone."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[_RawCell]]] = []
        self._stack: list[list[list[_RawCell]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._cells_stack: list[tuple[list[str] | None, tuple[int, int]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._cells_stack.append((self._cell, self._span))
            self._cell = None
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            self._close_cell()
            if not self._stack[-1]:
                self._stack[-1].append([])
            values = dict(attrs)
            self._span = (_span(values.get("rowspan")), _span(values.get("colspan")))
            self._cell = []
        elif tag in ("br", "p", "div", "li") and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th", "tr"):
            self._close_cell()
        elif tag == "table" and self._stack:
            self._close_cell()
            self.tables.append(self._stack.pop())
            self._cell, self._span = self._cells_stack.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is not None and self._stack and self._stack[-1]:
            text = clean_spaces("".join(self._cell))
            self._stack[-1][-1].append((text, *self._span))
        self._cell = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), _MAX_SPAN))
    except ValueError:
        return 1


def html_table_grids(text: str) -> list[Grid]:
    collector = _TableCollector()
    collector.feed(text)
    collector.close()
    return [
        _grid(rows, f"表格{index}")
        for index, rows in enumerate(collector.tables, start=1)
        if any(rows)
    ]


def _grid(rows: list[list[_RawCell]], name: str) -> Grid:
    """Lay cells out the way a browser does: rowspan/colspan cells occupy the slots below and
    to the right, and become merges."""
    grid: dict[Position, GridCell] = {}
    for r, cells in enumerate(rows):
        column = 0
        for text, rowspan, colspan in cells:
            while (r, column) in grid:
                column += 1
            merged = rowspan > 1 or colspan > 1
            cell = GridCell(text or None, (r, column) if merged else None)
            for dr in range(min(rowspan, len(rows) - r)):
                for dc in range(colspan):
                    grid[(r + dr, column + dc)] = cell
            column += colspan
    width = max((c for _, c in grid), default=-1) + 1
    table = [[grid.get((r, c), GridCell()) for c in range(width)] for r in range(len(rows))]
    return Grid(name, table, location_prefix=name)


def markdown_table_grids(text: str) -> list[Grid]:
    tables: list[list[list[GridCell]]] = []
    current: list[list[GridCell]] = []
    for line in [*text.splitlines(), ""]:
        if _MARKDOWN_ROW.match(line):
            if not _MARKDOWN_RULE.match(line):
                cells = line.strip().strip("|").split("|")
                current.append(
                    [GridCell(clean_spaces(c.replace("<br>", "\n")) or None) for c in cells]
                )
        elif current:
            tables.append(current)
            current = []
    return [
        Grid(f"表格{index}", rows, location_prefix=f"表格{index}")
        for index, rows in enumerate(tables, start=1)
    ]

"""Ledgers exported as CSV (comma, tab or semicolon separated)."""

from __future__ import annotations

import csv
import io

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.grid import Grid, GridCell
from bot.services.plan_import.headers import find_header
from bot.services.plan_import.ledger_plan import ledger_plan
from bot.services.plan_import.model import ParsedPlan
from bot.services.plan_import.text_parser import decode_text


def parse_csv(data: bytes, source_name: str, year: int | None) -> ParsedPlan:
    text = decode_text(data)
    sample = text[:4096]
    delimiter = max(",\t;", key=sample.count)
    rows = [
        [GridCell(value.strip() or None) for value in row]
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]
    while rows and all(cell.value is None for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise PlanImportError("empty", "文件是空的，没有任何内容。", "The file is empty.")
    grid = Grid(source_name, rows)
    header = find_header(grid)
    if header is None:
        raise PlanImportError(
            "no_header",
            "没有找到台账表头（如“存在问题”“整改措施”“责任领导”“整改时限”）。",
            "No ledger header (问题/整改措施/责任领导/整改时限…) was found.",
        )
    return ledger_plan([(grid, header, None)], source_name, year, [])

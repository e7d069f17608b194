"""A plan from one or more ledger tables: title, plan year, aspects, doubts."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from bot.services.plan_import.deadlines import normalise_deadline
from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.grid import Grid, Position, cell_text
from bot.services.plan_import.headers import Column, HeaderMatch
from bot.services.plan_import.ledger_table import LedgerReader
from bot.services.plan_import.markup import join_wrapped
from bot.services.plan_import.model import Doubt, ParsedPlan, PlanAspect

LedgerTable = tuple[Grid, HeaderMatch, str | None]
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(20\d{2})\s*年")


def ledger_plan(
    tables: list[LedgerTable],
    source_name: str,
    year: int | None,
    doubts: list[Doubt],
    title: str | None = None,
    title_texts: list[str] | None = None,
) -> ParsedPlan:
    """Read ledger tables (each with the aspect that heads it, if any) into one plan.

    The plan year comes from the title or subtitle ("2022年"), else from the deadlines that
    state a year, else from `year`; dates without a year ("6月底前") belong to it.
    """
    first_grid, first_header, _ = tables[0]
    sheet_title, texts = _title_above(first_grid, first_header)
    title = title or sheet_title
    texts = (title_texts or []) + texts
    plan_year = _year_from_texts(texts)
    if plan_year is None:
        plan_year = next(
            (y for grid, header, _ in tables if (y := _year_from_deadlines(grid, header))), None
        )
    plan_year = plan_year or year
    aspects: list[PlanAspect] = []
    for grid, header, first_aspect in tables:
        table_aspects, table_doubts = LedgerReader(grid, header, plan_year).read(first_aspect)
        doubts.extend(table_doubts)
        for aspect in table_aspects:
            if aspects and aspects[-1].title == aspect.title:
                # a table continued after a page break or a second table under one aspect
                aspects[-1] = PlanAspect(aspect.title, aspects[-1].problems + aspect.problems)
            else:
                aspects.append(aspect)
    if not aspects:
        raise_empty_ledger(first_grid)
    if plan_year is None and any(
        m.deadline.kind != "none" for a in aspects for p in a.problems for m in p.measures
    ):
        message = "未能确定方案年份，没有年份的时限（如“6月底前”）无法换算"
        doubts.append(Doubt("year", None, message))
    return ParsedPlan.build(aspects, doubts, title, plan_year, source_name)


def raise_empty_ledger(grid: Grid) -> None:
    raise PlanImportError(
        "empty",
        f"“{grid.name}”有表头，但表头下面没有任何问题或整改措施。",
        f"“{grid.name}” has a ledger header but no problems or measures under it.",
    )


def _title_above(grid: Grid, header: HeaderMatch) -> tuple[str | None, list[str]]:
    """The sheet's title (first text above the header) and every text above the header."""
    texts: list[str] = []
    for row in range(header.row):
        seen: set[Position] = set()
        for column in range(len(grid.rows[row])):
            origin = grid.origin(row, column)
            text = join_wrapped(cell_text(grid.cell(row, column).value))
            if text and origin not in seen and text not in header.labels.values():
                texts.append(text)
            seen.add(origin)
    return (texts[0] if texts else None), texts


def _year_from_texts(texts: list[str]) -> int | None:
    for text in texts:
        found = _YEAR_IN_TEXT.search(text)
        if found:
            return int(found[1])
    return None


def _year_from_deadlines(grid: Grid, header: HeaderMatch) -> int | None:
    """The most common year among the deadlines that state one."""
    column = header.columns.get(Column.DEADLINE)
    if column is None:
        return None
    years: Counter[int] = Counter()
    for row in range(header.row + 1, len(grid.rows)):
        value = grid.cell(row, column).value
        if isinstance(value, dt.date):
            years[value.year] += 1
        elif isinstance(value, str):
            found = normalise_deadline(value, None)
            if found.kind == "date" and found.date is not None:
                years[found.date.year] += 1
    return years.most_common(1)[0][0] if years else None

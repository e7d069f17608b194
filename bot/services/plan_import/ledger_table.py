"""Reading a ledger table (整改台账): one row per measure, problems merged over their rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.services.plan_import.deadlines import Deadline, normalise_deadline
from bot.services.plan_import.grid import Grid, Position, cell_text
from bot.services.plan_import.headers import Column, HeaderMatch, normalise_label
from bot.services.plan_import.markup import clean_spaces, join_wrapped
from bot.services.plan_import.model import (
    NO_ASPECT_TITLE,
    Doubt,
    PlanAspect,
    PlanMeasure,
    PlanProblem,
)
from bot.services.plan_import.numerals import chinese_to_int
from bot.services.plan_import.outline_markers import match_marker

_FOOTER = re.compile(
    r"^(?:填报人|填表人|审核人|制表人|制表|联系人|联系电话|填报单位|填报日期|单位负责人|负责人签字"
    r"|主要负责人|分管领导签字|注[:：]|备注[:：]|说明[:：]|附[:：]|单位[(（]盖章)|[(（]盖章[)）]"
)
_ASPECT_WORDS = re.compile(r"方面|领域|板块")
_DETAILS = {
    Column.LEADER: "责任领导",
    Column.DEPARTMENT: "牵头科室",
    Column.OWNER: "责任人",
    Column.DEADLINE: "整改时限",
}
_MAX_LISTED_ROWS = 8


@dataclass
class _ProblemRows:
    title: str
    origin: Position
    number_cells: list[str]
    text_number: str | None
    rows: list[int] = field(default_factory=list)
    measures: list[PlanMeasure] = field(default_factory=list)


@dataclass
class _AspectRows:
    title: str
    problems: list[_ProblemRows] = field(default_factory=list)


class LedgerReader:
    """Walks the rows under a header; aspects may come from a column or from rows between."""

    def __init__(self, grid: Grid, header: HeaderMatch, plan_year: int | None) -> None:
        self.grid = grid
        self.header = header
        self.columns = header.columns
        self.plan_year = plan_year
        self.doubts: list[Doubt] = []
        self.aspects: list[_AspectRows] = []
        self.problem: _ProblemRows | None = None
        self.missing: dict[Column, list[int]] = {c: [] for c in _DETAILS}
        self.header_texts = {normalise_label(t) for t in header.labels.values()}
        self.numbers_per_measure = False

    def read(self, first_aspect: str | None = None) -> tuple[list[PlanAspect], list[Doubt]]:
        if first_aspect:
            self.aspects.append(_AspectRows(first_aspect))
        self.numbers_per_measure = self._numbers_per_measure()
        for row in range(self.header.row + 1, len(self.grid.rows)):
            self._row(row)
        self._report_missing()
        for position, note in sorted(self.grid.cell_notes.items()):
            if position[0] > self.header.row:
                self.doubts.append(Doubt("formula", self.grid.location(position[0]), note))
        return self._finish(), self.doubts

    def _numbers_per_measure(self) -> bool:
        """Whether 序号 counts measures rather than problems: two rows of one problem (merged or
        repeated) with different numbers of their own."""
        problem = self.columns.get(Column.PROBLEM)
        number = self.columns.get(Column.NUMBER)
        if problem is None or number is None:
            return False
        previous: tuple[object, str, Position, str] | None = None
        for row in range(self.header.row + 1, len(self.grid.rows)):
            title = self.text(row, Column.PROBLEM)
            value = self.text(row, Column.NUMBER)
            if not title or not value:
                continue
            key = (self.grid.origin(row, problem), title, self.grid.origin(row, number), value)
            if previous is not None:
                same_problem = key[0] == previous[0] or key[1] == previous[1]
                if same_problem and key[2] != previous[2] and key[3] != previous[3]:
                    return True
            previous = key
        return False

    def text(self, row: int, column: Column) -> str:
        """The field's text in this row; a merge coming from another column (a title or
        signature line across the table) is not the field's value."""
        index = self.columns.get(column)
        if index is None or self.grid.origin(row, index)[1] != index:
            return ""
        return cell_text(self.grid.cell(row, index).value)

    def _row(self, row: int) -> None:
        texts = self._distinct_texts(row)
        if not texts or self._is_repeated_header(texts):
            return
        if len(texts) == 1 and self._spans_fields(row):
            # one text merged across the table: an aspect heading, a signature, a note
            self._heading_row(row, texts)
            return
        measure = self.text(row, Column.MEASURE) if Column.MEASURE in self.columns else ""
        details = any(self._own_text(row, c) for c in _DETAILS)
        if not measure and not details and self._heading_row(row, texts):
            return
        aspect = join_wrapped(self.text(row, Column.ASPECT))
        if aspect:
            self._aspect(_strip_marker(aspect))
        if Column.MEASURE not in self.columns:
            # a list of problems only: each problem is its own single measure
            measure = self.text(row, Column.PROBLEM)
        if not measure and not self.text(row, Column.PROBLEM):
            if details:
                self.doubts.append(
                    Doubt(
                        "skipped_row",
                        self.grid.location(row),
                        "有责任人或时限但没有整改措施，已跳过",
                    )
                )
            return
        self._problem(row, measure)
        assert self.problem is not None
        if not self.problem.rows or measure:
            self.problem.rows.append(row)
        if measure:
            self.problem.measures.append(self._measure(row, measure))

    def _distinct_texts(self, row: int) -> list[str]:
        texts: list[str] = []
        seen: set[Position] = set()
        for column in range(len(self.grid.rows[row])):
            origin = self.grid.origin(row, column)
            if origin in seen:
                continue
            seen.add(origin)
            text = cell_text(self.grid.cell(row, column).value)
            if text:
                texts.append(text)
        return texts

    def _spans_fields(self, row: int) -> bool:
        filled = [c for c in self.columns.values() if cell_text(self.grid.cell(row, c).value)]
        return len(filled) >= 2

    def _own_text(self, row: int, column: Column) -> str:
        """Text of a cell that starts in this row (not carried down by a merge from above)."""
        index = self.columns.get(column)
        if index is None or self.grid.origin(row, index)[0] < row:
            return ""
        return self.text(row, column)

    def _is_repeated_header(self, texts: list[str]) -> bool:
        # headers repeated by page breaks in the middle of the table
        matches = sum(normalise_label(t) in self.header_texts for t in texts)
        return matches >= max(2, len(texts) // 2 + 1)

    def _heading_row(self, row: int, texts: list[str]) -> bool:
        """A row without a measure: an aspect heading, a footer, or noise. True when handled."""
        if len(texts) > 2:
            return False
        joined = join_wrapped("".join(texts))
        if _FOOTER.match(joined):
            return True
        number = self.text(row, Column.NUMBER)
        numbered_aspect = bool(number) and chinese_to_int(number.strip("、.()（） ")) is not None
        marker = match_marker(joined)
        marked_aspect = marker is not None and marker.kind in ("cn_dun", "cn_paren")
        if len(texts) == 2 and not (numbered_aspect or marked_aspect):
            return False
        if len(texts) == 1 and not (numbered_aspect or marked_aspect):
            column = self._lone_column(row)
            spans = column is None
            worded = bool(_ASPECT_WORDS.search(joined[-8:]))
            if (
                not spans
                and not worded
                and column in (self.columns.get(Column.PROBLEM), self.columns.get(Column.ASPECT))
            ):
                return False
            if not (spans or worded or Column.ASPECT not in self.columns):
                self.doubts.append(
                    Doubt(
                        "skipped_row",
                        self.grid.location(row),
                        f"无法识别的内容“{_short(joined)}”，已跳过",
                    )
                )
                return True
        title = joined[len(number) :] if numbered_aspect and joined.startswith(number) else joined
        self._aspect(_strip_marker(title.lstrip("、.，, ")))
        return True

    def _lone_column(self, row: int) -> int | None:
        """The column of the row's only text; None when it is merged across columns."""
        columns = [
            c for c in range(len(self.grid.rows[row])) if cell_text(self.grid.cell(row, c).value)
        ]
        return columns[0] if len(columns) == 1 else None

    def _aspect(self, title: str) -> None:
        if not self.aspects or self.aspects[-1].title != title:
            self.aspects.append(_AspectRows(title))
            self.problem = None

    def _problem(self, row: int, measure: str) -> None:
        index = self.columns.get(Column.PROBLEM)
        title = join_wrapped(self.text(row, Column.PROBLEM))
        number = self.text(row, Column.NUMBER)
        current = self.problem
        if index is not None:
            origin = self.grid.origin(row, index)
            starts = current is None or (
                bool(title)
                and origin != current.origin
                and not (
                    title == current.title
                    and (self.numbers_per_measure or number in ("", *current.number_cells))
                )
            )
        elif Column.NUMBER in self.columns:
            # no problem column: the 序号 groups the measures
            origin = self.grid.origin(row, self.columns[Column.NUMBER])
            starts = current is None or (bool(number) and origin != current.origin)
        else:
            origin, starts = (row, 0), True
        if not starts and current is not None:
            current.number_cells.append(number)
            return
        if not title and index is None:
            title = join_wrapped(measure)
        if not title:
            self.doubts.append(
                Doubt(
                    "no_problem", self.grid.location(row), "整改措施前没有问题，已单列为一个问题"
                )
            )
            title = join_wrapped(measure) or "（未填写问题）"
        marker = match_marker(title)
        if marker is not None and marker.rest:
            title, text_number = marker.rest, marker.number
        else:
            text_number = None
        if not self.aspects:
            self.aspects.append(_AspectRows(NO_ASPECT_TITLE))
        self.problem = _ProblemRows(title, origin, [number], text_number)
        self.aspects[-1].problems.append(self.problem)

    def _measure(self, row: int, text: str) -> PlanMeasure:
        for column in _DETAILS:
            if column in self.columns and not self.text(row, column):
                self.missing[column].append(row)
        return PlanMeasure(
            text=join_wrapped(text),
            leader=self._names(row, Column.LEADER),
            department=self._names(row, Column.DEPARTMENT),
            owner=self._names(row, Column.OWNER),
            deadline=self._deadline(row),
            progress=clean_spaces(self.text(row, Column.PROGRESS)) or None,
        )

    def _names(self, row: int, column: Column) -> str | None:
        return clean_spaces(self.text(row, column)) or None

    def _deadline(self, row: int) -> Deadline:
        index = self.columns.get(Column.DEADLINE)
        if index is None:
            return Deadline("none")
        cell = self.grid.cell(row, index)
        value = cell.value
        if isinstance(value, dt.date):
            deadline = normalise_deadline(value, self.plan_year, shown=cell.shown)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            deadline = self._serial_deadline(value)
        else:
            deadline = normalise_deadline(clean_spaces(cell_text(value)) or None, self.plan_year)
        if deadline.note:
            self.doubts.append(Doubt("deadline", self.grid.location(row), deadline.note))
        return deadline

    def _serial_deadline(self, value: float) -> Deadline:
        # A date typed into a cell formatted as a number shows as its Excel serial (44742).
        if 20000 <= value <= 80000:
            day = dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
            return Deadline(
                "date",
                day,
                cell_text(value),
                note=f"整改时限“{cell_text(value)}”按Excel日期{day.isoformat()}理解",
            )
        return normalise_deadline(cell_text(value), self.plan_year)

    def _report_missing(self) -> None:
        for column, rows in self.missing.items():
            if not rows:
                continue
            listed = "、".join(str(r + self.grid.row_offset) for r in rows[:_MAX_LISTED_ROWS])
            more = f"等{len(rows)}行" if len(rows) > _MAX_LISTED_ROWS else ""
            self.doubts.append(
                Doubt(
                    "missing_field",
                    self.grid.name or None,
                    f"第{listed}行{more}没有填写{_DETAILS[column]}",
                )
            )

    def _finish(self) -> list[PlanAspect]:
        numbers_per_measure = self.numbers_per_measure or any(
            len({n for n in p.number_cells if n}) > 1 for a in self.aspects for p in a.problems
        )
        aspects: list[PlanAspect] = []
        ordinal = 0
        for aspect in self.aspects:
            problems: list[PlanProblem] = []
            for problem in aspect.problems:
                ordinal += 1
                if not problem.measures:
                    self.doubts.append(
                        Doubt(
                            "no_measures",
                            self.grid.location(problem.rows[0]) if problem.rows else None,
                            f"问题“{_short(problem.title)}”没有整改措施",
                        )
                    )
                number = _problem_number(problem, numbers_per_measure) or str(ordinal)
                problems.append(PlanProblem(number, problem.title, problem.measures))
            if problems:
                aspects.append(PlanAspect(aspect.title, problems))
        if any(a.title == NO_ASPECT_TITLE for a in aspects):
            self.doubts.append(
                Doubt(
                    "no_aspects",
                    self.grid.name or None,
                    f"未找到方面（问题类别），相关问题归入“{NO_ASPECT_TITLE}”",
                )
            )
        return aspects


def _problem_number(problem: _ProblemRows, numbers_per_measure: bool) -> str | None:
    cells = [n for n in problem.number_cells if n]
    if cells and not numbers_per_measure:
        return cells[0]
    if numbers_per_measure and len(cells) > 1:
        # measure numbers 3.1, 3.2 … name their problem 3
        heads = {re.split(r"[.\-—－．]", n)[0] for n in cells}
        if len(heads) == 1 and all(re.search(r"[.\-—－．]", n) for n in cells):
            return heads.pop()
    return problem.text_number


def _strip_marker(text: str) -> str:
    marker = match_marker(text)
    return marker.rest if marker is not None and marker.rest else text


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

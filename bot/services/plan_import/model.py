"""A parsed plan: aspects (方面) → problems (问题) → measures (整改措施), and the plan format.

The plan format is the JSON of `zhenggai import FILE --dry-run --json` and of the product's own
plan files:
{"aspects": [{"title", "problems": [{"number", "title", "measures": [{"text", "leader",
"department", "owner", "deadline", "deadline_raw"}]}]}], "warnings": [str]}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.services.plan_import.deadlines import Deadline, normalise_deadline
from bot.services.plan_import.errors import PlanImportError

# the aspect of problems a plan lists without any grouping
NO_ASPECT_TITLE = "未分方面"


@dataclass(frozen=True)
class Doubt:
    """Something the office should check in the preview before the plan is saved.

    kind: sheet (which sheet was read), missing_field, deadline (unreadable or read with an
    assumption), year, formula, skipped_row, no_problem, no_measures, no_aspects, numbering,
    orphan_text, note (a warning carried in a plan file). location: "第12行", "表格1第3行",
    "第5段" (a paragraph of a document) or a sheet name; None for the whole plan.
    """

    kind: str
    location: str | None
    message: str

    @property
    def text(self) -> str:
        return f"{self.location}：{self.message}" if self.location else self.message


@dataclass(frozen=True)
class PlanMeasure:
    text: str
    leader: str | None = None
    department: str | None = None
    owner: str | None = None
    deadline: Deadline = field(default_factory=lambda: Deadline("none"))
    # 完成情况 as the ledger states it at import time; not part of the plan format
    progress: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "leader": self.leader,
            "department": self.department,
            "owner": self.owner,
            "deadline": self.deadline.json_value,
            "deadline_raw": self.deadline.raw,
        }


@dataclass(frozen=True)
class PlanProblem:
    number: str
    title: str
    measures: list[PlanMeasure]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "measures": [measure.to_json_dict() for measure in self.measures],
        }


@dataclass(frozen=True)
class PlanAspect:
    title: str
    problems: list[PlanProblem]

    def to_json_dict(self) -> dict[str, Any]:
        return {"title": self.title, "problems": [p.to_json_dict() for p in self.problems]}


@dataclass(frozen=True)
class ParsedPlan:
    aspects: list[PlanAspect]
    warnings: list[str]
    doubts: list[Doubt]
    title: str | None
    year: int | None
    source_name: str

    @classmethod
    def build(
        cls,
        aspects: list[PlanAspect],
        doubts: list[Doubt],
        title: str | None,
        year: int | None,
        source_name: str,
    ) -> ParsedPlan:
        """A plan whose warnings are its doubts' texts."""
        return cls(aspects, [d.text for d in doubts], doubts, title, year, source_name)

    @property
    def problems(self) -> list[PlanProblem]:
        return [problem for aspect in self.aspects for problem in aspect.problems]

    @property
    def measures(self) -> list[PlanMeasure]:
        return [measure for problem in self.problems for measure in problem.measures]

    def to_json_dict(self, *, with_meta: bool = False) -> dict[str, Any]:
        """The plan format; `with_meta` adds the optional "title" and "year" the loader reads."""
        data: dict[str, Any] = {}
        if with_meta:
            data["title"] = self.title
            data["year"] = self.year
        data["aspects"] = [aspect.to_json_dict() for aspect in self.aspects]
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_json_dict(cls, data: Any, source_name: str = "") -> ParsedPlan:
        """Load a plan file in the plan format; raises PlanImportError('invalid_plan_json')."""
        return _PlanJsonReader(source_name).plan(data)


class _PlanJsonReader:
    def __init__(self, source_name: str) -> None:
        self.source_name = source_name

    def fail(self, where: str, zh: str, en: str) -> PlanImportError:
        return PlanImportError(
            "invalid_plan_json",
            f"方案文件格式有误（{where}）：{zh}",
            f"Invalid plan file at {where}: {en}",
        )

    def plan(self, data: Any) -> ParsedPlan:
        if not isinstance(data, dict):
            raise self.fail("根", "应为一个对象", "expected an object")
        aspects = self.list_of(data, "aspects", "aspects")
        if not aspects:
            raise self.fail("aspects", "没有任何方面", "no aspects")
        warnings = data.get("warnings") or []
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise self.fail("warnings", "应为文字列表", "expected a list of strings")
        title = self.optional_text(data, "title", "title")
        year = data.get("year")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
            raise self.fail("year", "应为整数年份", "expected an integer year")
        return ParsedPlan.build(
            [self.aspect(a, f"aspects[{i}]") for i, a in enumerate(aspects)],
            [Doubt("note", None, w) for w in warnings],
            title,
            year,
            self.source_name,
        )

    def aspect(self, data: Any, where: str) -> PlanAspect:
        if not isinstance(data, dict):
            raise self.fail(where, "应为一个对象", "expected an object")
        problems = self.list_of(data, "problems", f"{where}.problems")
        return PlanAspect(
            self.required_text(data, "title", f"{where}.title"),
            [self.problem(p, f"{where}.problems[{i}]") for i, p in enumerate(problems)],
        )

    def problem(self, data: Any, where: str) -> PlanProblem:
        if not isinstance(data, dict):
            raise self.fail(where, "应为一个对象", "expected an object")
        number = data.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if number is not None and not isinstance(number, str):
            raise self.fail(f"{where}.number", "应为文字", "expected a string")
        measures = self.list_of(data, "measures", f"{where}.measures")
        return PlanProblem(
            (number or "").strip(),
            self.required_text(data, "title", f"{where}.title"),
            [self.measure(m, f"{where}.measures[{i}]") for i, m in enumerate(measures)],
        )

    def measure(self, data: Any, where: str) -> PlanMeasure:
        if not isinstance(data, dict):
            raise self.fail(where, "应为一个对象", "expected an object")
        return PlanMeasure(
            text=self.required_text(data, "text", f"{where}.text"),
            leader=self.optional_text(data, "leader", f"{where}.leader"),
            department=self.optional_text(data, "department", f"{where}.department"),
            owner=self.optional_text(data, "owner", f"{where}.owner"),
            deadline=self.deadline(data, where),
        )

    def deadline(self, data: dict[str, Any], where: str) -> Deadline:
        raw = self.optional_text(data, "deadline_raw", f"{where}.deadline_raw")
        value = data.get("deadline")
        # then_ongoing is not in the format: the raw text still says it ("…并长期坚持").
        then_ongoing = raw is not None and normalise_deadline(raw, None).then_ongoing
        if value is None:
            return Deadline("unknown" if raw else "none", raw=raw)
        if value == "immediate":
            return Deadline("immediate", raw=raw, then_ongoing=then_ongoing)
        if value == "ongoing":
            return Deadline("ongoing", raw=raw)
        if isinstance(value, str):
            try:
                when = dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return Deadline("date", when, raw or value, then_ongoing=then_ongoing)
        raise self.fail(
            f"{where}.deadline",
            '应为 YYYY-MM-DD 日期、"immediate"、"ongoing" 或 null',
            'expected a YYYY-MM-DD date, "immediate", "ongoing" or null',
        )

    def list_of(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list):
            raise self.fail(where, "缺少或不是列表", "missing or not a list")
        return value

    def required_text(self, data: dict[str, Any], key: str, where: str) -> str:
        value = self.optional_text(data, key, where)
        if not value:
            raise self.fail(where, "不能为空", "must not be empty")
        return value

    def optional_text(self, data: dict[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(where, "应为文字", "expected a string")
        return value.strip() or None

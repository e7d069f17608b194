"""Plans written as documents (整改方案, 整改情况报告): an outline of numbered headings.

A typical report: 一、开展情况 (not problems) / 二、反馈问题整改情况 → （一）aspect → 1. group →
（1）针对…问题。一是…二是… / 三、下一步打算 (not problems). Which marker is which level is not
fixed, so levels are found per document: the outermost level inside the problem section is the
aspect, the deepest level worded as a deficiency is the problem, and anything numbered under a
problem is a measure.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from bot.services.plan_import.deadlines import normalise_deadline
from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.markup import TextLine
from bot.services.plan_import.model import (
    NO_ASPECT_TITLE,
    Doubt,
    ParsedPlan,
    PlanAspect,
    PlanMeasure,
    PlanProblem,
)
from bot.services.plan_import.outline_markers import find_item_labels, match_marker
from bot.services.plan_import.outline_wording import (
    ATTACHMENT,
    DEADLINE_YEAR,
    END_OF_PLAN,
    FIELD_LABEL,
    FULL_DATE,
    GOAL_LABEL,
    MEASURE_LIST_LABEL,
    PROBLEM_LABEL,
    TITLE_WORDS,
    TRAILING,
    fields_in_brackets,
    is_closing,
    is_problem_like,
    read_fields,
    section_kind,
    split_problem_heading,
    without_marker,
)

_PREAMBLE_LIMIT = 30


@dataclass(frozen=True)
class _Head:
    kind: str
    number: str
    value: int
    rest: str


@dataclass
class _Problem:
    number: str
    value: int
    title: str
    line: int
    body: list[str] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    item_fields: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Aspect:
    title: str
    problems: list[_Problem] = field(default_factory=list)


@dataclass
class _Levels:
    aspect: str | None
    problem: str | None
    groups: set[str]
    measures: set[str]


def parse_outline(
    lines: list[TextLine], source_name: str, year: int | None, title: str | None = None
) -> ParsedPlan:
    """Read a document's outline into a plan."""
    return _OutlineReader(lines, source_name, year, title).read()


def _head_of(line: TextLine) -> _Head | None:
    marker = match_marker(line.text)
    if marker is not None:
        return _Head(marker.kind, marker.number, marker.value, marker.rest)
    if line.heading is not None:
        return _Head(f"heading{line.heading}", "", 0, line.text)
    return None


class _OutlineReader:
    def __init__(
        self, lines: list[TextLine], source_name: str, year: int | None, title: str | None
    ) -> None:
        self.lines = lines
        self.heads = [_head_of(line) for line in lines]
        self.source_name = source_name
        self.year_argument = year
        self.title = title
        self.doubts: list[Doubt] = []
        self.aspects: list[_Aspect] = []
        self.problem: _Problem | None = None
        self.aspect_value = 0

    # ---- where the problems are -------------------------------------------------------------

    def read(self) -> ParsedPlan:
        start = 1 if self.lines and ATTACHMENT.match(self.lines[0].text) else 0
        if self.title is None and start < len(self.lines) and self._is_title(start):
            self.title = self.lines[start].text
            start += 1
        region, aspect_kind = self._region(start)
        region = self._cut_closing(region)
        levels = self._levels(region, aspect_kind)
        self._walk(region, levels)
        if not any(aspect.problems for aspect in self.aspects):
            region = self._cut_closing(list(range(start, len(self.lines))))
            self.aspects, self.problem, self.doubts, self.aspect_value = [], None, [], 0
            self._walk(region, self._levels(region, None))
        plan_year = self._plan_year()
        aspects = self._finish(plan_year)
        if not aspects:
            raise PlanImportError(
                "no_plan",
                "文档中没有找到问题和整改措施（如“（一）…方面”“1.…问题”“一是…二是…”）。",
                "No problems or measures were found in the document.",
            )
        if plan_year is None and any(
            m.deadline.kind != "none" for a in aspects for p in a.problems for m in p.measures
        ):
            self.doubts.append(Doubt("year", None, "未能确定方案年份，没有年份的时限无法换算"))
        return ParsedPlan.build(aspects, self.doubts, self.title, plan_year, self.source_name)

    def _is_title(self, index: int) -> bool:
        text = self.lines[index].text
        head = self.heads[index]
        return (
            (head is None or head.kind.startswith("heading"))
            and len(text) <= 60
            and TITLE_WORDS.search(text) is not None
            and not text.endswith(("。", "；", ";"))
        )

    def _region(self, start: int) -> tuple[list[int], str | None]:
        """The lines holding the problems, and the aspects' marker when sections are aspects."""
        tops = [i for i in range(start, len(self.lines)) if self._kind(i) == "cn_dun"]
        if not tops:
            return list(range(start, len(self.lines))), None
        bounds = [*tops, len(self.lines)]
        containers: list[list[int]] = []
        aspect_sections: list[int] = []
        for top, end in itertools.pairwise(bounds):
            heading = self.heads[top]
            assert heading is not None
            kind = section_kind(heading.rest)
            body = range(top + 1, end)
            if kind == "container":
                containers.append(list(body))
            elif kind == "aspect" or (kind is None and self._has_problems(body)):
                aspect_sections.extend([top, *body])
        if containers:
            # 一、存在的主要问题 (a bare list) / 二、整改措施: the section with the measures wins
            return max(reversed(containers), key=self._measure_content), None
        if aspect_sections:
            return aspect_sections, "cn_dun"
        return list(range(start, len(self.lines))), None

    def _measure_content(self, indexes: list[int]) -> int:
        return sum(
            bool(find_item_labels(self.lines[i].text)[0])
            or bool(FIELD_LABEL.match(self.lines[i].text))
            or bool(MEASURE_LIST_LABEL.match(self.lines[i].text))
            for i in indexes
        )

    def _has_problems(self, indexes: range) -> bool:
        return any(
            "针对" in self.lines[i].text or len(find_item_labels(self.lines[i].text)[0]) > 1
            for i in indexes
        )

    def _kind(self, index: int) -> str | None:
        head = self.heads[index]
        return head.kind if head else None

    def _cut_closing(self, region: list[int]) -> list[int]:
        """Stop at the closing part: 下一步打算, contact lines, signature."""
        for position, index in enumerate(region):
            text = self.lines[index].text
            head = self.heads[index]
            rest = head.rest if head else text
            closing_heading = (head is not None or len(text) <= 20) and (
                len(rest) <= 30 and is_closing(rest) and not rest.endswith("。")
            )
            if closing_heading or END_OF_PLAN.search(text):
                return region[:position]
        return region

    # ---- which marker is which level ------------------------------------------------------

    def _levels(self, region: list[int], aspect_kind: str | None) -> _Levels:
        order: list[str] = []
        texts: dict[str, list[str]] = {}
        measure_kinds: set[str] = set()
        after_list_label = False
        for index in region:
            head = self.heads[index]
            text = self.lines[index].text
            if head is None:
                # "整改措施：" alone on its line: the numbered lines after it are measures
                after_list_label = bool(MEASURE_LIST_LABEL.fullmatch(text))
                continue
            if head.kind == aspect_kind:
                continue
            if after_list_label:
                measure_kinds.add(head.kind)
            after_list_label = False
            if head.kind not in texts:
                order.append(head.kind)
                texts[head.kind] = []
            texts[head.kind].append(head.rest)
        outline = [kind for kind in order if kind not in measure_kinds]
        if not outline:
            return _Levels(aspect_kind, None, set(), measure_kinds)
        if aspect_kind is None and len(outline) == 1 and self._unnumbered_problems(region):
            named_aspects = sum("方面" in text for text in texts[outline[0]])
            if named_aspects >= 0.5 * len(texts[outline[0]]):
                return _Levels(outline[0], None, set(), measure_kinds)
        worded = [
            kind
            for kind in outline
            if sum(is_problem_like(t) for t in texts[kind]) >= 0.5 * len(texts[kind])
        ]
        if aspect_kind is None and len(outline) > 1:
            aspect_kind = outline[0]
            outline = outline[1:]
            worded = [kind for kind in worded if kind != aspect_kind]
        problem = worded[-1] if worded else outline[0]
        depth = outline.index(problem)
        return _Levels(
            aspect_kind, problem, set(outline[:depth]), measure_kinds | set(outline[depth + 1 :])
        )

    def _unnumbered_problems(self, region: list[int]) -> bool:
        return any(self.heads[i] is None and self.lines[i].text.startswith("针对") for i in region)

    # ---- reading the lines ----------------------------------------------------------------

    def _walk(self, region: list[int], levels: _Levels) -> None:
        for position, index in enumerate(region):
            line = self.lines[index]
            head = self.heads[index]
            kind = head.kind if head else None
            if head is not None and kind == levels.aspect:
                self._start_aspect(head, line)
            elif head is not None and kind in levels.groups:
                self.problem = None
            elif head is not None and kind == levels.problem:
                following = position + 1 < len(region) and self.heads[region[position + 1]] is None
                self._start_problem(head, line, following)
            elif head is not None and kind in levels.measures and self.problem is not None:
                self.problem.items.append([head.rest])
                self.problem.item_fields.append({})
            elif levels.problem is None and line.text.startswith("针对") and "问题" in line.text:
                following = position + 1 < len(region) and self.heads[region[position + 1]] is None
                self._start_problem(_Head("", "", 0, line.text), line, following)
            else:
                self._paragraph(line)

    def _start_aspect(self, head: _Head, line: TextLine) -> None:
        title = head.rest.rstrip(TRAILING)
        if "。" in title:
            title, _, _ = title.partition("。")
        if head.value and self.aspect_value and head.value != self.aspect_value + 1:
            self.doubts.append(
                Doubt(
                    "numbering",
                    f"第{line.number}段",
                    f"方面编号不连续：第{self.aspect_value}个方面之后是“{head.number}”",
                )
            )
        self.aspect_value = head.value
        self.aspects.append(_Aspect(title or line.text))
        self.problem = None

    def _start_problem(self, head: _Head, line: TextLine, following_body: bool) -> None:
        if not self.aspects:
            self.aspects.append(_Aspect(NO_ASPECT_TITLE))
        aspect = self.aspects[-1]
        previous = self._last_problem()
        if head.value and previous is not None and previous.value:
            expected = {previous.value + 1} | ({1} if not aspect.problems else set())
            if head.value not in expected:
                self.doubts.append(
                    Doubt(
                        "numbering",
                        f"第{line.number}段",
                        f"问题编号不连续：{previous.number}之后是{head.number}",
                    )
                )
        title, body = split_problem_heading(head.rest, following_body)
        # problem numbers become measure codes (3.1, 3.2): Arabic digits, even from （三）
        number = (
            str(head.value) if head.value else str(sum(len(a.problems) for a in self.aspects) + 1)
        )
        self.problem = _Problem(number, head.value, title, line.number)
        if body:
            self.problem.body.append(body)
        aspect.problems.append(self.problem)

    def _last_problem(self) -> _Problem | None:
        for aspect in reversed(self.aspects):
            if aspect.problems:
                return aspect.problems[-1]
        return None

    def _paragraph(self, line: TextLine) -> None:
        text = line.text
        problem = self.problem
        if problem is None:
            if self.aspects and len(find_item_labels(text)[0]) > 1:
                self.doubts.append(
                    Doubt(
                        "orphan_text",
                        f"第{line.number}段",
                        f"不属于任何问题的措施“{text[:20]}…”，已忽略",
                    )
                )
            return
        if FIELD_LABEL.match(text):
            target = problem.item_fields[-1] if problem.items else problem.fields
            target.update(read_fields(text))
        elif MEASURE_LIST_LABEL.match(text):
            rest = MEASURE_LIST_LABEL.sub("", text)
            if rest:
                problem.body.append(rest)
        elif PROBLEM_LABEL.match(text) or GOAL_LABEL.match(text):
            return
        elif problem.items:
            problem.items[-1].append(text)
        else:
            problem.body.append(text)

    # ---- building the plan ----------------------------------------------------------------

    def _plan_year(self) -> int | None:
        """From the title, else the date under the signature, else the deadlines that state a
        year, else the caller's year."""
        for text in [self.title or "", *(line.text for line in self.lines[-5:])]:
            found = FULL_DATE.search(text) or re.search(r"(20\d{2})\s*年", text)
            if found and (text == self.title or len(text) <= 20):
                return int(found[1])
        years = Counter(
            int(found[1]) for line in self.lines for found in DEADLINE_YEAR.finditer(line.text)
        )
        if years:
            return years.most_common(1)[0][0]
        return self.year_argument

    def _finish(self, plan_year: int | None) -> list[PlanAspect]:
        aspects: list[PlanAspect] = []
        for aspect in self.aspects:
            problems: list[PlanProblem] = []
            for problem in aspect.problems:
                measures = self._measures(problem, plan_year)
                if not measures:
                    self.doubts.append(
                        Doubt(
                            "no_measures",
                            f"第{problem.line}段",
                            f"问题“{problem.title[:30]}”没有整改措施",
                        )
                    )
                problems.append(PlanProblem(problem.number, problem.title, measures))
            if problems:
                aspects.append(PlanAspect(aspect.title, problems))
        if any(aspect.title == NO_ASPECT_TITLE for aspect in aspects):
            self.doubts.append(
                Doubt("no_aspects", None, f"未找到方面，相关问题归入“{NO_ASPECT_TITLE}”")
            )
        return aspects

    def _measures(self, problem: _Problem, plan_year: int | None) -> list[PlanMeasure]:
        texts: list[tuple[str, dict[str, str]]] = []
        if problem.body:
            texts.extend((text, {}) for text in self._split_body(problem))
        for item, item_fields in zip(problem.items, problem.item_fields, strict=True):
            texts.append(("\n".join(item), item_fields))
        measures: list[PlanMeasure] = []
        for text, own_fields in texts:
            text, bracket_fields = fields_in_brackets(text)
            values = {**problem.fields, **bracket_fields, **own_fields}
            # 一是…；二是…。: the closing mark belongs to the sentence, not to the measure
            text = without_marker(text.strip()).rstrip("。；;，, ")
            if not text:
                continue
            deadline = normalise_deadline(values.get("deadline"), plan_year)
            if deadline.note:
                self.doubts.append(Doubt("deadline", f"第{problem.line}段", deadline.note))
            measures.append(
                PlanMeasure(
                    text=text,
                    leader=values.get("leader"),
                    department=values.get("department"),
                    owner=values.get("owner"),
                    deadline=deadline,
                )
            )
        return measures

    def _split_body(self, problem: _Problem) -> list[str]:
        """Measures in the paragraphs under a problem: 一是/二是 items, else each paragraph."""
        text = "\n".join(problem.body)
        labels, skipped = find_item_labels(text)
        if not labels:
            return list(problem.body)
        if skipped:
            self.doubts.append(
                Doubt(
                    "numbering",
                    f"第{problem.line}段",
                    f"问题“{problem.title[:20]}”的措施编号（一是、二是…）不连续",
                )
            )
        segments: list[str] = []
        preamble = text[: labels[0].start].strip()
        if preamble and not preamble.endswith((":", "：")) and len(preamble) > _PREAMBLE_LIMIT:
            segments.append(preamble)
        bounds = [label.end for label in labels]
        ends = [label.start for label in labels[1:]] + [len(text)]
        segments.extend(text[start:end].strip() for start, end in zip(bounds, ends, strict=True))
        return segments

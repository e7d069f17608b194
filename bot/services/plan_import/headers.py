"""Finding a ledger's header row and what each column means, whatever the office called it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from bot.services.plan_import.grid import Grid


class Column(StrEnum):
    NUMBER = "number"
    ASPECT = "aspect"
    PROBLEM = "problem"
    MEASURE = "measure"
    LEADER = "leader"
    DEPARTMENT = "department"
    OWNER = "owner"
    DEADLINE = "deadline"
    PROGRESS = "progress"


SYNONYMS: dict[Column, tuple[str, ...]] = {
    Column.NUMBER: ("序号", "编号", "问题序号", "问题编号", "序"),
    Column.ASPECT: (
        "问题类别",
        "类别",
        "方面",
        "问题类型",
        "问题分类",
        "类型",
        "所属方面",
        "问题方面",
        "板块",
        "领域",
    ),
    Column.PROBLEM: (
        "存在问题",
        "反馈问题",
        "问题表现",
        "问题",
        "问题描述",
        "主要问题",
        "巡察反馈问题",
        "具体问题",
        "问题清单",
        "问题内容",
        "存在的问题",
        "反馈意见",
        "巡察发现问题",
        "具体表现",
    ),
    Column.MEASURE: (
        "整改措施",
        "具体措施",
        "整改举措",
        "措施",
        "整改任务",
        "具体整改措施",
        "整改措施及要求",
        "整改内容",
        "整改要求",
        "整改具体措施",
        "工作措施",
    ),
    Column.LEADER: (
        "责任领导",
        "牵头领导",
        "分管领导",
        "包保领导",
        "领导",
        "责任领导签字",
        "牵头责任领导",
        "主要责任领导",
    ),
    Column.DEPARTMENT: (
        "责任科室",
        "牵头单位",
        "责任部门",
        "牵头科室",
        "责任单位",
        "牵头部门",
        "责任处室",
        "牵头处室",
        "承办科室",
        "责任股室",
        "牵头股室",
    ),
    Column.OWNER: (
        "责任人",
        "牵头责任人",
        "具体责任人",
        "经办人",
        "直接责任人",
        "具体负责人",
        "负责人",
    ),
    Column.DEADLINE: (
        "整改时限",
        "完成时限",
        "时限",
        "完成时间",
        "整改期限",
        "截止时间",
        "时间节点",
        "整改时间",
        "办结时限",
        "完成期限",
    ),
    Column.PROGRESS: (
        "完成情况",
        "整改进展",
        "整改情况",
        "进展情况",
        "整改完成情况",
        "整改进度",
        "落实情况",
        "整改成效",
        "进度",
    ),
}
# How much a recognised column says "this row is the header of a ledger".
_WEIGHTS = {
    Column.MEASURE: 3.0,
    Column.PROBLEM: 2.0,
    Column.DEADLINE: 1.5,
    Column.OWNER: 1.0,
    Column.LEADER: 1.0,
    Column.DEPARTMENT: 1.0,
    Column.ASPECT: 0.8,
    Column.NUMBER: 0.5,
    Column.PROGRESS: 0.5,
}
_MIN_CELL_SCORE = 72.0
_MIN_ROW_SCORE = 3.5
_HEADER_SCAN_ROWS = 40
_MAX_LABEL_LENGTH = 16
_BRACKETED = re.compile(r"[(\[【<《][^)\]】>》]*[)\]】>》]")
_NOISE = re.compile(r"[\s*※:：#/、\\_\-]+")


@dataclass(frozen=True)
class HeaderMatch:
    """The header of a ledger: its last row, and the column of each recognised field."""

    row: int
    columns: dict[Column, int]
    labels: dict[int, str]
    score: float


def normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _NOISE.sub("", text)


@lru_cache(maxsize=4096)
def label_scores(text: str) -> dict[Column, float]:
    """How well one header cell matches each field (0–100), best synonym each."""
    full = normalise_label(text)
    if not full or len(full) > _MAX_LABEL_LENGTH * 2:
        return {}
    bare = _NOISE.sub("", _BRACKETED.sub("", unicodedata.normalize("NFKC", text))) or full
    scores: dict[Column, float] = {}
    for column, synonyms in SYNONYMS.items():
        best = 0.0
        for synonym in synonyms:
            for label in (bare, full):
                best = max(best, _similarity(label, synonym))
        if best >= _MIN_CELL_SCORE:
            scores[column] = best
    return scores


def _similarity(label: str, synonym: str) -> float:
    if label == synonym:
        return 100.0
    if len(label) > _MAX_LABEL_LENGTH:
        return 0.0
    if synonym in label:
        # "整改完成时限" contains "完成时限"; the closer the lengths, the surer
        return 80.0 + 15.0 * len(synonym) / len(label)
    return fuzz.ratio(label, synonym) * 0.9


def _cell_label(grid: Grid, row: int, column: int) -> str:
    value = grid.cell(row, column).value
    return value.strip() if isinstance(value, str) else ""


def find_header(grid: Grid) -> HeaderMatch | None:
    """The best header among the first rows, also trying two-row headers (责任主体 over
    责任领导/责任科室/责任人); None when no row looks like a ledger header."""
    best: HeaderMatch | None = None
    for row in range(min(len(grid.rows), _HEADER_SCAN_ROWS)):
        labels = {c: _cell_label(grid, row, c) for c in range(len(grid.rows[row]))}
        candidates = [(row, labels)]
        if row + 1 < len(grid.rows):
            candidates.append((row + 1, _two_row_labels(grid, row, labels)))
        for last_row, row_labels in candidates:
            match = _match_labels(last_row, row_labels)
            if match and (best is None or match.score > best.score + 1e-9):
                best = match
    return best


def _two_row_labels(grid: Grid, row: int, labels: dict[int, str]) -> dict[int, str]:
    below: dict[int, str] = {}
    for column in range(max(len(grid.rows[row]), len(grid.rows[row + 1]))):
        upper = labels.get(column, "")
        lower = _cell_label(grid, row + 1, column)
        same_merge = grid.origin(row + 1, column) == grid.origin(row, column)
        below[column] = lower if lower and not same_merge else upper
    return below


def _match_labels(row: int, labels: dict[int, str]) -> HeaderMatch | None:
    pairs: list[tuple[float, Column, int]] = []
    for column, label in labels.items():
        for field, score in label_scores(label).items():
            pairs.append((score, field, column))
    pairs.sort(key=lambda pair: (-pair[0], pair[2]))
    columns: dict[Column, int] = {}
    used: set[int] = set()
    total = 0.0
    for score, field, column in pairs:
        if field in columns or column in used:
            continue
        columns[field] = column
        used.add(column)
        total += _WEIGHTS[field] * score / 100.0
    has_text = Column.MEASURE in columns or Column.PROBLEM in columns
    details = sum(
        f in columns for f in (Column.LEADER, Column.DEPARTMENT, Column.OWNER, Column.DEADLINE)
    )
    both_texts = Column.MEASURE in columns and Column.PROBLEM in columns
    if not has_text or total < _MIN_ROW_SCORE or (details == 0 and not both_texts):
        return None
    return HeaderMatch(row, columns, {c: labels[c] for c in used}, total)

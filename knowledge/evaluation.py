"""Accuracy of a KnowledgeBase over a list of questions with expected answers.

Used by the test-suite and the benchmark. An item expects one of several acceptable passages
(file + article number, or file + table row label), a "no basis" answer (empty ``expect``), or a
missing-article report (``missing``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.engine import KnowledgeBase
from knowledge.model import Passage, SearchResult


@dataclass
class EvalReport:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    no_basis_expected: int = 0
    no_basis_correct: int = 0  # expected no basis, got no basis
    no_basis_given: int = 0  # engine said no basis (on any item)
    no_basis_given_correctly: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.answerable if self.answerable else 1.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.answerable if self.answerable else 1.0

    @property
    def no_basis_recall(self) -> float:
        return self.no_basis_correct / self.no_basis_expected if self.no_basis_expected else 1.0

    @property
    def no_basis_precision(self) -> float:
        if not self.no_basis_given:
            return 1.0
        return self.no_basis_given_correctly / self.no_basis_given


def load_items(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def matches(passage: Passage, expected: list[Any]) -> bool:
    file, where = expected
    if passage.file != file:
        return False
    if isinstance(where, int):
        return passage.article_number == where
    return passage.row == where


def evaluate(base: KnowledgeBase, items: list[dict[str, Any]]) -> EvalReport:
    report = EvalReport()
    for item in items:
        result = base.search(item["question"], top=3)
        _score_item(report, item, result)
    return report


def _score_item(report: EvalReport, item: dict[str, Any], result: SearchResult) -> None:
    question = item["question"]
    said_no_basis = not result.answered
    expected_nothing = not item["expect"]
    if said_no_basis:
        report.no_basis_given += 1
        report.no_basis_given_correctly += int(expected_nothing)
    if "missing" in item:
        missing = item["missing"]
        ok = (result.kind == "missing_article" and result.missing is not None
              and result.missing.file == missing["file"]
              and result.missing.article_count == missing["article_count"])
        report.answerable += 1
        report.top1 += int(ok)
        report.top3 += int(ok)
        if not ok:
            report.failures.append(f"[missing] {question} -> {result.kind}")
        return
    if expected_nothing:
        report.no_basis_expected += 1
        report.no_basis_correct += int(said_no_basis)
        if not said_no_basis:
            top = result.hits[0].passage
            report.failures.append(
                f"[no_basis] {question} -> {top.file} {top.article or top.row} "
                f"{result.hits[0].score}"
            )
        return
    report.answerable += 1
    passages = [hit.passage for hit in result.hits]
    first = bool(passages) and any(matches(passages[0], e) for e in item["expect"])
    within = any(matches(p, e) for p in passages[:3] for e in item["expect"])
    report.top1 += int(first)
    report.top3 += int(within)
    if not first:
        got = ", ".join(f"{p.file}:{p.article or p.row}:{h.score}"
                        for p, h in zip(passages, result.hits, strict=True)) or result.kind
        report.failures.append(f"[{item['category']}] {question} -> {got}"
                               f"{'' if within else '  (not in top 3)'}")

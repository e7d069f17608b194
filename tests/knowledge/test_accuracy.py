"""Ranking quality over the evaluation questions (targets from the product brief)."""

from pathlib import Path

from knowledge import KnowledgeBase
from knowledge.evaluation import evaluate, load_items

EVAL = Path(__file__).with_name("eval_questions.json")


def test_eval_set_shape() -> None:
    items = load_items(EVAL)
    assert len(items) >= 100
    assert sum(1 for item in items if item["category"] == "no_basis") >= 20


def test_accuracy_targets(shipped_kb: KnowledgeBase) -> None:
    report = evaluate(shipped_kb, load_items(EVAL))
    details = "\n".join(report.failures)
    assert report.top3_rate >= 0.95, details
    assert report.top1_rate >= 0.85, details
    assert report.no_basis_recall >= 0.90, details
    assert report.no_basis_precision >= 0.90, details

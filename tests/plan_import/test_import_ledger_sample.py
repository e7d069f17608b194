"""ledger-sample.xlsx imports to exactly what ledger-sample.json describes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.services.plan_import import ParsedPlan, parse_plan_file
from tests.plan_import.builders import SAMPLES

GOLD = json.loads((SAMPLES / "ledger-sample.json").read_text(encoding="utf-8"))
MEASURE_FIELDS = ("text", "leader", "department", "owner", "deadline", "deadline_raw")


@pytest.fixture(scope="module")
def plan() -> ParsedPlan:
    return parse_plan_file(SAMPLES / "ledger-sample.xlsx", "ledger-sample.xlsx")


def gold_plan() -> dict[str, Any]:
    return {
        "aspects": [
            {
                "title": aspect["title"],
                "problems": [
                    {
                        "number": problem["number"],
                        "title": problem["title"],
                        "measures": [
                            {key: measure[key] for key in MEASURE_FIELDS}
                            for measure in problem["measures"]
                        ],
                    }
                    for problem in aspect["problems"]
                ],
            }
            for aspect in GOLD["aspects"]
        ],
        "warnings": [],
    }


def test_imports_to_the_gold_plan_field_for_field(plan: ParsedPlan) -> None:
    assert plan.to_json_dict() == gold_plan()


def test_counts(plan: ParsedPlan) -> None:
    counts = GOLD["counts"]
    assert len(plan.aspects) == counts["aspects"]
    assert len(plan.problems) == counts["problems"]
    assert len(plan.measures) == counts["measures"]


def test_title_year_and_no_doubts(plan: ParsedPlan) -> None:
    assert plan.title == GOLD["title"]
    assert plan.year == GOLD["plan_year"]
    assert plan.doubts == []
    assert plan.source_name == "ledger-sample.xlsx"


def test_progress_is_kept_outside_the_plan_format(plan: ParsedPlan) -> None:
    gold = [m["progress"] for a in GOLD["aspects"] for p in a["problems"] for m in p["measures"]]
    assert [m.progress for m in plan.measures] == gold


def test_date_cells_keep_what_excel_shows(plan: ParsedPlan) -> None:
    by_text = {m.text: m for m in plan.measures}
    gold = {
        m["text"]: m
        for a in GOLD["aspects"]
        for p in a["problems"]
        for m in p["measures"]
        if m["deadline_cell"] == "date"
    }
    assert gold
    for text, measure in gold.items():
        assert by_text[text].deadline.raw == measure["deadline_raw"]
        assert by_text[text].deadline.json_value == measure["deadline"]


def test_same_result_from_bytes_and_from_path(plan: ParsedPlan) -> None:
    data = (SAMPLES / "ledger-sample.xlsx").read_bytes()
    assert parse_plan_file(data, "ledger-sample.xlsx").to_json_dict() == plan.to_json_dict()

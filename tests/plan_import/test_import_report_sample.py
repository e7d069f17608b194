"""report-sample-huaibei.txt imports to the outline in report-sample-huaibei.outline.json."""

from __future__ import annotations

import io
import json
import re

import docx
import pytest
from rapidfuzz import fuzz

from bot.services.plan_import import ParsedPlan, parse_plan_file
from tests.plan_import.builders import SAMPLES

OUTLINE = json.loads((SAMPLES / "report-sample-huaibei.outline.json").read_text(encoding="utf-8"))
GOLD_PROBLEMS = [p for a in OUTLINE["aspects"] for p in a["problems"]]
ITEM_LABEL = re.compile(r"^[一二三四五六七八九十]+是")


def comparable(text: str) -> str:
    """Labels are paraphrases written with full-width punctuation: compare the words only."""
    return re.sub(r"[\W_]+", "", text)


@pytest.fixture(scope="module")
def plan() -> ParsedPlan:
    return parse_plan_file(SAMPLES / "report-sample-huaibei.txt", "report-sample-huaibei.txt")


def test_aspects(plan: ParsedPlan) -> None:
    assert [a.title for a in plan.aspects] == [a["title"] for a in OUTLINE["aspects"]]


def test_problems_per_aspect(plan: ParsedPlan) -> None:
    got = [[(p.number, p.title) for p in a.problems] for a in plan.aspects]
    want = [[(p["number"], p["title"]) for p in a["problems"]] for a in OUTLINE["aspects"]]
    assert got == want


def test_measure_counts(plan: ParsedPlan) -> None:
    for problem, gold in zip(plan.problems, GOLD_PROBLEMS, strict=True):
        allowed = [gold["measure_count_hint"], *gold.get("measure_count_alternatives", [])]
        assert len(problem.measures) in allowed, problem.number
    assert len(plan.measures) == OUTLINE["counts"]["measures_hint_sum"]


def test_measures_start_with_their_label_text(plan: ParsedPlan) -> None:
    for problem, gold in zip(plan.problems, GOLD_PROBLEMS, strict=True):
        for measure, label in zip(problem.measures, gold["measure_labels"], strict=False):
            assert not ITEM_LABEL.match(measure.text), measure.text
            head = comparable(measure.text)[: len(comparable(label)) * 3]
            scores = [
                fuzz.partial_ratio(comparable(label), comparable(m.text)[: len(head)])
                for m in problem.measures
            ]
            # the label belongs to this measure more than to any other of the problem
            assert fuzz.partial_ratio(comparable(label), head) == max(scores), (label, head)
            assert max(scores) >= 50, (label, head)


def test_text_plans_have_no_people_or_deadlines(plan: ParsedPlan) -> None:
    for measure in plan.measures:
        assert (measure.leader, measure.department, measure.owner) == (None, None, None)
        assert measure.deadline.json_value is None and measure.deadline.raw is None


def test_opening_and_next_steps_are_not_problems(plan: ParsedPlan) -> None:
    texts = [p.title for p in plan.problems] + [m.text for m in plan.measures]
    for outside in (
        "迅速行动",
        "细化措施",
        "建章立制",
        "更加坚定党的领导",
        "联系电话",
        "淮北市红十字会",
    ):
        assert not any(text.startswith(outside) for text in texts), outside
    assert not any("激励干部担当作为" in text for text in texts)


def test_year_from_the_signature_date_and_no_doubts(plan: ParsedPlan) -> None:
    assert plan.year == 2022
    assert plan.doubts == []


def renderings() -> dict[str, tuple[bytes, str]]:
    text = (SAMPLES / "report-sample-huaibei.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    page = "".join(f"<p>&nbsp;&nbsp;{line}</p>" for line in lines)
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return {
        "each item on its own line": (
            re.sub(r"([。；;])([一二三四五六七八九十]是)", r"\1\n\2", text).encode(),
            "report.txt",
        ),
        "web page": (f"<html><body>{page}</body></html>".encode(), "report.html"),
        "Word paragraphs": (buffer.getvalue(), "report.docx"),
        "GBK": (text.encode("gb18030"), "report.txt"),
        "full-width punctuation": (
            text.replace("(", "（").replace(")", "）").replace(",", "，").encode(),
            "report.txt",
        ),
        "markdown headings": (
            "\n\n".join(
                f"## {line}" if line.startswith(("一、", "二、", "三、")) else line
                for line in lines
            ).encode(),
            "report.md",
        ),
    }


RENDERINGS = renderings()


@pytest.mark.parametrize("rendering", RENDERINGS.values(), ids=RENDERINGS.keys())
def test_the_report_in_other_clothes_reads_the_same(rendering: tuple[bytes, str]) -> None:
    plan = parse_plan_file(*rendering)
    width = str.maketrans("（），", "(),")
    got = [(p.number, p.title.translate(width), len(p.measures)) for p in plan.problems]
    want = [(p["number"], p["title"], p["measure_count_hint"]) for p in GOLD_PROBLEMS]
    assert got == want
    assert [a.title.translate(width) for a in plan.aspects] == [
        a["title"] for a in OUTLINE["aspects"]
    ]

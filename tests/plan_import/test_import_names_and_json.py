"""split_names for the loader, and the plan format both ways."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.services.plan_import import ParsedPlan, PlanImportError, parse_plan_file, split_names
from tests.plan_import.builders import SAMPLES


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("孙某某、丁某某", ["孙某某", "丁某某"]),
        ("财务室、赈济救护部", ["财务室", "赈济救护部"]),
        ("孙某某，丁某某,刘某某", ["孙某某", "丁某某", "刘某某"]),
        ("孙某某；丁某某;刘某某", ["孙某某", "丁某某", "刘某某"]),
        ("孙某某/丁某某", ["孙某某", "丁某某"]),
        ("孙某某\n丁某某", ["孙某某", "丁某某"]),
        ("孙某某 丁某某", ["孙某某", "丁某某"]),
        ("孙某某　丁某某", ["孙某某", "丁某某"]),
        ("孙某某、孙某某", ["孙某某"]),
        ("张　三、李某某", ["张三", "李某某"]),
        ("办公室（党建办）", ["办公室（党建办）"]),
        ("", []),
        (None, []),
    ],
)
def test_split_names(cell: str | None, names: list[str]) -> None:
    assert split_names(cell) == names


def plan_json() -> dict[str, Any]:
    return {
        "aspects": [
            {
                "title": "作风建设方面",
                "problems": [
                    {
                        "number": "1",
                        "title": "公务接待不规范",
                        "measures": [
                            {
                                "text": "修订公务接待制度",
                                "leader": "陈某某",
                                "department": "办公室",
                                "owner": "刘某某、高某某",
                                "deadline": "2022-06-30",
                                "deadline_raw": "6月底前并长期坚持",
                            },
                            {
                                "text": "开展专项检查",
                                "leader": None,
                                "department": None,
                                "owner": None,
                                "deadline": "immediate",
                                "deadline_raw": "立行立改",
                            },
                        ],
                    }
                ],
            }
        ],
        "warnings": ["第5行：没有填写责任人"],
    }


def test_plan_format_round_trip() -> None:
    plan = ParsedPlan.from_json_dict(plan_json(), "plan.json")
    assert plan.to_json_dict() == plan_json()
    first = plan.measures[0]
    assert first.deadline.kind == "date" and first.deadline.then_ongoing
    assert plan.doubts[0].message == "第5行：没有填写责任人"


def test_round_trip_of_a_parsed_ledger() -> None:
    parsed = parse_plan_file(SAMPLES / "ledger-sample.xlsx", "ledger-sample.xlsx")
    data = parsed.to_json_dict()
    assert ParsedPlan.from_json_dict(json.loads(json.dumps(data))).to_json_dict() == data


def test_meta_keys_for_the_loader() -> None:
    parsed = parse_plan_file(SAMPLES / "ledger-sample.xlsx", "ledger-sample.xlsx")
    data = parsed.to_json_dict(with_meta=True)
    assert data["title"] == parsed.title and data["year"] == 2022
    assert list(parsed.to_json_dict()) == ["aspects", "warnings"]


def test_json_file_is_read_through_parse_plan_file() -> None:
    data = json.dumps(plan_json(), ensure_ascii=False).encode()
    plan = parse_plan_file(data, "方案.json")
    assert plan.to_json_dict() == plan_json()
    assert plan.source_name == "方案.json"


def broken(path: list[str | int], value: object) -> dict[str, Any]:
    data: Any = plan_json()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ([], "根"),
        (broken(["aspects"], KeyError), "aspects"),
        (broken(["aspects"], []), "aspects"),
        (broken(["aspects", 0, "title"], ""), "aspects[0].title"),
        (broken(["aspects", 0, "problems"], "x"), "aspects[0].problems"),
        (broken(["aspects", 0, "problems", 0, "title"], None), "aspects[0].problems[0].title"),
        (broken(["aspects", 0, "problems", 0, "number"], ["1"]), "problems[0].number"),
        (broken(["aspects", 0, "problems", 0, "measures", 1, "text"], 5), "measures[1].text"),
        (broken(["aspects", 0, "problems", 0, "measures", 0, "deadline"], "6月底"), "deadline"),
        (broken(["aspects", 0, "problems", 0, "measures", 0, "owner"], 3), "measures[0].owner"),
        (broken(["warnings"], "x"), "warnings"),
    ],
)
def test_invalid_plan_files_say_where(data: Any, where: str) -> None:
    with pytest.raises(PlanImportError) as caught:
        ParsedPlan.from_json_dict(data)
    assert caught.value.code == "invalid_plan_json"
    assert where in caught.value.message_zh and where in caught.value.message_en


def test_invalid_json_text() -> None:
    with pytest.raises(PlanImportError) as caught:
        parse_plan_file(b'{"aspects": [', "plan.json")
    assert caught.value.code == "invalid_plan_json"
    assert "JSON" in caught.value.message_zh

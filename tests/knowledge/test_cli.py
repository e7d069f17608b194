import io
import json
from pathlib import Path

from knowledge.cli import ask_main

from .conftest import SHIPPED


def _run(questions: list[str] | None, *, as_json: bool = True, stdin: str = "", top: int = 3,
         cache: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = ask_main(questions, top, as_json, SHIPPED, cache, out, io.StringIO(stdin))
    return code, out.getvalue()


def test_json_contract(tmp_path: Path) -> None:
    code, output = _run(["红十字会法第十一条"], cache=tmp_path)
    assert code == 0
    data = json.loads(output)
    assert data["question"] == "红十字会法第十一条"
    assert data["answered"] is True
    hit = data["hits"][0]
    assert {"file", "title", "article", "row", "score", "text"} <= set(hit)
    assert hit["file"] == "red-cross-law.md"
    assert hit["title"] == "中华人民共和国红十字会法"
    assert hit["article"] == "第十一条"
    assert hit["row"] is None
    assert isinstance(hit["score"], float)
    assert "红十字会履行下列职责" in hit["text"]
    assert "\\u" not in output  # ensure_ascii=False


def test_json_table_overview(tmp_path: Path) -> None:
    _, output = _run(["出差住宿标准多少？"], cache=tmp_path)
    data = json.loads(output)
    assert data["answered"] and data["hits"][0]["file"] == "travel-lodging-standards-2016.md"
    assert data["table"]["label_columns"] == ["地区", "市县"]
    assert data["table"]["file"] == "travel-lodging-standards-2016.md"
    _, named = _run(["呼和浩特 司局级"], cache=tmp_path)
    assert "table" not in json.loads(named)


def test_json_no_basis_and_top(tmp_path: Path) -> None:
    _, output = _run(["今天天气怎么样"], cache=tmp_path)
    data = json.loads(output)
    assert data["answered"] is False and data["hits"] == []
    _, output = _run(["呼和浩特 司局级"], cache=tmp_path, top=1)
    data = json.loads(output)
    assert len(data["hits"]) == 1
    assert data["hits"][0]["row"] == "内蒙古 呼和浩特市"
    assert data["hits"][0]["article"] is None


def test_json_lines_from_stdin(tmp_path: Path) -> None:
    stdin = "红十字会法第十一条\n今天天气怎么样\n\n慈善法第二十二条\n"
    code, output = _run(None, stdin=stdin, cache=tmp_path)
    assert code == 0
    lines = output.splitlines()
    assert len(lines) == 4
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == ["红十字会法第十一条", "今天天气怎么样", "",
                                                "慈善法第二十二条"]
    assert [r["answered"] for r in records] == [True, False, False, True]


def test_readable_text(tmp_path: Path) -> None:
    code, output = _run(["三亚旺季住宿标准"], as_json=False, cache=tmp_path)
    assert code == 0
    assert "依据 1" in output and "海南" in output
    assert "财行〔2016〕71号" in output
    _, output = _run(["红十字会法第九十九条"], as_json=False, cache=tmp_path)
    assert "没有第99条" in output and "30" in output
    _, output = _run(["红十字会法第十一条"], as_json=False, cache=tmp_path)
    assert "2017年2月24日修订" in output and "第三章 职责" in output


def test_missing_folder(tmp_path: Path) -> None:
    out = io.StringIO()
    code = ask_main(["x"], 3, True, tmp_path / "absent", tmp_path, out, io.StringIO())
    assert code == 1
    assert "error" in json.loads(out.getvalue())

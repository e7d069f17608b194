"""`zhenggai ask`: answer questions from the knowledge folder on the command line.

JSON output is a contract for scripts: one object per question, one line each (JSON Lines when
questions come from standard input), keys ``question``, ``answered``, ``hits`` (``file``,
``title``, ``article``, ``row``, ``score``, ``text``); further keys may be added, never removed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from knowledge.engine import KnowledgeBase
from knowledge.model import Hit, SearchResult

DEFAULT_FOLDER = Path(__file__).resolve().parent


def ask_main(questions: list[str] | None, top: int, as_json: bool, folder: Path,
             cache_dir: Path | None, out: TextIO, stdin: TextIO,
             wait_vectors: bool = False) -> int:
    """Answer each question (or each line of ``stdin`` when there are none); 0 on success.

    With the optional semantic search installed, unit vectors missing from the cache are built
    in the background and the questions are answered lexically meanwhile, unless
    ``wait_vectors``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        message = f"知识库目录不存在：{folder}"
        print(json.dumps({"error": message}, ensure_ascii=False) if as_json else message, file=out)
        return 1
    base = KnowledgeBase.load(folder, cache_dir)
    if wait_vectors:
        base.wait_semantic()
    if not as_json:
        for name, reason in base.load_errors:
            print(f"注意：文件 {name} 未能载入（{reason}）", file=out)
        status = base.semantic_status
        if status.state == "building":
            print(f"注意：语义向量计算中（{status.done}/{status.total}），本次按关键词检索。",
                  file=out)
    source: Iterable[str] = questions if questions else (line.rstrip("\r\n") for line in stdin)
    for question in source:
        result = base.search(question, top=max(1, top))
        if as_json:
            print(json.dumps(result_to_json(result), ensure_ascii=False), file=out)
        else:
            print(format_result(result), file=out)
        out.flush()
    return 0


def result_to_json(result: SearchResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "question": result.question,
        "answered": result.answered,
        "hits": [_hit_to_json(hit) for hit in result.hits] if result.answered else [],
        "kind": result.kind,
    }
    if result.missing is not None:
        data["missing"] = {
            "title": result.missing.title,
            "file": result.missing.file,
            "requested": result.missing.requested,
            "article_count": result.missing.article_count,
        }
    if result.suggestions:
        data["suggestions"] = list(result.suggestions)
    if result.table is not None:
        table = result.table
        data["table"] = {
            "file": table.file,
            "title": table.title,
            "label_columns": list(table.label_columns),
            "value_columns": list(table.value_columns),
            "rows": table.rows,
            "example": table.example,
        }
    return data


def _hit_to_json(hit: Hit) -> dict[str, Any]:
    passage = hit.passage
    return {
        "file": passage.file,
        "title": passage.title,
        "article": passage.article,
        "row": passage.row,
        "score": hit.score,
        "text": passage.text,
        "id": passage.id,
        "chapter": passage.chapter,
        "version": passage.version,
        "warning": passage.warning,
        "matched_terms": list(hit.matched_terms),
    }


def format_result(result: SearchResult) -> str:
    lines = [f"问：{result.question}"]
    if result.kind == "missing_article" and result.missing is not None:
        missing = result.missing
        lines.append(f"《{missing.title}》没有第{missing.requested}条"
                     f"（该文件共 {missing.article_count} 条）。")
    elif not result.answered:
        understood = result.kind != "bad_input"
        lines.append("知识库中没有找到依据。" if understood else "没有看懂这个问题。")
        lines.extend(f"· {tip}" for tip in result.suggestions)
    if result.table is not None:
        table = result.table
        labels = "、".join(table.label_columns)
        lines.append(f"《{table.title}》按{labels}逐行列出（共 {table.rows} 行），"
                     f"问题里没有写明是哪一行。请补上{labels}和要查的一列再问，例如“{table.example}”。"
                     "下面是表的前几行。")
    for number, hit in enumerate(result.hits, start=1):
        passage = hit.passage
        where = passage.article or passage.row or ""
        heading = f"依据 {number}：《{passage.title}》{where}"
        if passage.chapter:
            heading += f"（{passage.chapter}）"
        lines.extend(["", heading])
        if passage.version:
            lines.append(f"版本：{passage.version}")
        lines.append(_readable_row(passage.text) if passage.row else passage.text)
        if passage.warning:
            lines.append(f"⚠ {passage.warning}")
    return "\n".join(lines) + "\n"


def _readable_row(text: str) -> str:
    """A table row group as "列名：值" lines (the Markdown table stays in JSON output)."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.strip().startswith("|")]
    if len(rows) < 2:
        return text
    header = rows[0]
    return "\n".join(
        "；".join(f"{name}：{cell}" for name, cell in zip(header, row, strict=False) if cell)
        for row in rows[1:]
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhenggai ask", description="在法规知识库中查找依据")
    parser.add_argument("question", nargs="*", help="问题；省略时从标准输入逐行读取")
    parser.add_argument("--json", action="store_true", help="输出 JSON（逐行）")
    parser.add_argument("--top", type=int, default=3, help="最多返回几条依据")
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="知识库目录")
    parser.add_argument("--cache-dir", type=Path, default=None, help="索引缓存目录")
    parser.add_argument("--wait-vectors", action="store_true",
                        help="等语义向量算完再回答（需安装可选组件 semantic）")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return ask_main(args.question or None, args.top, args.json, args.folder, args.cache_dir,
                    sys.stdout, sys.stdin, wait_vectors=args.wait_vectors)


if __name__ == "__main__":
    raise SystemExit(main())

"""Split a document body into units of retrieval: articles, table row groups and paragraphs.

The body is Markdown-like text (``.md`` files as shipped, ``.txt`` as written, ``.docx``
after conversion). Articles are lines that start with 第X条; chapters are headings
(``## 第一章 总则``) or, in plain text, short lines such as ``第一章 总则``. Text inside an
article up to the next article or heading belongs to it (its 款 and 项).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.numerals import CHINESE_NUMERAL_CHARS, parse_number

_NUM = f"[{CHINESE_NUMERAL_CHARS}0-9０-９]+"
ARTICLE_LINE = re.compile(rf"^\s*(第({_NUM})条(?:之[{CHINESE_NUMERAL_CHARS}]+)?)(?:[\s　:：]|$)")
HEADING_LINE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
# Plain-text structural headings: 第一章 总则 / 第二节 … / 第三分编 … / 附则.
PLAIN_HEADING = re.compile(rf"^\s*第{_NUM}(?:分编|编|章|节)(?:[\s　].*)?$")
TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MAX_PARAGRAPH = 600


@dataclass(frozen=True)
class RawUnit:
    """A unit before it gets an id: what the text says and where it sits."""

    kind: str  # "article" | "row" | "paragraph"
    text: str
    chapter: str | None = None
    article: str | None = None
    article_number: int | None = None
    row: str | None = None
    context: str = ""  # extra words to index with the unit (table header, caption)


@dataclass
class _State:
    headings: dict[int, str]
    units: list[RawUnit]
    buffer: list[str]
    article: tuple[str, int] | None = None


def clean_heading(text: str) -> str:
    return re.sub(r"[ \t　]{2,}", " ", text.strip().strip("#").strip())


def split_units(body: str, title: str) -> list[RawUnit]:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    state = _State(headings={}, units=[], buffer=[])
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = HEADING_LINE.match(line)
        if heading or (PLAIN_HEADING.match(line) and len(line.strip()) <= 40):
            _flush(state, title)
            level = len(heading.group(1)) if heading else _plain_level(line)
            text = clean_heading(heading.group(2) if heading else line)
            if not state.headings and _same_title(text, title):
                index += 1
                continue
            state.headings = {k: v for k, v in state.headings.items() if k < level}
            state.headings[level] = text
            index += 1
            continue
        if TABLE_LINE.match(line):
            _flush(state, title)
            end = index
            while end < len(lines) and TABLE_LINE.match(lines[end]):
                end += 1
            state.units.extend(_table_units(lines[index:end], _chapter(state), title))
            index = end
            continue
        article = ARTICLE_LINE.match(line)
        if article:
            _flush(state, title)
            number = parse_number(article.group(2))
            if number is not None:
                state.article = (article.group(1), number)
        state.buffer.append(line)
        index += 1
    _flush(state, title)
    return state.units


def _plain_level(line: str) -> int:
    stripped = line.strip()
    if "分编" in stripped[:8] or re.match(rf"^第{_NUM}编", stripped):
        return 2
    if re.match(rf"^第{_NUM}节", stripped):
        return 4
    return 3


def _same_title(heading: str, title: str) -> bool:
    return _squash(heading) == _squash(title)


def _squash(text: str) -> str:
    return re.sub(r"[\s《》〈〉<>“”\"']", "", text)


def _chapter(state: _State) -> str | None:
    # Level-1 headings are the document title; everything below is the chapter path.
    parts = [text for level, text in sorted(state.headings.items()) if level >= 2]
    if not parts and 1 in state.headings:
        parts = [state.headings[1]]
    return " · ".join(parts) if parts else None


def _flush(state: _State, title: str) -> None:
    lines = state.buffer
    state.buffer = []
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if state.article is not None:
        label, number = state.article
        state.article = None
        if lines:
            state.units.append(
                RawUnit(kind="article", text="\n".join(lines).strip(), chapter=_chapter(state),
                        article=label, article_number=number)
            )
        return
    if lines:
        for paragraph in _paragraphs(lines):
            if _same_title(paragraph, title):
                continue
            state.units.append(RawUnit(kind="paragraph", text=paragraph, chapter=_chapter(state)))


def _paragraphs(lines: list[str]) -> list[str]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    result: list[str] = []
    for block in blocks:
        if not block:
            continue
        text = "\n".join(block).strip()
        if len(text) <= _MAX_PARAGRAPH:
            result.append(text)
            continue
        # A long block without blank lines (typical of .txt): keep lines together up to a size.
        chunk: list[str] = []
        size = 0
        for line in block:
            if chunk and size + len(line) > _MAX_PARAGRAPH:
                result.append("\n".join(chunk).strip())
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            result.append("\n".join(chunk).strip())
    return [text for text in result if text]


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def _is_number(cell: str) -> bool:
    return bool(re.fullmatch(r"[\d.,，%元/～~\-]+", cell))


def _is_continuation(cells: list[str]) -> bool:
    # Rows such as "|  |  | （同上） | … |" extend the row above (e.g. peak-season surcharges).
    leading = [cell for cell in cells[:3] if cell]
    return not leading or all(cell in ("（同上）", "(同上)", "同上", "〃") for cell in leading)


def _table_units(lines: list[str], chapter: str | None, title: str) -> list[RawUnit]:
    rows = [line for line in lines if not TABLE_SEPARATOR.match(line)]
    if len(rows) < 2:
        return [RawUnit(kind="paragraph", text="\n".join(lines).strip(), chapter=chapter)]
    header_line = rows[0]
    header = _cells(header_line)
    groups: list[list[str]] = []
    for line in rows[1:]:
        if groups and _is_continuation(_cells(line)):
            groups[-1].append(line)
        else:
            groups.append([line])
    units = []
    for group in groups:
        label = _row_label(header, _cells(group[0]))
        text = "\n".join([header_line.strip(), *(line.strip() for line in group)])
        context = " ".join(
            f"{name} {cell}"
            for line in group
            for name, cell in zip(header, _cells(line), strict=False)
            if cell and name
        )
        units.append(
            RawUnit(kind="row", text=text, chapter=chapter, row=label,
                    context=f"{title} {chapter or ''} {context}")
        )
    return units


# A running number column: neither a row's label nor one of its values.
_NUMBER_COLUMNS = ("序号", "编号", "No", "No.")


def _row_label(header: list[str], cells: list[str]) -> str:
    """The leading text cells of a row (region and city), skipping a running number column."""
    positions = _label_positions(header, cells)
    return " ".join(cells[i] for i in positions) if positions else " ".join(cells[:2])


def _label_positions(header: list[str], cells: list[str]) -> list[int]:
    positions: list[int] = []
    for position, cell in enumerate(cells):
        if not cell:
            continue
        if _is_number(cell):
            if positions:
                break
            continue
        if position < len(header) and header[position] in _NUMBER_COLUMNS:
            continue
        positions.append(position)
        if len(positions) == 2:
            break
    return positions


def row_columns(row_text: str) -> tuple[list[str], list[str]]:
    """A row unit's column names: those that tell rows apart (its label) and the others."""
    lines = row_text.split("\n")
    header = _cells(lines[0])
    cells = _cells(lines[1]) if len(lines) > 1 else []
    positions = set(_label_positions(header, cells))
    labels = [name for i, name in enumerate(header) if i in positions and name]
    values = [name for i, name in enumerate(header)
              if i not in positions and name and name not in _NUMBER_COLUMNS]
    return labels, values

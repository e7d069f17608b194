"""Word plans (.docx): a ledger in a Word table, or a plan written as an outline."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.grid import Grid, GridCell
from bot.services.plan_import.headers import Column, find_header
from bot.services.plan_import.ledger_plan import LedgerTable, ledger_plan
from bot.services.plan_import.markup import TextLine, clean_spaces
from bot.services.plan_import.model import ParsedPlan
from bot.services.plan_import.numerals import int_to_chinese
from bot.services.plan_import.outline_markers import match_marker
from bot.services.plan_import.outline_plan import parse_outline

_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)
_CHINESE_FORMATS = {
    "chineseCounting",
    "chineseCountingThousand",
    "chineseLegalSimplified",
    "ideographTraditional",
    "taiwaneseCounting",
    "japaneseCounting",
}
_CIRCLED_FORMATS = {"decimalEnclosedCircle", "decimalEnclosedCircleChinese"}
_P, _T, _TAB, _BR, _CR, _TABS = (
    qn(tag) for tag in ("w:p", "w:t", "w:tab", "w:br", "w:cr", "w:tabs")
)


def parse_docx(data: bytes, source_name: str, year: int | None) -> ParsedPlan:
    """A ledger table if the document has one (several continue each other), else the text."""
    document = docx.Document(BytesIO(data))
    numbering = _Numbering(document)
    lines: list[TextLine] = []
    tables: list[LedgerTable] = []
    texts_before_tables: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            line = _paragraph_line(block, numbering, len(lines) + 1)
            if line is not None:
                lines.append(line)
            continue
        grid = table_grid(block, f"表格{len(tables) + 1}")
        header = find_header(grid)
        if header is None and tables and grid.width == tables[-1][0].width:
            # the ledger goes on in a second table without a header of its own
            tables[-1][0].extend(grid)
            continue
        if header is None:
            lines.extend(_table_lines(block, len(lines)))
            continue
        if not tables:
            texts_before_tables = [line.text for line in lines]
        tables.append((grid, header, _aspect_before(lines, header.columns)))
    if tables:
        title = next((t for t in texts_before_tables if len(t) <= 60), None)
        return ledger_plan(tables, source_name, year, [], title, texts_before_tables)
    if not lines:
        raise PlanImportError("empty", "文档是空的，没有任何内容。", "The document is empty.")
    return parse_outline(lines, source_name, year)


def table_grid(table: Table, name: str) -> Grid:
    """A Word table as a grid; gridSpan and vMerge become merges like a sheet's."""
    rows: list[list[GridCell]] = []
    for r, tr in enumerate(table._tbl.tr_lst):
        cells: list[GridCell] = [GridCell()] * tr.grid_before
        for tc in tr.tc_lst:
            column = len(cells)
            if tc.vMerge == "continue" and r > 0 and column < len(rows[r - 1]):
                above = rows[r - 1][column]
                cell = GridCell(above.value, above.origin or (r - 1, column))
            else:
                text = clean_spaces(_cell_text(tc))
                cell = GridCell(text or None, (r, column) if tc.grid_span > 1 else None)
            cells.extend([cell] * tc.grid_span)
        rows.append(cells)
    return Grid(name, rows, location_prefix=name)


def _cell_text(tc: Any) -> str:
    """A cell's paragraphs, one per line (python-docx's cell.text, without its slow xpath)."""
    paragraphs = []
    for paragraph in tc.iterchildren(_P):
        parts = []
        for node in paragraph.iter(_T, _TAB, _BR, _CR):
            if node.tag == _T:
                parts.append(node.text or "")
            elif node.tag != _TAB:
                parts.append("\n")
            elif node.getparent().tag != _TABS:  # a tab stop definition is not text
                parts.append("\t")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _paragraph_line(paragraph: Paragraph, numbering: _Numbering, number: int) -> TextLine | None:
    text = clean_spaces(paragraph.text).replace("\n", " ")
    label = numbering.label(paragraph)
    if not text:
        return None
    if label and match_marker(text) is None:
        text = label + text
    style = paragraph.style.name if paragraph.style is not None else ""
    found = _HEADING_STYLE.search(style or "")
    return TextLine(text, number, int(found[1]) if found else None)


def _table_lines(table: Table, count: int) -> list[TextLine]:
    """Text in a table that is not a ledger (a layout table around the text)."""
    lines: list[TextLine] = []
    seen: set[int] = set()
    for tc in table._tbl.iter(qn("w:tc")):
        if id(tc) in seen:
            continue
        seen.add(id(tc))
        for paragraph in _Cell(tc, table).paragraphs:
            text = clean_spaces(paragraph.text)
            if text:
                lines.append(TextLine(text, count + len(lines) + 1))
    return lines


def _aspect_before(lines: list[TextLine], columns: dict[Column, int]) -> str | None:
    # A table per aspect, each under its heading ("一、政治建设方面"), when the table has no
    # aspect column of its own.
    if Column.ASPECT in columns or not lines:
        return None
    marker = match_marker(lines[-1].text)
    if marker is not None and marker.kind in ("cn_dun", "cn_paren") and len(marker.rest) <= 60:
        return marker.rest.rstrip("。：:")
    return None


class _Numbering:
    """Word's automatic numbering, rendered so outline markers typed by Word are not lost."""

    def __init__(self, document: Document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.abstract_of: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in root.findall(qn("w:abstractNum")):
            levels: dict[int, tuple[str, str, int]] = {}
            for level in abstract.findall(qn("w:lvl")):
                levels[int(level.get(qn("w:ilvl"), "0"))] = (
                    _child_value(level, "w:numFmt") or "decimal",
                    _child_value(level, "w:lvlText") or "",
                    int(_child_value(level, "w:start") or "1"),
                )
            self.levels[abstract.get(qn("w:abstractNumId"), "")] = levels
        for num in root.findall(qn("w:num")):
            self.abstract_of[num.get(qn("w:numId"), "")] = _child_value(num, "w:abstractNumId")

    def label(self, paragraph: Paragraph) -> str | None:
        num_pr = _numbering_properties(paragraph)
        if num_pr is None or num_pr.numId is None:
            return None
        abstract_id = self.abstract_of.get(str(num_pr.numId.val))
        levels = self.levels.get(abstract_id or "")
        if not levels:
            return None
        level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
        counters = self.counters.setdefault(abstract_id or "", [0] * 9)
        if level >= len(counters) or level not in levels:
            return None
        counters[level] += 1
        for deeper in range(level + 1, len(counters)):
            counters[deeper] = 0
        fmt, text, _ = levels[level]
        if fmt in ("bullet", "none"):
            return None
        for index in range(level + 1):
            start = levels.get(index, ("decimal", "", 1))[2]
            value = max(counters[index], 1) + start - 1
            text = text.replace(f"%{index + 1}", _format(value, levels.get(index, (fmt,))[0]))
        return text


def _numbering_properties(paragraph: Paragraph) -> Any:
    """The paragraph's own numbering, else its style's (List Number, 标题 with numbering…)."""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return properties.numPr
    style = paragraph.style
    while style is not None:
        style_properties = style.element.pPr
        if style_properties is not None and style_properties.numPr is not None:
            return style_properties.numPr
        style = style.base_style
    return None


def _child_value(element: object, tag: str) -> str:
    child = element.find(qn(tag))  # type: ignore[attr-defined]
    return child.get(qn("w:val"), "") if child is not None else ""


def _format(value: int, fmt: str) -> str:
    if fmt in _CHINESE_FORMATS:
        return int_to_chinese(value)
    if fmt in _CIRCLED_FORMATS and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(ch) + 0xFEE0) for ch in str(value))
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (value - 1) % 26)
        return letter if fmt == "upperLetter" else letter.lower()
    return str(value)

"""Plain-text plans (.txt, .md, web pages), and ledgers carried as HTML or markdown tables."""

from __future__ import annotations

import re

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.headers import find_header
from bot.services.plan_import.ledger_plan import LedgerTable, ledger_plan
from bot.services.plan_import.markup import clean_lines
from bot.services.plan_import.markup_tables import html_table_grids, markdown_table_grids
from bot.services.plan_import.model import ParsedPlan
from bot.services.plan_import.outline_plan import parse_outline

_ENCODINGS = ("utf-8-sig", "gb18030", "big5")
_HTML_TABLE = re.compile(r"<table\b", re.IGNORECASE)
_MARKDOWN_TABLE = re.compile(r"^\s*\|", re.MULTILINE)


def decode_text(data: bytes) -> str:
    """Text in the encodings Chinese offices save in: UTF-8 (with or without BOM), UTF-16, GBK."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanImportError(
        "unsupported_type",
        "无法识别文件的文字编码，请另存为 UTF-8 文本或 Word/Excel 文件后再导入。",
        "The text encoding could not be recognised; save the file as UTF-8, .docx or .xlsx.",
    )


def parse_text(data: bytes, source_name: str, year: int | None) -> ParsedPlan:
    """A ledger if the text carries a table that is one, else the text's outline."""
    text = decode_text(data)
    ledger = _ledger_in_tables(text, source_name, year)
    if ledger is not None:
        return ledger
    lines = clean_lines(text)
    if not lines:
        raise PlanImportError("empty", "文件是空的，没有任何内容。", "The file is empty.")
    return parse_outline(lines, source_name, year)


def _ledger_in_tables(text: str, source_name: str, year: int | None) -> ParsedPlan | None:
    html = _HTML_TABLE.search(text)
    markdown = _MARKDOWN_TABLE.search(text)
    if html:
        grids, start = html_table_grids(text), html.start()
    elif markdown:
        grids, start = markdown_table_grids(text), markdown.start()
    else:
        return None
    tables: list[LedgerTable] = []
    for grid in grids:
        header = find_header(grid)
        if header is None and tables and grid.width == tables[-1][0].width:
            tables[-1][0].extend(grid)  # the table goes on after a page break
        elif header is not None:
            tables.append((grid, header, None))
    if not tables:
        return None
    before = [line.text for line in clean_lines(text[:start])]
    title = next((line for line in before if len(line) <= 60), None)
    return ledger_plan(tables, source_name, year, [], title, before)

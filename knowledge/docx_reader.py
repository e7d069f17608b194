"""Convert a .docx file into the Markdown-like text the splitter understands.

Headings become ``#`` lines, tables become ``| a | b |`` rows (first row as header), paragraphs are
separated by blank lines. Body order is kept, so a table stays under its caption.
"""

from __future__ import annotations

import io
import re

from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)", re.IGNORECASE)


def docx_to_text(content: bytes) -> tuple[str, str | None]:
    """Return (markdown text, core-properties title or None)."""
    document = open_docx(io.BytesIO(content))
    out: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            line = _paragraph_line(block)
            if line:
                out.extend([line, ""])
        elif isinstance(block, Table):
            out.extend(_table_lines(block))
            out.append("")
    title = (document.core_properties.title or "").strip() or None
    return "\n".join(out).strip() + "\n", title


def _paragraph_line(paragraph: Paragraph) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.lower() == "title":
        return f"# {text}"
    match = _HEADING_STYLE.match(style)
    if match:
        level = min(int(match.group(1)) + 1, 6)
        return f"{'#' * level} {text}"
    return text


def _table_lines(table: Table) -> list[str]:
    lines: list[str] = []
    for index, row in enumerate(table.rows):
        cells = [_cell_text(cell.text) for cell in row.cells]
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + " --- |" * len(cells))
    return lines


def _cell_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("|", "｜")).strip()

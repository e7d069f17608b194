"""Plain-text plans (.txt, .md, text pasted from web pages)."""

from __future__ import annotations

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.markup import clean_lines
from bot.services.plan_import.model import ParsedPlan
from bot.services.plan_import.outline_plan import parse_outline

_ENCODINGS = ("utf-8-sig", "gb18030", "big5")


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
    lines = clean_lines(decode_text(data))
    if not lines:
        raise PlanImportError("empty", "文件是空的，没有任何内容。", "The file is empty.")
    return parse_outline(lines, source_name, year)

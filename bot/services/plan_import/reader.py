"""The entry point: any uploaded plan file → ParsedPlan, or a PlanImportError saying why not."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bot.services.plan_import.csv_parser import parse_csv
from bot.services.plan_import.docx_parser import parse_docx
from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.file_checks import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UNCOMPRESSED,
    check_ole,
    check_zip,
    corrupt,
    is_ole,
    is_zip,
    too_large,
    unsupported,
)
from bot.services.plan_import.model import ParsedPlan
from bot.services.plan_import.text_parser import decode_text, parse_text
from bot.services.plan_import.xlsx_parser import parse_xlsx

_TEXT_EXTENSIONS = {".txt", ".md", ".markdown", ".text", ".htm", ".html", ""}
_OTHER_FORMATS = [
    (b"%PDF", "PDF 文件", "A PDF file"),
    (b"{\\rtf", "RTF 文档（请在 Word 中另存为 .docx）", "An RTF document (save it as .docx)"),
    (b"\x89PNG", "图片", "An image"),
    (b"\xff\xd8\xff", "图片", "An image"),
    (b"GIF8", "图片", "An image"),
    (b"Rar!", "压缩包", "An archive"),
    (b"7z\xbc\xaf", "压缩包", "An archive"),
]


def parse_plan_file(
    path_or_bytes: str | os.PathLike[str] | bytes,
    file_name: str,
    year: int | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> ParsedPlan:
    """Parse a plan: an Excel ledger, a Word/text plan or report, or a plan file (.json).

    The content decides the format (the name's extension only breaks ties). `year` is used
    for dates without a year when the file does not say which year the plan is for. Raises
    PlanImportError for anything that cannot be imported; never anything else.
    """
    data = _read(path_or_bytes, max_bytes)
    if not data.strip():
        raise PlanImportError("empty", "文件是空的，没有任何内容。", "The file is empty.")
    extension = Path(file_name).suffix.lower()
    try:
        return _dispatch(data, file_name, extension, year, max_uncompressed)
    except PlanImportError:
        raise
    except Exception as error:  # a damaged file must end in a message, not a crash
        raise corrupt() from error


def _read(source: str | os.PathLike[str] | bytes, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise too_large(len(data), max_bytes)
        return data
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise too_large(size, max_bytes)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise PlanImportError(
            "unreadable", "无法读取这个文件。", f"The file could not be read: {error.strerror}"
        ) from error
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    return data


def _dispatch(
    data: bytes, file_name: str, extension: str, year: int | None, max_uncompressed: int
) -> ParsedPlan:
    if is_zip(data):
        kind = check_zip(data, max_uncompressed)
        return (parse_xlsx if kind == "xlsx" else parse_docx)(data, file_name, year)
    if is_ole(data):
        check_ole(data)
    for magic, what_zh, what_en in _OTHER_FORMATS:
        if data.startswith(magic):
            raise unsupported(what_zh, what_en)
    if _looks_binary(data):
        if extension in (".xlsx", ".docx", ".xls", ".doc"):
            raise corrupt()
        raise unsupported()
    if extension == ".json" or (extension not in _TEXT_EXTENSIONS and _starts_like_json(data)):
        return _parse_json(data, file_name)
    if extension in (".csv", ".tsv"):
        return parse_csv(data, file_name, year)
    return parse_text(data, file_name, year)


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


def _starts_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _parse_json(data: bytes, file_name: str) -> ParsedPlan:
    try:
        content = json.loads(decode_text(data))
    except json.JSONDecodeError as error:
        raise PlanImportError(
            "invalid_plan_json",
            f"方案文件不是有效的 JSON（第{error.lineno}行第{error.colno}列）。",
            f"The plan file is not valid JSON (line {error.lineno}, column {error.colno}).",
        ) from error
    return ParsedPlan.from_json_dict(content, file_name)

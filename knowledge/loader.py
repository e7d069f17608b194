"""Read the files of a knowledge folder into documents made of retrieval units."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.aliases import aliases_for
from knowledge.frontmatter import as_list, as_text, split_front_matter
from knowledge.structure import ARTICLE_LINE, RawUnit, split_units

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
DOCX_SUFFIXES = frozenset({".docx"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | DOCX_SUFFIXES
# Formats people are likely to drop in; they are reported rather than silently ignored.
UNSUPPORTED_REPORTED = frozenset({".pdf", ".doc", ".wps", ".rtf", ".odt", ".xls", ".xlsx"})

_COMPLETE_WORDS = ("yes", "true", "full", "complete", "是", "完整", "全文")
_UNVERIFIED_MARKERS = ("第三方", "转录", "未核对", "未经核对", "ocr", "unverified", "未校对")
_HISTORY_DATE = re.compile(r"(\d{4}年\d{1,2}月\d{1,2}日)")
_SOURCE_DATE = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)")
_ACTIONS = ("修订", "修正", "通过", "公布", "发布", "印发")


class DocumentError(Exception):
    """A file that cannot be turned into a document; the message is shown to admins."""


@dataclass(frozen=True)
class LoadedDocument:
    file: str
    title: str
    version: str | None
    warning: str | None
    complete: bool
    doc_number: str | None
    aliases: tuple[str, ...]
    units: tuple[RawUnit, ...]
    content_hash: str


def is_candidate(path: Path) -> bool:
    """Whether a folder entry is a document (or a file we should report as unreadable)."""
    name = path.name
    if name.startswith((".", "~$")) or not path.is_file():
        return False
    if name.lower().startswith("readme"):
        return False
    suffix = path.suffix.lower()
    return suffix in SUPPORTED_SUFFIXES or suffix in UNSUPPORTED_REPORTED


def list_sources(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [path for path in entries if is_candidate(path)]


def content_hash(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def read_document(file_name: str, content: bytes) -> LoadedDocument:
    suffix = Path(file_name).suffix.lower()
    if suffix in UNSUPPORTED_REPORTED:
        raise DocumentError(f"不支持的格式 {suffix}：请另存为 .docx、.txt 或 .md")
    core_title: str | None = None
    if suffix in DOCX_SUFFIXES:
        try:
            from knowledge.docx_reader import docx_to_text

            text, core_title = docx_to_text(content)
        except Exception as error:  # python-docx raises many kinds on a broken file
            raise DocumentError(f"无法读取 Word 文件：{type(error).__name__}") from error
    else:
        text = _decode(content)
    front, body = split_front_matter(text)
    title = (
        as_text(front.get("title")).strip()
        or core_title
        or _first_heading(body)
        or Path(file_name).stem
    )
    units = tuple(split_units(body, title))
    if not units:
        raise DocumentError("文件中没有可检索的正文")
    history = as_list(front.get("history"))
    doc_number = as_text(front.get("doc_number")).strip() or None
    complete = _is_complete(front)
    extra_names = as_list(front.get("aliases")) + as_list(front.get("short_name"))
    if doc_number:
        extra_names.append(doc_number)
    return LoadedDocument(
        file=file_name,
        title=title,
        version=_version(front, history),
        warning=_warning(front, complete, doc_number),
        complete=complete,
        doc_number=doc_number,
        aliases=aliases_for(title, extra_names, history),
        units=units,
        content_hash=content_hash(content),
    )


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("文本编码无法识别（请存为 UTF-8）")


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if not stripped:
            continue
        if len(stripped) <= 60 and not ARTICLE_LINE.match(stripped) and "。" not in stripped:
            return stripped
        return None
    return None


def _is_complete(front: dict[str, str | list[str]]) -> bool:
    value = as_text(front.get("complete")).strip().lower()
    if not value:
        return True
    return value.startswith(_COMPLETE_WORDS)


def _is_unverified(front: dict[str, str | list[str]]) -> bool:
    verified = as_text(front.get("verified")).strip().lower()
    if verified in ("no", "false", "否", "未核对"):
        return True
    described = " ".join(as_text(front.get(key)) for key in ("complete", "source", "note"))
    return any(marker in described.lower() for marker in _UNVERIFIED_MARKERS)


def _warning(front: dict[str, str | list[str]], complete: bool,
             doc_number: str | None) -> str | None:
    unverified = _is_unverified(front)
    if not unverified and complete:
        return None
    problems = []
    if unverified:
        problems.append("来源是未经核对的第三方转录，未与官方原件核对")
    if not complete:
        problems.append("本文件内容不完整")
    official = f"官方文件（{doc_number}）" if doc_number else "官方发布的原件"
    return f"注意：{'；'.join(problems)}。使用前请以{official}为准。"


def _version(front: dict[str, str | list[str]], history: list[str]) -> str | None:
    explicit = as_text(front.get("version")).strip()
    if explicit:
        return explicit
    # The latest adoption or amendment; "施行" (entry into force) lines are not versions.
    for entry in reversed(history):
        date = _HISTORY_DATE.search(entry)
        if not date:
            continue
        action = next((word for word in _ACTIONS if word in entry), None)
        if action:
            return f"{date.group(1)}{action}"
    source = _SOURCE_DATE.search(as_text(front.get("source")))
    if source:
        year, month, day = source.groups()
        return f"{year}年{int(month)}月{int(day)}日版"
    return None

"""Askings: how people ask about an article, kept beside the documents they belong to.

Staff rarely use a statute's words ("有人造谣说红会贪污" for an article on false information that
harms the society's reputation). For each shipped regulation, ``knowledge/askings/<stem>.txt``
lists, article by article, a few questions in everyday words that the article answers (written
from the statute, never from the evaluation questions). An organisation can keep its own beside
its documents, in ``<knowledge folder>/askings/``; a file there wins over the shipped one.

Format (UTF-8)::

    # <document title>             (optional; when given, the file applies only to that title)
    第十一条 | 红会平时都干些什么；红十字会有哪些职责

Askings are search aids only: they are never shown as an answer, and an answer always quotes
the article itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.numerals import parse_number

FOLDER_NAME = "askings"
SHIPPED_DIR = Path(__file__).resolve().parent / FOLDER_NAME
SUFFIX = ".txt"
MAX_FILE_BYTES = 2_000_000
_LINE = re.compile(r"^\s*第\s*([〇零一二三四五六七八九十百千两\d]+)\s*条\s*[|｜]\s*(.+)$")
_SPLIT = re.compile(r"[；;]")


@dataclass(frozen=True)
class AskingsFile:
    title: str | None
    by_article: dict[int, tuple[str, ...]]


def parse(text: str) -> AskingsFile:
    title: str | None = None
    by_article: dict[int, list[str]] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if title is None:
                title = stripped.lstrip("#").strip() or None
            continue
        match = _LINE.match(stripped)
        if not match:
            continue
        number = parse_number(match.group(1))
        if number is None:
            continue
        askings = [a.strip() for a in _SPLIT.split(match.group(2)) if a.strip()]
        by_article.setdefault(number, []).extend(askings)
    return AskingsFile(title, {n: tuple(dict.fromkeys(a)) for n, a in by_article.items()})


class Askings:
    """The askings files that apply to one knowledge folder (its own, then the shipped ones)."""

    def __init__(self, folder: Path, shipped: Path | None = SHIPPED_DIR) -> None:
        self._files: dict[str, bytes] = {}
        for directory in (shipped, folder / FOLDER_NAME):  # the folder's own read last: it wins
            if directory is None:
                continue
            try:
                paths = sorted(directory.glob(f"*{SUFFIX}"))
            except OSError:
                continue
            for path in paths:
                try:
                    if path.stat().st_size <= MAX_FILE_BYTES:
                        self._files[path.stem] = path.read_bytes()
                except OSError:
                    continue
        self._parsed: dict[str, AskingsFile] = {}

    @property
    def digest(self) -> str:
        """Changes whenever any askings file does (part of the index cache key)."""
        digest = hashlib.blake2b(digest_size=12)
        for stem in sorted(self._files):
            digest.update(f"\0{stem}\0".encode())
            digest.update(self._files[stem])
        return digest.hexdigest()

    def for_document(self, file_name: str, title: str) -> dict[int, tuple[str, ...]]:
        """Askings by article number for the document ``file_name`` titled ``title``."""
        stem = Path(file_name).stem
        raw = self._files.get(stem)
        if raw is None:
            return {}
        parsed = self._parsed.get(stem)
        if parsed is None:
            parsed = parse(raw.decode("utf-8", errors="replace"))
            self._parsed[stem] = parsed
        if parsed.title is not None and _squash(parsed.title) != _squash(title):
            return {}  # another document under the same file name
        return parsed.by_article


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)

"""Value types shared by the loader, the index and the public API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ResultKind = Literal["search", "article_lookup", "missing_article", "no_basis", "bad_input"]
UnitKind = Literal["article", "row", "paragraph"]


@dataclass(frozen=True)
class Passage:
    """One unit of retrieval: an article, a table row (group) or a paragraph."""

    id: str
    file: str
    title: str
    article: str | None
    article_number: int | None
    chapter: str | None
    row: str | None
    version: str | None
    text: str
    warning: str | None
    kind: UnitKind = "article"
    # How people ask about this unit in everyday words (knowledge.askings); never shown.
    askings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    matched_terms: tuple[str, ...]


@dataclass(frozen=True)
class MissingArticle:
    title: str
    file: str
    requested: int
    article_count: int


@dataclass(frozen=True)
class TableOverview:
    """A question that finds a table but names none of its rows ("出差住宿标准多少？")."""

    file: str
    title: str
    label_columns: tuple[str, ...]  # the columns that tell rows apart (地区, 市县)
    value_columns: tuple[str, ...]  # the rest (一类, 二类, 三类, ...)
    rows: int
    example: str  # one row's label, to show how to ask


@dataclass(frozen=True)
class SearchResult:
    question: str
    answered: bool
    hits: list[Hit]
    kind: ResultKind
    missing: MissingArticle | None = None
    suggestions: list[str] = field(default_factory=list)
    # Set when the hits are the first rows of a table the question names no row of.
    table: TableOverview | None = None


@dataclass(frozen=True)
class Document:
    file: str
    title: str
    version: str | None
    warning: str | None
    complete: bool
    article_count: int
    passage_ids: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    doc_number: str | None = None
    content_hash: str = ""


@dataclass(frozen=True)
class ReloadReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed or self.failed)

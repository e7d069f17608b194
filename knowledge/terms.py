"""Turning Chinese text into index terms: jieba words, their dictionary sub-words and char bigrams.

jieba's default dictionary is loaded once per process (quietly). Each index gets its own
``jieba.Tokenizer`` built from that dictionary plus the folder's domain words, so adding a
document never changes how an unrelated process segments text. Queries are segmented with a
compact dictionary (the index vocabulary plus question words) that is stored with the index, so
a warm start needs no jieba dictionary at all and segments queries exactly as the cold start did.
"""

from __future__ import annotations

import logging
import marshal
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable

import jieba

from knowledge.segment import Segmenter
from knowledge.synonyms import COLLOQUIAL, EVERYDAY, STOPWORDS, SYNONYM_GROUPS

BIGRAM_PREFIX = "~"
# Words in the opening of a unit (its subject: "活体器官的接受人限于…") are indexed again
# with this prefix.
LEAD_PREFIX = "^"
LEAD_CHARS = 24
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_WORDLIKE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff0-9a-z]")
_DOMAIN_FREQ = 3000
_COMMON_FREQ = 5

_base_lock = threading.Lock()
_base_tokenizer: jieba.Tokenizer | None = None


def normalise(text: str) -> str:
    """Full-width to half-width, lower case; keeps Chinese punctuation recognisable as such."""
    return unicodedata.normalize("NFKC", text).lower()


def _base() -> jieba.Tokenizer:
    global _base_tokenizer
    with _base_lock:
        if _base_tokenizer is None:
            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if not _load_cached_dictionary(tokenizer):
                tokenizer.initialize()  # builds jieba's cache file on first use (a few seconds)
            _base_tokenizer = tokenizer
        return _base_tokenizer


def _load_cached_dictionary(tokenizer: jieba.Tokenizer) -> bool:
    """Load jieba's own cache of its default dictionary in one read.

    jieba unmarshals the file straight from disk, in small reads: 1.0 s here against 0.3 s for
    the same bytes read at once. Anything unexpected leaves it to jieba's own initialisation.
    """
    path = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), "jieba.cache")
    try:
        with open(path, "rb") as handle:
            freq, total = marshal.loads(handle.read())
    except Exception:  # missing, unreadable or another format: jieba rebuilds it
        return False
    if not isinstance(freq, dict) or not isinstance(total, int) or len(freq) < 100_000:
        return False
    tokenizer.FREQ, tokenizer.total = freq, total
    tokenizer.initialized = True
    return True


def domain_words(extra: Iterable[str]) -> list[str]:
    words = {word for group in SYNONYM_GROUPS for word in group}
    words.update(COLLOQUIAL)
    words.update(word for targets in COLLOQUIAL.values() for word in targets)
    words.update(EVERYDAY)
    words.update(extra)
    return sorted(word for word in (normalise(w).strip() for w in words) if len(word) >= 2)


class Analyzer:
    """Segments text for the index and for queries with one fixed dictionary."""

    def __init__(self, freq: dict[str, int], total: int) -> None:
        self.freq = freq
        self.total = total
        self._segmenter = Segmenter(freq, total)
        # a word's index terms (itself and its sub-words), worked out once: words repeat a lot
        self._word_terms: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {"freq": self.freq, "total": self.total}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["freq"], state["total"])  # type: ignore[misc, arg-type]

    @classmethod
    def full(cls, extra_words: Iterable[str]) -> Analyzer:
        base = _base()
        freq = dict(base.FREQ)
        for word in domain_words(extra_words):
            _add_word(freq, word, max(freq.get(word) or 0, _DOMAIN_FREQ))
        return cls(freq, base.total)

    def compact(self, vocabulary: Iterable[str]) -> Analyzer:
        """A smaller dictionary (rare words dropped) for queries, stored with the index."""
        keep = set(vocabulary) | set(STOPWORDS) | set(domain_words(()))
        # Common words stay too: a question's word the folder never uses ("公积金") must
        # still come out as one word, to count as unknown rather than vanish. Zero counts are
        # the prefixes jieba needs to walk its dictionary.
        freq = {
            word: count
            for word, count in self.freq.items()
            if count == 0 or count >= _COMMON_FREQ or len(word) == 1 or word in keep
        }
        return Analyzer(freq, self.total)

    def knows(self, word: str) -> bool:
        return bool(self.freq.get(word))

    def words(self, text: str) -> list[str]:
        """jieba accurate-mode words of normalised text (no HMM: deterministic and fast)."""
        return [word for word in self._segmenter.cut(text) if word.strip()]

    def index_terms(self, text: str, lead: tuple[int, int] = (0, 0)) -> list[str]:
        """Words, their sub-words and bigrams of ``text``; words starting inside the ``lead``
        character range are added once more with LEAD_PREFIX."""
        text = normalise(text)
        terms: list[str] = []
        lead_start, lead_end = lead
        position = 0
        known = self._word_terms
        for word in self.words(text):
            start = position
            position += len(word)
            found = known.get(word)
            if found is None:
                found = known[word] = self._terms_of(word)
            if not found:
                continue
            terms.extend(found)
            if lead_start <= start < lead_end:
                terms.extend(LEAD_PREFIX + term for term in found)
        terms.extend(bigrams(text))
        return terms

    def _terms_of(self, word: str) -> tuple[str, ...]:
        if not _WORDLIKE.search(word) or word in STOPWORDS:
            return ()
        terms = [word] if len(word) >= 2 else []
        if len(word) >= 3 and _CJK.search(word):
            terms.extend(self._sub_words(word))
        return tuple(terms)

    def _sub_words(self, word: str) -> list[str]:
        found = []
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                piece = word[start : start + size]
                if self.freq.get(piece) and piece not in STOPWORDS:
                    found.append(piece)
        return found


def _add_word(freq: dict[str, int], word: str, count: int) -> None:
    freq[word] = count
    for end in range(1, len(word)):
        freq.setdefault(word[:end], 0)


def bigrams(text: str) -> list[str]:
    grams = []
    for run in _CJK_RUN.findall(text):
        grams.extend(BIGRAM_PREFIX + run[i : i + 2] for i in range(len(run) - 1))
    return grams


def is_wordlike(word: str) -> bool:
    return bool(_WORDLIKE.search(word))

"""Typo candidates: words of the folder one character away from a string that is not a word."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from knowledge.terms import is_wordlike

MAX_CANDIDATES = 3


class TypoIndex:
    def __init__(self, vocabulary: Iterable[str]) -> None:
        by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            if 2 <= len(word) <= 8 and is_wordlike(word):
                by_length.setdefault(len(word), []).append(word)
        self.by_length = {size: sorted(words) for size, words in by_length.items()}

    def candidates(self, text: str) -> list[str]:
        """Same-length words differing in one character (the usual pinyin-input slip)."""
        words = self.by_length.get(len(text))
        if not words or len(text) < 2:
            return []
        found = process.extract(text, words, scorer=Levenshtein.distance, score_cutoff=1,
                                limit=None)
        # For two-character strings one shared character says little: keep only close calls.
        if len(text) == 2 and len(found) > MAX_CANDIDATES:
            return []
        return [word for word, _, _ in found[:MAX_CANDIDATES]]

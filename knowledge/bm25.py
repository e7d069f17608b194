"""An inverted index with BM25 weights, two channels: words and character bigrams.

Postings hold the saturated, length-normalised term-frequency part of BM25
(tf·(k1+1) / (tf + k1·norm), about 1 for one occurrence in a passage of average length), so a
query multiplies by its concept weights and adds. Capped at 1 per concept and divided by the sum
of the weights, it is the share of the question a passage covers. Arrays keep a 20x folder small
in memory and fast to pickle.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.terms import BIGRAM_PREFIX, LEAD_PREFIX

_SPECIAL = (BIGRAM_PREFIX, LEAD_PREFIX)
K1 = 1.2
# Statute articles differ a lot in length and the long ones (lists of 项) are often the answer:
# a milder length normalisation than the usual 0.75.
B = 0.5


@dataclass(frozen=True)
class Variant:
    """A way a concept can appear: one term, or several that should appear together."""

    terms: tuple[str, ...]
    factor: float  # 1.0 for the word itself, less for synonyms


@dataclass(frozen=True)
class Concept:
    """One idea of the question: a word with its synonyms; scored by its best variant."""

    label: str
    variants: tuple[Variant, ...]
    weight: float  # how informative the idea is (idf); also the most it can add


class LexicalIndex:
    def __init__(self, unit_terms: Sequence[Sequence[str]]) -> None:
        self.size = len(unit_terms)
        # One row per (term, unit): counted unit by unit, weighed all at once.
        numbers: dict[str, int] = {}
        row_terms, row_units, row_counts = array("i"), array("i"), array("i")
        for unit_id, terms in enumerate(unit_terms):
            counts = Counter(terms)
            row_terms.extend([numbers.setdefault(term, len(numbers)) for term in counts])
            row_units.extend([unit_id] * len(counts))
            row_counts.extend(counts.values())
        is_gram = np.array([term[0] == BIGRAM_PREFIX for term in numbers], dtype=bool)
        is_word = np.array([term[0] not in _SPECIAL for term in numbers], dtype=bool)
        term_of = np.frombuffer(row_terms, dtype=np.int32)
        unit_of = np.frombuffer(row_units, dtype=np.int32)
        tf = np.frombuffer(row_counts, dtype=np.int32).astype(np.float64)
        # a unit's length in words and in bigrams (lead-prefixed repeats counted in neither)
        gram_lengths = np.bincount(unit_of, tf * is_gram[term_of], minlength=self.size)
        word_lengths = np.bincount(unit_of, tf * is_word[term_of], minlength=self.size)
        avg_words = float(word_lengths.mean()) if self.size else 1.0
        avg_grams = float(gram_lengths.mean()) if self.size else 1.0
        norm = np.where(is_gram[term_of],
                        1 - B + B * gram_lengths[unit_of] / max(avg_grams, 1.0),
                        1 - B + B * word_lengths[unit_of] / max(avg_words, 1.0))
        weight = (tf * (K1 + 1) / (tf + K1 * norm)).astype(np.float32)
        order = np.argsort(term_of, kind="stable")  # each term's units stay in unit order
        bounds = np.searchsorted(term_of[order], np.arange(len(numbers) + 1))
        units, weights = unit_of[order].tobytes(), weight[order].tobytes()
        self.postings: dict[str, tuple[array, array]] = {}
        for term, number in numbers.items():
            first, last = int(bounds[number]) * 4, int(bounds[number + 1]) * 4
            ids, values = array("i"), array("f")
            ids.frombytes(units[first:last])
            values.frombytes(weights[first:last])
            self.postings[term] = (ids, values)
        self.max_idf = self.idf_for_df(1)

    def idf_for_df(self, df: int) -> float:
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        """idf of a term; a term the folder never uses gets the rarest possible weight."""
        entry = self.postings.get(term)
        return self.idf_for_df(len(entry[0]) if entry else 1)

    def __contains__(self, term: str) -> bool:
        return term in self.postings

    def vocabulary(self) -> Iterable[str]:
        return (term for term in self.postings if term[0] not in _SPECIAL)

    def strengths(self, concept: Concept) -> tuple[np.ndarray, np.ndarray]:
        """For every unit: (how fully the concept is present, 0..1; its BM25 strength).

        Presence is the best variant's factor (a synonym counts a little less, half of a
        two-word phrase counts half); it ignores length and repetition, which only BM25 sees.
        """
        present = np.zeros(self.size)
        bm25 = np.zeros(self.size)
        for variant in concept.variants:
            share = variant.factor / len(variant.terms)
            found = np.zeros(self.size)
            strength = np.zeros(self.size)
            for term in variant.terms:
                entry = self.postings.get(term)
                if entry is None:
                    continue
                ids = np.frombuffer(entry[0], dtype=np.int32)  # a term's units are distinct
                found[ids] += share
                strength[ids] += share * np.frombuffer(entry[1], dtype=np.float32)
            np.maximum(present, found, out=present)
            np.maximum(bm25, strength, out=bm25)
        return present, bm25

    def units_with(self, term: str) -> np.ndarray:
        entry = self.postings.get(term)
        if entry is None:
            return np.zeros(0, dtype=np.int32)
        return np.frombuffer(entry[0], dtype=np.int32)

    def has(self, term: str, unit_id: int) -> bool:
        entry = self.postings.get(term)
        return entry is not None and _contains(entry[0], unit_id)

    def matched(self, concepts: Sequence[Concept], unit_id: int) -> list[str]:
        """Variant terms present in one unit (for highlighting)."""
        found = []
        for concept in concepts:
            for variant in concept.variants:
                for term in variant.terms:
                    entry = self.postings.get(term)
                    if entry is not None and _contains(entry[0], unit_id):
                        found.append(term)
        return found


def _contains(ids: array, unit_id: int) -> bool:
    # Postings are appended in unit order, so they are sorted.
    position = bisect_left(ids, unit_id)
    return position < len(ids) and ids[position] == unit_id

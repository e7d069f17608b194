"""Answering a question from a built index: direct article lookups first, then ranked search.

Scores are normalised BM25: the share of the question's weight (idf of each idea, its synonyms
counted) that a passage covers, mixed with the same for character bigrams (typos, odd
segmentation). A passage covering little of the question is never offered as an answer.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from knowledge import fusion
from knowledge.bm25 import Concept, LexicalIndex, Variant
from knowledge.catalog import Catalog, Mention, squash
from knowledge.model import Hit, MissingArticle, Passage, SearchResult, TableOverview
from knowledge.query import ArticleRef, article_refs, clean_question, meaningful_chars
from knowledge.structure import row_columns
from knowledge.synonyms import (
    COLLOQUIAL,
    FILLER,
    GENERIC,
    PHRASES,
    STOPWORDS,
    SYNONYM_GROUPS,
)
from knowledge.terms import BIGRAM_PREFIX, LEAD_PREFIX, Analyzer, bigrams, is_wordlike, normalise
from knowledge.typos import TypoIndex

ANSWER_THRESHOLD = 0.62
TIE_BREAK = 0.05
LEAD_BONUS = 0.15
PHRASE_BONUS = 0.25
# Penalty articles repeat the duties they punish; unless the question asks about consequences,
# the article that states the duty should come first (and the other way round).
PENALTY_RANK = 0.08
PENALTY_INTENT = ("处罚", "处分", "责任", "处理", "罚", "后果", "追究", "违反", "违规", "违法",
                  "查处", "处置", "问责", "怎么办", "坐牢", "判刑", "开除", "警告", "怎么惩")
PHRASE_CANDIDATES = 40
# A word of a document's title counts this much for every passage of the document.
TITLE_FACTOR = 0.5
BIGRAM_FACTOR = 0.7
# A question naming a document is answered from it with a lower bar.
NAMED_THRESHOLD = 0.45
NAMED_BOOST = 0.35
SYNONYM_FACTOR = 0.8
COLLOQUIAL_FACTOR = 0.75
# Words the folder never uses still count against a passage, a little less than the rarest term.
UNKNOWN_WORD_SHARE = 0.85
GENERIC_FACTOR = 0.5
IMPLIED_WEIGHT = 0.6
SUBWORD_FACTOR = 0.85
# A passage matching at least this many of the question's topic words needs less coverage.
MATCHED_TOPICS = 2
LOW_THRESHOLD = 0.45
STRONG_MATCH = 0.5
TYPO_FACTOR = 0.6
LOCAL_PENALTY = 0.85
# The lexical answer is taken as it is, without embedding the question, when its leader covers
# this much of the question and ranks this far ahead of the next passage. Measured over the 507
# tuning and blind 1-4 questions: margin 0.1 -> 0.05 skips the model for 29 % of them instead
# of 26 %, pooled top-1 84.7 -> 85.5 %, top-3 unchanged (coverage 0.8 or 0.7 lost top-3).
CERTAIN_COVERAGE = 0.9
CERTAIN_MARGIN = 0.05
# A question longer than this is embedded without its filler words (knowledge.synonyms.FILLER).
CONDENSE_CHARS = 14
PLACES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
          "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
          "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆")

NO_BASIS_SUGGESTIONS = [
    "换个说法，尽量用法规里的词，例如“捐赠款物”“住宿费标准”“法律责任”。",
    "写明法规名称和条号，例如“红十字会法第二十条”或“慈善法 第22条”。",
    "知识库里可能没有这份文件：请管理员把本单位的制度文件（md、txt、docx）加入知识库。",
]
BAD_INPUT_SUGGESTIONS = [
    "请用一句完整的话提问，例如“红会收到捐款要开什么票据？”",
    "也可以直接查条文，例如“红十字会法第十一条”。",
]


Scored = tuple[int, float, float, int]  # unit id, rank score, coverage, topic words matched
# Without the model, a passage is offered only if one of the question's topical words is in its
# own text, and words found only in its askings count this much towards the answer threshold
# (tuning set, lexical: 1.0 lets "如何注册一家公司" through, 0.85 keeps no-basis recall at 92 %).
ASKED_CREDIT = 0.85
# Units kept from the lexical ranking (the hybrid reads 50, the lexical answer rarely 5).
RANKED_KEPT = 500


@dataclass
class Corpus:
    """Everything a search needs; replaced as a whole on reload."""

    passages: list[Passage]
    index: LexicalIndex
    analyzer: Analyzer
    catalog: Catalog
    articles: dict[str, dict[int, int]]  # file -> article number -> unit id
    article_counts: dict[str, int]
    titles: dict[str, str]
    by_id: dict[str, int] = field(default_factory=dict)
    typos: TypoIndex = field(default_factory=lambda: TypoIndex(()))
    file_units: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> unit id range
    title_terms: dict[str, frozenset[str]] = field(default_factory=dict)
    # units that set out penalties (法律责任), one flag a unit
    penalties: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # file -> the province its title starts with (local rules)
    local_places: dict[str, str] = field(default_factory=dict)


def synonym_table() -> dict[str, list[tuple[str, float]]]:
    table: dict[str, list[tuple[str, float]]] = {}
    for group in SYNONYM_GROUPS:
        words = [normalise(word) for word in group]
        for word in words:
            entry = table.setdefault(word, [])
            entry.extend((other, SYNONYM_FACTOR) for other in words if other != word)
    for key, targets in COLLOQUIAL.items():
        entry = table.setdefault(normalise(key), [])
        entry.extend((normalise(target), COLLOQUIAL_FACTOR) for target in targets)
    return table


SYNONYMS = synonym_table()


class Searcher:
    def __init__(self, corpus: Corpus, semantic: Any = None) -> None:
        self.corpus = corpus
        # A ready knowledge.semantic.SemanticIndex of this corpus, or None (lexical only).
        self.semantic = semantic
        self._wording: list[str] = []  # the question's meaningful stretches of text
        self._cleaned = ""

    # -- public -------------------------------------------------------------------------------

    def search(self, question: str, top: int) -> SearchResult:
        top = max(1, top)
        cleaned = clean_question(question)
        if meaningful_chars(cleaned) < 2:
            return SearchResult(question, False, [], "bad_input",
                                suggestions=BAD_INPUT_SUGGESTIONS)
        self._cleaned = cleaned
        squashed = squash(cleaned)
        refs = article_refs(squashed)
        if refs:
            lookup = self._lookup(question, squashed, refs)
            if lookup is not None:
                return lookup
        return self._ranked(question, squashed, refs, top)

    # -- direct lookups -------------------------------------------------------------------------

    def _lookup(self, question: str, squashed: str, refs: list[ArticleRef]) -> SearchResult | None:
        corpus = self.corpus
        mention = corpus.catalog.name_before(squashed[: refs[0].start])
        if mention is None:
            mentions = corpus.catalog.mentions(squashed)
            mention = mentions[0] if mentions else None
        if mention is None:
            return None
        hits: list[Hit] = []
        for ref in refs:
            file = next(
                (f for f in mention.files if ref.number in corpus.articles.get(f, {})), None)
            if file is None:
                if hits:
                    continue
                return self._missing(question, mention, ref.number)
            passage = corpus.passages[corpus.articles[file][ref.number]]
            if passage not in (hit.passage for hit in hits):
                hits.append(Hit(passage, 1.0, ()))
        return SearchResult(question, True, hits, "article_lookup")

    def _missing(self, question: str, mention: Mention, number: int) -> SearchResult:
        corpus = self.corpus
        files = [f for f in mention.files if corpus.article_counts.get(f)]
        if not files:
            return SearchResult(question, False, [], "missing_article",
                                MissingArticle(corpus.titles[mention.files[0]], mention.files[0],
                                               number, 0), NO_BASIS_SUGGESTIONS[1:2])
        # Several files for one name (the civil code's parts): report the nearest one.
        file = min(files, key=lambda f: min(abs(n - number) for n in corpus.articles[f]))
        missing = MissingArticle(corpus.titles[file], file, number, corpus.article_counts[file])
        return SearchResult(question, False, [], "missing_article", missing)

    # -- ranked search --------------------------------------------------------------------------

    def _ranked(self, question: str, squashed: str, refs: list[ArticleRef],
                top: int) -> SearchResult:
        corpus = self.corpus
        mentions = corpus.catalog.mentions(squashed)
        named = {file for mention in mentions for file in mention.files}
        content = squashed
        for span in sorted([(m.start, m.end) for m in mentions] + [(r.start, r.end) for r in refs],
                           reverse=True):
            content = content[: span[0]] + " " + content[span[1] :]
        words = self._concepts(content)
        if not words:
            if named:
                return self._document_opening(question, mentions, top)
            return SearchResult(question, False, [], "no_basis", suggestions=NO_BASIS_SUGGESTIONS)
        # Units of another province's rules than the question names: demoted by both engines.
        elsewhere = self._file_mask(
            file for file, place in corpus.local_places.items() if place not in squashed)
        penalty = self._penalty_bias(squashed)
        scored = self._score(words, named, elsewhere, penalty)
        ranked = sorted(scored, key=lambda item: item[1], reverse=True)
        ranked = self._phrase_bonus(ranked)
        if self.semantic is not None and not self._certain(ranked, named, words):
            hybrid = self._hybrid(ranked, named, words, top, elsewhere, penalty)
            if hybrid is not None:
                if not hybrid:
                    return SearchResult(question, False, [], "no_basis",
                                        suggestions=self._suggestions(ranked))
                return self._answer(question, hybrid, words, top)
        hits: list[Hit] = []
        for unit_id, _rank, coverage, topics in ranked:
            if not self._vouches(unit_id, coverage, topics, named, words):
                continue
            hits.append(self._hit(unit_id, coverage, words))
            if len(hits) >= top:
                break
        if not hits:
            return SearchResult(question, False, [], "no_basis",
                                suggestions=self._suggestions(ranked))
        return self._answer(question, hits, words, top)

    def _answer(self, question: str, hits: list[Hit], words: Sequence[Concept],
                top: int) -> SearchResult:
        """The hits as found, or, when they come from a table and the question names none of its
        rows (no place, no rank: "出差住宿标准多少？"), the table's first rows and what to add
        to the question: any one row would be an arbitrary pick."""
        rows = self._table_rows(hits[0].passage)
        if not rows or any(self._names_row(self.corpus.passages[i], words) for i in rows):
            return SearchResult(question, True, hits, "search")
        first = self.corpus.passages[rows[0]]
        labels, values = row_columns(first.text)
        label = first.row or ""
        # "北京 一类": a row and a column, the way a question should name them.
        example = f"{label.split()[0]} {values[0]}" if label and values else label
        overview = TableOverview(first.file, first.title, tuple(labels), tuple(values),
                                 len(rows), example)
        # A note on the table (the leader when it is not a row) stays first.
        kept = [] if hits[0].passage.kind == "row" else hits[:1]
        shown = kept + [self._hit(i, hits[0].score, words) for i in rows[: top - len(kept)]]
        return SearchResult(question, True, shown, "search", table=overview)

    def _table_rows(self, leader: Passage) -> list[int]:
        """The rows of the table a hit belongs to: a row's own table, or the first table of a
        document that is mostly one table (its notes are paragraphs); else none."""
        corpus = self.corpus
        if leader.kind == "article":
            return []
        start, end = corpus.file_units[leader.file]
        rows = [i for i in range(start, end) if corpus.passages[i].kind == "row"]
        if leader.kind != "row" and len(rows) * 2 <= end - start:
            return []
        anchor = leader if leader.kind == "row" else corpus.passages[rows[0]]
        header = anchor.text.split("\n", 1)[0]
        return [i for i in rows if corpus.passages[i].text.split("\n", 1)[0] == header]

    def _names_row(self, passage: Passage, words: Sequence[Concept]) -> bool:
        """Whether a word of the question (or its synonym) stands in the row's own cells."""
        cells = _unit_text(passage.text.split("\n", 1)[1] if "\n" in passage.text else "")
        return any(all(term in cells for term in variant.terms)
                   for concept in words for variant in concept.variants)

    def _hybrid(self, ranked: list[Scored], named: set[str], words: Sequence[Concept],
                top: int, elsewhere: np.ndarray | None,
                penalty: np.ndarray | None) -> list[Hit] | None:
        """Hits from the lexical ranking fused with unit vectors; None if the model is busy."""
        vector = self.semantic.query_vector(self._embedding_text(), wait=False)
        if vector is None:
            return None
        sims, gate = self.semantic.similarities(vector)
        # The lexical engine vouches as when it answers alone (askings-only words discounted):
        # with ~16,000 askings, taking their words at full value let "公司年会怎么组织" through.
        lexical = [fusion.Lexical(unit, rank, coverage,
                                  self._vouches(unit, coverage, topics, named, words))
                   for unit, rank, coverage, topics in ranked[: fusion.CANDIDATES]]
        # The model reads a duty and the article punishing its breach alike; the question's
        # intent (要担什么责任 / 能不能) counts on the semantic side too (+2 top-1 on tuning and
        # blind 1-4, +1 on blind 7, none lost).
        fused = fusion.fuse(lexical, sims, top, off_topic=self.semantic.off_topic(vector),
                            elsewhere=elsewhere, gate=gate, bias=penalty)
        return [self._hit(f.unit, f.score, words) for f in fused]

    def _certain(self, ranked: list[Scored], named: set[str], words: Sequence[Concept]) -> bool:
        """Whether the lexical leader answers so plainly that the model need not be asked."""
        if not ranked:
            return False
        unit_id, rank, coverage, topics = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return (coverage >= CERTAIN_COVERAGE and rank - runner_up >= CERTAIN_MARGIN
                and self._vouches(unit_id, coverage, topics, named, words))

    def _embedding_text(self) -> str:
        """The question as the model reads it: a long one without its filler words.

        (Dropping the least telling words instead of cutting the end, when a question is still
        too long for the model's budget, measured worse: the model reads natural text better.)
        """
        text = self._cleaned
        if len(text) <= CONDENSE_CHARS:
            return text
        words = self.corpus.analyzer.words(normalise(text))
        return "".join(w for w in words if is_wordlike(w) and w not in FILLER) or text

    def _document_opening(self, question: str, mentions: list[Mention], top: int) -> SearchResult:
        corpus = self.corpus
        ids = [i for i, p in enumerate(corpus.passages) if p.file == mentions[0].files[0]][:top]
        hits = [Hit(corpus.passages[i], 1.0, ()) for i in ids]
        if not hits:
            return SearchResult(question, False, [], "no_basis")
        return self._answer(question, hits, (), top)

    def _concepts(self, content: str) -> list[Concept]:
        index = self.corpus.index
        concepts: list[Concept] = []
        seen: set[str] = set()
        text = normalise(content)
        runs = _content_runs(self.corpus.analyzer.words(text))
        self._wording = ["".join(run) for run in runs]
        for run in runs:
            for word in run:
                if word in seen or (len(word) < 2 and word not in SYNONYMS):
                    continue
                seen.add(word)
                concepts.append(self._concept(word, index))
        for phrase, targets in PHRASES.items():
            if phrase in text:
                concept = self._implied(phrase, targets, index)
                if concept is not None:
                    concepts.append(concept)
        return concepts

    def _implied(self, phrase: str, targets: tuple[str, ...], index: LexicalIndex
                 ) -> Concept | None:
        """A concept the question implies by an idiom ("从哪来" → 来源), weighted lower."""
        variants = {}
        for target in targets:
            terms = self._phrase_terms(normalise(target))
            if terms:
                variants[terms] = COLLOQUIAL_FACTOR
        if not variants:
            return None
        weight = statistics.median(_mean_idf(index, terms) for terms in variants) * IMPLIED_WEIGHT
        return Concept(phrase, tuple(Variant(t, f) for t, f in variants.items()), weight)

    def _concept(self, word: str, index: LexicalIndex) -> Concept:
        variants: dict[tuple[str, ...], float] = {}
        if word in index:
            variants[(word,)] = 1.0
        for other, factor in SYNONYMS.get(word, ()):
            terms = self._phrase_terms(other)
            if terms and factor > variants.get(terms, 0.0):
                variants[terms] = factor
        if len(word) >= 3:
            # A long word also counts when its parts appear separately (北京市红十字会).
            parts = self._parts(word)
            if len(parts) >= 2 and variants.get(parts, 0.0) < SUBWORD_FACTOR:
                variants[parts] = SUBWORD_FACTOR
        if not variants and not self.corpus.analyzer.knows(word):
            # Not a word at all: most likely a typo ("幕捐") of a word the folder uses.
            for correction in self.corpus.typos.candidates(word):
                variants[(correction,)] = TYPO_FACTOR
        if not variants:
            # Segmented differently in the texts: its character bigrams, all needed.
            grams = tuple(g for g in bigrams(word) if g in index)
            if grams and len(grams) == len(word) - 1:
                variants[grams] = BIGRAM_FACTOR
        if variants:
            weight = statistics.median(_mean_idf(index, terms) for terms in variants)
        else:
            # The folder never uses this word: it still counts against every passage.
            weight = index.max_idf * UNKNOWN_WORD_SHARE
        if word in GENERIC or word in STOPWORDS or len(word) == 1:
            # Answer-type words, hedges kept for their statutory sense (不能 → 不得) and single
            # characters say little about the topic.
            weight *= GENERIC_FACTOR
        return Concept(word, tuple(Variant(t, f) for t, f in variants.items()), weight)

    def _parts(self, word: str) -> tuple[str, ...]:
        """The index words a long word is made of, by greedy longest match from the left."""
        index = self.corpus.index
        parts: list[str] = []
        start = 0
        while start < len(word):
            for end in range(len(word) - (1 if start == 0 else 0), start + 1, -1):
                if word[start:end] in index:
                    parts.append(word[start:end])
                    start = end
                    break
            else:
                return ()
        return tuple(parts)

    def _phrase_terms(self, phrase: str) -> tuple[str, ...]:
        """Index terms for a synonym; a phrase the index splits needs all its words ("+" too)."""
        index = self.corpus.index
        terms: list[str] = []
        for part in phrase.split("+"):
            if part in index:
                terms.append(part)
                continue
            words = [w for w in self.corpus.analyzer.words(part) if len(w) >= 2]
            if not words or any(w not in index for w in words):
                return ()
            terms.extend(words)
        return tuple(dict.fromkeys(terms))

    def _score(self, concepts: Sequence[Concept], named: set[str], elsewhere: np.ndarray | None,
               penalty: np.ndarray | None) -> list[Scored]:
        """(unit, rank score, coverage, topic words matched), best first, for the leading units
        that match any concept (every unit is scored at once, with arrays)."""
        corpus = self.corpus
        index = corpus.index
        total = sum(c.weight for c in concepts)
        if not total or not index.size:
            return []
        covered = np.zeros(index.size)
        raw = np.zeros(index.size)
        lead = np.zeros(index.size)
        topics = np.zeros(index.size, dtype=np.int64)
        for concept in concepts:
            present, strengths = index.strengths(concept)
            self._title_floor(concept, present)
            weight = concept.weight
            raw += weight * strengths
            covered += weight * present
            if _topical(concept):
                topics += present >= STRONG_MATCH
            openings = [index.units_with(LEAD_PREFIX + variant.terms[0])
                        for variant in concept.variants if len(variant.terms) == 1]
            if openings:
                opening = np.unique(np.concatenate(openings))
                lead[opening[present[opening] > 0]] += weight
        units = np.flatnonzero(covered > 0)
        if not len(units):
            return []
        coverage = covered[units] / total
        if elsewhere is not None:
            coverage = np.where(elsewhere[units], coverage * LOCAL_PENALTY, coverage)
        # Coverage decides; the rest (repetition, subject of the article) orders near-ties.
        rank = coverage + (TIE_BREAK * raw[units] + LEAD_BONUS * lead[units]) / total
        if penalty is not None:
            rank += penalty[units]
        in_named = self._file_mask(named)
        if in_named is not None:
            rank += np.where(in_named[units], NAMED_BOOST, 0.0)
        best = np.argsort(-rank, kind="stable")[:RANKED_KEPT]
        return list(zip(units[best].tolist(), rank[best].tolist(), coverage[best].tolist(),
                        topics[units[best]].tolist(), strict=True))

    def _penalty_bias(self, squashed: str) -> np.ndarray | None:
        """Per unit: penalty articles up when the question asks about consequences, else down
        (None for a corpus without the flags)."""
        if len(self.corpus.penalties) != self.corpus.index.size:
            return None
        wants_penalty = any(word in squashed for word in PENALTY_INTENT)
        return np.where(self.corpus.penalties,
                        PENALTY_RANK if wants_penalty else -PENALTY_RANK, 0.0)

    def _file_mask(self, files: Iterable[str]) -> np.ndarray | None:
        """Units of the given documents, as a boolean array (None when there are none)."""
        mask = None
        for file in files:
            span = self.corpus.file_units.get(file)
            if span is None:
                continue
            if mask is None:
                mask = np.zeros(self.corpus.index.size, dtype=bool)
            mask[span[0] : span[1]] = True
        return mask

    def _title_floor(self, concept: Concept, present: np.ndarray) -> None:
        """A word of a document's title counts, for each of its passages (红会 → 红十字会法)."""
        corpus = self.corpus
        for file, terms in corpus.title_terms.items():
            factor = max((v.factor for v in concept.variants if set(v.terms) <= terms),
                         default=0.0)
            if not factor:
                continue
            start, end = corpus.file_units[file]
            np.maximum(present[start:end], factor * TITLE_FACTOR, out=present[start:end])

    def _phrase_bonus(self, ranked: list[Scored]) -> list[Scored]:
        """Re-rank the leaders by how much of the question's wording they contain verbatim."""
        index = self.corpus.index
        wording = [g for run in self._wording for g in bigrams(run)]
        grams = [g for g in dict.fromkeys(wording) if g in index]
        if not grams:
            return ranked
        weights = {g: index.idf(g) for g in grams}
        total = sum(weights.values())
        head = ranked[:PHRASE_CANDIDATES]
        ids = np.array([item[0] for item in head], dtype=np.int64)
        present = np.zeros(len(head))
        holds = np.zeros(index.size, dtype=bool)
        for gram, weight in weights.items():
            holds[:] = False
            holds[index.units_with(gram)] = True
            present += weight * holds[ids]
        rescored = [(unit_id, rank + PHRASE_BONUS * float(share) / total, coverage, topics)
                    for (unit_id, rank, coverage, topics), share in zip(head, present,
                                                                       strict=True)]
        rescored.sort(key=lambda item: item[1], reverse=True)
        return rescored + ranked[PHRASE_CANDIDATES:]

    def _hit(self, unit_id: int, score: float, words: Sequence[Concept]) -> Hit:
        passage = self.corpus.passages[unit_id]
        text = _unit_text(passage.text)
        terms = []
        for term in self.corpus.index.matched(words, unit_id):
            if term.startswith(BIGRAM_PREFIX):
                term = term[len(BIGRAM_PREFIX) :]
            if term in text:
                terms.append(term)
        return Hit(passage, round(min(score, 1.0), 4), tuple(dict.fromkeys(terms)))

    def _vouches(self, unit_id: int, coverage: float, topics: int, named: set[str],
                 words: Sequence[Concept]) -> bool:
        """Whether the words alone answer the question with this unit."""
        in_named = self.corpus.passages[unit_id].file in named
        if not _answers(coverage, topics, in_named):
            return False
        if in_named:
            return True
        # Words found only in the unit's askings count for less, and one topical word must be
        # in its own text.
        own, grounded = self._own_text_match(unit_id, words)
        return grounded and _answers(own + ASKED_CREDIT * max(coverage - own, 0.0), topics, False)

    def _own_text_match(self, unit_id: int, words: Sequence[Concept]) -> tuple[float, bool]:
        """How much of the question the unit's own text holds (its askings aside): the share of
        the question's weight, and whether any topical word (or its synonym) is among it."""
        text = _unit_text(self.corpus.passages[unit_id].text)
        total = sum(c.weight for c in words)
        found = 0.0
        grounded = False
        for concept in words:
            factor = max((v.factor for v in concept.variants
                          if all(term in text for term in v.terms)), default=0.0)
            found += concept.weight * factor
            if factor and _topical(concept):
                grounded = True
        return (found / total if total else 0.0), grounded

    def _suggestions(self, ranked: list[Scored]) -> list[str]:
        suggestions = list(NO_BASIS_SUGGESTIONS)
        if ranked and ranked[0][2] >= ANSWER_THRESHOLD * 0.6:
            title = self.corpus.passages[ranked[0][0]].title
            suggestions.insert(0, f"可以试着在《{title}》里换个问法。")
        return suggestions


def _topical(concept: Concept) -> bool:
    """Whether a concept names the question's subject (not an answer-type word or an idiom)."""
    return concept.label not in GENERIC and concept.label not in PHRASES


def _answers(coverage: float, topics: int, in_named: bool) -> bool:
    """Whether a passage covers enough of the question to be offered as its answer."""
    if in_named:
        return coverage >= NAMED_THRESHOLD
    return coverage >= ANSWER_THRESHOLD or (coverage >= LOW_THRESHOLD and topics >= MATCHED_TOPICS)


def _mean_idf(index: LexicalIndex, terms: tuple[str, ...]) -> float:
    return sum(index.idf(term) for term in terms) / len(terms)


def _content_runs(words: list[str]) -> list[list[str]]:
    """Meaningful words in runs between stop words; stray single characters are glued together.

    The query dictionary only knows the folder's words, so a word the folder never uses ("护照")
    comes out as single characters: glued back, it counts as an unknown word instead of vanishing.
    """
    runs: list[list[str]] = []
    current: list[str] = []
    glued = False  # whether current[-1] is made of single characters
    for word in words:
        if not is_wordlike(word) or (word in STOPWORDS and word not in COLLOQUIAL):
            if current:
                runs.append(current)
            current, glued = [], False
            continue
        single = len(word) == 1 and word not in SYNONYMS
        previous_single = bool(current) and len(current[-1]) == 1 and current[-1] not in SYNONYMS
        if single and current and (glued or previous_single):
            current[-1] += word
            glued = True
            continue
        current.append(word)
        glued = single
    if current:
        runs.append(current)
    return runs


@lru_cache(maxsize=8192)
def _unit_text(text: str) -> str:
    """A unit's normalised text: a hybrid search checks some fifty units' own words."""
    return normalise(text)

"""Hybrid ranking: the lexical ranking and unit-vector similarities combined.

The lexical engine is precise when a question uses the statutes' words, numbers and titles, and
its coverage says how much of the question a passage answers. Unit vectors find the article when
staff use everyday words no synonym list foresaw. The two scores live on different scales, so:

* lexical: the engine's rank score (coverage of the question's weighted ideas, plus the boosts
  for a named document, the article's subject and verbatim wording);
* semantic: how far a unit's cosine stands above the folder's typical unit for this question
  (the median), as a share of how far the best unit stands above it — 1 for the best unit, 0 for
  a typical one — so questions with sharp and with diffuse matches read alike.

``fused = lexical + SEMANTIC_WEIGHT * semantic``. Exact lookups never get here (an article
number with a document name is answered directly); a named document keeps its lexical boost;
table rows look alike to the model, so among them the words decide; another province's rules
are demoted unless the question names the province, as in the lexical engine.

Whether to answer at all: a raw cosine says little (this model scores any two Chinese sentences
0.8 or more), but whether the folder's best unit is at least about as close to the question as
the nearest of some 260 topics no regulations folder covers (knowledge.offtopic: everyday ones,
and near-domain ones such as labour rules, first-aid technique or a society's bank account)
separates answerable from unanswerable questions well; the lexical engine's own answers are
trusted a little further. Measured: see bench/knowledge_bench.py and knowledge/README.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:  # only needed when unit vectors are in use (the "semantic" extra brings numpy)
    import numpy as np
except ImportError:  # pragma: no cover
    np = None  # type: ignore[assignment]

CANDIDATES = 50  # from each engine
SEMANTIC_WEIGHT = 1.5
# The folder's best unit against the nearest off-topic sentence (cosine difference): the
# question is answered when the folder is at least about as close, or the lexical engine vouches
# and the folder is not clearly farther. MARGIN_ALONE was -0.005 with everyday topics alone;
# with the near-domain ones (which also catch near misses) -0.01 keeps answerable questions.
MARGIN_ALONE = -0.01
MARGIN_LEXICAL = -0.02
LOCAL_DEMOTION = 0.15
# A unit is offered beside the best one if lexically answering or this semantically close.
SEMANTIC_NEAR = 0.5


@dataclass(frozen=True)
class Lexical:
    unit: int
    rank: float  # the lexical engine's ordering score
    coverage: float  # 0..1
    answers: bool  # the lexical engine alone would offer it


@dataclass(frozen=True)
class Fused:
    unit: int
    score: float  # 0..1, shown with the hit
    answers: bool


def fuse(lexical: Sequence[Lexical], sims: Any, top: int, off_topic: float,
         elsewhere: Any = None, gate: float | None = None, bias: Any = None) -> list[Fused]:
    """The passages to offer, best first; empty when neither engine vouches for the question.

    ``sims``: each unit's cosine to the question; ``off_topic``: the question's cosine to the
    nearest topic that no regulations folder covers (knowledge.offtopic, SemanticIndex.off_topic);
    ``elsewhere``: a boolean mask of units from another province's rules than the question names
    (demoted as the lexical engine demotes them); ``bias``: an amount per unit added to the
    fused score (the lexical engine's penalty-article intent, which the model cannot see).
    """
    if not len(sims):
        return []
    count = min(CANDIDATES, len(sims))
    dense = np.argpartition(-sims, count - 1)[:count]
    dense = dense[np.argsort(-sims[dense])]
    best = float(sims[dense[0]])
    typical = float(np.median(sims))
    spread = max(best - typical, 1e-6)
    lexical = list(lexical[:CANDIDATES])
    by_unit = {item.unit: item for item in lexical}
    candidates = dict.fromkeys([item.unit for item in lexical] + dense.tolist())

    def semantic(unit: int) -> float:
        score = (float(sims[unit]) - typical) / spread
        if elsewhere is not None and elsewhere[unit]:
            score -= LOCAL_DEMOTION
        return score

    fused = {unit: (by_unit[unit].rank if unit in by_unit else 0.0)
             + SEMANTIC_WEIGHT * semantic(unit) + (float(bias[unit]) if bias is not None else 0.0)
             for unit in candidates}
    order = sorted(fused, key=fused.__getitem__, reverse=True)

    lexical_answers = any(item.answers for item in lexical)
    margin = (best if gate is None else gate) - off_topic
    if not (margin >= MARGIN_ALONE or (lexical_answers and margin >= MARGIN_LEXICAL)):
        return []
    results = []
    for unit in order:
        item = by_unit.get(unit)
        close = semantic(unit) >= SEMANTIC_NEAR
        if not ((item is not None and item.answers) or close):
            continue
        # shown to users beside the lexical coverage: 0.80 -> 0, 0.95 -> 1
        confidence = min(1.0, max(0.0, (float(sims[unit]) - 0.8) / 0.15))
        score = max(item.coverage if item is not None else 0.0, confidence)
        results.append(Fused(unit, score, True))
        if len(results) >= top:
            break
    return results

"""Reading a free-text progress report: which of my measures, what status, what note.

"3.2 已完成，财务制度已修订" names a measure code; "报销那条 推进中 已组织培训" is matched
by the words of the measure. Nothing is saved here: the user confirms a candidate first.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.services import statuses
from storage.models import Measure

CODE = re.compile(r"(?<![\d.．])(\d{1,3}(?:[.．]\d{1,3}){1,2})(?![\d.．])")
PERCENT = re.compile(r"(\d{1,3})\s*[%％]|百分之(\d{1,3})")
DONE_WORDS = ("已完成", "已办结", "已整改完成", "整改完成", "已全部完成", "已经完成", "完成了")
PROGRESS_WORDS = ("推进中", "正在推进", "进行中", "持续推进", "已启动", "正在整改", "正在办理")
NOT_STARTED_WORDS = ("未启动", "未开始", "尚未开始", "还没开始")
# words that point at a measure without describing it
FILLER = re.compile(r"那条|这条|那项|这项|措施|整改|事项|的|了|已|，|,|。|；|;|：|:|\s")
QUESTION = re.compile(r"[?？]|吗|多少|怎么|如何|什么|哪些|能否|可以.*吗|是否")
# everyday words for what ledgers phrase formally ("报销那条" is the measure on 财务支出审批)
LEDGER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "报销": ("报账", "支出", "支付", "票据"),
    "报账": ("报销", "支出", "支付", "票据"),
    "捐款": ("捐赠款", "善款", "捐赠资金", "捐赠款物"),
    "善款": ("捐赠款", "捐款", "捐赠资金", "捐赠款物"),
    "物资": ("捐赠物资", "救助物资", "款物"),
    "接待": ("公务接待",),
    "培训": ("学习", "师资"),
    "学习": ("培训", "理论学习"),
    "账户": ("专项资金账户", "捐赠账户"),
    "台账": ("登记入账", "账物"),
    "制度": ("办法", "规定"),
    "党建": ("党支部", "组织生活"),
}
CANDIDATE_MIN_SCORE = 45.0
CANDIDATES_MAX = 3


@dataclass(frozen=True)
class Candidate:
    measure_id: int
    code: str
    text: str
    score: float


@dataclass(frozen=True)
class ReadReport:
    candidates: list[Candidate]
    note: str
    status: str | None
    percent: int | None
    wants_close: bool
    by_code: bool

    @property
    def is_report(self) -> bool:
        return bool(self.candidates)


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace()]
    return {a + b for a, b in itertools.pairwise(chars)}


def _score(query: str, measure: Measure) -> float:
    target = f"{measure.text} {measure.problem.title}"
    query_bigrams = _bigrams(query)
    overlap = len(query_bigrams & _bigrams(target)) / len(query_bigrams) if query_bigrams else 0
    return max(fuzz.partial_ratio(query, measure.text), 100 * overlap)


def _variants(query: str) -> list[str]:
    variants = [query]
    for word, alternatives in LEDGER_SYNONYMS.items():
        if word in query:
            variants += [query.replace(word, alternative) for alternative in alternatives]
            variants += list(alternatives)
    return variants


def _best_score(query: str, measure: Measure) -> float:
    return max(_score(variant, measure) for variant in _variants(query))


def read_report(text: str, measures: Sequence[Measure]) -> ReadReport:
    """Candidates among `measures` (the sender's own), best first, with status and note."""
    wants_close = any(w in text for w in DONE_WORDS)
    status: str | None = None
    if not wants_close:
        if any(w in text for w in NOT_STARTED_WORDS):
            status = statuses.NOT_STARTED
        elif any(w in text for w in PROGRESS_WORDS):
            status = statuses.IN_PROGRESS
    percent = None
    if match := PERCENT.search(text):
        value = int(match.group(1) or match.group(2))
        percent = value if value <= 100 else None
    by_code = {m.code: m for m in measures}
    code_match = next((c for c in CODE.findall(text) if c.replace("．", ".") in by_code), None)
    if code_match:
        measure = by_code[code_match.replace("．", ".")]
        note = CODE.sub("", text, count=1).strip(" ，,。:：;；")
        return ReadReport(
            [Candidate(measure.id, measure.code, measure.text, 100.0)],
            note,
            status,
            percent,
            wants_close,
            True,
        )
    has_status = wants_close or status is not None or percent is not None
    if QUESTION.search(text) and not has_status:
        return ReadReport([], text, None, None, False, False)
    query = text
    for word in (*DONE_WORDS, *PROGRESS_WORDS, *NOT_STARTED_WORDS):
        query = query.replace(word, " ")
    query = PERCENT.sub(" ", query)
    key = FILLER.sub("", query)
    if len(key) < 2:
        return ReadReport([], text, status, percent, wants_close, False)
    # the words before the first status word usually name the measure ("报销那条 推进中 …")
    head = FILLER.sub("", re.split(r"\s+", query.strip())[0]) if query.strip() else key
    scored = []
    for measure in measures:
        score = max(_best_score(key, measure), _best_score(head, measure) if len(head) >= 2 else 0)
        if score >= CANDIDATE_MIN_SCORE:
            scored.append(Candidate(measure.id, measure.code, measure.text, round(score, 1)))
    scored.sort(key=lambda c: -c.score)
    if not has_status and (not scored or scored[0].score < 70):
        return ReadReport([], text, None, None, False, False)
    return ReadReport(scored[:CANDIDATES_MAX], text.strip(), status, percent, wants_close, False)

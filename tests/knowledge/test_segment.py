"""The segmenter gives exactly jieba's accurate-mode (no HMM) words."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from knowledge.segment import Segmenter
from knowledge.terms import Analyzer, normalise

FOLDER = Path(__file__).resolve().parents[2] / "knowledge"

SAMPLES = [
    "",
    "红十字会法第十一条说什么",
    "出差去呼和浩特，司局级住宿费标准是多少？",
    "abc 123 def456 x-y_z.q C++ 5%",
    "  \r\n  混合English和中文123abc\t结束",
    "😀红会😀",
    "捐赠款物的使用情况怎么公开呢我们想知道",
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.full(["红十字会法"])


def _jieba(analyzer: Analyzer, text: str) -> list[str]:
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = analyzer.freq, analyzer.total, True
    return list(tokenizer.cut(text, HMM=False))


def test_samples_segment_as_jieba_segments_them(analyzer: Analyzer) -> None:
    segmenter = Segmenter(analyzer.freq, analyzer.total)
    for text in SAMPLES:
        assert list(segmenter.cut(normalise(text))) == _jieba(analyzer, normalise(text)), text


def test_the_shipped_regulations_segment_as_jieba_segments_them(analyzer: Analyzer) -> None:
    segmenter = Segmenter(analyzer.freq, analyzer.total)
    for path in sorted(FOLDER.glob("*.md"))[:6]:
        text = normalise(path.read_text(encoding="utf-8"))
        assert list(segmenter.cut(text)) == _jieba(analyzer, text), path.name


def test_ties_go_to_the_longer_word() -> None:
    # 甲乙+丙 and 甲+乙丙 score alike; jieba keeps the longer first word.
    freq = {"甲": 10, "乙": 10, "丙": 10, "甲乙": 100, "乙丙": 100}
    segmenter = Segmenter(freq, 1000)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, 1000, True
    expected = list(tokenizer.cut("甲乙丙", HMM=False))
    assert list(segmenter.cut("甲乙丙")) == expected == ["甲乙", "丙"]

"""Outline markers of Chinese official documents: 一、 （一） 1. （1） 1） ① and 一是/二是."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.services.plan_import.numerals import chinese_to_int

MarkerKind = Literal["cn_dun", "cn_paren", "num_dot", "num_paren", "num_half_paren", "circled"]

# Full-width forms map one character to one, so match positions stay valid in the original.
_WIDTH = str.maketrans("０１２３４５６７８９（）．、", "0123456789().、")
_CN = r"[一二三四五六七八九十百零〇两]{1,4}"
_PATTERNS: list[tuple[MarkerKind, re.Pattern[str]]] = [
    ("cn_paren", re.compile(rf"\(\s*({_CN})\s*\)\s*[、.,，]?\s*")),
    ("cn_dun", re.compile(rf"({_CN})\s*[、.](?!\d)\s*")),
    ("num_paren", re.compile(r"\(\s*(\d{1,3})\s*\)\s*[、.,，]?\s*")),
    ("num_half_paren", re.compile(r"(\d{1,3})\s*\)\s*")),
    ("num_dot", re.compile(r"(\d{1,3})\s*[.、](?!\d)\s*")),
    ("circled", re.compile(r"([\u2460-\u2473])\s*")),
]
# 一是 / 二是 … and 其一，/ 第一，: the items of a measure list written inside a paragraph
_ITEM_LABEL = re.compile(
    r"(?:([一二三四五六七八九十]{1,3})是|(?:其|第)([一二三四五六七八九十]{1,3})[,，、：:])"
)
_ITEM_BOUNDARY = set("。；;，,：:！!？?）)】」”\n \t、")


@dataclass(frozen=True)
class Marker:
    kind: MarkerKind
    number: str
    value: int
    rest: str


def match_marker(line: str) -> Marker | None:
    """The outline marker a line starts with, and the text after it."""
    probe = line[:12].translate(_WIDTH)
    for kind, pattern in _PATTERNS:
        found = pattern.match(probe)
        if found is None:
            continue
        token = found[1]
        if kind == "circled":
            value = ord(token) - 0x2460 + 1
            token = str(value)
        elif token.isdigit():
            value = int(token)
        else:
            value = chinese_to_int(token) or 0
        rest = line[found.end() :].strip()
        if not rest and kind in ("num_dot", "cn_dun"):
            return None
        return Marker(kind, token, value, rest)
    return None


def starts_with_item_label(line: str) -> bool:
    """Whether a line begins with 一是/二是/其一，…"""
    return _ITEM_LABEL.match(line) is not None


@dataclass(frozen=True)
class ItemLabel:
    start: int
    end: int
    value: int


def find_item_labels(text: str) -> tuple[list[ItemLabel], bool]:
    """一是/二是… labels in order, and whether their numbering skips.

    A label counts only at the start or after punctuation (so 统一是 is not 一是), and only when
    it continues the sequence; a smaller number is a list inside the current item.
    """
    labels: list[ItemLabel] = []
    skipped = False
    for found in _ITEM_LABEL.finditer(text):
        if found.start() > 0 and text[found.start() - 1] not in _ITEM_BOUNDARY:
            continue
        value = chinese_to_int(found[1] or found[2]) or 0
        previous = labels[-1].value if labels else 0
        if previous < value <= previous + 3 and (labels or value <= 2):
            skipped = skipped or value != previous + 1
            labels.append(ItemLabel(found.start(), found.end(), value))
    return labels, skipped

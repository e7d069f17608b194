"""Reading a staff question: cleaning it, finding article numbers and the words that matter."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from knowledge.numerals import CHINESE_NUMERAL_CHARS, parse_number

MAX_QUESTION_CHARS = 300
_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MARKDOWN = re.compile(r"[*_`#>~|\[\]]+|!\[|\]\([^)]*\)")
_MEANINGFUL = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff0-9A-Za-z０-９Ａ-Ｚａ-ｚ]")
_NUM = f"[{CHINESE_NUMERAL_CHARS}]+|[0-9０-９]+"
ARTICLE_REF = re.compile(rf"第({_NUM})条|(?<![0-9０-９第])([0-9０-９]{{1,4}})条")


@dataclass(frozen=True)
class ArticleRef:
    number: int
    start: int
    end: int


def clean_question(question: str) -> str:
    """Drop markup, links and control characters; keep at most the first few hundred chars."""
    text = html.unescape(question or "")
    text = _TAG.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MARKDOWN.sub(" ", text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_QUESTION_CHARS]


def meaningful_chars(text: str) -> int:
    return len(_MEANINGFUL.findall(text))


def article_refs(squashed: str) -> list[ArticleRef]:
    refs = []
    for match in ARTICLE_REF.finditer(squashed):
        number = parse_number(match.group(1) or match.group(2))
        if number is not None and number > 0:
            refs.append(ArticleRef(number, match.start(), match.end()))
    return refs

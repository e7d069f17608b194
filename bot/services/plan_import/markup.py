"""Text as people paste it: web pages (tags, &nbsp;), markdown, odd spaces and widths."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.services.plan_import.outline_markers import match_marker, starts_with_item_label

_HTML_HINT = re.compile(
    r"</?(?:p|div|br|span|h[1-6]|li|ul|ol|table|tr|td|strong|b|font|section)\b", re.IGNORECASE
)
_INVISIBLE_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAGS = re.compile(
    r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/td|/th|/table|/section|p|div|li|h[1-6]|tr)\b[^>]*>",
    re.IGNORECASE,
)
_HEADING_TAG = re.compile(r"<\s*h([1-6])\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]{0,400}>")
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s*")
_MD_PREFIX = re.compile(r"^(?:>\s*)+|^[-*+•·▪■□◆●○]\s+")
_MD_EMPHASIS = re.compile(r"\*\*|__|`+|~~")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_SPACES = re.compile(r"[ \t\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_RULE = re.compile(r"^[-=*_—\s|:]{3,}$")
# Full-width punctuation carries its own spacing; a space beside it is a leftover (&nbsp;).
_SPACE_BY_PUNCTUATION = re.compile(r"(?<=[，。；：、！？）】》”]) +| +(?=[，。；：、！？（【《“])")


@dataclass(frozen=True)
class TextLine:
    """One paragraph of a document; `heading` is a markdown/HTML/Word heading level."""

    text: str
    number: int
    heading: int | None = None


def clean_lines(text: str) -> list[TextLine]:
    """Paragraphs of plain text, with web-page and markdown leftovers removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _HTML_HINT.search(text):
        text = _COMMENTS.sub("", text)
        text = _INVISIBLE_BLOCKS.sub("", text)
        text = _HEADING_TAG.sub(lambda m: "\n" + "#" * int(m[1]) + " ", text)
        text = _BLOCK_TAGS.sub("\n", text)
        text = _TAGS.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    lines: list[TextLine] = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        heading = None
        found = _MD_HEADING.match(line)
        if found:
            heading = len(found[1])
            line = line[found.end() :]
        line = _MD_PREFIX.sub("", line)
        line = _MD_ESCAPE.sub(r"\1", _MD_EMPHASIS.sub("", line))
        line = _SPACE_BY_PUNCTUATION.sub("", line).strip()
        if line and not _RULE.match(line):
            lines.append(TextLine(line, len(lines) + 1, heading))
    return lines


def join_wrapped(text: str) -> str:
    """Cell text with the line breaks people type to wrap a long sentence taken out.

    A break is kept where the next line starts a new list item (1. （2） 一是 ①).
    """
    text = text.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    joined = lines[0]
    for line in lines[1:]:
        starts_item = match_marker(line) is not None or starts_with_item_label(line)
        if starts_item:
            joined += "\n" + line
        elif joined[-1].isascii() and line[0].isascii():
            joined += " " + line
        else:
            joined += line
    return joined


def clean_spaces(text: str) -> str:
    """Lines stripped of odd spaces, empty lines dropped, breaks kept."""
    text = text.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)

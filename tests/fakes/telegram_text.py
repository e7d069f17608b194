"""Approximations of Telegram's parse_mode parsers (HTML, MarkdownV2, Markdown).

They follow tdlib's rules closely enough that text the real server rejects is rejected here
too, and they produce the plain text and entities the server would return, so length limits
are checked after entity parsing like Telegram does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "FormattedText",
    "parse_formatted",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]


class EntityParseError(ValueError):
    """The text cannot be parsed; the message is the part after "can't parse entities: "."""


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    # Entity offsets and lengths are measured in UTF-16 code units by Telegram.
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        # tdlib drops entities that cover no text.
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> FormattedText:
        return _strip(FormattedText("".join(self.parts), self.entities))


def _strip(formatted: FormattedText) -> FormattedText:
    # Telegram trims surrounding whitespace and clips entities to what remains.
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return FormattedText(text, _sorted(formatted.entities))
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, _sorted(entities))


def _sorted(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]*")


def _decode_entity(source: str, index: int) -> tuple[str, int] | None:
    match = _ENTITY_RE.match(source, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            return None
        return char, match.end() - index
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end() - index


def _unescape_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&" and (decoded := _decode_entity(value, i)) is not None:
            out.append(decoded[0])
            i += decoded[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


@dataclass
class _OpenTag:
    name: str
    start: int
    byte_offset: int
    attributes: dict[str, str]
    language: str | None = None


def parse_html(source: str, *, strict_ampersand: bool = True) -> FormattedText:
    """Parse Telegram HTML.

    tdlib keeps a bare ``&`` that does not start a known entity as a literal; with
    ``strict_ampersand`` we reject it, because in a bot it almost always means user input was
    interpolated without ``html.escape`` and the next ``<`` in such input would break the send.
    """
    out = _Builder()
    stack: list[_OpenTag] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                out.add(decoded[0])
                i += decoded[1]
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(source, i)} must be escaped "
                    "as &amp; (the fake server is stricter than Telegram here)"
                )
            out.add(char)
            i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            close = source.find(">", i)
            if close == -1:
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(source, begin)}"
                )
            name = source[i + 1 : close].strip().lower()
            if not stack:
                raise EntityParseError(
                    f'Unexpected end tag "</{name}>" at byte offset {_byte_offset(source, begin)}'
                )
            tag = stack.pop()
            if name != tag.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                    f'expected "</{tag.name}>", found "</{name}>"'
                )
            _close_html_tag(out, tag, stack)
            i = close + 1
            continue
        name_match = _TAG_NAME_RE.match(source, i)
        assert name_match is not None
        name = name_match.group().lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        attributes, i = _parse_attributes(source, name_match.end(), name, begin)
        tag = _OpenTag(name, out.offset, _byte_offset(source, begin), attributes)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {tag.byte_offset}'
            )
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {tag.byte_offset}'
            )
        if name == "code" and stack and stack[-1].name == "pre":
            css_class = attributes.get("class", "")
            if css_class.startswith("language-"):
                stack[-1].language = css_class.removeprefix("language-")
        stack.append(tag)
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        )
    return out.result()


def _parse_attributes(source: str, index: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    attributes: dict[str, str] = {}
    n = len(source)
    while True:
        while index < n and source[index].isspace():
            index += 1
        if index >= n:
            raise EntityParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
            )
        if source[index] == ">":
            return attributes, index + 1
        name_match = _ATTR_NAME_RE.match(source, index)
        assert name_match is not None
        name = name_match.group().lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        index = name_match.end()
        while index < n and source[index].isspace():
            index += 1
        if index < n and source[index] == "=":
            index += 1
            while index < n and source[index].isspace():
                index += 1
            if index < n and source[index] in "\"'":
                quote = source[index]
                end = source.find(quote, index + 1)
                if end == -1:
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
                    )
                value = source[index + 1 : end]
                index = end + 1
            else:
                end = index
                while end < n and not source[end].isspace() and source[end] != ">":
                    end += 1
                value = source[index:end]
                index = end
            attributes[name] = _unescape_attribute(value)
        else:
            attributes[name] = ""


def _close_html_tag(out: _Builder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_TAGS[tag.name]
    if kind == "text_link":
        href = tag.attributes.get("href", "").strip()
        if href:
            out.entity("text_link", tag.start, url=href)
    elif kind == "code":
        # A <code> directly inside <pre> only carries the language of the pre block.
        if not (stack and stack[-1].name == "pre"):
            out.entity("code", tag.start)
    elif kind == "pre":
        if tag.language:
            out.entity("pre", tag.start, language=tag.language)
        else:
            out.entity("pre", tag.start)
    elif kind == "blockquote":
        expandable = "expandable" in tag.attributes
        out.entity("expandable_blockquote" if expandable else "blockquote", tag.start)
    elif kind == "custom_emoji":
        out.entity("custom_emoji", tag.start, custom_emoji_id=tag.attributes["emoji-id"])
    else:
        out.entity(kind, tag.start)


# ---------------------------------------------------------------------------------------------
# MarkdownV2

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _OpenMd:
    kind: str
    start: int
    byte_offset: int
    language: str | None = None


def parse_markdown_v2(source: str) -> FormattedText:
    out = _Builder()
    stack: list[_OpenMd] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.add(source[i + 1])
            i += 2
            continue
        top = stack[-1] if stack else None
        if top is not None and top.kind in ("code", "pre"):
            if top.kind == "pre" and source.startswith("```", i):
                stack.pop()
                _close_md(out, top)
                i += 3
            elif top.kind == "code" and char == "`":
                stack.pop()
                _close_md(out, top)
                i += 1
            else:
                out.add(char)
                i += 1
            continue
        at_line_start = i == 0 or source[i - 1] == "\n"
        if at_line_start and char == ">":
            i += 1
            continue
        if at_line_start and source.startswith("**>", i):
            i += 3
            continue
        if char not in _MDV2_RESERVED:
            out.add(char)
            i += 1
            continue
        if top is not None and _md_ends(top.kind, source, i):
            stack.pop()
            if top.kind in ("text_link", "custom_emoji"):
                i = _close_md_link(out, top, source, i + 1)
                continue
            _close_md(out, top)
            i += 2 if top.kind in ("underline", "spoiler") else 1
            continue
        begin = i
        kind: str
        if char == "_":
            kind, i = ("underline", i + 2) if source.startswith("__", i) else ("italic", i + 1)
        elif char == "*":
            kind, i = "bold", i + 1
        elif char == "~":
            kind, i = "strikethrough", i + 1
        elif char == "|" and source.startswith("||", i):
            kind, i = "spoiler", i + 2
        elif char == "[":
            kind, i = "text_link", i + 1
        elif char == "!" and source.startswith("![", i):
            kind, i = "custom_emoji", i + 2
        elif char == "`" and source.startswith("```", i):
            kind, i = "pre", i + 3
        elif char == "`":
            kind, i = "code", i + 1
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        same = next((item for item in stack if item.kind == kind), None)
        if same is not None:
            raise EntityParseError(
                f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {same.byte_offset}"
            )
        opened = _OpenMd(kind, out.offset, _byte_offset(source, begin))
        if kind == "pre":
            newline = source.find("\n", i)
            if newline != -1 and source[i:newline].strip() and "`" not in source[i:newline]:
                opened.language = source[i:newline].strip()
                i = newline + 1
        stack.append(opened)
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
        )
    return out.result()


def _md_ends(kind: str, source: str, i: int) -> bool:
    char = source[i]
    if kind == "bold":
        return char == "*"
    if kind == "italic":
        return char == "_" and not source.startswith("__", i)
    if kind == "underline":
        return source.startswith("__", i)
    if kind == "strikethrough":
        return char == "~"
    if kind == "spoiler":
        return source.startswith("||", i)
    if kind in ("text_link", "custom_emoji"):
        return char == "]"
    return False


def _close_md(out: _Builder, tag: _OpenMd) -> None:
    if tag.kind == "pre" and tag.language:
        out.entity("pre", tag.start, language=tag.language)
    else:
        out.entity(tag.kind, tag.start)


def _close_md_link(out: _Builder, tag: _OpenMd, source: str, i: int) -> int:
    url = ""
    if i < len(source) and source[i] == "(":
        i += 1
        chars: list[str] = []
        while True:
            if i >= len(source):
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, i)}"
                )
            if source[i] == "\\" and i + 1 < len(source):
                chars.append(source[i + 1])
                i += 2
                continue
            if source[i] == ")":
                i += 1
                break
            chars.append(source[i])
            i += 1
        url = "".join(chars)
    if tag.kind == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
        if match is None:
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        out.entity("custom_emoji", tag.start, custom_emoji_id=match.group(1))
    elif url:
        out.entity("text_link", tag.start, url=url)
    return i


# ---------------------------------------------------------------------------------------------
# Legacy Markdown


def parse_markdown(source: str) -> FormattedText:
    out = _Builder()
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        is_pre = source.startswith("```", i)
        end_char = "]" if char == "[" else char
        i += 3 if is_pre else 1
        language: str | None = None
        if is_pre:
            newline = source.find("\n", i)
            closing = source.find("```", i)
            if newline != -1 and (closing == -1 or newline < closing):
                candidate = source[i:newline].strip()
                if candidate and " " not in candidate:
                    language = candidate
                    i = newline + 1
        start = out.offset
        while i < n and (source[i] != end_char or (is_pre and not source.startswith("```", i))):
            out.add(source[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{_byte_offset(source, begin)}"
            )
        i += 3 if is_pre else 1
        if is_pre:
            extra = {"language": language} if language else {}
            out.entity("pre", start, **extra)
        elif char == "`":
            out.entity("code", start)
        elif char == "*":
            out.entity("bold", start)
        elif char == "_":
            out.entity("italic", start)
        else:
            url = ""
            if i < n and source[i] == "(":
                close = source.find(")", i)
                if close != -1:
                    url = source[i + 1 : close]
                    i = close + 1
            if url:
                out.entity("text_link", start, url=url)
    return out.result()


def parse_formatted(
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict_ampersand: bool = True,
) -> FormattedText:
    """Apply ``parse_mode`` like Telegram; ValueError for an unknown mode."""
    if not parse_mode:
        return _strip(FormattedText(text, list(entities or [])))
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text, strict_ampersand=strict_ampersand)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")

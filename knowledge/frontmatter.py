"""A small reader for the YAML-like front matter of the regulation files.

Only the subset the folder uses is supported: ``key: value``, lists of ``- item`` under a key and
folded blocks (``key: >-`` followed by indented lines). Anything else is kept as plain text, so a
malformed header never stops a document from loading.
"""

from __future__ import annotations

import re

FrontMatterValue = str | list[str]

_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")


def split_front_matter(text: str) -> tuple[dict[str, FrontMatterValue], str]:
    """Return (front matter, body). Text without a leading ``---`` block has empty front matter."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            return parse_block(lines[1:end]), "\n".join(lines[end + 1 :])
    return {}, text


def parse_block(lines: list[str]) -> dict[str, FrontMatterValue]:
    data: dict[str, FrontMatterValue] = {}
    key: str | None = None
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        match = _KEY_LINE.match(line)
        if match and not raw[:1].isspace():
            key, value = match.group(1).lower(), match.group(2).strip()
            data[key] = "" if value in (">-", ">", "|", "|-") else _unquote(value)
            continue
        if key is None:
            continue
        stripped = line.strip()
        current = data.get(key)
        if stripped.startswith("- ") or stripped == "-":
            item = _unquote(stripped[1:].strip())
            items = current if isinstance(current, list) else []
            items.append(item)
            data[key] = items
        elif isinstance(current, str):
            data[key] = (current + " " + stripped).strip() if current else stripped
    return data


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def as_text(value: FrontMatterValue | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(value)
    return value


def as_list(value: FrontMatterValue | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value] if value else []

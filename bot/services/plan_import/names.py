"""Splitting a cell that names several people or departments."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[、，,；;/／\n\r]+")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def split_names(cell: str | None) -> list[str]:
    """'孙某某、丁某某' → ['孙某某', '丁某某']: order kept, repeats dropped, names as written.

    Separators are 、，,；;/ whitespace and line breaks.
    """
    if not cell:
        return []
    names: list[str] = []
    for part in _SEPARATORS.split(cell):
        for name in _join_padded_names(_SPACES.split(part.strip())):
            if name and name not in names:
                names.append(name)
    return names


def _join_padded_names(pieces: list[str]) -> list[str]:
    # Two-character names are often padded to the width of three ("张　三"), so two single
    # characters in a row are one name, not two.
    joined: list[str] = []
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        if len(piece) == 1 and len(following) == 1:
            joined.append(piece + following)
            index += 2
        else:
            joined.append(piece)
            index += 1
    return joined

"""Finding documents by title or short name, exactly or with a typo."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge.terms import normalise

_NOISE = re.compile(r"[\s《》〈〉<>“”\"'「」『』【】()（）·・,，.。:：;；!！?？、]")
# Homophone slips in the last character of a name typed on a pinyin keyboard.
_NAME_ENDINGS = {"发": "法", "列": "例", "伐": "法"}
TYPO_THRESHOLD = 80.0
LOOKUP_TYPO_THRESHOLD = 75.0


def squash(text: str) -> str:
    return _NOISE.sub("", normalise(text))


@dataclass(frozen=True)
class Mention:
    alias: str
    files: tuple[str, ...]
    start: int
    end: int


class Catalog:
    """Maps every alias (squashed) to the files that carry it, in folder order."""

    def __init__(self, aliases: dict[str, list[str]]) -> None:
        # file -> aliases; an alias may belong to several files (the civil code's parts).
        self.by_alias: dict[str, tuple[str, ...]] = {}
        for file, names in aliases.items():
            for name in names:
                key = squash(name)
                if len(key) < 2:
                    continue
                files = self.by_alias.get(key, ())
                if file not in files:
                    self.by_alias[key] = (*files, file)
        self._longest_first = sorted(self.by_alias, key=len, reverse=True)

    def exact(self, name: str) -> tuple[str, ...]:
        return self.by_alias.get(squash(name), ())

    def mentions(self, squashed_text: str) -> list[Mention]:
        """Aliases occurring in the (squashed) text, longest first, not overlapping."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for alias in self._longest_first:
            # Two-character names only when unmistakable (宪法, 民法典 is three).
            if len(alias) < 3 and not alias.endswith(("法", "典")):
                continue
            start = squashed_text.find(alias)
            while start != -1:
                end = start + len(alias)
                if all(end <= s or start >= e for s, e in taken):
                    found.append(Mention(alias, self.by_alias[alias], start, end))
                    taken.append((start, end))
                start = squashed_text.find(alias, start + 1)
        return sorted(found, key=lambda mention: mention.start)

    def fuzzy(self, name: str, threshold: float = TYPO_THRESHOLD) -> tuple[str, ...]:
        key = squash(name)
        if len(key) < 3:
            return ()
        best_score, best_files = 0.0, ()
        for alias, files in self.by_alias.items():
            score = fuzz.ratio(key, alias)
            if score > best_score:
                best_score, best_files = score, files
        return best_files if best_score >= threshold else ()

    def name_before(self, squashed_prefix: str) -> Mention | None:
        """The document named right before an article number ("…红十字会法" + 第十一条).

        Typos are allowed, with a stricter bar than for a name given on its own.
        """
        if not squashed_prefix:
            return None
        text = squashed_prefix
        if text[-1] in _NAME_ENDINGS:
            text = text[:-1] + _NAME_ENDINGS[text[-1]]
        best: tuple[float, int, str] | None = None
        for alias in self._longest_first:
            if text.endswith(alias):
                return Mention(alias, self.by_alias[alias], len(text) - len(alias), len(text))
        for alias in self._longest_first:
            if len(alias) < 3:
                continue
            for size in (len(alias) - 1, len(alias), len(alias) + 1):
                if size < 3 or size > len(text):
                    continue
                score = fuzz.ratio(text[-size:], alias)
                if score >= LOOKUP_TYPO_THRESHOLD and (
                    best is None or (score, len(alias)) > (best[0], best[1])
                ):
                    best = (score, len(alias), alias)
        if best is None:
            return None
        alias = best[2]
        return Mention(alias, self.by_alias[alias], max(0, len(text) - best[1]), len(text))

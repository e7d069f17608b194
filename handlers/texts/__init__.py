"""User-facing text: one table per language, looked up by key; parameters are HTML-escaped."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from handlers.texts import en, zh

DEFAULT_LANGUAGE = "zh"
LANGUAGES: dict[str, dict[str, str]] = {"zh": zh.TEXTS, "en": en.TEXTS}


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def language_of(code: str | None) -> str:
    """Our language for a stored preference or a Telegram client's language_code."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Texts:
    language: str

    def __call__(self, key: str, **params: Any) -> str:
        table = LANGUAGES.get(self.language, LANGUAGES[DEFAULT_LANGUAGE])
        template = table.get(key) or LANGUAGES[DEFAULT_LANGUAGE][key]
        return template.format(**{k: _param(v) for k, v in params.items()})

    def raw(self, key: str, **params: Any) -> str:
        """A template filled with parameters that are already HTML."""
        table = LANGUAGES.get(self.language, LANGUAGES[DEFAULT_LANGUAGE])
        return (table.get(key) or LANGUAGES[DEFAULT_LANGUAGE][key]).format(**params)


class Safe(str):
    """Text that is already HTML and must not be escaped again."""


def _param(value: Any) -> str:
    if isinstance(value, Safe):
        return str(value)
    return esc(value)


def texts_for(language: str | None) -> Texts:
    return Texts(language_of(language))

"""Every user-facing string exists in both languages, with the same placeholders."""

from __future__ import annotations

import string

from handlers.texts import en, zh


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(zh.TEXTS) == set(en.TEXTS)
    for key, template in zh.TEXTS.items():
        assert placeholders(template) == placeholders(en.TEXTS[key]), key

"""The one error plan import raises: a refusal the office can read and act on."""

from __future__ import annotations


class PlanImportError(Exception):
    """A file that cannot be imported; `code` names the reason for handlers and tests."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

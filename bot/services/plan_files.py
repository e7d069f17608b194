"""Reading a plan file into the product's plan format (Excel ledgers, Word/text plans, JSON)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from bot.services.errors import DomainError
from bot.services.plan_import import ParsedPlan, PlanImportError, parse_plan_file
from bot.services.plan_store import parse_plan


class PlanFileError(DomainError):
    """The file cannot be imported; params carry the reason in Chinese and English."""

    code = "plan_file"


@dataclass
class PlanFile:
    data: dict[str, Any]
    parsed: ParsedPlan
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The command-line contract: aspects and warnings."""
        return {"aspects": self.data["aspects"], "warnings": list(self.warnings)}


def read_plan(
    source: str | os.PathLike[str] | bytes, file_name: str, year: int | None = None
) -> PlanFile:
    """Parse and validate a plan file; PlanFileError with a readable reason otherwise."""
    try:
        parsed = parse_plan_file(source, file_name, year)
    except PlanImportError as error:
        raise PlanFileError(message_zh=error.message_zh, message_en=error.message_en) from error
    data = parsed.to_json_dict(with_meta=True)
    if not data["aspects"]:
        raise PlanFileError(
            message_zh="没有找到任何整改措施。", message_en="No measures were found in the file."
        )
    if data.get("title") is None:
        data.pop("title")
    parse_plan(data)  # the same validation the store applies
    return PlanFile(data, parsed, list(parsed.warnings))


def read_plan_file(path: os.PathLike[str] | str, year: int | None = None) -> PlanFile:
    return read_plan(path, os.path.basename(os.fspath(path)), year)


async def read_plan_async(content: bytes, file_name: str, year: int | None = None) -> PlanFile:
    """Parsing is CPU work: done in a thread so the bot keeps answering."""
    return await asyncio.to_thread(read_plan, content, file_name, year)

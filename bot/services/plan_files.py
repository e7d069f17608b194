"""Reading a plan file into the product's plan format: JSON directly, other formats by import."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.services.errors import DomainError
from bot.services.plan_store import parse_plan


class PlanFileError(DomainError):
    code = "plan_file"


@dataclass
class PlanFile:
    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"aspects": self.data["aspects"], "warnings": list(self.warnings)}


def read_plan_json(content: bytes) -> PlanFile:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlanFileError(message=f"JSON: {error}") from error
    if not isinstance(data, dict):
        raise PlanFileError(message="JSON: not an object")
    parse_plan(data)  # validates; raises PlanInvalid with the place
    return PlanFile(data, [str(w) for w in data.get("warnings", []) if w])


def read_plan_file(path: Path, year: int | None = None) -> PlanFile:
    if path.suffix.lower() == ".json":
        return read_plan_json(path.read_bytes())
    raise PlanFileError(message=f"unsupported file type: {path.suffix}")

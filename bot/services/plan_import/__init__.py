"""Plan import: Excel ledgers, Word and text plans, and plan files → the product's plan format.

Pure Python (no Telegram, no database): handlers show the preview, the plan store saves it.
"""

from bot.services.plan_import.deadlines import Deadline, normalise_deadline
from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.model import Doubt, ParsedPlan, PlanAspect, PlanMeasure, PlanProblem
from bot.services.plan_import.names import split_names
from bot.services.plan_import.reader import parse_plan_file

__all__ = [
    "Deadline",
    "Doubt",
    "ParsedPlan",
    "PlanAspect",
    "PlanImportError",
    "PlanMeasure",
    "PlanProblem",
    "normalise_deadline",
    "parse_plan_file",
    "split_names",
]

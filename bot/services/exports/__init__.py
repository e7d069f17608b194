"""Exports: the ledger as an Excel 整改落实台账, a draft 整改情况报告 in Word, and a person's
recorded actions as CSV. Plain Python; the chat handlers and the CLI call the same use cases."""

from bot.services.exports.data import LedgerSnapshot, NothingToExport, ledger_snapshot
from bot.services.exports.service import (
    ExportFile,
    export_ledger,
    export_person_history,
    export_report,
)

__all__ = [
    "ExportFile",
    "LedgerSnapshot",
    "NothingToExport",
    "export_ledger",
    "export_person_history",
    "export_report",
    "ledger_snapshot",
]

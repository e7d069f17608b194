"""Entry points for `zhenggai export`, `zhenggai report` and `zhenggai history`.

Each takes what bot.cli has (a session, the CLI's admin Actor, a clock) and a target path,
writes the file and returns a summary to print. A path naming a folder gets the default name.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.exports.service import (
    ExportFile,
    export_ledger,
    export_person_history,
    export_report,
)


@dataclass(frozen=True)
class ExportSummary:
    kind: str
    # where the file went; None when it was written to standard output
    path: Path | None
    file_name: str
    size: int
    plan_title: str | None
    measures: int
    records: int

    def text(self) -> str:
        """One line for the terminal: what was written where, and how much."""
        where = str(self.path) if self.path else "标准输出"
        what = {"ledger": "整改台账", "report": "整改情况报告", "history": "整改记录"}[self.kind]
        counts = {
            "ledger": f"{self.measures}条措施，{self.records}条记录",
            "report": f"{self.measures}条措施",
            "history": f"{self.records}条记录",
        }[self.kind]
        return f"已导出{what}：{where}（{counts}，{max(1, round(self.size / 1024))} KB）"


def parse_day(text: str) -> date:
    """YYYY-MM-DD from the command line; InvalidInput otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field="date", value=text) from None


def _target(path: str | os.PathLike[str], default_name: str) -> Path:
    target = Path(path)
    if target.is_dir():
        target = target / default_name
    return target


def _write(path: Path, content: bytes) -> None:
    """Write through a temporary file, so a failed export never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        # mkstemp makes the file private; an exported ledger gets the usual permissions
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _save(path: str | os.PathLike[str], exported: ExportFile) -> Path:
    target = _target(path, exported.file_name)
    _write(target, exported.content)
    return target


def _summary(exported: ExportFile, path: Path | None) -> ExportSummary:
    return ExportSummary(
        kind=exported.kind,
        path=path,
        file_name=exported.file_name,
        size=len(exported.content),
        plan_title=exported.plan_title,
        measures=exported.measures,
        records=exported.records,
    )


async def _saved(path: str | os.PathLike[str], exported: ExportFile) -> ExportSummary:
    target = await asyncio.to_thread(_save, path, exported)
    return _summary(exported, target)


async def export_ledger_file(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    path: str | os.PathLike[str],
    plan_id: int | None = None,
) -> ExportSummary:
    """`zhenggai export ledger.xlsx`: the ledger as an Excel file."""
    return await _saved(path, await export_ledger(session, actor, clock, plan_id))


async def export_report_file(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    path: str | os.PathLike[str],
    plan_id: int | None = None,
) -> ExportSummary:
    """`zhenggai report report.docx`: the draft 整改情况报告 as a Word file."""
    return await _saved(path, await export_report(session, actor, clock, plan_id))


async def export_history_file(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    path: str | os.PathLike[str] | None,
    person: str,
    first_day: date,
    last_day: date,
    stdout: BinaryIO | None = None,
) -> ExportSummary:
    """`zhenggai history --person NAME --from D --to D [--out FILE]`: CSV, to the file or to
    standard output (`stdout`, by default the process's)."""
    exported = await export_person_history(session, actor, clock, person, first_day, last_day)
    if path is None:
        out = stdout or sys.stdout.buffer
        out.write(exported.content)
        out.flush()
        return _summary(exported, None)
    target = await asyncio.to_thread(_save, path, exported)
    return _summary(exported, target)

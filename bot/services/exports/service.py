"""The export use cases: the ledger (.xlsx), the report (.docx), a person's history (.csv).

They read; they never change the ledger. Scope follows the ledger's rule: the office and
admins get everything, a leader the measures they lead, anyone else NotAllowed. Building a
file is CPU work, so it runs in a worker thread and the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import ledger, people, statuses
from bot.services.actor import Actor
from bot.services.exports.data import (
    history_rows,
    ledger_snapshot,
    local_day_bounds,
    person_events_condition,
)
from bot.services.exports.docx_writer import report_document
from bot.services.exports.history import history_csv
from bot.services.exports.report import report_paragraphs, report_title
from bot.services.exports.xlsx import ledger_workbook
from storage.models import MeasurePerson

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV_TYPE = "text/csv"


@dataclass(frozen=True)
class ExportFile:
    kind: str  # ledger / report / history
    file_name: str
    content: bytes
    media_type: str
    scope: str  # all / leader
    plan_title: str | None
    measures: int
    # history rows in the ledger's second sheet, or lines of the CSV
    records: int
    as_of: date


async def export_ledger(
    session: AsyncSession, actor: Actor, clock: Clock, plan_id: int | None = None
) -> ExportFile:
    """整改台账 as .xlsx: one row per measure, then a sheet with every recorded change."""
    snapshot = await ledger_snapshot(session, actor, clock, plan_id, with_history=True)
    content = await asyncio.to_thread(ledger_workbook, snapshot)
    return ExportFile(
        kind="ledger",
        file_name=f"整改台账-{snapshot.today:%Y%m%d}.xlsx",
        content=content,
        media_type=XLSX_TYPE,
        scope=snapshot.scope,
        plan_title=snapshot.plan_title,
        measures=len(snapshot.measures),
        records=len(snapshot.history),
        as_of=snapshot.today,
    )


async def export_report(
    session: AsyncSession, actor: Actor, clock: Clock, plan_id: int | None = None
) -> ExportFile:
    """A draft 整改情况报告 as .docx, written from the ledger alone."""
    snapshot = await ledger_snapshot(session, actor, clock, plan_id, with_history=False)
    paragraphs = report_paragraphs(snapshot)
    title = report_title(snapshot.plan_title)
    content = await asyncio.to_thread(report_document, paragraphs, title, snapshot.as_of)
    return ExportFile(
        kind="report",
        file_name=f"整改情况报告-{snapshot.today:%Y%m%d}.docx",
        content=content,
        media_type=DOCX_TYPE,
        scope=snapshot.scope,
        plan_title=snapshot.plan_title,
        measures=len(snapshot.measures),
        records=len(paragraphs),
        as_of=snapshot.today,
    )


async def export_person_history(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    person_name: str,
    first_day: date,
    last_day: date,
) -> ExportFile:
    """What one person did from `first_day` to `last_day` (local dates, both included).

    A leader sees only what was done on the measures they lead.
    """
    scope, _ = ledger.scope_query(actor)
    person = await people.find_person(session, person_name)
    start, end = local_day_bounds(clock.tz, first_day, last_day)
    led = None
    if scope == "leader":
        led = select(MeasurePerson.measure_id).where(
            MeasurePerson.person_id == actor.person_id,
            MeasurePerson.role == statuses.LINK_LEADER,
        )
    rows = await history_rows(session, person_events_condition(person.id, start, end, led))
    return ExportFile(
        kind="history",
        file_name=f"整改记录-{person.name}-{first_day:%Y%m%d}-{last_day:%Y%m%d}.csv",
        content=history_csv(rows, clock.tz),
        media_type=CSV_TYPE,
        scope=scope,
        plan_title=None,
        measures=len({r.measure_code for r in rows if r.measure_code}),
        records=len(rows),
        as_of=local_today(clock),
    )

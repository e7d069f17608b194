"""Progress reports (进展) with evidence (佐证材料)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import audit, signoff, statuses
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.ledger import require_person
from bot.services.notices import Notice
from storage.models import Evidence, ProgressReport

NOTE_MAX = 2000
ATTACHMENTS_MAX = 20


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo / document
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    file_size: int | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class ReportOutcome:
    measure_id: int
    measure_code: str
    status: str
    percent: int | None
    evidence_added: int
    close_requested: bool
    notices: list[Notice] = field(default_factory=list)


def clean_note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(field="note", limit=NOTE_MAX)
    return text


def add_evidence(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    measure_id: int,
    attachments: Sequence[Attachment],
    report_id: int | None = None,
) -> None:
    """File each attachment as evidence (rows are only ever added) and record it."""
    now = clock.now()
    for item in attachments:
        session.add(
            Evidence(
                measure_id=measure_id,
                report_id=report_id,
                author_id=actor.person_id,
                created_at=now,
                kind=item.kind,
                file_id=item.file_id,
                file_unique_id=item.file_unique_id,
                file_name=item.file_name,
                file_size=item.file_size,
                mime_type=item.mime_type,
                chat_id=actor.chat_id,
            )
        )
        audit.record(
            session,
            actor,
            clock,
            "evidence_added",
            measure_id,
            kind=item.kind,
            file_name=item.file_name,
            file_size=item.file_size,
        )


async def report_progress(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    measure_id: int,
    note: str | None,
    status: str | None = None,
    percent: int | None = None,
    attachments: Sequence[Attachment] = (),
    request_close: bool = False,
) -> ReportOutcome:
    """Record a progress note, status, percent and evidence; optionally ask to close.

    Everything lands in one transaction, committed before the caller says "saved".
    """
    require_person(actor)
    measure = await signoff.owned_measure(session, actor, measure_id)
    if measure.status == statuses.CLOSED:
        raise signoff.WrongState(status=measure.status)
    text = clean_note(note)
    if status is not None and status not in statuses.REPORTABLE_STATUSES:
        raise InvalidInput(field="status")
    if percent is not None and not 0 <= percent <= 100:
        raise InvalidInput(field="percent")
    if len(attachments) > ATTACHMENTS_MAX:
        raise InvalidInput(field="attachments", limit=ATTACHMENTS_MAX)
    if not (text or attachments or status or percent is not None or request_close):
        raise InvalidInput(field="empty")
    now = clock.now()
    status_before = measure.status
    if measure.status != statuses.AWAITING_SIGNOFF:
        if status is not None:
            measure.status = status
        elif measure.status == statuses.NOT_STARTED:
            measure.status = statuses.IN_PROGRESS  # a report means the work has started
    if percent is not None:
        measure.percent = percent
    measure.last_report_at = now
    measure.updated_at = now
    report = ProgressReport(
        measure_id=measure.id,
        author_id=actor.person_id,
        created_at=now,
        note=text,
        status_before=status_before,
        status_after=measure.status,
        percent=percent,
        chat_id=actor.chat_id,
    )
    session.add(report)
    await session.flush()
    audit.record(
        session,
        actor,
        clock,
        "reported",
        measure.id,
        note=text or None,
        status_before=status_before,
        status=measure.status,
        percent=percent,
        evidence=len(attachments) or None,
    )
    add_evidence(session, actor, clock, measure.id, attachments, report.id)
    await session.flush()
    notices: list[Notice] = []
    if request_close:
        notices = await signoff.request_close(
            session, actor, clock, measure.id, text, commit=False
        )
    await session.commit()
    return ReportOutcome(
        measure_id=measure.id,
        measure_code=measure.code,
        status=measure.status,
        percent=measure.percent,
        evidence_added=len(attachments),
        close_requested=request_close,
        notices=notices,
    )

"""回头看: look-backs after a measure is signed off, and reopening a measure that came back (反弹).

Look-backs are computed from `Measure.closed_at` (set by signoff.decide), so sign-off needs no
hook: a measure closed on day C is due for a look-back on the first working day on or after
C + 30, C + 90 and C + 180 days. When one falls due the scheduler asks the owners (a row in
`lookbacks` is created then, unique per closing and offset, so nobody is asked twice); an
owner answers whether the fix holds, with a note and evidence; the measure's leader sees the
answer and either confirms it or reopens the measure with a reason. The office may also pick
a random sample of closed measures for re-checking.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import audit, statuses
from bot.services.actor import Actor
from bot.services.errors import (
    DecisionAlreadyTaken,
    InvalidInput,
    MeasureNotFound,
    NotAllowed,
    WrongState,
)
from bot.services.ledger import require_person, visible_measure
from bot.services.notices import Notice, linked_people, notices_for, office_people
from bot.services.progress import ATTACHMENTS_MAX, Attachment, add_evidence, clean_note
from bot.services.signoff import clean_reason
from bot.services.workdays import next_working_day
from storage import repositories as repo
from storage.models import Lookback, Measure, MeasurePerson, Person

LOOKBACK_OFFSETS = (30, 90, 180)
SAMPLE_MAX = 50

ASKED = "asked"
ANSWERED = "answered"
CONFIRMED = "confirmed"
REOPENED = "reopened"
OPEN_STATES = (ASKED, ANSWERED)

REASON_SCHEDULED = "scheduled"
REASON_SAMPLE = "sample"


@dataclass(frozen=True)
class DueLookback:
    """A look-back that has fallen due for a closed measure and has not been asked yet."""

    measure_id: int
    code: str
    text: str
    closed_at: datetime
    offset_days: int
    due_on: date


@dataclass(frozen=True)
class LookbackView:
    id: int
    measure_id: int
    code: str
    text: str
    closed_at: datetime
    offset_days: int | None
    reason: str
    due_on: date
    state: str
    holds: bool | None
    note: str | None
    evidence_count: int
    answered_by: str | None


@dataclass(frozen=True)
class AnswerOutcome:
    lookback: LookbackView
    notices: list[Notice]


@dataclass(frozen=True)
class ReviewOutcome:
    lookback_id: int | None
    measure_id: int
    code: str
    reopened: bool
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class SampleOutcome:
    picked: list[LookbackView]
    # one notice per owner asked; kind "lookback_sample"
    notices: list[Notice]
    closed_total: int


def closed_day(closed_at: datetime, tz: ZoneInfo) -> date:
    return closed_at.astimezone(tz).date()


def due_on(closed_at: datetime, offset_days: int, tz: ZoneInfo) -> date:
    """The first working day on or after `offset_days` after the day of closing."""
    return next_working_day(closed_day(closed_at, tz) + timedelta(days=offset_days))


def latest_due_offset(
    closed_at: datetime, today: date, tz: ZoneInfo, offsets: Sequence[int] = LOOKBACK_OFFSETS
) -> int | None:
    """The latest look-back offset due by `today` (earlier ones missed are not asked again)."""
    due = [o for o in offsets if due_on(closed_at, o, tz) <= today]
    return max(due) if due else None


async def due_lookbacks(
    session: AsyncSession,
    clock: Clock,
    offsets: Sequence[int] = LOOKBACK_OFFSETS,
    measure_ids: Sequence[int] | None = None,
) -> list[DueLookback]:
    """Closed measures whose latest due look-back has not been asked yet."""
    today = local_today(clock)
    query = select(Measure.id, Measure.code, Measure.text, Measure.closed_at).where(
        Measure.deleted_at.is_(None),
        Measure.status == statuses.CLOSED,
        Measure.closed_at.is_not(None),
    )
    if measure_ids is not None:
        query = query.where(Measure.id.in_(list(measure_ids)))
    # only closings old enough for the first look-back
    earliest = datetime.combine(
        today - timedelta(days=min(offsets) - 1), datetime.min.time(), tzinfo=clock.tz
    )
    query = query.where(Measure.closed_at < earliest).order_by(Measure.id)
    measures = (await session.execute(query)).all()
    if not measures:
        return []
    asked = {
        (row.measure_id, row.closed_at, row.offset_days)
        for row in await session.scalars(
            select(Lookback).where(
                Lookback.measure_id.in_([m.id for m in measures]),
                Lookback.offset_days.is_not(None),
            )
        )
    }
    found = []
    for measure_id, code, text, closed_at in measures:
        offset = latest_due_offset(closed_at, today, clock.tz, offsets)
        if offset is None or (measure_id, closed_at, offset) in asked:
            continue
        found.append(
            DueLookback(
                measure_id, code, text, closed_at, offset, due_on(closed_at, offset, clock.tz)
            )
        )
    return found


async def open_lookback(
    session: AsyncSession, clock: Clock, due: DueLookback, asked_by: int | None = None
) -> Lookback:
    """The look-back row for a due look-back, created when its question first goes out.

    Several owners may be asked about one measure; the first answer counts. Commits.
    """
    existing = await _existing(session, due)
    if existing is not None:
        return existing
    row = Lookback(
        measure_id=due.measure_id,
        closed_at=due.closed_at,
        offset_days=due.offset_days,
        reason=REASON_SCHEDULED,
        due_on=due.due_on,
        state=ASKED,
        asked_at=clock.now(),
        asked_by=asked_by,
        evidence_count=0,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:  # asked at the same moment by another run
        await session.rollback()
        existing = await _existing(session, due)
        assert existing is not None
        return existing
    return row


async def _existing(session: AsyncSession, due: DueLookback) -> Lookback | None:
    return await session.scalar(
        select(Lookback).where(
            Lookback.measure_id == due.measure_id,
            Lookback.closed_at == due.closed_at,
            Lookback.offset_days == due.offset_days,
        )
    )


async def _view(session: AsyncSession, row: Lookback) -> LookbackView:
    measure = await session.get(Measure, row.measure_id)
    answered_by = await session.get(Person, row.answered_by) if row.answered_by else None
    return view_of(row, measure, answered_by.name if answered_by else None)


def view_of(row: Lookback, measure: Measure | None, answered_by: str | None) -> LookbackView:
    return LookbackView(
        id=row.id,
        measure_id=row.measure_id,
        code=measure.code if measure else "",
        text=measure.text if measure else "",
        closed_at=row.closed_at,
        offset_days=row.offset_days,
        reason=row.reason,
        due_on=row.due_on,
        state=row.state,
        holds=row.holds,
        note=row.note,
        evidence_count=row.evidence_count,
        answered_by=answered_by,
    )


async def _lookback_for(session: AsyncSession, lookback_id: int) -> tuple[Lookback, Measure]:
    row = await session.get(Lookback, lookback_id)
    measure = await repo.measure_by_id(session, row.measure_id) if row else None
    if row is None or measure is None:
        raise MeasureNotFound()
    return row, measure


async def lookback_view(session: AsyncSession, actor: Actor, lookback_id: int) -> LookbackView:
    row, measure = await _lookback_for(session, lookback_id)
    await visible_measure(session, actor, measure.id)
    return await _view(session, row)


async def answer(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    lookback_id: int,
    holds: bool,
    note: str | None,
    attachments: Sequence[Attachment] = (),
) -> AnswerOutcome:
    """An owner answers a look-back: does the fix hold? A note or evidence is required.

    The measure's leaders (else the office) are told, to confirm or reopen.
    """
    require_person(actor)
    row, measure = await _lookback_for(session, lookback_id)
    _, links = await visible_measure(session, actor, measure.id)
    if statuses.LINK_OWNER not in links:
        raise NotAllowed()
    if row.state != ASKED:
        raise DecisionAlreadyTaken(state=row.state)
    if measure.status != statuses.CLOSED or measure.closed_at != row.closed_at:
        raise WrongState(status=measure.status)
    text = clean_note(note)
    if len(attachments) > ATTACHMENTS_MAX:
        raise InvalidInput(field="attachments", limit=ATTACHMENTS_MAX)
    if not text and not attachments:
        raise InvalidInput(field="empty")
    now = clock.now()
    row.state = ANSWERED
    row.holds = holds
    row.note = text or None
    row.answered_at = now
    row.answered_by = actor.person_id
    row.evidence_count = len(attachments)
    add_evidence(session, actor, clock, measure.id, attachments)
    audit.record(
        session,
        actor,
        clock,
        "lookback_answered",
        measure.id,
        lookback=row.id,
        holds=holds,
        note=text or None,
        evidence=len(attachments) or None,
        offset_days=row.offset_days,
    )
    await session.flush()
    reviewers = await linked_people(session, measure.id, statuses.LINK_LEADER)
    if not reviewers:
        reviewers = await office_people(session)
    notices = notices_for(
        reviewers,
        "lookback_answered" if holds else "lookback_relapsed",
        measure,
        exclude_person_id=actor.person_id,
        actor_name=actor.name,
        reason=text or None,
        decision_id=row.id,
    )
    await session.commit()
    return AnswerOutcome(await _view(session, row), notices)


async def _may_review(session: AsyncSession, actor: Actor, measure: Measure) -> bool:
    _, links = await visible_measure(session, actor, measure.id)
    if statuses.LINK_LEADER in links:
        return True
    return actor.sees_everything


async def confirm(
    session: AsyncSession, actor: Actor, clock: Clock, lookback_id: int
) -> ReviewOutcome:
    """The leader accepts an answered look-back: the fix holds, the measure stays closed."""
    require_person(actor)
    row, measure = await _lookback_for(session, lookback_id)
    if not await _may_review(session, actor, measure):
        raise NotAllowed()
    if row.state != ANSWERED:
        raise DecisionAlreadyTaken(state=row.state)
    row.state = CONFIRMED
    row.reviewed_at = clock.now()
    row.reviewed_by = actor.person_id
    audit.record(
        session, actor, clock, "lookback_confirmed", measure.id, lookback=row.id, holds=row.holds
    )
    await session.commit()
    return ReviewOutcome(row.id, measure.id, measure.code, reopened=False)


async def reopen(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    measure_id: int,
    reason: str | None,
    lookback_id: int | None = None,
) -> ReviewOutcome:
    """反弹: the leader reopens a closed measure with a reason; the owners are told.

    The measure goes back to in progress and its closing time is cleared (the audit trail
    keeps both); its look-backs still open are closed as reopened.
    """
    require_person(actor)
    measure = await repo.measure_by_id(session, measure_id)
    if measure is None:
        raise MeasureNotFound()
    if not await _may_review(session, actor, measure):
        raise NotAllowed()
    if measure.status != statuses.CLOSED:
        raise WrongState(status=measure.status)
    text = clean_reason(reason, required=True)
    now = clock.now()
    closed_at = measure.closed_at
    measure.status = statuses.IN_PROGRESS
    measure.closed_at = None
    measure.updated_at = now
    open_rows = await session.scalars(
        select(Lookback).where(Lookback.measure_id == measure.id, Lookback.state.in_(OPEN_STATES))
    )
    for row in open_rows:
        row.state = REOPENED
        row.reviewed_at = now
        row.reviewed_by = actor.person_id
        row.review_reason = text
    audit.record(
        session,
        actor,
        clock,
        "reopened",
        measure.id,
        reason=text,
        lookback=lookback_id,
        closed_at=closed_at.isoformat() if closed_at else None,
    )
    owners = await linked_people(session, measure.id, statuses.LINK_OWNER)
    notices = notices_for(
        owners,
        "reopened",
        measure,
        exclude_person_id=actor.person_id,
        actor_name=actor.name,
        reason=text,
    )
    await session.commit()
    return ReviewOutcome(lookback_id, measure.id, measure.code, reopened=True, notices=notices)


async def sample(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    count: int,
    rng: random.Random | None = None,
) -> SampleOutcome:
    """The office picks `count` closed measures at random for re-checking (抽查).

    Measures with a look-back already open are left out. The owners are asked like for a
    scheduled look-back.
    """
    require_person(actor)
    if not actor.sees_everything:
        raise NotAllowed()
    if not 1 <= count <= SAMPLE_MAX:
        raise InvalidInput(field="count", limit=SAMPLE_MAX)
    open_lookbacks = select(Lookback.measure_id).where(Lookback.state.in_(OPEN_STATES))
    closed = list(
        await session.scalars(
            repo.live_measures()
            .where(
                Measure.status == statuses.CLOSED,
                Measure.closed_at.is_not(None),
                Measure.id.not_in(open_lookbacks),
            )
            .order_by(Measure.id)
        )
    )
    picked = (rng or random.SystemRandom()).sample(closed, min(count, len(closed)))
    picked.sort(key=lambda m: m.id)
    now = clock.now()
    today = local_today(clock)
    views: list[LookbackView] = []
    notices: list[Notice] = []
    for measure in picked:
        assert measure.closed_at is not None
        row = Lookback(
            measure_id=measure.id,
            closed_at=measure.closed_at,
            offset_days=None,
            reason=REASON_SAMPLE,
            due_on=today,
            state=ASKED,
            asked_at=now,
            asked_by=actor.person_id,
            evidence_count=0,
        )
        session.add(row)
        await session.flush()
        views.append(view_of(row, measure, None))
        notices += notices_for(
            await linked_people(session, measure.id, statuses.LINK_OWNER),
            "lookback_sample",
            measure,
            actor_name=actor.name,
            decision_id=row.id,
        )
    audit.record(
        session, actor, clock, "lookback_sampled", None, count=len(picked), of=len(closed)
    )
    await session.commit()
    return SampleOutcome(views, notices, len(closed))


async def open_for(session: AsyncSession, actor: Actor) -> list[LookbackView]:
    """Look-backs waiting for this person: to answer (their measures) or to review (led)."""
    person_id = require_person(actor)
    mine = select(MeasurePerson.measure_id).where(MeasurePerson.person_id == person_id)
    waiting = or_(
        and_(
            Lookback.state == ASKED,
            Lookback.measure_id.in_(mine.where(MeasurePerson.role == statuses.LINK_OWNER)),
        ),
        and_(
            Lookback.state == ANSWERED,
            Lookback.measure_id.in_(mine.where(MeasurePerson.role == statuses.LINK_LEADER)),
        ),
    )
    if actor.sees_everything:
        waiting = or_(waiting, Lookback.state == ANSWERED)
    rows = list(
        await session.scalars(
            select(Lookback)
            .join(Measure, Measure.id == Lookback.measure_id)
            .where(waiting, Measure.deleted_at.is_(None))
            .order_by(Lookback.due_on, Lookback.id)
        )
    )
    views = []
    for row in rows:
        views.append(await _view(session, row))
    return views

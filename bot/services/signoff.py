"""对账销号 and 延期: close requests, sign-off or send-back, deadline extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import audit, statuses
from bot.services.actor import Actor
from bot.services.errors import (
    DecisionAlreadyTaken,
    DecisionNotFound,
    EvidenceRequired,
    InvalidInput,
    NotAllowed,
    OngoingCannotClose,
    ReasonRequired,
    WrongState,
)
from bot.services.ledger import require_person, visible_measure
from bot.services.notices import Notice, deciders, linked_people, notices_for
from storage import repositories as repo
from storage.models import Decision, Measure, Person

REASON_MAX = 1000
KIND_CLOSE = "close"
KIND_EXTENSION = "extension"


@dataclass(frozen=True)
class PendingItem:
    decision_id: int
    kind: str
    measure_id: int
    measure_code: str
    measure_text: str
    requested_by: str
    requested_at: datetime
    reason: str
    current_deadline: date | None
    requested_deadline: date | None


@dataclass(frozen=True)
class DecisionOutcome:
    decision_id: int
    kind: str
    accepted: bool
    measure_id: int
    measure_code: str
    notices: list[Notice]


def clean_reason(reason: str | None, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise ReasonRequired()
    if len(text) > REASON_MAX:
        raise InvalidInput(field="reason", limit=REASON_MAX)
    return text


async def owned_measure(session: AsyncSession, actor: Actor, measure_id: int) -> Measure:
    measure, links = await visible_measure(session, actor, measure_id)
    if statuses.LINK_OWNER not in links:
        raise NotAllowed()
    return measure


async def request_close(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    measure_id: int,
    note: str | None,
    commit: bool = True,
) -> list[Notice]:
    """The owner asks to close; needs evidence on file or a note of what was done."""
    require_person(actor)
    measure = await owned_measure(session, actor, measure_id)
    if measure.deadline_kind == statuses.DEADLINE_ONGOING:
        raise OngoingCannotClose()
    if measure.status in (statuses.AWAITING_SIGNOFF, statuses.CLOSED):
        raise WrongState(status=measure.status)
    text = clean_reason(note, required=False)
    if not text and await repo.evidence_count(session, measure.id) == 0:
        raise EvidenceRequired()
    now = clock.now()
    decision = Decision(
        measure_id=measure.id,
        kind=KIND_CLOSE,
        state="pending",
        requested_by=actor.person_id,
        requested_at=now,
        reason=text,
    )
    session.add(decision)
    await session.flush()
    status_before = measure.status
    measure.status = statuses.AWAITING_SIGNOFF
    measure.updated_at = now
    audit.record(
        session,
        actor,
        clock,
        "close_requested",
        measure.id,
        note=text or None,
        status_before=status_before,
        decision=decision.id,
    )
    notices = notices_for(
        await deciders(session, measure.id),
        "close_requested",
        measure,
        exclude_person_id=actor.person_id,
        actor_name=actor.name,
        reason=text or None,
        decision_id=decision.id,
    )
    if commit:
        await session.commit()
    return notices


async def request_extension(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    measure_id: int,
    new_deadline: date,
    reason: str | None,
) -> list[Notice]:
    """The owner asks for a later deadline, with a reason; the original stays on record."""
    require_person(actor)
    measure = await owned_measure(session, actor, measure_id)
    if measure.status == statuses.CLOSED or measure.deadline_kind != statuses.DEADLINE_DATE:
        raise WrongState(status=measure.status)
    text = clean_reason(reason, required=True)
    if new_deadline <= local_today(clock) or (
        measure.deadline is not None and new_deadline <= measure.deadline
    ):
        raise InvalidInput(field="deadline")
    if await repo.pending_decision(session, measure.id, KIND_EXTENSION) is not None:
        raise WrongState(status="extension_pending")
    now = clock.now()
    decision = Decision(
        measure_id=measure.id,
        kind=KIND_EXTENSION,
        state="pending",
        requested_by=actor.person_id,
        requested_at=now,
        reason=text,
        requested_deadline=new_deadline,
    )
    session.add(decision)
    await session.flush()
    audit.record(
        session,
        actor,
        clock,
        "extension_requested",
        measure.id,
        reason=text,
        deadline=str(measure.deadline),
        requested=str(new_deadline),
        decision=decision.id,
    )
    notices = notices_for(
        await deciders(session, measure.id),
        "extension_requested",
        measure,
        exclude_person_id=actor.person_id,
        actor_name=actor.name,
        reason=text,
        decision_id=decision.id,
        requested_deadline=new_deadline,
    )
    await session.commit()
    return notices


async def decide(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    decision_id: int,
    accept: bool,
    reason: str | None = None,
) -> DecisionOutcome:
    """The measure's leader accepts or refuses a close or extension request.

    Refusing needs a reason. The owners are told either way.
    """
    require_person(actor)
    decision = await repo.decision_by_id(session, decision_id)
    if decision is None:
        raise DecisionNotFound()
    measure, links = await visible_measure(session, actor, decision.measure_id)
    may_decide = statuses.LINK_LEADER in links or (
        actor.sees_everything
        and not await linked_people(session, measure.id, statuses.LINK_LEADER)
    )
    if not may_decide:
        raise NotAllowed()
    if decision.state != "pending":
        raise DecisionAlreadyTaken(state=decision.state)
    text = clean_reason(reason, required=not accept)
    now = clock.now()
    decision.state = "accepted" if accept else "rejected"
    decision.decided_by = actor.person_id
    decision.decided_at = now
    decision.decision_reason = text or None
    measure.updated_at = now
    detail: dict[str, object] = {"decision": decision.id, "reason": text or None}
    if decision.kind == KIND_CLOSE:
        if accept:
            measure.status = statuses.CLOSED
            measure.closed_at = now
        else:
            measure.status = statuses.IN_PROGRESS
        action = "signed_off" if accept else "sent_back"
    else:
        detail["requested"] = str(decision.requested_deadline)
        if accept:
            detail["deadline_before"] = str(measure.deadline)
            measure.deadline = decision.requested_deadline
        action = "extension_approved" if accept else "extension_refused"
    kind = action
    audit.record(session, actor, clock, action, measure.id, **detail)
    requester = await session.get(Person, decision.requested_by)
    owners = await linked_people(session, measure.id, statuses.LINK_OWNER)
    if requester is not None and requester not in owners:
        owners.append(requester)
    notices = notices_for(
        owners,
        kind,
        measure,
        exclude_person_id=actor.person_id,
        actor_name=actor.name,
        reason=text or None,
        decision_id=decision.id,
        requested_deadline=decision.requested_deadline,
    )
    await session.commit()
    return DecisionOutcome(decision.id, decision.kind, accept, measure.id, measure.code, notices)


async def pending_for(session: AsyncSession, actor: Actor) -> list[PendingItem]:
    """What waits for this person's decision (the office sees everything pending)."""
    person_id = require_person(actor)
    if actor.sees_everything:
        decisions = await repo.pending_decisions_all(session)
    else:
        decisions = await repo.pending_decisions_for_leader(session, person_id)
    requesters = {
        p.id: p.name
        for p in await repo.people_by_ids(session, [d.requested_by for d in decisions])
    }
    items = []
    for decision in decisions:
        measure = await repo.measure_by_id(session, decision.measure_id)
        if measure is None:
            continue
        items.append(
            PendingItem(
                decision_id=decision.id,
                kind=decision.kind,
                measure_id=measure.id,
                measure_code=measure.code,
                measure_text=measure.text,
                requested_by=requesters.get(decision.requested_by, ""),
                requested_at=decision.requested_at,
                reason=decision.reason,
                current_deadline=measure.deadline,
                requested_deadline=decision.requested_deadline,
            )
        )
    return items

"""Digests: what a leader or the office should know this week, counted from the ledger.

A digest covers the recipient's scope (a leader: the measures they lead; the office: all):
totals by status and the share closed, the change since their last digest (a snapshot of
the totals is kept per recipient), overdue measures, measures due within 7 working days,
measures closed in the period, sign-offs and extensions waiting for the recipient, stale
measures (no update for 14 days) and look-backs due. Everything is counted by code from
the ledger; nothing is estimated.

Statuses are the current ones; `as_of` moves "today" for deadlines, staleness and the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import lookbacks, schedule, statuses, workdays
from bot.services.actor import ROLE_LEADER, ROLE_OFFICE, Actor
from bot.services.errors import NotAllowed
from bot.services.ledger import DUE_SOON_WORKING_DAYS
from storage.models import (
    Aspect,
    Decision,
    DigestSnapshot,
    Lookback,
    Measure,
    MeasurePerson,
    Person,
    Problem,
)

STALE_DAYS = 14
SCOPE_ALL = "all"
SCOPE_LEADER = "leader"
TOTAL_KEYS = (
    "measures",
    "not_started",
    "in_progress",
    "awaiting_signoff",
    "closed",
    "ongoing",
    "overdue",
)
# statuses in which the owner is expected to move; a measure awaiting sign-off waits for
# the leader, so it is not stale
STALE_STATUSES = (statuses.NOT_STARTED, statuses.IN_PROGRESS)


@dataclass(frozen=True)
class DigestItem:
    id: int
    code: str
    text: str
    status: str
    owners: tuple[str, ...]
    deadline_kind: str
    deadline: date | None
    deadline_raw: str | None
    days_overdue: int = 0
    days_left: int | None = None
    last_update: datetime | None = None
    closed_at: datetime | None = None

    @property
    def owner(self) -> str:
        return "、".join(self.owners)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "text": self.text,
            "owner": self.owner,
            "owners": list(self.owners),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_kind": self.deadline_kind,
            "status": self.status,
            "days_overdue": self.days_overdue,
            "days_left": self.days_left,
            "last_update": _iso(self.last_update),
            "closed_at": _iso(self.closed_at),
        }


@dataclass(frozen=True)
class WaitingItem:
    """A close request or an extension request waiting for the recipient's decision."""

    decision_id: int
    kind: str
    measure: DigestItem
    requested_by: str
    requested_at: datetime
    requested_deadline: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.measure.to_json(),
            "decision_id": self.decision_id,
            "kind": self.kind,
            "requested_by": self.requested_by,
            "requested_at": _iso(self.requested_at),
            "requested_deadline": _iso(self.requested_deadline),
        }


@dataclass(frozen=True)
class LookbackItem:
    """A look-back due (not asked yet), asked (waiting for the owner) or answered (for review)."""

    measure: DigestItem
    lookback_id: int | None
    due_on: date
    offset_days: int | None
    state: str

    def to_json(self) -> dict[str, Any]:
        return {
            **self.measure.to_json(),
            "lookback_id": self.lookback_id,
            "due_on": self.due_on.isoformat(),
            "offset_days": self.offset_days,
            "state": self.state,
        }


@dataclass(frozen=True)
class GroupProgress:
    """Progress of one aspect: what the chart draws."""

    key: str
    label: str
    total: int
    closed: int
    awaiting_signoff: int
    in_progress: int
    not_started: int
    overdue: int


@dataclass
class Digest:
    as_of: date
    scope: str
    person_id: int | None
    person_name: str | None
    period_start: datetime
    period_end: datetime
    totals: dict[str, int]
    previous: dict[str, int] | None = None
    overdue: list[DigestItem] = field(default_factory=list)
    due_soon: list[DigestItem] = field(default_factory=list)
    closed_this_period: list[DigestItem] = field(default_factory=list)
    stale: list[DigestItem] = field(default_factory=list)
    waiting_for_decision: list[WaitingItem] = field(default_factory=list)
    lookbacks_due: list[LookbackItem] = field(default_factory=list)
    groups: list[GroupProgress] = field(default_factory=list)

    @property
    def percent_closed(self) -> int:
        total = self.totals["measures"]
        return round(100 * self.totals["closed"] / total) if total else 0

    @property
    def changes(self) -> dict[str, int] | None:
        """Each total minus the one in the previous digest; None for a first digest."""
        if self.previous is None:
            return None
        return {key: self.totals[key] - int(self.previous.get(key, 0)) for key in TOTAL_KEYS}

    def to_json(self) -> dict[str, Any]:
        """The `zhenggai digest --json` contract (extra keys after the documented ones)."""
        return {
            "as_of": self.as_of.isoformat(),
            "scope": self.scope,
            "totals": dict(self.totals),
            "overdue": [i.to_json() for i in self.overdue],
            "due_soon": [i.to_json() for i in self.due_soon],
            "closed_this_period": [i.to_json() for i in self.closed_this_period],
            "stale": [i.to_json() for i in self.stale],
            "waiting_for_decision": [i.to_json() for i in self.waiting_for_decision],
            "lookbacks_due": [i.to_json() for i in self.lookbacks_due],
            "percent_closed": self.percent_closed,
            "changes": self.changes,
            "period": {"start": _iso(self.period_start), "end": _iso(self.period_end)},
            "recipient": self.person_name,
        }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def scope_of(actor: Actor) -> str:
    if actor.sees_everything:
        return SCOPE_ALL
    if actor.person_id is not None and actor.is_leader:
        return SCOPE_LEADER
    raise NotAllowed()


def actor_for_person(person: Person) -> Actor:
    return Actor(
        telegram_user_id=person.telegram_user_id,
        chat_id=person.telegram_user_id,
        person_id=person.id,
        name=person.name,
        role=person.role,
    )


def _restrict(query: Select[Any], scope: str, person_id: int | None, column: Any) -> Select[Any]:
    if scope == SCOPE_ALL:
        return query
    led = select(MeasurePerson.measure_id).where(
        MeasurePerson.person_id == person_id, MeasurePerson.role == statuses.LINK_LEADER
    )
    return query.where(column.in_(led))


async def latest_snapshot(
    session: AsyncSession, person_id: int, before: datetime
) -> DigestSnapshot | None:
    return await session.scalar(
        select(DigestSnapshot)
        .where(DigestSnapshot.person_id == person_id, DigestSnapshot.created_at < before)
        .order_by(DigestSnapshot.created_at.desc(), DigestSnapshot.id.desc())
        .limit(1)
    )


async def compile_digest(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    as_of: date | None = None,
    preference: schedule.DigestPreference | None = None,
    lookback_offsets: Sequence[int] = lookbacks.LOOKBACK_OFFSETS,
) -> Digest:
    """The digest for this actor's scope, as of today (or `as_of`). Reads only."""
    scope = scope_of(actor)
    today = local_today(clock)
    if as_of is None or as_of == today:
        as_of, period_end = today, clock.now()
    else:
        period_end = datetime.combine(
            as_of + timedelta(days=1), datetime.min.time(), tzinfo=clock.tz
        ).astimezone(UTC)
    preference = preference or schedule.DEFAULT_PREFERENCE
    previous = (
        await latest_snapshot(session, actor.person_id, period_end)
        if actor.person_id is not None
        else None
    )
    if previous is not None:
        period_start = previous.created_at
    else:
        period_start = datetime.combine(
            schedule.period_start(preference, as_of),
            period_end.astimezone(clock.tz).time(),
            tzinfo=clock.tz,
        ).astimezone(UTC)

    rows = (
        await session.execute(
            _restrict(
                select(
                    Measure.id,
                    Measure.code,
                    Measure.text,
                    Measure.status,
                    Measure.deadline_kind,
                    Measure.deadline,
                    Measure.deadline_raw,
                    Measure.last_report_at,
                    Measure.closed_at,
                    Measure.created_at,
                    Aspect.id,
                    Aspect.title,
                )
                .join(Problem, Problem.id == Measure.problem_id)
                .join(Aspect, Aspect.id == Problem.aspect_id)
                .where(Measure.deleted_at.is_(None))
                .order_by(Measure.plan_id, Aspect.position, Problem.position, Measure.position),
                scope,
                actor.person_id,
                Measure.id,
            )
        )
    ).all()
    scope_ids = _restrict(
        select(Measure.id).where(Measure.deleted_at.is_(None)), scope, actor.person_id, Measure.id
    )
    owners: dict[int, list[str]] = defaultdict(list)
    for measure_id, name in await session.execute(
        select(MeasurePerson.measure_id, Person.name)
        .join(Person, Person.id == MeasurePerson.person_id)
        .where(MeasurePerson.role == statuses.LINK_OWNER, MeasurePerson.measure_id.in_(scope_ids))
        .order_by(Person.name)
    ):
        owners[measure_id].append(name)

    soon_limit = workdays.add_working_days(as_of, DUE_SOON_WORKING_DAYS)
    stale_before = period_end - timedelta(days=STALE_DAYS)
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    digest = Digest(
        as_of=as_of,
        scope=scope,
        person_id=actor.person_id,
        person_name=actor.name,
        period_start=period_start,
        period_end=period_end,
        totals=totals,
        previous=dict(previous.totals) if previous is not None else None,
    )
    items: dict[int, DigestItem] = {}
    groups: dict[int, dict[str, Any]] = {}
    for (
        measure_id,
        code,
        text,
        status,
        deadline_kind,
        deadline,
        deadline_raw,
        last_report_at,
        closed_at,
        created_at,
        aspect_id,
        aspect_title,
    ) in rows:
        is_open = status != statuses.CLOSED
        overdue = due_soon = False
        days_overdue = 0
        days_left = None
        if is_open and deadline is not None and deadline_kind != statuses.DEADLINE_ONGOING:
            if deadline < as_of:
                overdue = True
                days_overdue = workdays.working_days_between(deadline, as_of)
            else:
                days_left = workdays.working_days_between(as_of, deadline)
                due_soon = deadline <= soon_limit
        item = DigestItem(
            id=measure_id,
            code=code,
            text=text,
            status=status,
            owners=tuple(owners.get(measure_id, ())),
            deadline_kind=deadline_kind,
            deadline=deadline,
            deadline_raw=deadline_raw,
            days_overdue=days_overdue,
            days_left=days_left,
            last_update=last_report_at,
            closed_at=closed_at,
        )
        items[measure_id] = item
        totals["measures"] += 1
        totals[status] += 1
        totals["ongoing"] += deadline_kind == statuses.DEADLINE_ONGOING
        totals["overdue"] += overdue
        if overdue:
            digest.overdue.append(item)
        elif due_soon:
            digest.due_soon.append(item)
        if closed_at is not None and not is_open and period_start < closed_at <= period_end:
            digest.closed_this_period.append(item)
        if (
            status in STALE_STATUSES
            and deadline_kind != statuses.DEADLINE_ONGOING
            and (last_report_at or created_at) < stale_before
        ):
            digest.stale.append(item)
        group = groups.setdefault(
            aspect_id,
            {
                "label": aspect_title,
                "total": 0,
                "overdue": 0,
                **dict.fromkeys(statuses.STATUSES, 0),
            },
        )
        group["total"] += 1
        group[status] += 1
        group["overdue"] += overdue
    digest.overdue.sort(key=lambda i: (-i.days_overdue, i.id))
    digest.due_soon.sort(key=lambda i: (i.deadline or as_of, i.id))
    digest.closed_this_period.sort(key=lambda i: (i.closed_at or period_end, i.id))
    digest.stale.sort(key=lambda i: (i.last_update or datetime.min.replace(tzinfo=UTC), i.id))
    digest.groups = [
        GroupProgress(
            key=str(key),
            label=g["label"],
            total=g["total"],
            closed=g[statuses.CLOSED],
            awaiting_signoff=g[statuses.AWAITING_SIGNOFF],
            in_progress=g[statuses.IN_PROGRESS],
            not_started=g[statuses.NOT_STARTED],
            overdue=g["overdue"],
        )
        for key, g in groups.items()
    ]
    digest.waiting_for_decision = await _waiting(session, scope, actor, items)
    digest.lookbacks_due = await _lookbacks(
        session, clock, as_of, scope, actor, items, lookback_offsets
    )
    return digest


async def _waiting(
    session: AsyncSession, scope: str, actor: Actor, items: dict[int, DigestItem]
) -> list[WaitingItem]:
    """Pending decisions for this recipient: on the measures they lead (the office: all)."""
    query = _restrict(
        select(Decision, Person.name)
        .join(Person, Person.id == Decision.requested_by)
        .where(Decision.state == "pending")
        .order_by(Decision.requested_at, Decision.id),
        scope,
        actor.person_id,
        Decision.measure_id,
    )
    waiting = []
    for decision, requester in await session.execute(query):
        item = items.get(decision.measure_id)
        if item is None:
            continue  # a removed measure
        waiting.append(
            WaitingItem(
                decision_id=decision.id,
                kind=decision.kind,
                measure=item,
                requested_by=requester,
                requested_at=decision.requested_at,
                requested_deadline=decision.requested_deadline,
            )
        )
    return waiting


async def _lookbacks(
    session: AsyncSession,
    clock: Clock,
    as_of: date,
    scope: str,
    actor: Actor,
    items: dict[int, DigestItem],
    offsets: Sequence[int],
) -> list[LookbackItem]:
    """Look-backs not finished: due and not asked yet, asked, or answered and not reviewed."""
    found: dict[int, LookbackItem] = {}
    rows = await session.scalars(
        _restrict(
            select(Lookback)
            .where(Lookback.state.in_(lookbacks.OPEN_STATES))
            .order_by(Lookback.due_on, Lookback.id),
            scope,
            actor.person_id,
            Lookback.measure_id,
        )
    )
    for row in rows:
        item = items.get(row.measure_id)
        if item is None or item.closed_at != row.closed_at:
            continue
        found.setdefault(
            row.measure_id,
            LookbackItem(item, row.id, row.due_on, row.offset_days, row.state),
        )
    all_rows = await session.execute(
        _restrict(
            select(Lookback.measure_id, Lookback.closed_at, Lookback.offset_days),
            scope,
            actor.person_id,
            Lookback.measure_id,
        )
    )
    asked: set[tuple[int, datetime, int | None]] = {(m, c, o) for m, c, o in all_rows}
    for item in items.values():
        if item.status != statuses.CLOSED or item.closed_at is None or item.id in found:
            continue
        offset = lookbacks.latest_due_offset(item.closed_at, as_of, clock.tz, offsets)
        if offset is None or (item.id, item.closed_at, offset) in asked:
            continue
        found[item.id] = LookbackItem(
            item, None, lookbacks.due_on(item.closed_at, offset, clock.tz), offset, "due"
        )
    return sorted(found.values(), key=lambda i: (i.due_on, i.measure.id))


async def save_snapshot(session: AsyncSession, clock: Clock, digest: Digest) -> None:
    """Keep the totals this recipient was sent; the next digest reports the change. Commits."""
    if digest.person_id is None:
        return
    session.add(
        DigestSnapshot(
            person_id=digest.person_id,
            as_of=digest.as_of,
            scope=digest.scope,
            totals=dict(digest.totals),
            created_at=clock.now(),
        )
    )
    await session.commit()


@dataclass(frozen=True)
class DueDigest:
    person_id: int
    telegram_user_id: int
    language: str | None
    nominal: date
    preference: schedule.DigestPreference


async def recipients(session: AsyncSession) -> list[Person]:
    """Leaders and office people bound to Telegram: the people digests go to."""
    result = await session.scalars(
        select(Person)
        .where(
            Person.active,
            Person.role.in_((ROLE_LEADER, ROLE_OFFICE)),
            Person.telegram_user_id.is_not(None),
        )
        .order_by(Person.id)
    )
    return list(result.all())


async def due_digests(session: AsyncSession, clock: Clock) -> list[DueDigest]:
    """Recipients whose digest is due now by their schedule (the ledger decides if it went)."""
    people = await recipients(session)
    preferences = await schedule.preferences_for(session, [p.id for p in people])
    now_local = clock.now().astimezone(clock.tz)
    due = []
    for person in people:
        preference = preferences[person.id]
        nominal = schedule.due_digest(preference, now_local)
        if nominal is not None and person.telegram_user_id is not None:
            due.append(
                DueDigest(person.id, person.telegram_user_id, person.language, nominal, preference)
            )
    return due

"""What the exported files say: one plan's ledger within the actor's scope, read in a few
bulk queries (no query per measure), as plain data the file writers need no database for."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_now
from bot.services import ledger, statuses
from bot.services.actor import Actor
from bot.services.errors import DomainError, InvalidInput
from bot.services.plan_import import split_names
from storage.models import (
    Aspect,
    AuditEvent,
    Decision,
    Department,
    Evidence,
    Measure,
    MeasureDepartment,
    MeasurePerson,
    Person,
    Plan,
    Problem,
    ProgressReport,
)


class NothingToExport(DomainError):
    """No plan, or no measure of it within the actor's scope."""

    code = "nothing_to_export"


@dataclass(frozen=True)
class ProgressNote:
    at: datetime
    text: str


@dataclass(frozen=True)
class MeasureRow:
    id: int
    code: str
    text: str
    status: str
    percent: int | None
    deadline_kind: str
    # the deadline in force (moved by an approved extension) and the plan's own
    deadline: date | None
    original_deadline: date | None
    deadline_raw: str | None
    then_ongoing: bool
    leader: str
    department: str
    owner: str
    leaders: tuple[str, ...]
    overdue: bool
    days_overdue: int
    evidence_count: int
    # progress notes and close-request notes, oldest first
    notes: tuple[ProgressNote, ...]
    last_activity_at: datetime | None
    closed_at: datetime | None

    @property
    def latest_note(self) -> ProgressNote | None:
        return self.notes[-1] if self.notes else None

    @property
    def extended(self) -> bool:
        return (
            self.deadline_kind == statuses.DEADLINE_DATE
            and self.deadline is not None
            and self.original_deadline is not None
            and self.deadline != self.original_deadline
        )

    @property
    def is_ongoing(self) -> bool:
        return self.deadline_kind == statuses.DEADLINE_ONGOING


@dataclass(frozen=True)
class ProblemBlock:
    number: str
    title: str
    measures: list[MeasureRow]


@dataclass(frozen=True)
class AspectBlock:
    title: str
    problems: list[ProblemBlock]


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    measure_code: str
    measure_text: str
    person: str
    action: str
    detail: dict[str, Any]


@dataclass
class LedgerSnapshot:
    plan_id: int
    plan_title: str
    plan_year: int | None
    plan_created_at: datetime
    source_name: str | None
    # "all" (office, admin) or "leader" (the measures `scope_person` leads)
    scope: str
    scope_person: str | None
    as_of: datetime
    tz: ZoneInfo
    aspects: list[AspectBlock]
    history: list[HistoryRow] = field(default_factory=list)
    # how many times each audited action happened on these measures
    action_counts: Counter[str] = field(default_factory=Counter)

    @property
    def today(self) -> date:
        return self.as_of.date()

    @property
    def problems(self) -> list[ProblemBlock]:
        return [p for a in self.aspects for p in a.problems]

    @property
    def measures(self) -> list[MeasureRow]:
        return [m for p in self.problems for m in p.measures]

    def year_of_plan(self) -> int | None:
        """The plan's year; else the year most of its deadlines fall in."""
        if self.plan_year:
            return self.plan_year
        years = Counter(
            m.original_deadline.year for m in self.measures if m.original_deadline is not None
        )
        return years.most_common(1)[0][0] if years else None


def _scope_conditions(actor: Actor, plan_id: int | None) -> tuple[str, list[ColumnElement[bool]]]:
    """The office sees every measure, a leader the measures they lead (as ledger.scope_query)."""
    scope, _ = ledger.scope_query(actor)  # raises NotAllowed for everyone else
    conditions: list[ColumnElement[bool]] = [Measure.deleted_at.is_(None)]
    if plan_id is not None:
        conditions.append(Measure.plan_id == plan_id)
    if scope == "leader":
        led = select(MeasurePerson.measure_id).where(
            MeasurePerson.person_id == actor.person_id,
            MeasurePerson.role == statuses.LINK_LEADER,
        )
        conditions.append(Measure.id.in_(led))
    return scope, conditions


async def choose_plan(session: AsyncSession, actor: Actor, plan_id: int | None = None) -> Plan:
    """The plan asked for, or the newest plan with a measure the actor may see."""
    _, conditions = _scope_conditions(actor, plan_id)
    found = await session.scalar(
        select(Plan)
        .where(Plan.id.in_(select(Measure.plan_id).where(*conditions)))
        .order_by(Plan.created_at.desc(), Plan.id.desc())
        .limit(1)
    )
    if found is None:
        raise NothingToExport()
    return found


async def ledger_snapshot(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    plan_id: int | None = None,
    with_history: bool = True,
) -> LedgerSnapshot:
    """One plan's measures within the actor's scope, in plan order, with people, progress,
    evidence counts and (optionally) every audited change."""
    plan = await choose_plan(session, actor, plan_id)
    scope, conditions = _scope_conditions(actor, plan.id)
    ids = select(Measure.id).where(*conditions)
    measures = (
        (
            await session.scalars(
                select(Measure)
                .join(Problem, Problem.id == Measure.problem_id)
                .join(Aspect, Aspect.id == Problem.aspect_id)
                .where(*conditions)
                .order_by(Aspect.position, Problem.position, Measure.position, Measure.id)
            )
        )
        .unique()
        .all()
    )
    if not measures:
        raise NothingToExport()
    names = await _names(session, ids)
    departments = await _departments(session, ids)
    evidence = dict(
        (
            await session.execute(
                select(Evidence.measure_id, func.count())
                .where(Evidence.measure_id.in_(ids))
                .group_by(Evidence.measure_id)
            )
        ).all()
    )
    notes = await _notes(session, ids)
    decided = dict(
        (
            await session.execute(
                select(Decision.measure_id, func.max(Decision.decided_at))
                .where(Decision.measure_id.in_(ids))
                .group_by(Decision.measure_id)
            )
        ).all()
    )
    now = local_now(clock)
    today = now.date()
    aspects: list[AspectBlock] = []
    problem_blocks: dict[int, ProblemBlock] = {}
    flags: dict[tuple[bool, str, date | None], tuple[bool, bool, int]] = {}
    for measure in measures:
        problem = measure.problem
        block = problem_blocks.get(problem.id)
        if block is None:
            block = ProblemBlock(problem.number, problem.title, [])
            problem_blocks[problem.id] = block
            if not aspects or aspects[-1].title != problem.aspect.title:
                aspects.append(AspectBlock(problem.aspect.title, []))
            aspects[-1].problems.append(block)
        flag_key = (measure.status == statuses.CLOSED, measure.deadline_kind, measure.deadline)
        if flag_key not in flags:
            # counting working days is slow; measures share a handful of deadlines
            flags[flag_key] = ledger.deadline_flags(measure, today)
        overdue, _, days = flags[flag_key]
        leaders = tuple(names[measure.id][statuses.LINK_LEADER])
        owners = tuple(names[measure.id][statuses.LINK_OWNER])
        block.measures.append(
            MeasureRow(
                id=measure.id,
                code=measure.code,
                text=measure.text,
                status=measure.status,
                percent=measure.percent,
                deadline_kind=measure.deadline_kind,
                deadline=measure.deadline,
                original_deadline=measure.original_deadline,
                deadline_raw=measure.deadline_raw,
                then_ongoing=measure.then_ongoing,
                leader=measure.leader_text or "、".join(leaders),
                department=measure.department_text or "、".join(departments[measure.id]),
                owner=measure.owner_text or "、".join(owners),
                leaders=leaders or tuple(split_names(measure.leader_text)),
                overdue=overdue,
                days_overdue=days,
                evidence_count=int(evidence.get(measure.id, 0)),
                notes=tuple(notes[measure.id]),
                last_activity_at=_latest(measure.last_report_at, decided.get(measure.id)),
                closed_at=measure.closed_at if measure.status == statuses.CLOSED else None,
            )
        )
    snapshot = LedgerSnapshot(
        plan_id=plan.id,
        plan_title=plan.title,
        plan_year=plan.year,
        plan_created_at=plan.created_at,
        source_name=plan.source_name,
        scope=scope,
        scope_person=actor.name if scope == "leader" else None,
        as_of=now,
        tz=clock.tz,
        aspects=aspects,
    )
    snapshot.action_counts = Counter(
        dict(
            (
                await session.execute(
                    select(AuditEvent.action, func.count())
                    .where(AuditEvent.measure_id.in_(ids))
                    .group_by(AuditEvent.action)
                )
            ).all()
        )
    )
    if with_history:
        snapshot.history = await history_rows(
            session, AuditEvent.measure_id.in_(ids), with_measure_text=False
        )
    return snapshot


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


async def _names(
    session: AsyncSession, ids: Select[tuple[int]]
) -> defaultdict[int, defaultdict[str, list[str]]]:
    rows = await session.execute(
        select(MeasurePerson.measure_id, MeasurePerson.role, Person.name)
        .join(Person, Person.id == MeasurePerson.person_id)
        .where(MeasurePerson.measure_id.in_(ids))
        .order_by(Person.name)
    )
    names: defaultdict[int, defaultdict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for measure_id, role, name in rows:
        names[measure_id][role].append(name)
    return names


async def _departments(
    session: AsyncSession, ids: Select[tuple[int]]
) -> defaultdict[int, list[str]]:
    rows = await session.execute(
        select(MeasureDepartment.measure_id, Department.name)
        .join(Department, Department.id == MeasureDepartment.department_id)
        .where(MeasureDepartment.measure_id.in_(ids))
        .order_by(Department.name)
    )
    found: defaultdict[int, list[str]] = defaultdict(list)
    for measure_id, name in rows:
        found[measure_id].append(name)
    return found


async def _notes(
    session: AsyncSession, ids: Select[tuple[int]]
) -> defaultdict[int, list[ProgressNote]]:
    """What owners wrote: progress notes, and the notes of close requests made without a
    report; the same text written twice in a row counts once."""
    reports = await session.execute(
        select(ProgressReport.measure_id, ProgressReport.created_at, ProgressReport.note).where(
            ProgressReport.measure_id.in_(ids), ProgressReport.note != ""
        )
    )
    closes = await session.execute(
        select(Decision.measure_id, Decision.requested_at, Decision.reason).where(
            Decision.measure_id.in_(ids),
            Decision.kind == "close",
            Decision.reason != "",
        )
    )
    collected: defaultdict[int, list[ProgressNote]] = defaultdict(list)
    for measure_id, at, text in [*reports, *closes]:
        collected[measure_id].append(ProgressNote(at, text.strip()))
    notes: defaultdict[int, list[ProgressNote]] = defaultdict(list)
    for measure_id, items in collected.items():
        items.sort(key=lambda n: n.at)
        kept = notes[measure_id]
        for item in items:
            if item.text and (not kept or kept[-1].text != item.text):
                kept.append(item)
    return notes


async def history_rows(
    session: AsyncSession,
    condition: ColumnElement[bool],
    with_measure_text: bool = True,
) -> list[HistoryRow]:
    """Audit events matching `condition`, oldest first, with the person's name and the
    measure's code (events about no measure have an empty code)."""
    query = (
        select(
            AuditEvent.created_at,
            AuditEvent.action,
            AuditEvent.detail,
            AuditEvent.actor_telegram_id,
            Person.name,
            Measure.code,
            Measure.text if with_measure_text else literal(""),
        )
        .outerjoin(Person, Person.id == AuditEvent.person_id)
        .outerjoin(Measure, Measure.id == AuditEvent.measure_id)
        .where(condition)
    )
    rows = await session.execute(query.order_by(AuditEvent.created_at, AuditEvent.id))
    return [
        HistoryRow(
            at=at,
            measure_code=code or "",
            measure_text=text or "",
            person=name or ("管理员" if telegram_id else "系统"),
            action=action,
            detail=dict(detail or {}),
        )
        for at, action, detail, telegram_id, name, code, text in rows
    ]


def local_day_bounds(tz: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in local time, as aware datetimes."""
    if last < first:
        raise InvalidInput(field="dates")
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    after = date.fromordinal(last.toordinal() + 1)
    return start, datetime(after.year, after.month, after.day, tzinfo=tz)


def person_events_condition(
    person_id: int, start: datetime, end: datetime, measure_scope: Select[tuple[int]] | None
) -> ColumnElement[bool]:
    condition = and_(
        AuditEvent.person_id == person_id,
        AuditEvent.created_at >= start,
        AuditEvent.created_at < end,
    )
    if measure_scope is not None:
        condition = and_(condition, AuditEvent.measure_id.in_(measure_scope))
    return condition

"""Reading the ledger: a person's measures, one measure in full, overviews by scope."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import statuses
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, MeasureNotFound, NotAllowed, NotRegistered
from bot.services.workdays import add_working_days, working_days_between
from storage import repositories as repo
from storage.models import (
    Aspect,
    Department,
    Measure,
    MeasureDepartment,
    MeasurePerson,
    Person,
    Problem,
)

DUE_SOON_WORKING_DAYS = 7


@dataclass(frozen=True)
class MeasureLine:
    id: int
    code: str
    text: str
    status: str
    percent: int | None
    deadline_kind: str
    deadline: date | None
    deadline_raw: str | None
    overdue: bool
    due_soon: bool
    days_overdue: int
    owners: tuple[str, ...] = ()
    last_report_at: datetime | None = None


@dataclass(frozen=True)
class ProblemGroup:
    number: str
    title: str
    measures: list[MeasureLine]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class PendingDecision:
    id: int
    kind: str
    requested_by: str
    requested_at: datetime
    reason: str
    requested_deadline: date | None


@dataclass(frozen=True)
class MeasureDetail:
    line: MeasureLine
    aspect: str
    problem_number: str
    problem_title: str
    leaders: tuple[str, ...]
    owners: tuple[str, ...]
    departments: tuple[str, ...]
    original_deadline: date | None
    then_ongoing: bool
    evidence_count: int
    history: list[HistoryEntry]
    pending: list[PendingDecision]
    # what this actor may do: report, close, extend, decide
    actions: frozenset[str]


@dataclass(frozen=True)
class GroupCount:
    key: str
    label: str
    total: int
    closed: int
    overdue: int


@dataclass
class Overview:
    scope: str
    total: int
    by_status: dict[str, int]
    ongoing: int
    overdue: list[MeasureLine] = field(default_factory=list)
    due_soon: list[MeasureLine] = field(default_factory=list)


def deadline_flags(measure: Measure, today: date) -> tuple[bool, bool, int]:
    """(overdue, due soon, working days overdue): derived, never stored."""
    if measure.status == statuses.CLOSED or measure.deadline is None:
        return False, False, 0
    if measure.deadline_kind == statuses.DEADLINE_ONGOING:
        return False, False, 0
    if measure.deadline < today:
        return True, False, working_days_between(measure.deadline, today)
    due_soon = measure.deadline <= add_working_days(today, DUE_SOON_WORKING_DAYS)
    return False, due_soon, 0


def line_of(measure: Measure, today: date, owners: Sequence[str] = ()) -> MeasureLine:
    overdue, due_soon, days = deadline_flags(measure, today)
    return MeasureLine(
        id=measure.id,
        code=measure.code,
        text=measure.text,
        status=measure.status,
        percent=measure.percent,
        deadline_kind=measure.deadline_kind,
        deadline=measure.deadline,
        deadline_raw=measure.deadline_raw,
        overdue=overdue,
        due_soon=due_soon,
        days_overdue=days,
        owners=tuple(owners),
        last_report_at=measure.last_report_at,
    )


def require_person(actor: Actor) -> int:
    if actor.person_id is None:
        raise NotRegistered()
    return actor.person_id


async def names_by_measure(
    session: AsyncSession, measure_ids: Iterable[int], role: str
) -> dict[int, list[str]]:
    ids = list(measure_ids)
    names: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return names
    rows = await session.execute(
        select(MeasurePerson.measure_id, Person.name)
        .join(Person, Person.id == MeasurePerson.person_id)
        .where(MeasurePerson.measure_id.in_(ids), MeasurePerson.role == role)
        .order_by(Person.name)
    )
    for measure_id, name in rows:
        names[measure_id].append(name)
    return names


def _ordered(query: Select[tuple[Measure]]) -> Select[tuple[Measure]]:
    return (
        query.join(Problem, Problem.id == Measure.problem_id)
        .join(Aspect, Aspect.id == Problem.aspect_id)
        .order_by(Measure.plan_id, Aspect.position, Problem.position, Measure.position)
    )


async def my_measures(
    session: AsyncSession, actor: Actor, clock: Clock, include_closed: bool = False
) -> list[ProblemGroup]:
    """The measures this person owns, grouped by problem in plan order."""
    person_id = require_person(actor)
    query = repo.measures_with_person(person_id, statuses.LINK_OWNER)
    if not include_closed:
        query = query.where(Measure.status != statuses.CLOSED)
    measures = (await session.scalars(_ordered(query))).unique().all()
    today = local_today(clock)
    groups: dict[int, ProblemGroup] = {}
    for measure in measures:
        group = groups.get(measure.problem_id)
        if group is None:
            group = ProblemGroup(measure.problem.number, measure.problem.title, [])
            groups[measure.problem_id] = group
        group.measures.append(line_of(measure, today))
    return list(groups.values())


async def owned_measures(session: AsyncSession, actor: Actor) -> Sequence[Measure]:
    """Open measures the actor owns: what free-text reports are matched against."""
    person_id = require_person(actor)
    query = repo.measures_with_person(person_id, statuses.LINK_OWNER).where(
        Measure.status != statuses.CLOSED
    )
    return (await session.scalars(_ordered(query))).unique().all()


async def visible_measure(
    session: AsyncSession, actor: Actor, measure_id: int
) -> tuple[Measure, set[str]]:
    """The measure and the actor's links to it; MeasureNotFound when not theirs to see."""
    measure = await repo.measure_by_id(session, measure_id)
    if measure is None:
        raise MeasureNotFound()
    links = {
        link.role
        for link in await repo.measure_links(session, [measure.id])
        if link.person_id == actor.person_id
    }
    if not links and not actor.sees_everything:
        raise MeasureNotFound()
    return measure, links


def allowed_actions(measure: Measure, links: set[str], pending_kinds: set[str]) -> frozenset[str]:
    actions: set[str] = set()
    is_open = measure.status != statuses.CLOSED
    if statuses.LINK_OWNER in links and is_open:
        actions.add("report")
        if (
            measure.status != statuses.AWAITING_SIGNOFF
            and measure.deadline_kind != statuses.DEADLINE_ONGOING
        ):
            actions.add("close")
        if measure.deadline_kind == statuses.DEADLINE_DATE and "extension" not in pending_kinds:
            actions.add("extend")
    if statuses.LINK_LEADER in links and pending_kinds:
        actions.add("decide")
    return frozenset(actions)


async def measure_detail(
    session: AsyncSession, actor: Actor, clock: Clock, measure_id: int
) -> MeasureDetail:
    measure, links = await visible_measure(session, actor, measure_id)
    leaders = await names_by_measure(session, [measure.id], statuses.LINK_LEADER)
    owners = await names_by_measure(session, [measure.id], statuses.LINK_OWNER)
    departments = await repo.measure_department_names(session, [measure.id])
    events = await repo.audit_for(session, measure.id)
    people = {
        p.id: p.name
        for p in await repo.people_by_ids(session, [e.person_id for e in events if e.person_id])
    }
    pending = []
    for kind in ("close", "extension"):
        decision = await repo.pending_decision(session, measure.id, kind)
        if decision is not None:
            requester = await session.get(Person, decision.requested_by)
            pending.append(
                PendingDecision(
                    id=decision.id,
                    kind=decision.kind,
                    requested_by=requester.name if requester else "",
                    requested_at=decision.requested_at,
                    reason=decision.reason,
                    requested_deadline=decision.requested_deadline,
                )
            )
    today = local_today(clock)
    return MeasureDetail(
        line=line_of(measure, today, owners.get(measure.id, [])),
        aspect=measure.problem.aspect.title,
        problem_number=measure.problem.number,
        problem_title=measure.problem.title,
        leaders=tuple(leaders.get(measure.id, [])),
        owners=tuple(owners.get(measure.id, [])),
        departments=tuple(departments.get(measure.id, [])),
        original_deadline=measure.original_deadline,
        then_ongoing=measure.then_ongoing,
        evidence_count=await repo.evidence_count(session, measure.id),
        history=[
            HistoryEntry(
                at=e.created_at,
                actor=people.get(e.person_id) if e.person_id else None,
                action=e.action,
                detail=dict(e.detail or {}),
            )
            for e in events
        ],
        pending=pending,
        actions=allowed_actions(measure, links, {p.kind for p in pending}),
    )


@dataclass(frozen=True)
class EvidenceFile:
    kind: str
    file_id: str
    file_name: str | None
    file_size: int | None
    author: str | None
    added_at: datetime


async def evidence_files(
    session: AsyncSession, actor: Actor, measure_id: int
) -> list[EvidenceFile]:
    """The evidence on file for a measure the actor may see, oldest first."""
    measure, _ = await visible_measure(session, actor, measure_id)
    rows = await repo.evidence_for(session, measure.id)
    authors = {
        p.id: p.name for p in await repo.people_by_ids(session, [r.author_id for r in rows])
    }
    return [
        EvidenceFile(
            r.kind, r.file_id, r.file_name, r.file_size, authors.get(r.author_id), r.created_at
        )
        for r in rows
    ]


def scope_query(actor: Actor) -> tuple[str, Select[tuple[Measure]]]:
    """What an overview covers: office sees all, a leader the measures they lead."""
    if actor.sees_everything:
        return "all", repo.live_measures()
    if actor.person_id is not None and actor.is_leader:
        return "leader", repo.measures_with_person(actor.person_id, statuses.LINK_LEADER)
    raise NotAllowed()


async def overview(session: AsyncSession, actor: Actor, clock: Clock) -> Overview:
    scope, query = scope_query(actor)
    measures = (await session.scalars(_ordered(query))).unique().all()
    today = local_today(clock)
    owners = await names_by_measure(session, [m.id for m in measures], statuses.LINK_OWNER)
    result = Overview(
        scope=scope,
        total=len(measures),
        by_status=dict.fromkeys(statuses.STATUSES, 0),
        ongoing=0,
    )
    for measure in measures:
        result.by_status[measure.status] += 1
        if measure.deadline_kind == statuses.DEADLINE_ONGOING:
            result.ongoing += 1
        line = line_of(measure, today, owners.get(measure.id, []))
        if line.overdue:
            result.overdue.append(line)
        elif line.due_soon:
            result.due_soon.append(line)
    result.overdue.sort(key=lambda m: -m.days_overdue)
    result.due_soon.sort(key=lambda m: m.deadline or today)
    return result


DIMENSIONS = ("aspect", "department", "person")


async def overview_groups(
    session: AsyncSession, actor: Actor, clock: Clock, dimension: str
) -> list[GroupCount]:
    """Counts per aspect, lead department or owner, within the actor's scope."""
    if dimension not in DIMENSIONS:
        raise InvalidInput(field="dimension")
    _, query = scope_query(actor)
    measures = (await session.scalars(_ordered(query))).unique().all()
    keys = await _group_keys(session, measures, dimension)
    today = local_today(clock)
    totals: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for measure in measures:
        for key, label in keys.get(measure.id, [("-", "-")]):
            labels[key] = label
            totals[key] += 1
            closed[key] += measure.status == statuses.CLOSED
            overdue[key] += deadline_flags(measure, today)[0]
    return [GroupCount(k, labels[k], totals[k], closed[k], overdue[k]) for k in labels]


async def measures_in_group(
    session: AsyncSession, actor: Actor, clock: Clock, dimension: str, key: str
) -> list[MeasureLine]:
    if dimension not in DIMENSIONS:
        raise InvalidInput(field="dimension")
    _, query = scope_query(actor)
    measures = (await session.scalars(_ordered(query))).unique().all()
    keys = await _group_keys(session, measures, dimension)
    chosen = [m for m in measures if key in {k for k, _ in keys.get(m.id, [("-", "-")])}]
    owners = await names_by_measure(session, [m.id for m in chosen], statuses.LINK_OWNER)
    today = local_today(clock)
    return [line_of(m, today, owners.get(m.id, [])) for m in chosen]


async def _group_keys(
    session: AsyncSession, measures: Sequence[Measure], dimension: str
) -> dict[int, list[tuple[str, str]]]:
    ids = [m.id for m in measures]
    keys: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if dimension == "aspect":
        for m in measures:
            aspect = m.problem.aspect
            keys[m.id].append((str(aspect.id), aspect.title))
    elif dimension == "department":
        rows = await session.execute(
            select(MeasureDepartment.measure_id, Department.id, Department.name)
            .join(Department, Department.id == MeasureDepartment.department_id)
            .where(MeasureDepartment.measure_id.in_(ids))
        )
        for measure_id, department_id, name in rows:
            keys[measure_id].append((str(department_id), name))
    else:
        rows = await session.execute(
            select(MeasurePerson.measure_id, Person.id, Person.name)
            .join(Person, Person.id == MeasurePerson.person_id)
            .where(MeasurePerson.measure_id.in_(ids), MeasurePerson.role == statuses.LINK_OWNER)
        )
        for measure_id, person_id, name in rows:
            keys[measure_id].append((str(person_id), name))
    return keys

"""Queries over the ledger. Repositories read and add; they never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEvent,
    Decision,
    Department,
    Evidence,
    Invite,
    Measure,
    MeasureDepartment,
    MeasurePerson,
    Person,
    Plan,
    ProcessedUpdate,
    ProgressReport,
)


async def person_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Person | None:
    return await session.scalar(
        select(Person).where(Person.telegram_user_id == telegram_user_id, Person.active)
    )


async def people_named(session: AsyncSession, name: str) -> Sequence[Person]:
    result = await session.scalars(select(Person).where(Person.name == name, Person.active))
    return result.all()


async def all_people(session: AsyncSession) -> Sequence[Person]:
    result = await session.scalars(select(Person).where(Person.active).order_by(Person.id))
    return result.all()


async def people_by_ids(session: AsyncSession, ids: Iterable[int]) -> Sequence[Person]:
    id_list = list(set(ids))
    if not id_list:
        return []
    result = await session.scalars(select(Person).where(Person.id.in_(id_list)))
    return result.all()


async def department_named(session: AsyncSession, name: str) -> Department | None:
    return await session.scalar(select(Department).where(Department.name == name))


async def invite_by_code(session: AsyncSession, code: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.code == code))


async def plan_titled(session: AsyncSession, title: str) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.title == title))


def live_measures() -> Select[tuple[Measure]]:
    return select(Measure).where(Measure.deleted_at.is_(None))


def measures_with_person(person_id: int, role: str) -> Select[tuple[Measure]]:
    linked = exists().where(
        and_(
            MeasurePerson.measure_id == Measure.id,
            MeasurePerson.person_id == person_id,
            MeasurePerson.role == role,
        )
    )
    return live_measures().where(linked)


async def measure_by_id(session: AsyncSession, measure_id: int) -> Measure | None:
    return await session.scalar(live_measures().where(Measure.id == measure_id))


async def measure_links(
    session: AsyncSession, measure_ids: Iterable[int]
) -> Sequence[MeasurePerson]:
    ids = list(measure_ids)
    if not ids:
        return []
    result = await session.scalars(select(MeasurePerson).where(MeasurePerson.measure_id.in_(ids)))
    return result.all()


async def measure_department_names(
    session: AsyncSession, measure_ids: Iterable[int]
) -> dict[int, list[str]]:
    ids = list(measure_ids)
    names: dict[int, list[str]] = {}
    if not ids:
        return names
    rows = await session.execute(
        select(MeasureDepartment.measure_id, Department.name)
        .join(Department, Department.id == MeasureDepartment.department_id)
        .where(MeasureDepartment.measure_id.in_(ids))
        .order_by(Department.name)
    )
    for measure_id, name in rows:
        names.setdefault(measure_id, []).append(name)
    return names


async def reports_for(session: AsyncSession, measure_id: int) -> Sequence[ProgressReport]:
    result = await session.scalars(
        select(ProgressReport)
        .where(ProgressReport.measure_id == measure_id)
        .order_by(ProgressReport.created_at, ProgressReport.id)
    )
    return result.all()


async def evidence_for(session: AsyncSession, measure_id: int) -> Sequence[Evidence]:
    result = await session.scalars(
        select(Evidence).where(Evidence.measure_id == measure_id).order_by(Evidence.id)
    )
    return result.all()


async def evidence_count(session: AsyncSession, measure_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Evidence).where(Evidence.measure_id == measure_id)
        )
        or 0
    )


async def audit_for(session: AsyncSession, measure_id: int) -> Sequence[AuditEvent]:
    result = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.measure_id == measure_id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return result.all()


async def decision_by_id(session: AsyncSession, decision_id: int) -> Decision | None:
    return await session.get(Decision, decision_id)


async def pending_decision(session: AsyncSession, measure_id: int, kind: str) -> Decision | None:
    return await session.scalar(
        select(Decision).where(
            Decision.measure_id == measure_id, Decision.kind == kind, Decision.state == "pending"
        )
    )


async def pending_decisions_for_leader(
    session: AsyncSession, person_id: int
) -> Sequence[Decision]:
    led = select(MeasurePerson.measure_id).where(
        MeasurePerson.person_id == person_id, MeasurePerson.role == "leader"
    )
    result = await session.scalars(
        select(Decision)
        .join(Measure, Measure.id == Decision.measure_id)
        .where(
            Decision.state == "pending",
            Decision.measure_id.in_(led),
            Measure.deleted_at.is_(None),
        )
        .order_by(Decision.requested_at, Decision.id)
    )
    return result.all()


async def pending_decisions_all(session: AsyncSession) -> Sequence[Decision]:
    result = await session.scalars(
        select(Decision)
        .join(Measure, Measure.id == Decision.measure_id)
        .where(Decision.state == "pending", Measure.deleted_at.is_(None))
        .order_by(Decision.requested_at, Decision.id)
    )
    return result.all()


async def update_seen(session: AsyncSession, update_id: int) -> bool:
    found = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    return found is not None


async def forget_updates_before(session: AsyncSession, moment: datetime) -> int:
    """Drop idempotency markers old enough that Telegram will never redeliver them."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < moment)
    )
    return int(getattr(result, "rowcount", 0) or 0)

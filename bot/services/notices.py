"""Messages a use case asks to be sent to other people; handlers render and send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import statuses
from bot.services.actor import ROLE_OFFICE
from storage.models import Measure, MeasurePerson, Person


@dataclass(frozen=True)
class Notice:
    kind: str
    person_id: int
    telegram_user_id: int | None
    language: str | None
    measure_id: int
    measure_code: str
    measure_text: str
    actor_name: str | None = None
    reason: str | None = None
    decision_id: int | None = None
    requested_deadline: date | None = None


async def linked_people(session: AsyncSession, measure_id: int, role: str) -> list[Person]:
    result = await session.scalars(
        select(Person)
        .join(MeasurePerson, MeasurePerson.person_id == Person.id)
        .where(MeasurePerson.measure_id == measure_id, MeasurePerson.role == role, Person.active)
        .order_by(Person.id)
    )
    return list(result.all())


async def office_people(session: AsyncSession) -> list[Person]:
    result = await session.scalars(
        select(Person).where(Person.role == ROLE_OFFICE, Person.active).order_by(Person.id)
    )
    return list(result.all())


async def deciders(session: AsyncSession, measure_id: int) -> list[Person]:
    """Who decides on a measure's requests: its leaders, else the office."""
    return await linked_people(session, measure_id, statuses.LINK_LEADER) or await office_people(
        session
    )


def notices_for(
    people: list[Person],
    kind: str,
    measure: Measure,
    exclude_person_id: int | None = None,
    **fields: object,
) -> list[Notice]:
    return [
        Notice(
            kind=kind,
            person_id=p.id,
            telegram_user_id=p.telegram_user_id,
            language=p.language,
            measure_id=measure.id,
            measure_code=measure.code,
            measure_text=measure.text,
            **fields,  # type: ignore[arg-type]
        )
        for p in people
        if p.id != exclude_person_id
    ]

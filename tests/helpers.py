"""Small helpers shared by tests: actors for people in the example plan."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.actor import Actor
from storage.models import Measure, Person


async def actor_for(
    session: AsyncSession, name: str, telegram_user_id: int | None = None
) -> Actor:
    person = await session.scalar(select(Person).where(Person.name == name))
    assert person is not None, name
    return Actor(
        telegram_user_id=telegram_user_id or 10_000 + person.id,
        chat_id=telegram_user_id or 10_000 + person.id,
        person_id=person.id,
        name=person.name,
        role=person.role,
    )


async def measure_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(
        select(Measure.id).where(Measure.code == code, Measure.deleted_at.is_(None))
    )
    assert found is not None, code
    return found

"""People, roles and joining by invite link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import process
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import audit
from bot.services.actor import ROLES, Actor
from bot.services.errors import (
    AccountAlreadyBound,
    InvalidInput,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NotAllowed,
    PersonAlreadyBound,
    PersonAmbiguous,
    PersonExists,
    PersonNotFound,
)
from storage import repositories as repo
from storage.models import Department, Invite, Person

NAME_MAX = 50
DEPARTMENT_MAX = 100
INVITE_CODE_BYTES = 12


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    department: str | None
    role: str
    joined: bool
    language: str | None


@dataclass(frozen=True)
class InviteView:
    code: str
    person: PersonView
    expires_at: datetime


def view_of(person: Person) -> PersonView:
    return PersonView(
        id=person.id,
        name=person.name,
        department=person.department.name if person.department else None,
        role=person.role,
        joined=person.telegram_user_id is not None,
        language=person.language,
    )


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed()


def clean_name(raw: str, limit: int = NAME_MAX) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > limit:
        raise InvalidInput(field="name", limit=limit)
    return name


async def department_for(session: AsyncSession, name: str | None) -> Department | None:
    if not name:
        return None
    department = await repo.department_named(session, name)
    if department is None:
        department = Department(name=name)
        session.add(department)
        await session.flush()
    return department


async def add_person(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    name: str,
    department: str | None,
    role: str,
) -> PersonView:
    """Create a person (admins only). Names are unique so people can be named in chat."""
    require_admin(actor)
    name = clean_name(name)
    department_name = clean_name(department, DEPARTMENT_MAX) if department else None
    if role not in ROLES:
        raise InvalidInput(field="role")
    if await repo.people_named(session, name):
        raise PersonExists(name=name)
    person = Person(
        name=name,
        department=await department_for(session, department_name),
        role=role,
        created_at=clock.now(),
    )
    session.add(person)
    await session.flush()
    audit.record(session, actor, clock, "person_created", name=name, role=role)
    await session.commit()
    return view_of(person)


async def list_people(session: AsyncSession, actor: Actor) -> list[PersonView]:
    require_admin(actor)
    return [view_of(p) for p in await repo.all_people(session)]


async def find_person(session: AsyncSession, name: str) -> Person:
    """The one person with this name; suggests close names when there is none."""
    name = " ".join(name.split())
    matches = await repo.people_named(session, name)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise PersonAmbiguous(name=name, count=len(matches))
    everyone = [p.name for p in await repo.all_people(session)]
    close = [m[0] for m in process.extract(name, everyone, limit=3, score_cutoff=60)]
    raise PersonNotFound(name=name, suggestions="、".join(close))


async def create_invite(
    session: AsyncSession, actor: Actor, clock: Clock, name: str, ttl_days: int = 7
) -> InviteView:
    """A single-use code for a `t.me/<bot>?start=<code>` deep link (admins only)."""
    require_admin(actor)
    person = await find_person(session, name)
    now = clock.now()
    code = secrets.token_urlsafe(INVITE_CODE_BYTES)
    invite = Invite(
        code=code,
        person_id=person.id,
        created_by_telegram_id=actor.telegram_user_id,
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
    )
    session.add(invite)
    audit.record(session, actor, clock, "invite_created", name=person.name)
    await session.commit()
    return InviteView(code=code, person=view_of(person), expires_at=invite.expires_at)


async def redeem_invite(
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int | None,
    code: str,
    language: str | None,
    clock: Clock,
) -> PersonView:
    """Bind a Telegram account to the invited person. Codes are single-use and expire."""
    invite = await repo.invite_by_code(session, code) if code else None
    if invite is None:
        raise InviteInvalid()
    person = await session.get(Person, invite.person_id)
    if person is None or not person.active:
        raise InviteInvalid()
    if invite.used_at is not None:
        if invite.used_by_telegram_id == telegram_user_id and person.telegram_user_id == (
            telegram_user_id
        ):
            return view_of(person)  # the same person tapping their link again
        raise InviteUsed()
    if invite.expires_at <= clock.now():
        raise InviteExpired()
    bound = await repo.person_by_telegram_id(session, telegram_user_id)
    if bound is not None and bound.id != person.id:
        raise AccountAlreadyBound(name=bound.name)
    if person.telegram_user_id is not None and person.telegram_user_id != telegram_user_id:
        raise PersonAlreadyBound()
    person.telegram_user_id = telegram_user_id
    if person.language is None:
        person.language = language
    invite.used_at = clock.now()
    invite.used_by_telegram_id = telegram_user_id
    actor = Actor(telegram_user_id, chat_id, person.id, person.name, person.role)
    audit.record(session, actor, clock, "joined", name=person.name)
    await session.commit()
    return view_of(person)


async def set_language(session: AsyncSession, actor: Actor, clock: Clock, language: str) -> None:
    if actor.person_id is None:
        return
    person = await session.get(Person, actor.person_id)
    if person is None:
        return
    person.language = language
    audit.record(session, actor, clock, "language_set", language=language)
    await session.commit()

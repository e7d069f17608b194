"""People management for admins: /addperson, /invite, /people."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.deep_linking import create_deep_link
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import people
from bot.services.actor import ROLE_LEADER, ROLE_OFFICE, ROLE_STAFF, Actor
from bot.services.errors import NotAllowed
from handlers.render import local_time
from handlers.sending import answer_long
from handlers.texts import Texts

ROLE_WORDS = {
    "staff": ROLE_STAFF,
    "责任人": ROLE_STAFF,
    "员工": ROLE_STAFF,
    "leader": ROLE_LEADER,
    "领导": ROLE_LEADER,
    "责任领导": ROLE_LEADER,
    "office": ROLE_OFFICE,
    "整改办": ROLE_OFFICE,
    "admin": ROLE_OFFICE,
}


def parse_add_person(args: str | None) -> tuple[str, str | None, str] | None:
    """'张三 办公室 staff' → (name, department, role); department and role may be left out."""
    parts = (args or "").split()
    if not parts or len(parts) > 3:
        return None
    role = ROLE_STAFF
    if len(parts) > 1 and parts[-1].lower() in ROLE_WORDS:
        role = ROLE_WORDS[parts.pop().lower()]
    elif len(parts) == 3:
        return None
    department = parts[1] if len(parts) > 1 else None
    return parts[0], department, role


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE)

    @r.message(Command("addperson"))
    async def add_person(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        if not actor.is_admin:
            raise NotAllowed()
        parsed = parse_add_person(command.args)
        if parsed is None:
            await message.answer(texts("addperson_usage"))
            return
        name, department, role = parsed
        person = await people.add_person(session, actor, clock, name, department, role)
        await message.answer(
            texts(
                "person_added",
                name=person.name,
                department=person.department or "—",
                role=texts(f"role_{person.role}"),
            )
        )

    @r.message(Command("invite"))
    async def invite(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        invite_ttl_days: int,
        timezone: ZoneInfo,
    ) -> None:
        if not actor.is_admin:
            raise NotAllowed()
        if not command.args or not command.args.strip():
            await message.answer(texts("invite_usage"))
            return
        created = await people.create_invite(
            session, actor, clock, command.args.strip(), invite_ttl_days
        )
        assert message.bot is not None
        me = await message.bot.me()
        link = create_deep_link(me.username or "", "start", created.code)
        await message.answer(
            texts(
                "invite_created",
                name=created.person.name,
                link=link,
                expires=local_time(created.expires_at, timezone),
            )
        )

    @r.message(Command("people"))
    async def list_people(
        message: Message, session: AsyncSession, actor: Actor, texts: Texts
    ) -> None:
        everyone = await people.list_people(session, actor)
        if not everyone:
            await message.answer(texts("people_empty"))
            return
        lines = [texts("people_title", count=len(everyone))]
        for p in everyone:
            lines.append(
                texts(
                    "people_line",
                    name=p.name,
                    department=p.department or "—",
                    role=texts(f"role_{p.role}"),
                    joined=texts("people_joined" if p.joined else "people_not_joined"),
                )
            )
        await answer_long(message, "\n".join(lines))

    return r

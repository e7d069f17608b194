"""People and invite links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.services import people
from bot.services.actor import SYSTEM_ACTOR, Actor
from bot.services.errors import (
    AccountAlreadyBound,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NotAllowed,
    PersonExists,
    PersonNotFound,
)


async def test_invite_binds_once(session: AsyncSession, clock: FixedClock) -> None:
    await people.add_person(session, SYSTEM_ACTOR, clock, "张三", "财务室", "staff")
    invite = await people.create_invite(session, SYSTEM_ACTOR, clock, "张三")
    joined = await people.redeem_invite(session, 111, 111, invite.code, "zh-hans", clock)
    assert joined.name == "张三" and joined.joined
    # the same person tapping the link again is fine; anyone else is refused
    again = await people.redeem_invite(session, 111, 111, invite.code, None, clock)
    assert again.name == "张三"
    with pytest.raises(InviteUsed):
        await people.redeem_invite(session, 222, 222, invite.code, None, clock)


async def test_invite_expires(session: AsyncSession, clock: FixedClock) -> None:
    await people.add_person(session, SYSTEM_ACTOR, clock, "李四", None, "leader")
    invite = await people.create_invite(session, SYSTEM_ACTOR, clock, "李四", ttl_days=7)
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(InviteExpired):
        await people.redeem_invite(session, 333, 333, invite.code, None, clock)


async def test_unknown_code_and_second_account(session: AsyncSession, clock: FixedClock) -> None:
    with pytest.raises(InviteInvalid):
        await people.redeem_invite(session, 1, 1, "nope", None, clock)
    await people.add_person(session, SYSTEM_ACTOR, clock, "甲", None, "staff")
    await people.add_person(session, SYSTEM_ACTOR, clock, "乙", None, "staff")
    first = await people.create_invite(session, SYSTEM_ACTOR, clock, "甲")
    second = await people.create_invite(session, SYSTEM_ACTOR, clock, "乙")
    await people.redeem_invite(session, 444, 444, first.code, None, clock)
    with pytest.raises(AccountAlreadyBound):
        await people.redeem_invite(session, 444, 444, second.code, None, clock)


async def test_only_admins_manage_people(session: AsyncSession, clock: FixedClock) -> None:
    staff = Actor(telegram_user_id=9, chat_id=9, person_id=1, name="x", role="office")
    with pytest.raises(NotAllowed):
        await people.add_person(session, staff, clock, "王五", None, "staff")
    with pytest.raises(NotAllowed):
        await people.create_invite(session, staff, clock, "王五")


async def test_names_are_unique_and_suggested(session: AsyncSession, clock: FixedClock) -> None:
    await people.add_person(session, SYSTEM_ACTOR, clock, "欧阳明", None, "staff")
    with pytest.raises(PersonExists):
        await people.add_person(session, SYSTEM_ACTOR, clock, "欧阳明", None, "staff")
    with pytest.raises(PersonNotFound) as error:
        await people.create_invite(session, SYSTEM_ACTOR, clock, "欧阳名")
    assert "欧阳明" in error.value.params["suggestions"]

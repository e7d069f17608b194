"""Loading plans into the ledger: codes, people, one transaction, re-import updates."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.services import progress
from bot.services.actor import SYSTEM_ACTOR, Actor
from bot.services.errors import NotAllowed, PlanInvalid
from bot.services.plan_store import import_plan, split_names
from storage.models import AuditEvent, Measure, MeasurePerson, Person, Plan
from tests.helpers import actor_for, measure_id


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_example_plan_lands_with_codes_and_people(
    session: AsyncSession, loaded_plan: Any
) -> None:
    assert (loaded_plan.aspects, loaded_plan.problems, loaded_plan.measures) == (3, 17, 32)
    codes = set(await session.scalars(select(Measure.code)))
    assert {"1.1", "1.2", "2.1", "9.2", "17.1"} <= codes
    assert len(codes) == 32
    names = set(await session.scalars(select(Person.name)))
    # "孙某某、丁某某" is two owners, not one person with a strange name
    assert {"孙某某", "丁某某", "陈某某", "刘某某"} <= names
    assert not any("、" in name for name in names)
    shared = await measure_id(session, "9.2")
    owners = await session.scalars(
        select(Person.name)
        .join(MeasurePerson, MeasurePerson.person_id == Person.id)
        .where(MeasurePerson.measure_id == shared, MeasurePerson.role == "owner")
    )
    assert set(owners) == {"孙某某", "丁某某"}
    leader = await session.scalar(select(Person).where(Person.name == "陈某某"))
    assert leader is not None and leader.role == "leader"


async def test_deadlines_are_kept_with_their_raw_text(
    session: AsyncSession, loaded_plan: Any
) -> None:
    measure = await session.get(Measure, await measure_id(session, "3.1"))
    assert measure is not None
    assert (measure.deadline_kind, str(measure.deadline), measure.deadline_raw) == (
        "date",
        "2022-06-30",
        "6月底前",
    )
    ongoing = await session.get(Measure, await measure_id(session, "2.1"))
    assert ongoing is not None and ongoing.deadline_kind == "ongoing" and ongoing.deadline is None


async def test_dry_run_saves_nothing(
    session: AsyncSession, clock: FixedClock, example_plan: dict[str, Any]
) -> None:
    summary = await import_plan(session, SYSTEM_ACTOR, clock, example_plan, dry_run=True)
    assert summary.measures == 32 and not summary.saved
    assert "孙某某" in summary.new_people
    assert await count(session, Measure) == 0
    assert await count(session, Person) == 0


async def test_a_broken_plan_changes_nothing(
    session: AsyncSession, clock: FixedClock, example_plan: dict[str, Any]
) -> None:
    broken = copy.deepcopy(example_plan)
    broken["aspects"][2]["problems"][0]["measures"][0]["deadline"] = "not a date"
    with pytest.raises(PlanInvalid):
        await import_plan(session, SYSTEM_ACTOR, clock, broken)
    assert await count(session, Plan) == 0
    assert await count(session, Person) == 0


async def test_only_admins_import(
    session: AsyncSession, clock: FixedClock, example_plan: dict[str, Any]
) -> None:
    staff = Actor(telegram_user_id=5, chat_id=5, person_id=None)
    with pytest.raises(NotAllowed):
        await import_plan(session, staff, clock, example_plan)


async def test_reimport_updates_in_place_and_keeps_history(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    example_plan: dict[str, Any],
    loaded_plan: Any,
) -> None:
    async with session_factory() as session:
        owner = await actor_for(session, "刘某某")
        first = await measure_id(session, "1.1")
        await progress.report_progress(session, owner, clock, first, "已起草学习计划")
    revised = copy.deepcopy(example_plan)
    problem = revised["aspects"][0]["problems"][0]
    problem["measures"][0]["deadline"] = "2022-03-31"
    problem["measures"][0]["deadline_raw"] = "2022年3月底前"
    problem["measures"].append(
        {
            "text": "新增：每季度通报学习情况。",
            "leader": "陈某某",
            "department": "办公室",
            "owner": "刘某某",
            "deadline": "ongoing",
            "deadline_raw": "长期坚持",
        }
    )
    del revised["aspects"][2]["problems"][-1]["measures"][0]
    async with session_factory() as session:
        summary = await import_plan(session, SYSTEM_ACTOR, clock, revised, "v2.json")
    assert summary.updated_existing
    assert summary.new_measures == ["1.3"]
    assert "1.1" in summary.changed_measures
    assert summary.removed_measures == ["17.1"]
    async with session_factory() as session:
        assert await count(session, Plan) == 1
        same = await session.get(Measure, first)
        assert same is not None and str(same.deadline) == "2022-03-31"
        assert same.status == "in_progress"  # progress survives the re-import
        reports = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.measure_id == first)
        )
        assert "reported" in list(reports)


def test_split_names() -> None:
    assert split_names("孙某某、丁某某") == ["孙某某", "丁某某"]
    assert split_names("张三，李四 王五") == ["张三", "李四", "王五"]
    assert split_names(None) == []

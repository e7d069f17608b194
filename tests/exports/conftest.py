"""A plan with some history: progress notes, evidence, a sign-off, a pending close request,
an approved extension, an ongoing measure's report, and two reports either side of midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.services import progress, signoff
from bot.services.progress import Attachment
from tests.conftest import SHANGHAI
from tests.helpers import actor_for, measure_id

MINUTES = Attachment("document", "file-2", "uniq-2", "会议纪要.pdf", 120_000, "application/pdf")
PHOTO = Attachment("photo", "file-1", "uniq-1", None, 50_000, "image/jpeg")


@dataclass(frozen=True)
class WorkedPlan:
    """What the history below leaves behind, for the tests to check against."""

    statuses: dict[str, str]
    notes: dict[str, list[str]]
    extended: dict[str, date]
    as_of: date


async def work_on_plan(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock
) -> WorkedPlan:
    async with session_factory() as session:
        owner = await actor_for(session, "孙某某")
        leader = await actor_for(session, "吴某某")
        ding = await actor_for(session, "丁某某")
        m10_2 = await measure_id(session, "10.2")
        await progress.report_progress(
            session,
            owner,
            clock,
            m10_2,
            "已修订财务报销制度，完成60%",
            percent=60,
            attachments=[MINUTES],
        )
        clock.advance(timedelta(hours=2))
        await progress.report_progress(
            session, owner, clock, m10_2, "财务制度已印发执行", request_close=True
        )
        pending = await signoff.pending_for(session, leader)
        await signoff.decide(session, leader, clock, pending[0].decision_id, accept=True)
        await progress.report_progress(
            session, owner, clock, await measure_id(session, "8.1"), "公益合作管理办法已起草"
        )
        m13_1 = await measure_id(session, "13.1")
        await signoff.request_extension(
            session, owner, clock, m13_1, date(2022, 8, 31), "需开户银行配合清查"
        )
        pending = await signoff.pending_for(session, leader)
        await signoff.decide(session, leader, clock, pending[0].decision_id, accept=True)
        await signoff.request_close(
            session, owner, clock, await measure_id(session, "12.1"), "捐赠物资已全部补登入账"
        )
        await progress.report_progress(
            session,
            ding,
            clock,
            await measure_id(session, "7.2"),
            "已组织5期300多人线上学习",
            attachments=[PHOTO],
        )
        m13_2 = await measure_id(session, "13.2")
        clock.current = datetime(2022, 5, 17, 23, 30, tzinfo=SHANGHAI)
        await progress.report_progress(session, owner, clock, m13_2, "已与开户银行初步沟通")
        clock.current = datetime(2022, 5, 18, 0, 10, tzinfo=SHANGHAI)
        await progress.report_progress(session, owner, clock, m13_2, "银行要求补充材料")
    return WorkedPlan(
        statuses={
            "10.2": "closed",
            "8.1": "in_progress",
            "12.1": "awaiting_signoff",
            "13.1": "not_started",
            "13.2": "in_progress",
            "7.2": "in_progress",
        },
        notes={
            "10.2": ["已修订财务报销制度，完成60%", "财务制度已印发执行"],
            "8.1": ["公益合作管理办法已起草"],
            "12.1": ["捐赠物资已全部补登入账"],
            "7.2": ["已组织5期300多人线上学习"],
            "13.2": ["已与开户银行初步沟通", "银行要求补充材料"],
        },
        extended={"13.1": date(2022, 8, 31)},
        as_of=date(2022, 5, 18),
    )


@pytest.fixture
async def worked_plan(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock, loaded_plan: Any
) -> WorkedPlan:
    return await work_on_plan(session_factory, clock)

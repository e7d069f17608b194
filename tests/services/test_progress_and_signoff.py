"""Reporting with evidence, closing, sign-off, send-back, extensions, and who may do what."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.services import ledger, progress, signoff
from bot.services.errors import (
    EvidenceRequired,
    MeasureNotFound,
    NotAllowed,
    OngoingCannotClose,
    ReasonRequired,
)
from bot.services.progress import Attachment
from storage.models import Evidence, Measure
from tests.helpers import actor_for, measure_id

PHOTO = Attachment("photo", "file-1", "uniq-1", None, 50_000, "image/jpeg")
MINUTES = Attachment("document", "file-2", "uniq-2", "会议纪要.pdf", 120_000, "application/pdf")


async def test_report_with_evidence_is_recorded(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    owner = await actor_for(session, "孙某某")
    target = await measure_id(session, "10.2")
    outcome = await progress.report_progress(
        session, owner, clock, target, "已修订财务制度", percent=60, attachments=[PHOTO, MINUTES]
    )
    assert (outcome.status, outcome.percent, outcome.evidence_added) == ("in_progress", 60, 2)
    await progress.report_progress(session, owner, clock, target, "补充材料", attachments=[PHOTO])
    files = list(await session.scalars(select(Evidence).where(Evidence.measure_id == target)))
    # evidence is only ever added: the same photo sent twice is two records, nothing replaced
    assert len(files) == 3
    assert files[1].file_name == "会议纪要.pdf" and files[1].author_id == owner.person_id
    detail = await ledger.measure_detail(session, owner, clock, target)
    actions = [entry.action for entry in detail.history]
    assert actions.count("reported") == 2 and actions.count("evidence_added") == 3
    assert detail.evidence_count == 3


async def test_staff_cannot_touch_measures_they_do_not_own(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    stranger = await actor_for(session, "刘某某")
    others = await measure_id(session, "10.2")
    with pytest.raises(MeasureNotFound):
        await ledger.measure_detail(session, stranger, clock, others)
    with pytest.raises(MeasureNotFound):
        await progress.report_progress(session, stranger, clock, others, "试图修改")
    with pytest.raises(MeasureNotFound):
        await signoff.request_close(session, stranger, clock, others, "done")
    with pytest.raises(NotAllowed):
        await ledger.overview(session, stranger, clock)


async def test_close_needs_evidence_then_leader_signs_off(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    owner = await actor_for(session, "孙某某")
    leader = await actor_for(session, "吴某某")
    other_leader = await actor_for(session, "陈某某")
    target = await measure_id(session, "10.2")
    with pytest.raises(EvidenceRequired):
        await signoff.request_close(session, owner, clock, target, "")
    notices = await signoff.request_close(session, owner, clock, target, "制度已印发")
    assert [n.kind for n in notices] == ["close_requested"]
    assert notices[0].person_id == leader.person_id
    pending = await signoff.pending_for(session, leader)
    assert [p.measure_id for p in pending] == [target]
    assert await signoff.pending_for(session, other_leader) == []
    with pytest.raises(NotAllowed):
        await signoff.decide(session, owner, clock, pending[0].decision_id, accept=True)
    with pytest.raises(MeasureNotFound):
        await signoff.decide(session, other_leader, clock, pending[0].decision_id, accept=True)
    outcome = await signoff.decide(session, leader, clock, pending[0].decision_id, accept=True)
    assert outcome.accepted and [n.person_id for n in outcome.notices] == [owner.person_id]
    measure = await session.get(Measure, target)
    assert measure is not None and measure.status == "closed" and measure.closed_at is not None


async def test_send_back_needs_a_reason_and_reopens(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    owner = await actor_for(session, "孙某某")
    leader = await actor_for(session, "吴某某")
    target = await measure_id(session, "10.2")
    await progress.report_progress(
        session, owner, clock, target, "", attachments=[MINUTES], request_close=True
    )
    decision = (await signoff.pending_for(session, leader))[0].decision_id
    with pytest.raises(ReasonRequired):
        await signoff.decide(session, leader, clock, decision, accept=False, reason="  ")
    outcome = await signoff.decide(
        session, leader, clock, decision, accept=False, reason="缺少印发文件"
    )
    assert outcome.notices[0].kind == "sent_back" and outcome.notices[0].reason == "缺少印发文件"
    measure = await session.get(Measure, target)
    assert measure is not None and measure.status == "in_progress"


async def test_extension_keeps_the_original_deadline(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    owner = await actor_for(session, "孙某某")
    leader = await actor_for(session, "吴某某")
    target = await measure_id(session, "10.2")
    with pytest.raises(ReasonRequired):
        await signoff.request_extension(session, owner, clock, target, date(2022, 9, 30), "")
    await signoff.request_extension(session, owner, clock, target, date(2022, 9, 30), "等待审批")
    decision = (await signoff.pending_for(session, leader))[0]
    assert decision.kind == "extension"
    await signoff.decide(session, leader, clock, decision.decision_id, accept=True)
    detail = await ledger.measure_detail(session, owner, clock, target)
    assert detail.line.deadline == date(2022, 9, 30)
    assert detail.original_deadline == date(2022, 6, 30)
    assert "extension_approved" in [e.action for e in detail.history]


async def test_ongoing_measures_do_not_close(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    owner = await actor_for(session, "高某某")
    ongoing = await measure_id(session, "2.1")
    with pytest.raises(OngoingCannotClose):
        await signoff.request_close(session, owner, clock, ongoing, "持续推进中")


async def test_overview_scopes(session: AsyncSession, clock: FixedClock, loaded_plan: Any) -> None:
    leader = await actor_for(session, "吴某某")
    result = await ledger.overview(session, leader, clock)
    assert result.scope == "leader" and 0 < result.total < 32
    groups = await ledger.overview_groups(session, leader, clock, "department")
    assert sum(g.total for g in groups) >= result.total
    office = leader.__class__(telegram_user_id=1, chat_id=1, is_admin=True)
    everything = await ledger.overview(session, office, clock)
    assert everything.total == 32 and everything.by_status["not_started"] == 32
    # mid-May 2022: March and April deadlines have passed
    assert {m.code for m in everything.overdue} >= {"5.1", "8.1"}

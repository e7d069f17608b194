"""Free-text report matching and China's working calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import ledger, matching
from bot.services.dates import parse_user_date
from bot.services.workdays import add_working_days, is_working_day, working_days_between
from tests.helpers import actor_for


async def test_code_in_text_names_the_measure(session: AsyncSession, loaded_plan: Any) -> None:
    owner = await actor_for(session, "孙某某")
    measures = await ledger.owned_measures(session, owner)
    read = matching.read_report("10.2 已完成，财务制度已修订", measures)
    assert read.by_code and [c.code for c in read.candidates] == ["10.2"]
    assert read.wants_close and read.note == "已完成，财务制度已修订"


async def test_words_find_the_measure(session: AsyncSession, loaded_plan: Any) -> None:
    owner = await actor_for(session, "孙某某")
    measures = await ledger.owned_measures(session, owner)
    read = matching.read_report("报销那条 推进中 已组织培训", measures)
    assert read.is_report and read.status == "in_progress" and not read.by_code
    # 报销 is not in any measure's words: it is 10.2's 财务支出审批 and 票据
    assert read.candidates[0].code in {"10.1", "10.2"}


async def test_questions_and_other_peoples_codes_are_not_reports(
    session: AsyncSession, loaded_plan: Any
) -> None:
    owner = await actor_for(session, "孙某某")
    measures = await ledger.owned_measures(session, owner)
    assert not matching.read_report("出差住宿标准是多少？", measures).is_report
    # 1.1 belongs to someone else: it is not offered
    assert not matching.read_report("1.1 已完成", measures).by_code


def test_working_days_follow_the_official_calendar() -> None:
    assert not is_working_day(date(2024, 10, 1))  # National Day
    assert is_working_day(date(2024, 9, 29))  # Sunday made a working day (调休)
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert working_days_between(date(2024, 9, 27), date(2024, 10, 8)) == 3


def test_dates_typed_in_chat() -> None:
    today = date(2022, 5, 16)
    assert parse_user_date("2022-06-30", today) == date(2022, 6, 30)
    assert parse_user_date("2022年9月30日", today) == date(2022, 9, 30)
    assert parse_user_date("9月30号", today) == date(2022, 9, 30)
    assert parse_user_date("下个月", today) is None
    assert parse_user_date("2022-02-30", today) is None

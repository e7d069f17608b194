"""Digest contents counted from the ledger, the change since the last digest, the JSON
contract of `zhenggai digest --json`, and the chart."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.scheduler import digest_cli
from bot.services import charts, digest, ledger, progress, signoff
from bot.services.actor import SYSTEM_ACTOR
from tests.helpers import actor_for
from tests.scheduling.conftest import at

ITEM_FIELDS = {"id", "code", "text", "owner", "deadline"}
TOTAL_FIELDS = {
    "measures",
    "not_started",
    "in_progress",
    "awaiting_signoff",
    "closed",
    "ongoing",
    "overdue",
}


@pytest.mark.parametrize("who", [None, "吴某某", "陈某某"])
async def test_counts_agree_with_the_overview(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any, who: str | None
) -> None:
    actor = SYSTEM_ACTOR if who is None else await actor_for(session, who)
    result = await digest.compile_digest(session, clock, actor)
    overview = await ledger.overview(session, actor, clock)
    assert result.scope == overview.scope
    assert result.totals["measures"] == overview.total
    assert result.totals["ongoing"] == overview.ongoing
    for status, count in overview.by_status.items():
        assert result.totals[status] == count
    assert [i.id for i in result.overdue] == [m.id for m in overview.overdue]
    assert {i.id for i in result.due_soon} == {m.id for m in overview.due_soon}
    assert result.totals["overdue"] == len(overview.overdue)
    assert [i.days_overdue for i in result.overdue] == [m.days_overdue for m in overview.overdue]
    assert sum(g.total for g in result.groups) == result.totals["measures"]


async def test_staff_get_no_digest(
    session: AsyncSession, clock: FixedClock, loaded_plan: Any
) -> None:
    from bot.services.errors import NotAllowed

    with pytest.raises(NotAllowed):
        await digest.compile_digest(session, clock, await actor_for(session, "孙某某"))


async def test_contents_for_a_leader_through_a_week(
    session_factory: async_sessionmaker[AsyncSession],
    holiday_clock: FixedClock,
    holiday_plan: dict[str, int],
) -> None:
    async with session_factory() as session:
        leader = await actor_for(session, "王领导")
        owner = await actor_for(session, "张三")
        at(holiday_clock, 2024, 9, 23, 9)
        first = await digest.compile_digest(session, holiday_clock, leader)
        assert first.changes is None and first.totals["closed"] == 0
        await digest.save_snapshot(session, holiday_clock, first)
        # during the week: 1.1 is closed, 1.2 reported and asked to close
        at(holiday_clock, 2024, 9, 25, 10)
        notices = await signoff.request_close(
            session, owner, holiday_clock, holiday_plan["1.1"], "制度已修订印发"
        )
        decision_id = notices[0].decision_id
        assert decision_id is not None
        await signoff.decide(session, leader, holiday_clock, decision_id, accept=True)
        await progress.report_progress(
            session, owner, holiday_clock, holiday_plan["1.2"], "已培训", request_close=True
        )
        at(holiday_clock, 2024, 9, 30, 9)
        result = await digest.compile_digest(session, holiday_clock, leader)
    assert result.scope == "leader"
    assert result.totals == {
        "measures": 4,
        "not_started": 2,
        "in_progress": 0,
        "awaiting_signoff": 1,
        "closed": 1,
        "ongoing": 1,
        "overdue": 1,
    }
    assert result.percent_closed == 25
    assert result.changes is not None
    assert result.changes["closed"] == 1 and result.changes["awaiting_signoff"] == 1
    assert [i.code for i in result.overdue] == ["1.3"]
    assert result.overdue[0].days_overdue == 7 and result.overdue[0].owner == "李四"
    # 18 Oct is 10 working days after 30 Sep (the holiday comes between): not due soon yet
    assert result.due_soon == []
    assert [i.code for i in result.closed_this_period] == ["1.1"]
    assert [(w.kind, w.measure.code) for w in result.waiting_for_decision] == [("close", "1.2")]
    # 1.3 has had no update since the plan came in on 2 Sep; 2.1 is ongoing, 1.2 reported
    assert [i.code for i in result.stale] == ["1.3"]
    assert result.lookbacks_due == []
    # 30 days after closing (25 Sep) is 25 Oct, a Friday
    async with session_factory() as session:
        at(holiday_clock, 2024, 10, 10, 9)  # 11, 12 (make-up Saturday), 14 … 18 Oct
        soon = await digest.compile_digest(session, holiday_clock, leader)
        assert [(i.code, i.days_left) for i in soon.due_soon] == [("1.2", 7)]
        at(holiday_clock, 2024, 10, 25, 9)
        later = await digest.compile_digest(session, holiday_clock, leader)
    assert [(i.measure.code, i.state, i.offset_days) for i in later.lookbacks_due] == [
        ("1.1", "due", 30)
    ]
    assert later.lookbacks_due[0].due_on == date(2024, 10, 25)


def check_contract(data: dict[str, Any]) -> None:
    assert {
        "as_of",
        "scope",
        "totals",
        "overdue",
        "due_soon",
        "closed_this_period",
        "stale",
        "waiting_for_decision",
    } <= set(data)
    assert set(data["totals"]) == TOTAL_FIELDS
    assert all(isinstance(v, int) for v in data["totals"].values())
    date.fromisoformat(data["as_of"])
    for key in ("overdue", "due_soon", "closed_this_period", "stale", "waiting_for_decision"):
        for item in data[key]:
            assert set(item) >= ITEM_FIELDS, key
            assert isinstance(item["id"], int) and isinstance(item["owner"], str)


async def test_json_contract(session: AsyncSession, clock: FixedClock, loaded_plan: Any) -> None:
    result = await digest.compile_digest(session, clock, SYSTEM_ACTOR)
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    check_contract(data)
    assert data["scope"] == "all" and data["totals"]["measures"] == 32
    first = data["overdue"][0]
    assert first["deadline"] and first["owner"]


def test_cli(
    database_url: str,
    holiday_plan: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    args = argparse.Namespace(json=True, as_of=date(2024, 9, 27), for_name="王领导")
    assert digest_cli(args) == 0
    data = json.loads(capsys.readouterr().out)
    check_contract(data)
    assert data["as_of"] == "2024-09-27" and data["scope"] == "leader"
    assert [i["code"] for i in data["overdue"]] == ["1.3"]
    assert data["overdue"][0]["days_overdue"] == 5
    everyone = argparse.Namespace(json=True, as_of=date(2024, 9, 13), for_name=None)
    assert digest_cli(everyone) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope"] == "all" and data["overdue"] == []
    assert [i["code"] for i in data["due_soon"]] == ["1.3"]
    text = argparse.Namespace(json=False, as_of=None, for_name=None)
    assert digest_cli(text) == 0
    assert "整改简报" in capsys.readouterr().out
    staff = argparse.Namespace(json=True, as_of=None, for_name="张三")
    assert digest_cli(staff) == 2


async def test_chart_is_a_png(session: AsyncSession, clock: FixedClock, loaded_plan: Any) -> None:
    from handlers.digest import chart_labels
    from handlers.texts import texts_for

    result = await digest.compile_digest(session, clock, SYSTEM_ACTOR)
    png = charts.progress_chart(result.groups, chart_labels(texts_for("zh"), result))
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert charts.font_file().suffix in (".otf", ".ttf", ".ttc")

"""Export speed: a ledger of 5,000 measures with 50,000 progress updates.

Builds the ledger in a temporary SQLite database (bulk inserts through the models), then
times the use cases the bot and the CLI call, each several times, and prints the median:
    name | size | median ms
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FixedClock
from bot.services.actor import SYSTEM_ACTOR, Actor
from bot.services.exports import (
    ExportFile,
    export_ledger,
    export_person_history,
    export_report,
)
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import (
    Aspect,
    AuditEvent,
    Decision,
    Department,
    Evidence,
    Measure,
    MeasureDepartment,
    MeasurePerson,
    Person,
    Plan,
    Problem,
    ProgressReport,
)

RUNS = 3
MEASURES = 5_000
UPDATES = 50_000
ASPECTS = 10
MEASURES_PER_PROBLEM = 5
LEADERS = 20
STAFF = 180
DEPARTMENTS = 20
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2022, 1, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2022, 9, 30, 17, 0, tzinfo=SHANGHAI)
NOTES = [
    "已召开专题会议研究部署，制定工作方案，明确责任分工和完成时限",
    "已修订完善相关管理制度，经党组会议审议通过后印发执行",
    "正在逐项清理核查，已完成约一半，发现问题已建立台账",
    "已组织全体干部职工开展专题学习培训，参训人数120余人次",
    "已与相关部门沟通协调，形成初步方案，待会议审定",
]
PROBLEM_TEXT = "财务报销审批程序不规范，部分票据附件不全，公务接待超标准。"
MEASURE_TEXT = (
    "修订完善财务报销管理制度，严格审批程序，逐笔核查票据附件，对发现的问题立行立改，"
    "并建立长效机制。"
)
DEADLINES = [
    ("date", "6月底前"),
    ("date", "2022年12月31日前"),
    ("immediate", "立行立改"),
    ("ongoing", "长期坚持"),
    ("date", "2022年9月30日"),
]


async def build(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Insert the ledger in bulk; returns a few names the timings use."""
    rng = random.Random(20220930)
    async with session_factory() as session:
        await session.execute(
            insert(Department), [{"id": i, "name": f"科室{i}"} for i in range(1, DEPARTMENTS + 1)]
        )
        people = [
            {
                "id": i,
                "name": f"领导{i}" if i <= LEADERS else f"干部{i}",
                "role": "leader" if i <= LEADERS else "staff",
                "department_id": 1 + i % DEPARTMENTS,
                "created_at": START,
                "active": True,
            }
            for i in range(1, LEADERS + STAFF + 1)
        ]
        await session.execute(insert(Person), people)
        await session.execute(
            insert(Plan),
            [
                {
                    "id": 1,
                    "title": "某市某局巡察反馈意见整改落实台账",
                    "year": 2022,
                    "source_name": "bench.xlsx",
                    "created_at": START,
                    "updated_at": START,
                }
            ],
        )
        problems_per_aspect = MEASURES // MEASURES_PER_PROBLEM // ASPECTS
        await session.execute(
            insert(Aspect),
            [
                {
                    "id": a,
                    "plan_id": 1,
                    "position": a,
                    "title": f"第{a}方面：落实主体责任不到位方面",
                }
                for a in range(1, ASPECTS + 1)
            ],
        )
        problems = []
        measures = []
        links = []
        departments = []
        for p in range(1, MEASURES // MEASURES_PER_PROBLEM + 1):
            aspect = 1 + (p - 1) // problems_per_aspect
            problems.append(
                {
                    "id": p,
                    "aspect_id": aspect,
                    "position": p,
                    "number": str(p),
                    "title": f"问题{p}：{PROBLEM_TEXT}",
                }
            )
            for position in range(1, MEASURES_PER_PROBLEM + 1):
                m = len(measures) + 1
                kind, raw = DEADLINES[m % len(DEADLINES)]
                deadline = date(2022, 6, 30) if kind == "date" else None
                status = rng.choice(["not_started", "in_progress", "in_progress", "closed"])
                if kind == "ongoing" and status == "closed":
                    status = "in_progress"
                leader = 1 + m % LEADERS
                owner = LEADERS + 1 + m % STAFF
                measures.append(
                    {
                        "id": m,
                        "plan_id": 1,
                        "problem_id": p,
                        "position": position,
                        "code": f"{p}.{position}",
                        "text": f"措施{m}：{MEASURE_TEXT}",
                        "status": status,
                        "deadline_kind": kind,
                        "deadline": deadline,
                        "original_deadline": deadline,
                        "deadline_raw": raw,
                        "then_ongoing": False,
                        "leader_text": f"领导{leader}",
                        "owner_text": f"干部{owner}",
                        "department_text": f"科室{1 + m % DEPARTMENTS}",
                        "created_at": START,
                        "updated_at": START,
                        "closed_at": NOW - timedelta(days=3) if status == "closed" else None,
                    }
                )
                links.append({"measure_id": m, "person_id": leader, "role": "leader"})
                links.append({"measure_id": m, "person_id": owner, "role": "owner"})
                departments.append({"measure_id": m, "department_id": 1 + m % DEPARTMENTS})
        await session.execute(insert(Problem), problems)
        await session.execute(insert(Measure), measures)
        await session.execute(insert(MeasurePerson), links)
        await session.execute(insert(MeasureDepartment), departments)
        reports, events, evidence, decisions = [], [], [], []
        for u in range(1, UPDATES + 1):
            measure = measures[rng.randrange(MEASURES)]
            owner = LEADERS + 1 + measure["id"] % STAFF
            at = START + timedelta(minutes=7 * u)
            note = rng.choice(NOTES)
            reports.append(
                {
                    "id": u,
                    "measure_id": measure["id"],
                    "author_id": owner,
                    "created_at": at,
                    "note": note,
                    "status_before": "in_progress",
                    "status_after": "in_progress",
                }
            )
            events.append(
                {
                    "measure_id": measure["id"],
                    "person_id": owner,
                    "action": "reported",
                    "detail": {"note": note, "status": "in_progress"},
                    "created_at": at,
                }
            )
            if u % 5 == 0:
                evidence.append(
                    {
                        "measure_id": measure["id"],
                        "report_id": u,
                        "author_id": owner,
                        "created_at": at,
                        "kind": "document",
                        "file_id": f"file-{u}",
                        "file_unique_id": f"u-{u}",
                        "file_name": f"佐证材料{u}.pdf",
                    }
                )
        for measure in measures:
            if measure["status"] == "closed":
                leader = 1 + measure["id"] % LEADERS
                decisions.append(
                    {
                        "measure_id": measure["id"],
                        "kind": "close",
                        "state": "accepted",
                        "requested_by": LEADERS + 1 + measure["id"] % STAFF,
                        "requested_at": measure["closed_at"] - timedelta(days=1),
                        "reason": "已全部完成，佐证材料已上传",
                        "decided_by": leader,
                        "decided_at": measure["closed_at"],
                    }
                )
                events.append(
                    {
                        "measure_id": measure["id"],
                        "person_id": leader,
                        "action": "signed_off",
                        "detail": {},
                        "created_at": measure["closed_at"],
                    }
                )
        await session.execute(insert(ProgressReport), reports)
        await session.execute(insert(AuditEvent), events)
        await session.execute(insert(Evidence), evidence)
        await session.execute(insert(Decision), decisions)
        await session.commit()
    return {"leader": "领导1", "leader_id": 1, "owner": f"干部{LEADERS + 1}"}


async def timed(
    session_factory: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[ExportFile]],
) -> tuple[float, ExportFile]:
    durations = []
    result: ExportFile | None = None
    for _ in range(RUNS):
        async with session_factory() as session:
            started = time.perf_counter()
            result = await work(session)
            durations.append((time.perf_counter() - started) * 1000)
    assert result is not None
    return statistics.median(durations), result


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


async def main(url: str) -> int:
    engine = create_engine(url)
    session_factory = create_session_factory(engine)
    try:
        started = time.perf_counter()
        names = await build(session_factory)
        print(
            f"built {MEASURES:,} measures, {UPDATES:,} updates in "
            f"{time.perf_counter() - started:.1f} s\n"
        )
        clock = FixedClock(NOW, SHANGHAI)
        leader = Actor(
            telegram_user_id=1,
            chat_id=1,
            person_id=names["leader_id"],
            name=names["leader"],
            role="leader",
        )
        cases: list[tuple[str, Callable[[AsyncSession], Awaitable[ExportFile]]]] = [
            ("ledger xlsx (office, all)", lambda s: export_ledger(s, SYSTEM_ACTOR, clock)),
            ("ledger xlsx (one leader)", lambda s: export_ledger(s, leader, clock)),
            ("report docx (office, all)", lambda s: export_report(s, SYSTEM_ACTOR, clock)),
            (
                "history csv (one person, 9 months)",
                lambda s: export_person_history(
                    s, SYSTEM_ACTOR, clock, names["owner"], date(2022, 1, 1), date(2022, 9, 30)
                ),
            ),
        ]
        rows = []
        for name, work in cases:
            median, result = await timed(session_factory, work)
            what = "paragraphs" if result.kind == "report" else "records"
            detail = f"{result.measures:,} measures, {result.records:,} {what}"
            rows.append((name, size_text(len(result.content)), f"{median:,.0f}", detail))
        widths = [
            max(len(r[i]) for r in [("name", "size", "median ms", ""), *rows]) for i in (0, 1, 2)
        ]
        print(f"{'name':<{widths[0]}} | {'size':>{widths[1]}} | {'median ms':>{widths[2]}} |")
        print(f"{'-' * widths[0]}-|-{'-' * widths[1]}-|-{'-' * widths[2]}-|")
        for name, size, median, detail in rows:
            print(f"{name:<{widths[0]}} | {size:>{widths[1]}} | {median:>{widths[2]}} | {detail}")
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        upgrade(database)
        raise SystemExit(asyncio.run(main(database)))

"""Digest compile time over a large ledger on SQLite: 5,000 measures and 50,000 updates.

Builds a migrated SQLite database in a temporary folder (20 aspects, 1,000 problems,
5,000 measures with owners, leaders and departments, 50,000 progress reports, pending
decisions, closed measures with look-backs), then times compiling the digest for the office
(all measures) and for one leader, the JSON rendering, and reminder selection. Prints a
table: name | measures | updates | median ms. Not a timed test: the target is under 1 s.

    .venv/bin/python bench/digest_bench.py [--measures 5000] [--updates 50000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.clock import FixedClock
from bot.services import digest, reminders
from bot.services.actor import SYSTEM_ACTOR, Actor
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import (
    Aspect,
    Decision,
    Department,
    Lookback,
    Measure,
    MeasureDepartment,
    MeasurePerson,
    Person,
    Plan,
    Problem,
    ProgressReport,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 10, 14, 10, 0, tzinfo=SHANGHAI)
STATUSES = ["not_started", "in_progress", "in_progress", "awaiting_signoff", "closed", "closed"]


async def build(url: str, measures: int, updates: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = create_engine(url)
    now = NOW.astimezone(UTC)
    start = now - timedelta(days=400)
    async with engine.begin() as connection:
        await connection.execute(
            insert(Plan),
            [{"id": 1, "title": "基准", "year": 2024, "created_at": start, "updated_at": start}],
        )
        await connection.execute(
            insert(Department), [{"id": i, "name": f"科室{i}"} for i in range(1, 31)]
        )
        people = [
            {
                "id": i,
                "name": f"人员{i}",
                "department_id": 1 + i % 30,
                "role": "leader" if i <= 10 else ("office" if i <= 12 else "staff"),
                "telegram_user_id": 100_000 + i,
                "active": True,
                "created_at": start,
            }
            for i in range(1, 301)
        ]
        await connection.execute(insert(Person), people)
        await connection.execute(
            insert(Aspect),
            [
                {"id": a, "plan_id": 1, "position": a, "title": f"第{a}方面的问题整改"}
                for a in range(1, 21)
            ],
        )
        problems = max(1, measures // 5)
        await connection.execute(
            insert(Problem),
            [
                {
                    "id": p,
                    "aspect_id": 1 + (p - 1) % 20,
                    "position": p,
                    "number": str(p),
                    "title": f"问题{p}",
                }
                for p in range(1, problems + 1)
            ],
        )
        rows, links, departments = [], [], []
        for m in range(1, measures + 1):
            status = rng.choice(STATUSES)
            kind = rng.choices(["date", "ongoing", "immediate"], [8, 1, 1])[0]
            deadline = (
                date(2024, 1, 1) + timedelta(days=rng.randint(0, 420)) if kind == "date" else None
            )
            closed_at = now - timedelta(days=rng.randint(1, 300)) if status == "closed" else None
            if kind == "ongoing" and status == "closed":
                status, closed_at = "in_progress", None
            rows.append(
                {
                    "id": m,
                    "plan_id": 1,
                    "problem_id": 1 + (m - 1) % problems,
                    "position": m,
                    "code": f"{1 + (m - 1) % problems}.{m}",
                    "text": f"整改措施第{m}条：完善制度，加强监督检查，确保整改到位。",
                    "status": status,
                    "deadline_kind": kind,
                    "deadline": deadline,
                    "original_deadline": deadline,
                    "then_ongoing": False,
                    "created_at": start,
                    "updated_at": start,
                    "last_report_at": None,
                    "closed_at": closed_at,
                }
            )
            links.append({"measure_id": m, "person_id": rng.randint(13, 300), "role": "owner"})
            links.append({"measure_id": m, "person_id": rng.randint(1, 10), "role": "leader"})
            departments.append({"measure_id": m, "department_id": rng.randint(1, 30)})
        last_report: dict[int, datetime] = {}
        reports = []
        for _ in range(updates):
            m = rng.randint(1, measures)
            at = start + timedelta(minutes=rng.randint(0, 400 * 24 * 60))
            last_report[m] = max(at, last_report.get(m, at))
            reports.append(
                {
                    "measure_id": m,
                    "author_id": rng.randint(13, 300),
                    "created_at": at,
                    "note": "本周推进情况",
                    "status_before": "in_progress",
                    "status_after": "in_progress",
                }
            )
        for row in rows:
            row["last_report_at"] = last_report.get(row["id"])
        await connection.execute(insert(Measure), rows)
        await connection.execute(insert(MeasurePerson), links)
        await connection.execute(insert(MeasureDepartment), departments)
        for chunk in range(0, len(reports), 10_000):
            await connection.execute(insert(ProgressReport), reports[chunk : chunk + 10_000])
        pending = [r for r in rows if r["status"] == "awaiting_signoff"]
        await connection.execute(
            insert(Decision),
            [
                {
                    "measure_id": r["id"],
                    "kind": "close",
                    "state": "pending",
                    "requested_by": 13,
                    "requested_at": now - timedelta(days=2),
                    "reason": "已完成",
                }
                for r in pending
            ],
        )
        closed = [r for r in rows if r["closed_at"] is not None][: measures // 20]
        await connection.execute(
            insert(Lookback),
            [
                {
                    "measure_id": r["id"],
                    "closed_at": r["closed_at"],
                    "offset_days": 30,
                    "reason": "scheduled",
                    "due_on": date(2024, 10, 8),
                    "state": "asked",
                    "asked_at": now,
                    "evidence_count": 0,
                }
                for r in closed
            ],
        )
    await engine.dispose()


async def median_ms(work: Callable[[], Awaitable[object]], runs: int) -> float:
    await work()  # warm caches (calendar, statements)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        await build(url, args.measures, args.updates)
        engine = create_engine(url)
        factory = create_session_factory(engine)
        clock = FixedClock(NOW, SHANGHAI)
        leader = Actor(None, None, person_id=1, name="人员1", role="leader")
        results: list[tuple[str, float]] = []

        async def office_digest() -> object:
            async with factory() as session:
                return await digest.compile_digest(session, clock, SYSTEM_ACTOR)

        async def leader_digest() -> object:
            async with factory() as session:
                return await digest.compile_digest(session, clock, leader)

        async def office_json() -> object:
            async with factory() as session:
                result = await digest.compile_digest(session, clock, SYSTEM_ACTOR)
                return result.to_json()

        async def reminder_selection() -> object:
            async with factory() as session:
                return await reminders.collect(session, clock)

        for name, work in (
            ("digest (office, all measures)", office_digest),
            ("digest (one leader)", leader_digest),
            ("digest --json (office)", office_json),
            ("reminder selection (everyone)", reminder_selection),
        ):
            results.append((name, await median_ms(work, args.runs)))
        sample = await office_digest()
        await engine.dispose()
    assert isinstance(sample, digest.Digest)
    print("| name | measures | updates | median ms |")
    print("|---|---:|---:|---:|")
    for name, ms in results:
        print(f"| {name} | {args.measures} | {args.updates} | {ms:.0f} |")
    print(
        f"\n(office digest: {sample.totals['overdue']} overdue, {len(sample.stale)} stale, "
        f"{len(sample.waiting_for_decision)} waiting, {len(sample.lookbacks_due)} look-backs)"
    )
    slowest = max(ms for name, ms in results if name.startswith("digest"))
    if slowest >= 1000:
        print(f"digest compile took {slowest:.0f} ms: over the 1 s target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

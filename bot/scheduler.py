"""The loop on the clock: digests, reminders and look-back questions, beside polling.

Every `tick` seconds (a minute by default) one run:
1. settles sends a crash cut off mid-call (ledger state `unknown`: never sent twice);
2. finds the digests due now (each recipient's schedule, moved off holidays), claims each
   in the ledger, compiles it and draws its chart;
3. on working days between 09:00 and 18:00, collects everyone's reminders, escalations and
   look-back questions and claims them: one message per person per run;
4. sends everything through the paced broadcast, marking the ledger `sending` before each
   message and `sent` / `blocked` / `failed` after; a digest sent stores its snapshot.
State lives in the database, so a restart neither repeats nor skips anything (see
bot.services.schedule). A stop between messages releases what was claimed but not sent,
and the next start sends it.

`digest_cli` is `zhenggai digest`; `tick_cli` is `zhenggai tick` (one run, e.g. from cron).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import (
    BLOCKED,
    FAILED,
    NOT_SENT,
    SENT,
    Broadcaster,
    Delivery,
    Outgoing,
    Part,
    SendPart,
)
from bot.clock import Clock, FixedClock, local_now
from bot.services import digest, reminders, schedule
from bot.services.schedule import NotificationKey
from handlers import digest as digest_view
from handlers.sending import split_text
from handlers.texts import texts_for
from storage.models import Person

logger = logging.getLogger(__name__)

TICK_SECONDS = 60.0
DIGEST = "digest"
CAPTION_LIMIT = 1024


@dataclass
class RunReport:
    digests: int = 0
    reminders: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    not_sent: int = 0
    deliveries: list[Delivery] = field(default_factory=list)


@dataclass(frozen=True)
class _Ref:
    person_id: int
    notification_ids: tuple[int, ...]
    digest: digest.Digest | None = None


class Scheduler:
    """Runs digests, reminders and look-backs on the injected clock."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        send_part: SendPart,
        *,
        policy: reminders.ReminderPolicy = reminders.DEFAULT_POLICY,
        tick: float = TICK_SECONDS,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        broadcaster: Broadcaster | None = None,
        charts: bool = True,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.policy = policy
        self.tick = tick
        self.sleep = sleep
        self.broadcaster = broadcaster or Broadcaster(send_part, sleep=sleep)
        self.charts = charts
        self._stop: asyncio.Event | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; an error in one run is logged and the next run goes on."""
        self._stop = stop
        logger.info("scheduler started (every %.0f s)", self.tick)
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                logger.exception("scheduler run failed; trying again at the next tick")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick)
        logger.info("scheduler stopped")

    async def run_once(self) -> RunReport:
        report = RunReport()
        async with self.session_factory() as session:
            await schedule.settle_interrupted(session, self.clock)
            outgoing = await self._digests(session, report)
            if schedule.in_working_hours(local_now(self.clock)):
                outgoing += await self._reminders(session, report)
            await session.rollback()

            async def before_send(message: Outgoing) -> None:
                await schedule.mark(
                    session, self.clock, message.ref.notification_ids, schedule.SENDING
                )

            async def on_result(delivery: Delivery) -> None:
                await self._record(session, delivery, report)

            stop = self._stop
            report.deliveries = await self.broadcaster.deliver(
                outgoing,
                before_send=before_send,
                on_result=on_result,
                should_stop=(lambda: stop.is_set()) if stop is not None else None,
            )
        if outgoing:
            logger.info(
                "scheduler: %s digests, %s reminder messages; sent %s, blocked %s, failed %s",
                report.digests,
                report.reminders,
                report.sent,
                report.blocked,
                report.failed,
            )
        return report

    async def _digests(self, session: AsyncSession, report: RunReport) -> list[Outgoing]:
        outgoing = []
        for due in await digest.due_digests(session, self.clock):
            key = NotificationKey(DIGEST, 0, due.nominal)
            claimed = await schedule.claim(session, self.clock, due.person_id, [key])
            if not claimed:
                continue
            person = await session.get(Person, due.person_id)
            assert person is not None
            result = await digest.compile_digest(
                session, self.clock, digest.actor_for_person(person), preference=due.preference
            )
            await session.rollback()
            parts = await self.digest_parts(result, due.language)
            outgoing.append(
                Outgoing(
                    due.telegram_user_id,
                    parts,
                    _Ref(due.person_id, tuple(claimed.values()), result),
                )
            )
            report.digests += 1
        return outgoing

    async def digest_parts(self, result: digest.Digest, language: str | None) -> tuple[Part, ...]:
        t = texts_for(language)
        parts: list[Part] = []
        if self.charts:
            picture = await digest_view.digest_chart(t, result)
            if picture is not None:
                parts.append(Part(text=t("chart_title"), photo=picture))
        chunks = split_text(digest_view.digest_text(t, result, self.clock.tz))
        keyboard = digest_view.digest_keyboard(t, result)
        for index, chunk in enumerate(chunks):
            parts.append(Part(text=chunk, markup=keyboard if index == len(chunks) - 1 else None))
        return tuple(parts)

    async def _reminders(self, session: AsyncSession, report: RunReport) -> list[Outgoing]:
        outgoing = []
        for batch in await reminders.collect(session, self.clock, self.policy):
            mine = await reminders.claim(session, self.clock, batch)
            if mine is None:
                continue
            t = texts_for(mine.language)
            chunks = split_text(digest_view.reminder_text(t, mine))
            keyboard = digest_view.reminder_keyboard(t, mine)
            parts = tuple(
                Part(text=chunk, markup=keyboard if index == len(chunks) - 1 else None)
                for index, chunk in enumerate(chunks)
            )
            outgoing.append(
                Outgoing(mine.telegram_user_id, parts, _Ref(mine.person_id, mine.notification_ids))
            )
            report.reminders += 1
        return outgoing

    async def _record(self, session: AsyncSession, delivery: Delivery, report: RunReport) -> None:
        ref: _Ref = delivery.message.ref
        state = {
            SENT: schedule.SENT,
            BLOCKED: schedule.BLOCKED,
            FAILED: schedule.FAILED,
            NOT_SENT: schedule.RELEASED,
        }[delivery.outcome]
        if delivery.outcome == FAILED and delivery.parts_sent:
            state = schedule.SENT  # the person has part of it; sending again would repeat that
        await schedule.mark(session, self.clock, ref.notification_ids, state, delivery.error)
        if state == schedule.SENT and ref.digest is not None:
            await digest.save_snapshot(session, self.clock, ref.digest)
        report.sent += state == schedule.SENT
        report.blocked += state == schedule.BLOCKED
        report.failed += state == schedule.FAILED
        report.not_sent += state == schedule.RELEASED


async def run_scheduler(
    bot: Any,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    stop: asyncio.Event,
) -> None:
    """What `zhenggai run` starts beside polling: `asyncio.create_task(run_scheduler(...))`."""
    from bot.broadcast import bot_sender

    await Scheduler(session_factory, clock, bot_sender(bot)).run(stop)


# ----------------------------------------------------------------------------- the CLI


_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def digest_cli(args: argparse.Namespace) -> int:
    """`zhenggai digest [--json] [--as-of YYYY-MM-DD] [--for NAME]`: the digest, read-only.

    Without --for it covers all measures (the office's scope); with it, that person's.
    """
    from bot.cli import CLI_ACTOR, domain_message, load_settings, with_session
    from bot.clock import SystemClock
    from bot.services import people
    from bot.services.errors import DomainError, NotAllowed

    settings = load_settings()
    clock: Clock = SystemClock(settings.tz)
    if args.as_of is not None:
        # statuses are today's; deadlines, staleness and the period are counted at that date
        clock = FixedClock(
            datetime.combine(args.as_of, time(12, 0), tzinfo=settings.tz), settings.tz
        )

    async def work(session: AsyncSession) -> digest.Digest:
        actor = CLI_ACTOR
        preference = None
        if args.for_name:
            person = await people.find_person(session, args.for_name)
            actor = digest.actor_for_person(person)
            if not (actor.is_leader or actor.sees_everything):
                raise NotAllowed()
            preference = await schedule.preference_for(session, person.id)
        return await digest.compile_digest(session, clock, actor, preference=preference)

    try:
        result = with_session(settings, work)
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(plain(digest_view.digest_text(texts_for("zh"), result, settings.tz)))
    return 0


def tick_cli(args: argparse.Namespace) -> int:
    """`zhenggai tick`: one scheduler run now (for cron, or to try the schedule)."""
    from bot.broadcast import bot_sender
    from bot.cli import load_settings
    from bot.clock import SystemClock
    from bot.telegram import build_bot, install_redaction
    from storage.db import create_engine, create_session_factory
    from storage.migrate import upgrade

    settings = load_settings()
    token = settings.token_value()
    if not token:
        print("BOT_TOKEN is required", file=sys.stderr)
        return 2
    install_redaction(token)
    upgrade(settings.database_url)

    async def main() -> RunReport:
        engine = create_engine(settings.database_url)
        bot = build_bot(token, settings.telegram_api_url)
        try:
            scheduler = Scheduler(
                create_session_factory(engine), SystemClock(settings.tz), bot_sender(bot)
            )
            return await scheduler.run_once()
        finally:
            await bot.session.close()
            await engine.dispose()

    report = asyncio.run(main())
    print(
        f"digests {report.digests}, reminder messages {report.reminders}: "
        f"sent {report.sent}, blocked {report.blocked}, failed {report.failed}"
    )
    return 0

"""When things are due, and the ledger of what was sent.

Time rules: China's working days (public holidays off, 调休 make-up days on), the working
window for reminders (09:00–18:00 local), and when a person's digest falls due (weekly on a
weekday or monthly on a day of the month, moved to the next working day).

The ledger: every scheduled message is claimed in `notifications` under a unique key
(person, kind, subject, due date) before it is sent, marked `sending` just before the Bot API
call and `sent` / `blocked` / `failed` after it. A restart therefore sends nothing twice
(a sent key is never claimed again) and skips nothing (a key claimed but never sent is
claimed again once its lease runs out, or at once when the run was stopped cleanly).
Only a message cut off in the middle of its Bot API call is left as `unknown`: Telegram has
no idempotency key, so sending it again could deliver it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import audit
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.ledger import require_person
from bot.services.workdays import (
    is_working_day,
    next_working_day,
    working_days_between,
)
from storage.models import DigestSetting, Notification, Person

WORK_START = time(9, 0)
WORK_END = time(18, 0)
# a digest is not sent (or caught up) this late in the evening
DIGEST_QUIET_FROM = time(21, 0)
DIGEST_EARLIEST = time(6, 0)
# a digest missed on its day (the bot was down) is still sent this many working days later
DIGEST_CATCH_UP_WORKING_DAYS = 2

WEEKLY = "weekly"
MONTHLY = "monthly"
FREQUENCIES = (WEEKLY, MONTHLY)
MONTH_DAY_MAX = 28

# a claim not sent within this time was cut off by a crash: it may be claimed again
CLAIM_LEASE = timedelta(minutes=15)
# a send that failed (network, Bot API trouble) is tried again on later runs, this many times
MAX_ATTEMPTS = 3

CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
RELEASED = "released"
UNKNOWN = "unknown"


# ----------------------------------------------------------------------------- working days

working = is_working_day


def in_working_hours(now_local: datetime) -> bool:
    """Reminders go out on working days between 09:00 and 18:00 local time only."""
    return working(now_local.date()) and WORK_START <= now_local.time() < WORK_END


# ----------------------------------------------------------------------------- digest timing


@dataclass(frozen=True)
class DigestPreference:
    """A person's digest schedule; the default is weekly, Monday 09:00."""

    frequency: str = WEEKLY
    weekday: int = 0
    month_day: int = 1
    minute_of_day: int = 9 * 60
    muted: bool = False
    updated_at: datetime | None = None

    @property
    def at(self) -> time:
        return time(self.minute_of_day // 60, self.minute_of_day % 60)


DEFAULT_PREFERENCE = DigestPreference()


def _nominal_on_or_before(preference: DigestPreference, day: date) -> date:
    if preference.frequency == MONTHLY:
        candidate = day.replace(day=preference.month_day)
        if candidate > day:
            previous = (day.replace(day=1) - timedelta(days=1)).replace(day=preference.month_day)
            return previous
        return candidate
    return day - timedelta(days=(day.weekday() - preference.weekday) % 7)


def _nominal_before(preference: DigestPreference, nominal: date) -> date:
    return _nominal_on_or_before(preference, nominal - timedelta(days=1))


def next_nominal(preference: DigestPreference, nominal: date) -> date:
    if preference.frequency == MONTHLY:
        following = (nominal.replace(day=1) + timedelta(days=32)).replace(day=1)
        return following.replace(day=preference.month_day)
    return nominal + timedelta(days=7)


def digest_send_day(nominal: date) -> date:
    """A digest whose day is a holiday or weekend goes out on the next working day."""
    return next_working_day(nominal)


def latest_occurrence(preference: DigestPreference, today: date) -> date:
    """The nominal date of the latest occurrence whose (moved) send day is not after today."""
    nominal = _nominal_on_or_before(preference, today)
    while digest_send_day(nominal) > today:
        nominal = _nominal_before(preference, nominal)
    return nominal


def due_digest(preference: DigestPreference, now_local: datetime) -> date | None:
    """The nominal date of the digest due now, or None.

    Due from its time on its send day; if the bot was down then, on the next two working
    days at or after that time (before 21:00); older ones wait for the next digest.
    An occurrence that fell due before the person last changed their schedule is not
    caught up either.
    """
    if preference.muted or not working(now_local.date()):
        return None
    moment = now_local.time()
    if moment < preference.at or moment >= DIGEST_QUIET_FROM:
        return None
    nominal = latest_occurrence(preference, now_local.date())
    send_day = digest_send_day(nominal)
    if working_days_between(send_day, now_local.date()) > DIGEST_CATCH_UP_WORKING_DAYS:
        return None
    if preference.updated_at is not None:
        due_at = datetime.combine(send_day, preference.at, tzinfo=now_local.tzinfo)
        if due_at < preference.updated_at:
            return None
    return nominal


def period_start(preference: DigestPreference, as_of: date) -> date:
    """Where a digest's period begins when there is no earlier digest to count from."""
    if preference.frequency == MONTHLY:
        previous_month_end = as_of.replace(day=1) - timedelta(days=1)
        return previous_month_end.replace(day=min(as_of.day, previous_month_end.day))
    return as_of - timedelta(days=7)


async def preference_for(session: AsyncSession, person_id: int) -> DigestPreference:
    row = await session.get(DigestSetting, person_id)
    return preference_of(row)


def preference_of(row: DigestSetting | None) -> DigestPreference:
    if row is None:
        return DEFAULT_PREFERENCE
    return DigestPreference(
        frequency=row.frequency,
        weekday=row.weekday,
        month_day=row.month_day,
        minute_of_day=row.minute_of_day,
        muted=row.muted,
        updated_at=row.updated_at,
    )


async def preferences_for(
    session: AsyncSession, person_ids: Iterable[int]
) -> dict[int, DigestPreference]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = await session.scalars(select(DigestSetting).where(DigestSetting.person_id.in_(ids)))
    found = {row.person_id: preference_of(row) for row in rows}
    return {person_id: found.get(person_id, DEFAULT_PREFERENCE) for person_id in ids}


def parse_time(text: str) -> int:
    """'8:30', '08:30', '0830', '8点30' → minutes after midnight; InvalidInput otherwise."""
    cleaned = text.strip().replace("：", ":").replace("点", ":").replace("分", "")
    if ":" not in cleaned and cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    hours, _, minutes = cleaned.partition(":")
    try:
        value = int(hours) * 60 + int(minutes or 0)
        if not (0 <= int(hours) < 24 and 0 <= int(minutes or 0) < 60):
            raise ValueError
    except ValueError:
        raise InvalidInput(field="time") from None
    return value


async def set_preference(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    *,
    frequency: str | None = None,
    weekday: int | None = None,
    month_day: int | None = None,
    minute_of_day: int | None = None,
    muted: bool | None = None,
) -> DigestPreference:
    """Change when this person gets their digest (leaders and the office only)."""
    person_id = require_person(actor)
    person = await session.get(Person, person_id)
    if person is None or not (actor.is_leader or actor.sees_everything):
        raise NotAllowed()
    if frequency is not None and frequency not in FREQUENCIES:
        raise InvalidInput(field="frequency")
    if weekday is not None and not 0 <= weekday <= 6:
        raise InvalidInput(field="weekday")
    if month_day is not None and not 1 <= month_day <= MONTH_DAY_MAX:
        raise InvalidInput(field="month_day", limit=MONTH_DAY_MAX)
    earliest = DIGEST_EARLIEST.hour * 60
    latest = DIGEST_QUIET_FROM.hour * 60
    if minute_of_day is not None and not earliest <= minute_of_day < latest:
        raise InvalidInput(field="time")
    row = await session.get(DigestSetting, person_id)
    before = preference_of(row)
    after = replace(
        before,
        frequency=before.frequency if frequency is None else frequency,
        weekday=before.weekday if weekday is None else weekday,
        month_day=before.month_day if month_day is None else month_day,
        minute_of_day=before.minute_of_day if minute_of_day is None else minute_of_day,
        muted=before.muted if muted is None else muted,
        updated_at=clock.now(),
    )
    if row is None:
        row = DigestSetting(person_id=person_id)
        session.add(row)
    row.frequency = after.frequency
    row.weekday = after.weekday
    row.month_day = after.month_day
    row.minute_of_day = after.minute_of_day
    row.muted = after.muted
    row.updated_at = clock.now()
    audit.record(
        session,
        actor,
        clock,
        "digest_settings_changed",
        frequency=after.frequency,
        weekday=after.weekday,
        month_day=after.month_day,
        time=f"{after.at:%H:%M}",
        muted=after.muted,
    )
    await session.commit()
    return after


# ----------------------------------------------------------------------------- the ledger


@dataclass(frozen=True, order=True)
class NotificationKey:
    kind: str
    subject_id: int
    due_on: date


async def claim(
    session: AsyncSession, clock: Clock, person_id: int, keys: Sequence[NotificationKey]
) -> dict[NotificationKey, int]:
    """Claim the keys not yet sent to this person; returns the claimed ones with their ids.

    New keys are inserted (the unique constraint stops a second process); a key released by
    a clean stop, whose claim outlived its lease, or whose send failed fewer than
    MAX_ATTEMPTS times is taken over with a compare-and-set update. All claimed rows share
    a batch id: they go out in one message. Commits.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    now = clock.now()
    rows = await session.scalars(
        select(Notification).where(
            Notification.person_id == person_id,
            Notification.kind.in_({k.kind for k in wanted}),
            Notification.due_on.in_({k.due_on for k in wanted}),
        )
    )
    existing = {NotificationKey(r.kind, r.subject_id, r.due_on): r for r in rows}
    claimed: dict[NotificationKey, int] = {}
    added: list[Notification] = []
    try:
        for key in wanted:
            row = existing.get(key)
            if row is None:
                fresh = Notification(
                    person_id=person_id,
                    kind=key.kind,
                    subject_id=key.subject_id,
                    due_on=key.due_on,
                    state=CLAIMED,
                    attempts=1,
                    claimed_at=now,
                )
                session.add(fresh)
                added.append(fresh)
            elif _reclaimable(row, now):
                result = await session.execute(
                    update(Notification)
                    .where(
                        Notification.id == row.id,
                        Notification.state == row.state,
                        Notification.attempts == row.attempts,
                    )
                    .values(
                        state=CLAIMED,
                        attempts=row.attempts + 1,
                        claimed_at=now,
                        finished_at=None,
                        error=None,
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed[key] = row.id
        await session.flush()
        claimed.update({NotificationKey(n.kind, n.subject_id, n.due_on): n.id for n in added})
        if claimed:
            await session.execute(
                update(Notification)
                .where(Notification.id.in_(list(claimed.values())))
                .values(batch_id=min(claimed.values()))
                .execution_options(synchronize_session=False)
            )
        await session.commit()
    except IntegrityError:
        # another scheduler claimed one of these keys at the same moment: it sends them
        await session.rollback()
        return {}
    return claimed


def _reclaimable(row: Notification, now: datetime) -> bool:
    if row.state == RELEASED:
        return True
    if row.state == CLAIMED:
        return row.claimed_at < now - CLAIM_LEASE
    return row.state == FAILED and row.attempts < MAX_ATTEMPTS


async def mark(
    session: AsyncSession,
    clock: Clock,
    ids: Sequence[int],
    state: str,
    error: str | None = None,
) -> None:
    """Move claimed notifications on: sending, then sent / blocked / failed, or released."""
    if not ids:
        return
    finished = clock.now() if state not in (SENDING, CLAIMED) else None
    await session.execute(
        update(Notification)
        .where(Notification.id.in_(list(ids)))
        .values(state=state, finished_at=finished, error=(error or None) and error[:200])
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def settle_interrupted(session: AsyncSession, clock: Clock) -> int:
    """Sends cut off mid-call by a crash become `unknown` (never sent again: no duplicates)."""
    cutoff = clock.now() - CLAIM_LEASE
    result = await session.execute(
        update(Notification)
        .where(Notification.state == SENDING, Notification.claimed_at < cutoff)
        .values(state=UNKNOWN, finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def batch_rows(
    session: AsyncSession, batch_id: int, person_id: int
) -> Sequence[Notification]:
    result = await session.scalars(
        select(Notification)
        .where(Notification.batch_id == batch_id, Notification.person_id == person_id)
        .order_by(Notification.id)
    )
    return result.all()

"""Reminders and escalation: who is told what about their measures, today.

Rules (working days are China's, with 调休):
- owners are reminded 7 and 3 working days before a deadline and on the day (a deadline on a
  holiday or weekend: on the last working day before it); when the bot was down on one of
  those days, only the latest point reached is sent, so nobody hears "7 days left" late;
- an overdue measure reminds its owners on the first working day after the deadline and
  every 3 working days after that;
- 5 working days overdue, it is escalated once to its leaders (the office when it has none);
  10 working days overdue, once to the office;
- a 长期坚持 measure asks its owners for a report once a period (monthly by default),
  5 working days before the period ends, unless they reported during the period;
- a look-back due (see lookbacks) asks the owners to confirm the fix holds;
- a person may snooze reminders about the measures of one message for 1 or 3 working days:
  nothing about them until then, and one reminder on that day unless they reported meanwhile.

The scheduler runs this only on working days between 09:00 and 18:00, claims the keys in
the ledger (schedule.claim) and sends one message per person per run with all their items.
Measures awaiting sign-off wait for the leader, who sees them in the digest, not here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, local_today
from bot.services import audit, lookbacks, schedule, statuses, workdays
from bot.services.actor import ROLE_OFFICE, Actor
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.ledger import require_person
from bot.services.schedule import NotificationKey
from storage.models import Measure, MeasurePerson, Person, ReminderSnooze

DUE = "due"
OVERDUE = "overdue"
ONGOING_REPORT = "ongoing_report"
SNOOZED = "snoozed"
ESCALATION_LEADER = "escalation_leader"
ESCALATION_OFFICE = "escalation_office"
LOOKBACK = "lookback"
# reminders about the person's own work: these can be snoozed
OWNER_KINDS = (DUE, OVERDUE, ONGOING_REPORT, SNOOZED)
SNOOZE_CHOICES = (1, 3)
REMINDED_STATUSES = (statuses.NOT_STARTED, statuses.IN_PROGRESS)


@dataclass(frozen=True)
class ReminderPolicy:
    before_deadline: tuple[int, ...] = (7, 3, 0)
    overdue_every: int = 3
    escalate_to_leader_after: int = 5
    escalate_to_office_after: int = 10
    # 长期坚持: one report per this many months, asked this many working days before the end
    ongoing_every_months: int = 1
    ongoing_ask_before_end: int = 5
    lookback_offsets: tuple[int, ...] = lookbacks.LOOKBACK_OFFSETS


DEFAULT_POLICY = ReminderPolicy()


@dataclass(frozen=True)
class ReminderItem:
    kind: str
    measure_id: int
    code: str
    text: str
    deadline: date | None
    owners: tuple[str, ...]
    keys: tuple[NotificationKey, ...]
    days_left: int | None = None
    days_overdue: int = 0
    lookback: lookbacks.DueLookback | None = None
    # set once the look-back row exists (when the question goes out)
    lookback_id: int | None = None

    @property
    def snoozable(self) -> bool:
        return self.kind in OWNER_KINDS


@dataclass
class PersonReminders:
    person_id: int
    telegram_user_id: int
    language: str | None
    name: str
    items: list[ReminderItem] = field(default_factory=list)
    # set when claimed: the batch id names the message (snooze buttons refer to it)
    batch_id: int | None = None
    notification_ids: tuple[int, ...] = ()

    @property
    def keys(self) -> list[NotificationKey]:
        return [key for item in self.items for key in item.keys]


def deadline_reminder_day(deadline: date, working_days_before: int) -> date:
    """When the reminder `n` working days before a deadline goes out (0: on the day)."""
    if working_days_before == 0:
        return workdays.last_working_day_by(deadline)
    return workdays.add_working_days(deadline, -working_days_before)


def deadline_stage(deadline: date, today: date, policy: ReminderPolicy) -> tuple[int, date] | None:
    """The latest before-deadline reminder reached by today: (working days before, its day)."""
    reached = [
        (n, day)
        for n in policy.before_deadline
        if (day := deadline_reminder_day(deadline, n)) <= today
    ]
    return min(reached, key=lambda pair: pair[0]) if reached else None


def overdue_reminder_day(deadline: date, days_overdue: int, policy: ReminderPolicy) -> date:
    """The day of the latest overdue reminder: overdue day 1, 1 + every, 1 + 2·every…"""
    step = (days_overdue - 1) // policy.overdue_every
    return workdays.add_working_days(deadline, 1 + step * policy.overdue_every)


def ongoing_period(today: date, months: int) -> tuple[date, date]:
    """[start, end) of the reporting period containing today (calendar months)."""
    first_month = (today.month - 1) // months * months + 1
    start = date(today.year, first_month, 1)
    end_month = first_month + months
    end = date(today.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


def ongoing_ask_day(today: date, policy: ReminderPolicy) -> tuple[date, date]:
    """(period start, the day owners of 长期坚持 measures are asked for this period's report)."""
    start, end = ongoing_period(today, policy.ongoing_every_months)
    return start, workdays.add_working_days(end, -policy.ongoing_ask_before_end)


async def collect(
    session: AsyncSession, clock: Clock, policy: ReminderPolicy = DEFAULT_POLICY
) -> list[PersonReminders]:
    """Everyone's reminders due today, one entry per person (not claimed yet; reads only)."""
    today = local_today(clock)
    if not workdays.is_working_day(today):
        return []
    measures = (
        await session.execute(
            select(
                Measure.id,
                Measure.code,
                Measure.text,
                Measure.status,
                Measure.deadline_kind,
                Measure.deadline,
                Measure.last_report_at,
            )
            .where(
                Measure.deleted_at.is_(None),
                Measure.status.in_(REMINDED_STATUSES),
                ((Measure.deadline_kind == statuses.DEADLINE_DATE) & Measure.deadline.is_not(None))
                | (Measure.deadline_kind == statuses.DEADLINE_ONGOING),
            )
            .order_by(Measure.id)
        )
    ).all()
    due_lookbacks = await lookbacks.due_lookbacks(session, clock, policy.lookback_offsets)
    measure_ids = {m.id for m in measures} | {d.measure_id for d in due_lookbacks}
    people: dict[int, Person] = {}
    links: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if measure_ids:
        for link, person in await session.execute(
            select(MeasurePerson, Person)
            .join(Person, Person.id == MeasurePerson.person_id)
            .where(MeasurePerson.measure_id.in_(measure_ids), Person.active)
            .order_by(Person.id)
        ):
            people[person.id] = person
            links[link.measure_id][link.role].append(person.id)
    office = list(
        await session.scalars(
            select(Person).where(Person.active, Person.role == ROLE_OFFICE).order_by(Person.id)
        )
    )
    people.update({p.id: p for p in office})
    snoozes = {
        (s.person_id, s.measure_id): s
        for s in await session.scalars(
            select(ReminderSnooze).where(ReminderSnooze.until >= today - timedelta(days=60))
        )
    }

    def names(measure_id: int) -> tuple[str, ...]:
        return tuple(people[p].name for p in links[measure_id][statuses.LINK_OWNER])

    found: dict[int, dict[tuple[str, int], ReminderItem]] = defaultdict(dict)

    def add(person_id: int, item: ReminderItem) -> None:
        slot = (item.kind, item.measure_id)
        earlier = found[person_id].get(slot)
        if earlier is not None:
            item = _merge(earlier, item)
        found[person_id][slot] = item

    ongoing_start, ongoing_day = ongoing_ask_day(today, policy)
    for measure_id, code, text, _status, kind, deadline, last_report_at in measures:
        owner_key: NotificationKey | None = None
        days_left: int | None = None
        days_overdue = 0
        escalations: list[tuple[str, list[int], NotificationKey]] = []
        if kind == statuses.DEADLINE_DATE and deadline is not None:
            if today <= deadline:
                stage = deadline_stage(deadline, today, policy)
                days_left = workdays.working_days_between(today, deadline)
                if stage is not None:
                    owner_key = NotificationKey(f"{DUE}_{stage[0]}", measure_id, stage[1])
            else:
                days_overdue = workdays.working_days_between(deadline, today)
                if days_overdue >= 1:
                    owner_key = NotificationKey(
                        OVERDUE, measure_id, overdue_reminder_day(deadline, days_overdue, policy)
                    )
                leaders = links[measure_id][statuses.LINK_LEADER] or [p.id for p in office]
                for after, level, to in (
                    (policy.escalate_to_leader_after, ESCALATION_LEADER, leaders),
                    (policy.escalate_to_office_after, ESCALATION_OFFICE, [p.id for p in office]),
                ):
                    if days_overdue >= after:
                        day = workdays.add_working_days(deadline, after)
                        escalations.append((level, to, NotificationKey(level, measure_id, day)))
        elif kind == statuses.DEADLINE_ONGOING and today >= ongoing_day:
            reported = last_report_at is not None and (
                last_report_at.astimezone(clock.tz).date() >= ongoing_start
            )
            if not reported:
                owner_key = NotificationKey(ONGOING_REPORT, measure_id, ongoing_day)
        owner_kind = (
            ONGOING_REPORT
            if kind == statuses.DEADLINE_ONGOING
            else (OVERDUE if days_overdue else DUE)
        )
        for owner_id in links[measure_id][statuses.LINK_OWNER]:
            keys: list[NotificationKey] = []
            snooze = snoozes.get((owner_id, measure_id))
            if snooze is not None and today < snooze.until:
                continue  # put off by the owner
            if owner_key is not None:
                keys.append(owner_key)
            if (
                snooze is not None
                and (owner_key is not None or days_overdue or days_left is not None)
                and (last_report_at is None or last_report_at < snooze.created_at)
                and (kind != statuses.DEADLINE_ONGOING or owner_key is not None)
            ):
                keys.append(NotificationKey(SNOOZED, measure_id, snooze.until))
            if keys:
                add(
                    owner_id,
                    ReminderItem(
                        owner_kind,
                        measure_id,
                        code,
                        text,
                        deadline,
                        names(measure_id),
                        tuple(keys),
                        days_left,
                        days_overdue,
                    ),
                )
        for level, recipients, key in escalations:
            for person_id in recipients:
                add(
                    person_id,
                    ReminderItem(
                        level,
                        measure_id,
                        code,
                        text,
                        deadline,
                        names(measure_id),
                        (key,),
                        None,
                        days_overdue,
                    ),
                )
    for due in due_lookbacks:
        key = NotificationKey(LOOKBACK, due.measure_id, due.due_on)
        for owner_id in links[due.measure_id][statuses.LINK_OWNER]:
            add(
                owner_id,
                ReminderItem(
                    LOOKBACK,
                    due.measure_id,
                    due.code,
                    due.text,
                    None,
                    names(due.measure_id),
                    (key,),
                    lookback=due,
                ),
            )
    batches = []
    for person_id, items in found.items():
        person = people[person_id]
        if person.telegram_user_id is None:
            continue  # not joined yet: they see it all in /my once they join
        ordered = _without_lower_escalations(list(items.values()))
        ordered.sort(key=lambda i: (KIND_ORDER.index(i.kind), -i.days_overdue, i.measure_id))
        batches.append(
            PersonReminders(
                person_id, person.telegram_user_id, person.language, person.name, ordered
            )
        )
    return batches


KIND_ORDER = (ESCALATION_OFFICE, ESCALATION_LEADER, OVERDUE, DUE, ONGOING_REPORT, LOOKBACK)


def _merge(earlier: ReminderItem, later: ReminderItem) -> ReminderItem:
    keys = tuple(dict.fromkeys(earlier.keys + later.keys))
    return ReminderItem(**{**earlier.__dict__, "keys": keys})


def _without_lower_escalations(items: list[ReminderItem]) -> list[ReminderItem]:
    """Someone escalated to as both leader and office sees the measure once, at office level."""
    office_level = {i.measure_id: i for i in items if i.kind == ESCALATION_OFFICE}
    kept = []
    for item in items:
        higher = office_level.get(item.measure_id)
        if item.kind == ESCALATION_LEADER and higher is not None:
            office_level[item.measure_id] = _merge(higher, item)
            continue
        kept.append(item)
    return [office_level.get(i.measure_id, i) if i.kind == ESCALATION_OFFICE else i for i in kept]


def restrict_to_claimed(
    batch: PersonReminders, claimed: dict[NotificationKey, int]
) -> PersonReminders | None:
    """The part of a person's reminders this run claimed; None when another run has them."""
    items = [i for i in batch.items if any(k in claimed for k in i.keys)]
    if not items:
        return None
    ids = tuple(sorted(claimed.values()))
    return PersonReminders(
        batch.person_id,
        batch.telegram_user_id,
        batch.language,
        batch.name,
        items,
        batch_id=min(ids),
        notification_ids=ids,
    )


async def claim(
    session: AsyncSession, clock: Clock, batch: PersonReminders
) -> PersonReminders | None:
    """Claim a person's reminders in the ledger; opens the look-backs being asked about."""
    claimed = await schedule.claim(session, clock, batch.person_id, batch.keys)
    mine = restrict_to_claimed(batch, claimed)
    if mine is None:
        return None
    items = []
    for item in mine.items:
        if item.lookback is not None:
            row = await lookbacks.open_lookback(session, clock, item.lookback)
            item = ReminderItem(**{**item.__dict__, "lookback_id": row.id})
        items.append(item)
    mine.items = items
    return mine


@dataclass(frozen=True)
class SnoozeOutcome:
    until: date
    codes: tuple[str, ...]


async def snooze(
    session: AsyncSession, actor: Actor, clock: Clock, batch_id: int, working_days: int
) -> SnoozeOutcome:
    """Put off reminders about the measures of one reminder message by 1 or 3 working days."""
    person_id = require_person(actor)
    if working_days not in SNOOZE_CHOICES:
        raise InvalidInput(field="days")
    rows = await schedule.batch_rows(session, batch_id, person_id)
    measure_ids = sorted(
        {
            r.subject_id
            for r in rows
            if r.subject_id and (r.kind.startswith(DUE) or r.kind in OWNER_KINDS)
        }
    )
    if not measure_ids:
        raise NotAllowed()
    until = workdays.add_working_days(local_today(clock), working_days)
    now = clock.now()
    existing = {
        s.measure_id: s
        for s in await session.scalars(
            select(ReminderSnooze).where(
                ReminderSnooze.person_id == person_id,
                ReminderSnooze.measure_id.in_(measure_ids),
            )
        )
    }
    for measure_id in measure_ids:
        row = existing.get(measure_id)
        if row is None:
            session.add(
                ReminderSnooze(
                    person_id=person_id, measure_id=measure_id, until=until, created_at=now
                )
            )
        else:
            row.until = until
            row.created_at = now
    codes = tuple(
        await session.scalars(
            select(Measure.code).where(Measure.id.in_(measure_ids)).order_by(Measure.id)
        )
    )
    for measure_id in measure_ids:
        audit.record(
            session, actor, clock, "reminder_snoozed", measure_id, until=until.isoformat()
        )
    await session.commit()
    return SnoozeOutcome(until, codes)

"""The ledger's tables. Portable between SQLite and PostgreSQL: no dialect-only types."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC; SQLite drops tzinfo, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # staff / leader / office
    role: Mapped[str] = mapped_column(String(20), default="staff")
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    department: Mapped[Department | None] = relationship(lazy="joined")


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    year: Mapped[int | None] = mapped_column(Integer)
    source_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Aspect(Base):
    __tablename__ = "aspects"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)


class Problem(Base):
    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)

    aspect: Mapped[Aspect] = relationship(lazy="joined")


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    # not_started / in_progress / awaiting_signoff / closed
    status: Mapped[str] = mapped_column(String(20), default="not_started", index=True)
    percent: Mapped[int | None] = mapped_column(Integer)
    # date / immediate / ongoing / unknown / none
    deadline_kind: Mapped[str] = mapped_column(String(12), default="none")
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_raw: Mapped[str | None] = mapped_column(String(200))
    # 立行立改并长期坚持: done at once, then reported on a cadence
    then_ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    # the plan's deadline, kept when an extension moves `deadline`
    original_deadline: Mapped[date | None] = mapped_column(Date)
    leader_text: Mapped[str | None] = mapped_column(String(200))
    department_text: Mapped[str | None] = mapped_column(String(200))
    owner_text: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_report_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # soft delete: nothing is ever hard-deleted through the bot
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    problem: Mapped[Problem] = relationship(lazy="joined")


class MeasurePerson(Base):
    """Who a measure belongs to: its owners (责任人) and leaders (责任领导)."""

    __tablename__ = "measure_people"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    # owner / leader
    role: Mapped[str] = mapped_column(String(10), primary_key=True)


class MeasureDepartment(Base):
    __tablename__ = "measure_departments"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)


class ProgressReport(Base):
    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int | None] = mapped_column(Integer)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)


class Evidence(Base):
    """佐证材料: a file kept by its Telegram file_id; rows are only ever added."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_reports.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # photo / document
    kind: Mapped[str] = mapped_column(String(12))
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    mime_type: Mapped[str | None] = mapped_column(String(100))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)


class Decision(Base):
    """A request that waits for the leader: closing (对账销号) or a deadline extension (延期)."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_measure_state", "measure_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    # close / extension
    kind: Mapped[str] = mapped_column(String(12))
    # pending / accepted / rejected / withdrawn
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_deadline: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Every change: who, when, what, from which chat."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ProcessedUpdate(Base):
    """Telegram update ids already handled: a redelivered update is skipped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# digests, reminders, look-backs


class DigestSetting(Base):
    """When a leader or the office gets the digest.

    No row means the default: weekly, Monday 09:00.
    """

    __tablename__ = "digest_settings"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    # weekly / monthly
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    # Monday is 0; used by weekly digests
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    # 1..28; used by monthly digests
    month_day: Mapped[int] = mapped_column(Integer, default=1)
    # local time, minutes after midnight
    minute_of_day: Mapped[int] = mapped_column(Integer, default=9 * 60)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    # occurrences before this moment are not caught up after a change
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DigestSnapshot(Base):
    """The totals a person's digest showed, so the next one can say what changed."""

    __tablename__ = "digest_snapshots"
    __table_args__ = (Index("ix_digest_snapshots_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    as_of: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(10))
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Notification(Base):
    """What the scheduler sent, or is sending: claimed before sending, so nothing goes twice.

    The key is (person, kind, subject, due_on); `subject_id` is the measure, or 0 when the
    notification concerns no single measure (a digest).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "subject_id", "due_on"),
        Index("ix_notifications_state_claimed_at", "state", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    # the notification whose message carried this one: one message per person per run
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # claimed / sending / sent / blocked / failed / released / unknown
    state: Mapped[str] = mapped_column(String(12), default="claimed")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(String(200))


class ReminderSnooze(Base):
    """A person put off reminders about a measure until a working day."""

    __tablename__ = "reminder_snoozes"
    __table_args__ = (UniqueConstraint("person_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Lookback(Base):
    """回头看: after a measure is closed the owner confirms the fix holds; the leader reviews."""

    __tablename__ = "lookbacks"
    __table_args__ = (UniqueConstraint("measure_id", "closed_at", "offset_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    # the closing this look-back checks; a measure closed again gets a new series
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # days after closing (30 / 90 / 180); None for a random re-check picked by the office
    offset_days: Mapped[int | None] = mapped_column(Integer)
    # scheduled / sample
    reason: Mapped[str] = mapped_column(String(12), default="scheduled")
    due_on: Mapped[date] = mapped_column(Date)
    # asked / answered / confirmed / reopened
    state: Mapped[str] = mapped_column(String(12), default="asked", index=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    asked_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    holds: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    review_reason: Mapped[str | None] = mapped_column(Text)

"""Injected time: logic asks a clock, never `datetime.now()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


def local_now(clock: Clock) -> datetime:
    return clock.now().astimezone(clock.tz)


def local_today(clock: Clock) -> date:
    return local_now(clock).date()


@dataclass
class SystemClock:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and the demo: stands still until moved."""

    current: datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def now(self) -> datetime:
        return self.current.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta


@dataclass
class ShiftedClock:
    """Real time running from another starting point: the demo lives in its plan's year."""

    start: datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    _origin: datetime = field(default_factory=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return (self.start + (datetime.now(UTC) - self._origin)).astimezone(UTC)

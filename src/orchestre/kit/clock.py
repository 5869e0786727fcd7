"""The clock: every 'now' in the product comes from here so tests can inject time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests: starts where told and moves only when advanced."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)


_clock: Clock = SystemClock()


def utcnow() -> datetime:
    return _clock.now()


def set_clock(clock: Clock) -> Clock:
    """Swap the process clock; returns the previous one so callers can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def as_utc(value: datetime) -> datetime:
    """Normalise an aware datetime to UTC; refuse naive ones, which hide time-zone bugs."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: a time zone is required")
    return value.astimezone(UTC)

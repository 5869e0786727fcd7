"""Slot arithmetic, free of the database: the next free instants of a weekly slot grid.

A slot is (weekday, minute of the day) read in a named time zone. Its instants are
computed day by day in wall time and converted with `kit.timezones.local_to_utc`, so
09:00 stays 09:00 local across daylight saving changes; a wall time that does not exist
that day (the spring-forward gap) is skipped, and one that happens twice (the fall-back
overlap) is used once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from orchestre.errors import Invalid
from orchestre.kit.timezones import local_to_utc, utc_to_local

MINUTES_PER_DAY = 24 * 60
# How far ahead we look for a free slot before saying the queue is full.
HORIZON_DAYS = 366


@dataclass(frozen=True, order=True)
class WeeklySlot:
    weekday: int  # 0 = Monday
    minute: int  # minutes after local midnight

    def wall_time(self) -> time:
        return time(self.minute // 60, self.minute % 60)


def parse_hhmm(text: str) -> int:
    """'09:30' -> 570; ValueError when it is not a time of day."""
    if len(text) != 5:
        raise ValueError(f"{text!r} does not match HH:MM")
    parsed = datetime.strptime(text, "%H:%M")  # noqa: DTZ007 - a wall time, no zone
    return parsed.hour * 60 + parsed.minute


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def slot_instants(
    slots: Iterable[WeeklySlot], zone_name: str, after: datetime
) -> Iterator[datetime]:
    """Every instant of the grid strictly after `after` (aware), in order, for HORIZON_DAYS."""
    by_day: dict[int, list[int]] = {}
    for slot in slots:
        by_day.setdefault(slot.weekday, []).append(slot.minute)
    if not by_day:
        return
    for minutes in by_day.values():
        minutes.sort()
    start: date = utc_to_local(after, zone_name).date()
    for offset in range(HORIZON_DAYS + 1):
        day = start + timedelta(days=offset)
        for minute in dict.fromkeys(by_day.get(day.weekday(), ())):
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            try:
                instant = local_to_utc(wall, zone_name)
            except Invalid:
                continue  # in the spring-forward gap: that slot does not exist today
            if instant > after:
                yield instant


def next_free(
    slots: Iterable[WeeklySlot],
    zone_name: str,
    after: datetime,
    taken: Iterable[datetime],
    count: int = 1,
) -> list[datetime]:
    """The first `count` instants of the grid after `after` that nobody has taken.

    Fewer (possibly none) when the grid is empty or full for HORIZON_DAYS."""
    busy = set(taken)
    found: list[datetime] = []
    for instant in slot_instants(slots, zone_name, after):
        if instant in busy:
            continue
        found.append(instant)
        busy.add(instant)
        if len(found) == count:
            break
    return found

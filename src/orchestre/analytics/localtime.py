"""SQL expressions for a stored UTC instant seen on a workspace's wall clock, on both
databases: the day, week or month it falls in, and its weekday and hour.

PostgreSQL converts with its own time zone data (`timezone(zone, instant)`). SQLite has
none, so the instant is shifted by the zone's UTC offset, chosen by a CASE over the
offset changes (daylight saving) that fall inside the queried range: a few branches,
exact on both sides of each change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Date, Integer, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from orchestre.kit.timezones import zone

Interval = Literal["day", "week", "month"]
INTERVALS: tuple[str, ...] = ("day", "week", "month")


def offset_changes(
    zone_name: str, start: datetime, end: datetime
) -> list[tuple[datetime, timedelta]]:
    """[(from this instant, the offset in force)] over [start, end), first one at `start`."""
    tz = zone(zone_name)

    def offset(at: datetime) -> timedelta:
        found = at.astimezone(tz).utcoffset()
        return found if found is not None else timedelta(0)

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset(following) != changes[-1][1]:
            low, high = day, following
            while high - low > timedelta(minutes=1):  # offsets change on whole minutes
                middle = low + (high - low) / 2
                if offset(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            instant = high.replace(second=0, microsecond=0)
            changes.append((instant, offset(following)))
        day = following
    return changes


def _sqlite_local(column: Any, zone_name: str, start: datetime, end: datetime) -> Any:
    def shifted(delta: timedelta) -> Any:
        minutes = int(delta.total_seconds() // 60)
        return func.datetime(column, f"{minutes:+d} minutes")

    changes = offset_changes(zone_name, start, end)
    if len(changes) == 1:
        return shifted(changes[0][1])
    branches = [(column < instant, shifted(before)) for (instant, _), (_, before) in zip(
        changes[1:], changes[:-1], strict=True
    )]  # fmt: skip
    return case(*branches, else_=shifted(changes[-1][1]))


def local(
    column: Any, dialect: str, zone_name: str, start: datetime, end: datetime
) -> ColumnElement[Any]:
    """`column` (a UTC instant) as a naive wall-clock timestamp in `zone_name`, exact for
    instants within [start, end)."""
    if dialect == "postgresql":
        return func.timezone(zone_name, column)
    expression: ColumnElement[Any] = _sqlite_local(column, zone_name, start, end)
    return expression


def bucket(local_time: Any, dialect: str, interval: str) -> ColumnElement[Any]:
    """The first day of the day / week (Monday) / month a wall-clock time or date is in."""
    if dialect == "postgresql":
        return cast(func.date_trunc(interval, local_time), Date)
    if interval == "day":
        return func.date(local_time)
    if interval == "week":
        return func.date(local_time, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-01", local_time)


def weekday(local_time: Any, dialect: str) -> ColumnElement[Any]:
    """0 = Monday ... 6 = Sunday."""
    if dialect == "postgresql":
        return cast(func.extract("isodow", local_time), Integer) - 1
    return (cast(func.strftime("%w", local_time), Integer) + 6) % literal(7)


def hour(local_time: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.extract("hour", local_time), Integer)
    return cast(func.strftime("%H", local_time), Integer)


def as_date(value: object) -> date:
    """A bucket as read back: a date on PostgreSQL, ISO text on SQLite."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def next_bucket(start: date, interval: str) -> date:
    """The first day of the bucket after the one starting on `start`."""
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(first: date, last: date, interval: str) -> list[date]:
    """Every bucket start from the one holding `first` to the one holding `last`."""
    if interval == "week":
        day = first - timedelta(days=first.weekday())
    elif interval == "month":
        day = first.replace(day=1)
    else:
        day = first
    found = []
    while day <= last:
        found.append(day)
        day = next_bucket(day, interval)
    return found

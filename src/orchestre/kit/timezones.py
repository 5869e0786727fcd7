"""Wall-clock times in a named time zone to UTC instants and back, daylight saving included.

A local wall time can be missing (the spring-forward gap: 02:30 does not exist in Paris on
the last Sunday of March) or ambiguous (the fall-back overlap: 02:30 happens twice on the
last Sunday of October). Scheduling needs one answer for each:

* a missing time is refused with `Invalid`, saying when the clocks jump, because any
  guess would publish at a time the user never chose;
* an ambiguous time resolves to its FIRST occurrence (the earlier instant, still on
  summer time), matching what people expect from "the first time the clock shows 02:30".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestre.errors import FieldError, Invalid


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`, or Invalid naming the field that carried it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = f"'{name}' is not a known time zone; use an IANA name such as Europe/Paris."
        raise Invalid(
            message,
            code="unknown_timezone",
            errors=[FieldError(field, "timezone", message, actual=name)],
        ) from exc


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    """The aware wall time in `zone_name` for an aware instant (fold set on the repeat)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an aware instant is required")
    return instant.astimezone(zone(zone_name))


def local_to_utc(naive: datetime, zone_name: str, field: str = "local_time") -> datetime:
    """The UTC instant at which clocks in `zone_name` show `naive`.

    Refuses a wall time that does not exist (Invalid, explaining the jump); an ambiguous
    one resolves to its first occurrence. See the module docstring for why.
    """
    if naive.tzinfo is not None:
        raise ValueError("local_to_utc takes a naive wall time; it is already aware")
    tz = zone(zone_name)
    # fold=0 selects the offset in force before a transition: the first occurrence.
    candidate = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if candidate.astimezone(tz).replace(tzinfo=None, fold=0) != naive:
        raise _missing_wall_time(naive, tz, zone_name, field)
    return candidate


def _missing_wall_time(naive: datetime, tz: ZoneInfo, zone_name: str, field: str) -> Invalid:
    before = naive.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    after = naive.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    jump = abs(after - before)
    starts = _transition_wall_time(naive, tz, before, after)
    size = _duration_words(jump)
    message = (
        f"{naive:%H:%M} does not exist on {naive:%Y-%m-%d} in {zone_name}: the clocks jump "
        f"forward {size} at {starts:%H:%M}. Choose a time before {starts:%H:%M} or from "
        f"{(starts + jump):%H:%M}."
    )
    return Invalid(
        message,
        code="nonexistent_local_time",
        errors=[
            FieldError(
                field, "nonexistent_local_time", message, actual=naive.isoformat(timespec="minutes")
            )
        ],
    )


def _duration_words(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _transition_wall_time(
    naive: datetime, tz: ZoneInfo, before: timedelta, after: timedelta
) -> datetime:
    """The wall time (old offset) at which the offset changes, to the second."""
    # The transition instant lies between these two UTC readings of the missing time.
    low = (naive - after).replace(tzinfo=UTC)
    high = (naive - before).replace(tzinfo=UTC)
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return (high + before).replace(tzinfo=None, microsecond=0)

"""Analytics periods: whole days in the workspace's time zone, turned into UTC instants.

A period runs from the start of its first day to the start of the day after its last day,
on the workspace's wall clock; across a change of clocks that is 23 or 25 hours for one
day, never a fixed 24. "Last 7 days" and "last 30 days" end with yesterday (a day that is
over); "last week" is the previous Monday-to-Sunday week, "last month" and "last quarter"
the previous calendar month and quarter; "this week", "this month", "this quarter" run
from their start to today (for goals and projections). The previous period has the same
number of days and ends the day before the period starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args

from orchestre.errors import FieldError, Invalid
from orchestre.kit.timezones import zone

PeriodName = Literal[
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "last_week",
    "last_month",
    "last_quarter",
    "this_week",
    "this_month",
    "this_quarter",
    "custom",
]
PERIOD_NAMES: tuple[str, ...] = get_args(PeriodName)
MAX_DAYS = 731


def _(message: str) -> str:
    """Marks a message for the catalog (scripts/i18n.sh extracts `_`); pages translate it."""
    return message


@dataclass(frozen=True)
class Period:
    """Inclusive local days `first`..`last` in `timezone`; `start`/`end` the UTC instants
    (end excluded) that bound them."""

    name: str
    first: date
    last: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return midnight(self.first, self.timezone)

    @property
    def end(self) -> datetime:
        return midnight(self.last + timedelta(days=1), self.timezone)

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        last = self.first - timedelta(days=1)
        return Period("previous", last - timedelta(days=self.days - 1), last, self.timezone)

    def elapsed_share(self, now: datetime) -> float:
        """How much of the period has passed at `now` (0 to 1)."""
        total = (self.end - self.start).total_seconds()
        passed = (min(max(now, self.start), self.end) - self.start).total_seconds()
        return passed / total


def midnight(day: date, timezone: str) -> datetime:
    """The UTC instant at which `day` starts in `timezone`. Where clocks jump over
    midnight (America/Santiago), fold=0 reads 00:00 with the offset before the jump,
    which is the instant of the jump: the day starts there."""
    return datetime.combine(day, time(0), tzinfo=zone(timezone)).astimezone(UTC)


def today_in(timezone: str, now: datetime) -> date:
    return now.astimezone(zone(timezone)).date()


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_before(day: date) -> date:
    """The first day of the month before `day`'s month."""
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def _named(name: str, today: date) -> tuple[date, date]:
    yesterday = today - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    if name.startswith("last_") and name.endswith("_days"):
        count = int(name.split("_")[1])
        return today - timedelta(days=count), yesterday
    if name == "last_week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if name == "last_month":
        return _month_before(month), month - timedelta(days=1)
    if name == "last_quarter":
        first = _month_before(_month_before(_month_before(quarter)))
        return first, quarter - timedelta(days=1)
    if name == "this_week":
        return monday, today
    if name == "this_month":
        return month, today
    return quarter, today  # this_quarter


def resolve(
    name: str,
    timezone: str,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The period called `name` as seen at `now` in `timezone`; "custom" takes `first` and
    `last` (inclusive local days). Raises Invalid with the rule broken."""
    zone(timezone)
    if name not in PERIOD_NAMES:
        message = _("The period is one of: ") + ", ".join(PERIOD_NAMES) + "."
        raise Invalid(
            message,
            code="bad_period",
            errors=[FieldError("period", "enum", message, limit=list(PERIOD_NAMES), actual=name)],
        )
    if name != "custom":
        start, end = _named(name, today_in(timezone, now))
        return Period(name, start, end, timezone)
    return custom(first, last, timezone)


def custom(first: date | None, last: date | None, timezone: str) -> Period:
    errors = []
    if first is None:
        errors.append(FieldError("start", "required", _("A custom period needs its first day.")))
    if last is None:
        errors.append(FieldError("end", "required", _("A custom period needs its last day.")))
    if first is not None and last is not None:
        if last < first:
            message = _("The period's last day is on or after its first day.")
            errors.append(FieldError("end", "order", message, actual=last.isoformat()))
        elif (last - first).days + 1 > MAX_DAYS:
            message = _("A period lasts two years at most.")
            errors.append(FieldError("end", "range", message, limit=MAX_DAYS))
    if errors or first is None or last is None:
        raise Invalid("The period is refused.", code="bad_period", errors=errors)
    return Period("custom", first, last, timezone)

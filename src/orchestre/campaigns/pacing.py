"""Budget pacing: planned against actual spend by local day, pace status and projection.

The plan is a campaign's flights: its whole-campaign budgets when it has any, else the sum
of its per-channel budgets, else the campaign's own budget spread over its dates. Each
flight spends its amount evenly over its days (inclusive local days of the workspace's
time zone); overlapping flights add up and gaps between flights plan nothing.

Figures are "to date" = up to and including yesterday (local): today's spend is not
complete yet.

- planned to date = for each flight, amount x (flight days up to yesterday) / flight days
- actual to date = the campaign's spend up to yesterday (CampaignResult, whole-campaign
  rows where a source gave one, else its channels' rows, as analytics counts them)
- pace = actual / planned; status `ahead` above 1 + BAND, `behind` below 1 - BAND, else
  `on_track` (nothing planned yet: `ahead` if something was spent, else `on_track`)
- run rate = mean spend over the last RUN_RATE_DAYS flight days up to yesterday (fewer when
  fewer have passed)
- projected = actual + run rate x flight days left (after yesterday)
- alert `over` when projected > total x (1 + BAND), `under` when projected < total x
  (1 - BAND), only while the campaign runs (one flight day passed, one still to come).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

BAND = 0.10
RUN_RATE_DAYS = 7


class Status(enum.StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_PLAN = "no_plan"


@dataclass(frozen=True)
class Flight:
    """An amount to spend evenly from one local day to another, both included."""

    starts_on: date
    ends_on: date
    amount: float

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def planned_on(self, day: date) -> float:
        if self.starts_on <= day <= self.ends_on:
            return self.amount / self.days
        return 0.0


@dataclass(frozen=True)
class DayPoint:
    day: date
    planned: float  # cumulative planned spend at the end of the day
    actual: float | None  # cumulative actual spend, None after yesterday


@dataclass(frozen=True)
class Pacing:
    status: Status
    as_of: date
    total: float = 0.0
    planned: float = 0.0
    actual: float = 0.0
    pace: float | None = None
    run_rate: float = 0.0
    days_left: int = 0
    projected: float = 0.0
    alert: str | None = None  # "over" or "under"
    series: list[DayPoint] = field(default_factory=list)

    @property
    def projected_ratio(self) -> float | None:
        return self.projected / self.total if self.total else None


def _flight_days(flights: Sequence[Flight]) -> list[date]:
    days: set[date] = set()
    for flight in flights:
        days.update(flight.starts_on + timedelta(days=i) for i in range(flight.days))
    return sorted(days)


def _status(planned: float, actual: float, band: float) -> tuple[Status, float | None]:
    if planned <= 0:
        return (Status.AHEAD if actual > 0 else Status.ON_TRACK), None
    pace = actual / planned
    if pace > 1 + band:
        return Status.AHEAD, pace
    if pace < 1 - band:
        return Status.BEHIND, pace
    return Status.ON_TRACK, pace


def _alert(total: float, projected: float, band: float) -> str | None:
    if projected > total * (1 + band):
        return "over"
    if projected < total * (1 - band):
        return "under"
    return None


def pace(
    flights: Sequence[Flight],
    spend_by_day: Mapping[date, float],
    as_of: date,
    band: float = BAND,
) -> Pacing:
    """Pacing of a plan on the evening of `as_of` (the last complete local day)."""
    days = _flight_days(flights)
    if not days:
        return Pacing(Status.NO_PLAN, as_of)
    total = sum(f.amount for f in flights)
    planned = sum(f.planned_on(d) for f in flights for d in days if d <= as_of)
    actual = sum(v for d, v in spend_by_day.items() if d <= as_of)
    status, ratio = _status(planned, actual, band)
    passed = [d for d in days if d <= as_of]
    recent = passed[-RUN_RATE_DAYS:]
    run_rate = sum(spend_by_day.get(d, 0.0) for d in recent) / len(recent) if recent else 0.0
    days_left = len(days) - len(passed)
    projected = actual + run_rate * days_left
    running = bool(passed) and days_left > 0
    return Pacing(
        status=status,
        as_of=as_of,
        total=total,
        planned=planned,
        actual=actual,
        pace=ratio,
        run_rate=run_rate,
        days_left=days_left,
        projected=projected,
        alert=_alert(total, projected, band) if running else None,
        series=_series(flights, spend_by_day, as_of, days[0], days[-1]),
    )


def _series(
    flights: Sequence[Flight],
    spend_by_day: Mapping[date, float],
    as_of: date,
    first: date,
    last: date,
) -> list[DayPoint]:
    """Cumulative planned and actual spend for each day from the plan's first to its last
    (actual starts with any spend before the first day, and stops at `as_of`)."""
    planned = 0.0
    actual = sum(v for d, v in spend_by_day.items() if d < first)
    points = []
    day = first
    while day <= last:
        planned += sum(f.planned_on(day) for f in flights)
        actual += spend_by_day.get(day, 0.0)
        points.append(DayPoint(day, round(planned, 2), round(actual, 2) if day <= as_of else None))
        day += timedelta(days=1)
    return points


def plan(
    whole: Iterable[Flight],
    by_channel: Iterable[Flight],
    budget: float | None,
    starts_on: date | None,
    ends_on: date | None,
) -> list[Flight]:
    """The flights that pace a campaign: its own, else its channels', else its dates."""
    own = list(whole)
    if own:
        return own
    channels = list(by_channel)
    if channels:
        return channels
    if budget is not None and starts_on is not None and ends_on is not None:
        return [Flight(starts_on, ends_on, budget)]
    return []

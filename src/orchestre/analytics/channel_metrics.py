"""Measuring each channel's account figures (followers, profile visits) on a schedule.

Every channel gets a `ChannelMetricSchedule` the first time the job sees it, and is then
measured every `every` (6 hours by default, `ORCHESTRE_CHANNEL_METRICS_EVERY_HOURS`).
Channels are staggered: each keeps a phase of its own inside the period (from its id),
so a workspace of a thousand channels asks the networks a few at a time, not all at once.
A measurement is one `read_account_metrics` call (two requests on Meta), stored as
`ChannelMetricSample` rows: followers as a total at the instant measured, profile visits
as the count of one day said at the end of that day (reading the same day again adds
nothing). A figure the network does not give is not stored: not available, never zero.

Failures follow the post metrics collection exactly (`insights.collection.reach` and
`retry_delay`): a retryable failure waits, honouring Retry-After, else with a growing
delay, and after `MAX_FAILURES` the channel waits for its next period; a refused
credential marks the channel as needing reconnection, and such a channel waits; a
disconnected channel, or a network without metrics, is not asked (its schedule stays,
so a reconnected channel is measured again).

Each run claims what is due for a lease (two workers never measure the same channel at
once) and commits each channel on its own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.connectors.base import Installation, Metric, MetricSample
from orchestre.insights.collection import (
    CLAIM_LEASE,
    MAX_FAILURES,
    WAIT_FOR_RECONNECTION,
    Failure,
    Opener,
    reach,
    retry_delay,
)
from orchestre.kit.clock import utcnow
from orchestre.kit.db import claim_leased
from orchestre.models import Channel, ChannelStatus
from orchestre.models.analytics import ChannelMetricSample, ChannelMetricSchedule

log = logging.getLogger(__name__)

EVERY = timedelta(hours=6)
# A new channel is first measured within this (staggered too), not a whole period later.
FIRST_WITHIN = timedelta(hours=1)
BATCH = 200
ACCOUNT_METRICS = frozenset({Metric.FOLLOWERS.value, Metric.PROFILE_VISITS.value})


@dataclass
class ChannelReport:
    scheduled: int = 0  # channels given a schedule
    measured: int = 0  # channels measured
    samples: int = 0  # samples stored (a day's visits read again is not stored twice)
    postponed: int = 0  # channels waiting after a failure
    skipped: int = 0  # disconnected, or their network gives no metrics
    needs_reconnection: int = 0


def phase(channel_id: uuid.UUID, every: timedelta) -> timedelta:
    """The channel's fixed offset inside the period, spread evenly by its id."""
    seconds = int(every.total_seconds())
    return timedelta(seconds=channel_id.int % max(seconds, 1))


def next_slot(channel_id: uuid.UUID, after: datetime, every: timedelta) -> datetime:
    """The channel's next measuring instant strictly after `after`: epoch + phase + k*every."""
    origin = datetime(2000, 1, 1, tzinfo=after.tzinfo) + phase(channel_id, every)
    periods = (after - origin) // every + 1
    return origin + periods * every


def schedule_new(session: Session, now: datetime, every: timedelta, limit: int = BATCH) -> int:
    """Give a schedule to channels that have none (disconnected ones wait until they are
    connected again)."""
    rows = session.execute(
        select(Channel.id, Channel.workspace_id)
        .outerjoin(ChannelMetricSchedule, ChannelMetricSchedule.channel_id == Channel.id)
        .where(
            ChannelMetricSchedule.channel_id.is_(None),
            Channel.status != ChannelStatus.DISCONNECTED.value,
        )
        .order_by(Channel.id)
        .limit(limit)
    ).all()
    first = min(every, FIRST_WITHIN)
    for channel_id, workspace_id in rows:
        session.add(
            ChannelMetricSchedule(
                channel_id=channel_id,
                workspace_id=workspace_id,
                # Never this very round (a phase of 0, one channel in 3,600): a new
                # channel is measured from the next round on, like every other.
                next_at=now + max(phase(channel_id, first), timedelta(seconds=1)),
            )
        )
    session.flush()
    return len(rows)


def claim_due(
    session: Session, now: datetime, limit: int, *, commit: bool = True
) -> list[ChannelMetricSchedule]:
    """The schedules due now, claimed for `CLAIM_LEASE` (committed), as the post metrics
    collection claims its own."""
    stmt = (
        select(ChannelMetricSchedule)
        .where(ChannelMetricSchedule.next_at <= now)
        .order_by(ChannelMetricSchedule.next_at, ChannelMetricSchedule.channel_id)
        .limit(limit)
    )
    return claim_leased(session, stmt, "next_at", now + CLAIM_LEASE, commit=commit)


def collect_channels(
    session: Session,
    opener: Opener,
    *,
    clock: Callable[[], datetime] = utcnow,
    every: timedelta = EVERY,
    batch: int = BATCH,
    commit: bool = True,
) -> ChannelReport:
    """Schedule new channels, then measure those due, each committed on its own
    (`commit=False`: all left in the caller's transaction, as `collect_due` does)."""
    report = ChannelReport()
    now = clock()
    if not commit:
        report.scheduled = schedule_new(session, now, every, batch)
        for row in claim_due(session, now, batch, commit=False):
            _measure(session, opener, row, now, every, report, commit=False)
        session.flush()
        return report
    try:
        report.scheduled = schedule_new(session, now, every, batch)
        session.commit()
    except IntegrityError:  # another worker scheduled the same channels just now
        session.rollback()
    for row in claim_due(session, now, batch):
        try:
            _measure(session, opener, row, now, every, report)
            session.commit()
        except Exception:  # a bug or the database: this channel waits out its claim
            session.rollback()
            log.exception("account metrics of channel %s could not be collected", row.channel_id)
    session.commit()
    return report


def _measure(
    session: Session,
    opener: Opener,
    row: ChannelMetricSchedule,
    now: datetime,
    every: timedelta,
    report: ChannelReport,
    *,
    commit: bool = True,
) -> None:
    def read(installation: Installation) -> list[MetricSample]:
        return installation.read_account_metrics()

    outcome = reach(session, opener, row.channel_id, "account metrics", read, commit=commit)
    if isinstance(outcome, Failure):
        _failed(row, outcome, now, every, report)
        return
    channel, samples = outcome
    report.samples += store(session, channel, samples)
    report.measured += 1
    row.failures = 0
    row.last_error = None
    row.last_collected_at = now
    row.next_at = next_slot(row.channel_id, now, every)


def _failed(
    row: ChannelMetricSchedule,
    failure: Failure,
    now: datetime,
    every: timedelta,
    report: ChannelReport,
) -> None:
    row.last_error = failure.reason[:2000]
    report.needs_reconnection += int(failure.reconnect)
    if failure.action == "end":  # disconnected, or no metrics there: look again next period
        report.skipped += 1
        row.failures = 0
        row.next_at = next_slot(row.channel_id, now, every)
        return
    report.postponed += 1
    if failure.action == "wait":
        row.next_at = now + WAIT_FOR_RECONNECTION
        return
    row.failures += 1
    if row.failures >= MAX_FAILURES:  # give this period up; the next one tries afresh
        row.failures = 0
        row.next_at = next_slot(row.channel_id, now, every)
        return
    row.next_at = now + retry_delay(row.failures, failure.retry_after)


def store(session: Session, channel: Channel, samples: Sequence[MetricSample]) -> int:
    """Keep the account figures among `samples` (followers, profile visits) that are not
    stored yet; returns how many were added."""
    wanted = {(s.metric, s.at): float(s.value) for s in samples if s.metric in ACCOUNT_METRICS}
    if not wanted:
        return 0
    rows = session.execute(
        select(ChannelMetricSample.metric, ChannelMetricSample.measured_at).where(
            ChannelMetricSample.channel_id == channel.id,
            ChannelMetricSample.measured_at.in_(list({at for _, at in wanted})),
        )
    )
    stored = {(metric, at) for metric, at in rows}
    fresh = [key for key in wanted if key not in stored]
    try:
        with session.begin_nested():
            session.add_all(
                ChannelMetricSample(
                    workspace_id=channel.workspace_id,
                    channel_id=channel.id,
                    metric=metric,
                    value=wanted[(metric, at)],
                    measured_at=at,
                )
                for metric, at in fresh
            )
            session.flush()
    except IntegrityError:  # another worker stored the same figures at the same instant
        log.info("account metrics of channel %s already stored", channel.id)
        return 0
    return len(fresh)

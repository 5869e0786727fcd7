"""Collecting the metrics of our published posts, at growing intervals after publication.

Each published publication gets a `MetricCollection` (its schedule) the first time the
job sees it; it is then measured about 1 h, 6 h, 24 h, 3 days, 7 days and 30 days after
it went out (`STAGES`: often while a post is fresh, rarely once it is old; the 30-day
stage catches the slow tail of videos and evergreen posts that monthly reports read).
A measurement asks the channel's network for the post's metrics
(`Installation.read_metrics`, totals so far) and the account's followers (`profile`),
and stores them as `PostMetricSample` rows tagged with the stage the post's age
reached: a late measurement (the job did not run for a while) counts for the stage of
the post's real age and the stages it skipped are not made up. The publication's
`PublicationStats` row (what dashboards read) is created with its schedule and takes
each measurement's latest values (see `analytics.stats`).

Failures follow the connector contract and never stop the job:

- the network cannot report metrics (no READ_METRICS): the schedule ends, nothing asked;
- `RetryableError` (rate limited, down, a refresh that could not be done now): that
  channel's posts wait, honouring Retry-After, else with a growing delay; after
  `MAX_FAILURES` the stage is given up and the next one waits its turn;
- `CredentialError(definitive=True)` or a refused refresh: the channel is marked as
  needing reconnection (its owners are told once) and its posts wait;
- the channel is disconnected: the schedule ends; needs reconnection: its posts wait;
- a post the network no longer reports (deleted there): its schedule ends.

Each run first claims what is due (a lease: see `claim_due`), then commits each
channel's results on their own, so one channel's failure never undoes another's
samples, and an unexpected error leaves that channel's posts to the next run after the
lease. The network is asked outside any transaction (`reach` commits once the channel is
open, ADR 0002); its answer is written in a new one.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.analytics import stats
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import (
    ChannelNeedsReconnection,
    ChannelUnavailable,
    open_channel,
)
from orchestre.channels.service import mark_needs_reconnection
from orchestre.connectors.base import (
    Capability,
    ConnectorError,
    CredentialError,
    Installation,
    Metric,
    MetricSample,
    RetryableError,
)
from orchestre.kit.clock import utcnow
from orchestre.kit.db import commit_before_network, for_update
from orchestre.models import Channel, ChannelStatus
from orchestre.models.insights import MetricCollection, PostMetricSample
from orchestre.models.publication import Publication, PublicationState

log = logging.getLogger(__name__)
T = TypeVar("T")

STAGES: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=30),
)
BATCH = 200
# Ids per read_metrics call: networks cap their batch lookups (X: 100, Mastodon: 40 ...);
# connectors page further if they must.
CHUNK = 40
MAX_FAILURES = 6
RETRY_BASE = timedelta(minutes=15)
RETRY_CEILING = timedelta(hours=6)
WAIT_FOR_RECONNECTION = timedelta(hours=6)
# How long a run holds the schedules it took: longer than a run takes.
CLAIM_LEASE = timedelta(minutes=10)


class Opener(Protocol):
    """How the job reaches a channel's network (tests give their own)."""

    def capabilities(self, network: str) -> frozenset[Capability]: ...

    def open(self, session: Session, channel: Channel) -> Installation: ...


class ChannelOpener:
    """The channel's connector, with fresh credentials (see channels.credentials)."""

    def __init__(self, access: NetworkAccess) -> None:
        self._access = access

    def capabilities(self, network: str) -> frozenset[Capability]:
        return self._access.registry.get(network).capabilities

    def open(self, session: Session, channel: Channel) -> Installation:
        return open_channel(session, self._access, channel.id)


@dataclass
class CollectReport:
    scheduled: int = 0  # publications given a schedule
    measured: int = 0  # publications measured
    samples: int = 0
    postponed: int = 0  # publications waiting after a failure
    ended: int = 0  # schedules ended (no metrics on the network, post gone, disconnected)
    needs_reconnection: int = 0  # channels


@dataclass(frozen=True)
class _Due:
    collection: MetricCollection
    external_id: str
    published_at: datetime


def stage_of(age: timedelta) -> int:
    """The last stage a post of this age has reached (0 before the first one too)."""
    reached = [i for i, offset in enumerate(STAGES) if age >= offset]
    return reached[-1] if reached else 0


def schedule_new(session: Session, now: datetime, limit: int = BATCH) -> int:
    """Give a schedule to published publications that have none yet."""
    rows = session.execute(
        select(Publication.id, Publication.workspace_id, Publication.channel_id)
        .add_columns(Publication.published_at)
        .outerjoin(MetricCollection, MetricCollection.publication_id == Publication.id)
        .where(
            Publication.state == PublicationState.PUBLISHED.value,
            Publication.published_at.is_not(None),
            Publication.external_id.is_not(None),
            MetricCollection.publication_id.is_(None),
        )
        .order_by(Publication.published_at)
        .limit(limit)
    ).all()
    for publication_id, workspace_id, channel_id, published_at in rows:
        stage = stage_of(now - published_at)
        session.add(
            MetricCollection(
                publication_id=publication_id,
                workspace_id=workspace_id,
                channel_id=channel_id,
                stage=stage,
                next_at=published_at + STAGES[stage],
            )
        )
    session.flush()
    # Dashboards show a published post from now on, its figures not available yet.
    stats.prepare(session, [row[0] for row in rows])
    return len(rows)


def claim_due(
    session: Session, now: datetime, limit: int, *, commit: bool = True
) -> dict[uuid.UUID, list[_Due]]:
    """The schedules due now, by channel, claimed for `CLAIM_LEASE` (committed), so that
    two workers running the job at once never measure the same post twice, and a worker
    that dies leaves them to the next run once the lease is over."""
    stmt = (
        select(MetricCollection, Publication.external_id, Publication.published_at)
        .join(Publication, Publication.id == MetricCollection.publication_id)
        .where(MetricCollection.done.is_(False), MetricCollection.next_at <= now)
        .order_by(MetricCollection.next_at, MetricCollection.publication_id)
        .limit(limit)
    )
    stmt = for_update(session, stmt, skip_locked=True, of=MetricCollection)
    by_channel: dict[uuid.UUID, list[_Due]] = defaultdict(list)
    for collection, external_id, published_at in session.execute(stmt).all():
        if external_id is None or published_at is None:  # unpublished meanwhile
            collection.done = True
            continue
        collection.next_at = now + CLAIM_LEASE
        by_channel[collection.channel_id].append(_Due(collection, external_id, published_at))
    if commit:
        session.commit()
    return by_channel


def collect_due(
    session: Session,
    opener: Opener,
    *,
    clock: Callable[[], datetime] = utcnow,
    batch: int = BATCH,
    commit: bool = True,
) -> CollectReport:
    """Schedule new publications, then measure those due, one channel at a time; each
    channel's outcome is committed on its own. Returns what happened.

    `commit=False` is for work that must stay in the caller's one transaction (the demo
    fills its history in one): everything is flushed instead, and an error is raised."""
    report = CollectReport()
    now = clock()
    if not commit:
        report.scheduled = schedule_new(session, now, batch)
        for channel_id, due in claim_due(session, now, batch, commit=False).items():
            _collect_channel(session, opener, channel_id, due, now, report, commit=False)
        session.flush()
        return report
    try:
        report.scheduled = schedule_new(session, now, batch)
        session.commit()
    except IntegrityError:  # another worker scheduled the same publications just now
        session.rollback()
    for channel_id, due in claim_due(session, now, batch).items():
        try:
            _collect_channel(session, opener, channel_id, due, now, report)
            session.commit()
        except Exception:  # a bug or the database: this channel waits out its claim
            session.rollback()
            log.exception("metrics of channel %s could not be collected", channel_id)
    session.commit()
    return report


@dataclass(frozen=True)
class Failure:
    """Why a channel's network could not be asked now, and what to do about it: `end` the
    schedule, `wait` for a person (reconnection), or `retry` later (honouring
    `retry_after`). `reconnect`: the channel was found to need reconnection just now."""

    action: Literal["end", "wait", "retry"]
    reason: str
    retry_after: float | None = None
    reconnect: bool = False


def reach(
    session: Session,
    opener: Opener,
    channel_id: uuid.UUID,
    what: str,
    work: Callable[[Installation], T],
    *,
    commit: bool = True,
) -> tuple[Channel, T] | Failure:
    """Do `work` with the channel's installation if the channel can be asked (connected,
    its network reporting metrics: `what` names them in the reason), and turn each failure
    kind of the connector contract into one `Failure`; a definitive credential refusal
    marks the channel as needing reconnection (its owners are told once).

    The session's transaction is committed once the channel is open (a refreshed token
    with it), so `work` reaches the network outside any transaction; what the caller
    writes next starts a new one. `commit=False`: all stays in the caller's transaction."""
    channel = session.get(Channel, channel_id)
    if channel is None or channel.status == ChannelStatus.DISCONNECTED.value:
        return Failure("end", "The channel is disconnected.")
    if channel.status != ChannelStatus.CONNECTED.value:
        return Failure("wait", "The channel needs reconnection.")
    try:
        supported = Capability.READ_METRICS in opener.capabilities(channel.network)
    except Exception as exc:  # the connector is not installed or failed to load
        return Failure("retry", f"The {channel.network} connector is unavailable: {exc}")
    if not supported:
        return Failure("end", f"{channel.network} does not report {what}.")
    try:
        installation = opener.open(session, channel)
        commit_before_network(session, commit=commit)
        return channel, work(installation)
    except ChannelNeedsReconnection as exc:  # the refresh was refused: the channel is marked
        return Failure("wait", exc.reason, reconnect=True)
    except CredentialError as exc:
        if not exc.definitive:
            return Failure("retry", exc.message)
        mark_needs_reconnection(session, channel.id, exc.message)
        return Failure("wait", exc.message, reconnect=True)
    except RetryableError as exc:
        return Failure("retry", exc.message, exc.retry_after)
    except ChannelUnavailable as exc:
        return Failure("wait", str(exc))
    except ConnectorError as exc:  # refused (permanent) or ambiguous: not now, maybe later
        return Failure("retry", exc.message)


def retry_delay(failures: int, retry_after: float | None) -> timedelta:
    """How long to wait after the `failures`-th failure in a row: growing from
    `RETRY_BASE` to `RETRY_CEILING`, never shorter than the network's Retry-After."""
    delay: timedelta = min(RETRY_CEILING, RETRY_BASE * 2 ** (failures - 1))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def _collect_channel(
    session: Session,
    opener: Opener,
    channel_id: uuid.UUID,
    due: list[_Due],
    now: datetime,
    report: CollectReport,
    *,
    commit: bool = True,
) -> None:
    def measure(installation: Installation) -> tuple[list[MetricSample], int | None]:
        return _read(installation, [d.external_id for d in due]), _followers(installation)

    outcome = reach(session, opener, channel_id, "post metrics", measure, commit=commit)
    if isinstance(outcome, Failure):
        report.needs_reconnection += int(outcome.reconnect)
        if outcome.action == "end":
            _end(due, outcome.reason, report)
        elif outcome.action == "wait":
            _wait(due, now, WAIT_FOR_RECONNECTION, outcome.reason, report)
        else:
            _retry(due, now, outcome.retry_after, outcome.reason, report)
        return
    channel, (samples, followers) = outcome
    _store(session, channel, due, samples, followers, now, report)


def _read(installation: Installation, external_ids: Sequence[str]) -> list[MetricSample]:
    samples: list[MetricSample] = []
    for start in range(0, len(external_ids), CHUNK):
        samples.extend(installation.read_metrics(external_ids[start : start + CHUNK]))
    return samples


def _followers(installation: Installation) -> int | None:
    """The account's followers now, if the network says; a failure here costs nothing."""
    try:
        return installation.profile().followers
    except CredentialError:
        raise
    except ConnectorError:
        return None


def _store(
    session: Session,
    channel: Channel,
    due: list[_Due],
    samples: list[MetricSample],
    followers: int | None,
    now: datetime,
    report: CollectReport,
) -> None:
    by_post: dict[str, list[MetricSample]] = defaultdict(list)
    for sample in samples:
        by_post[sample.external_id].append(sample)
    rows = stats.prepare(session, [item.collection.publication_id for item in due])
    for item in due:
        found = by_post.get(item.external_id)
        row = item.collection
        if not found:
            _end([item], "The network no longer reports this post (deleted?).", report)
            continue
        stage = stage_of(now - item.published_at)
        values = {s.metric: (float(s.value), s.at) for s in found}
        if followers is not None and Metric.FOLLOWERS.value not in values:
            values[Metric.FOLLOWERS.value] = (float(followers), now)
        try:
            with session.begin_nested():
                for metric, (value, at) in values.items():
                    session.add(
                        PostMetricSample(
                            workspace_id=channel.workspace_id,
                            channel_id=channel.id,
                            publication_id=row.publication_id,
                            metric=metric[:32],
                            value=value,
                            measured_at=at,
                            stage=stage,
                        )
                    )
                session.flush()
        except IntegrityError:  # another worker measured it at the same instant
            log.info("metrics of publication %s already stored", row.publication_id)
        if row.publication_id in rows:
            stats.record(rows[row.publication_id], values)
        report.measured += 1
        report.samples += len(values)
        row.failures = 0
        row.last_error = None
        row.last_collected_at = now
        _advance(row, item.published_at, stage + 1)


def _advance(row: MetricCollection, published_at: datetime, stage: int) -> None:
    if stage >= len(STAGES):
        row.done = True
        return
    row.stage = stage
    row.next_at = published_at + STAGES[stage]


def _end(due: list[_Due], reason: str, report: CollectReport) -> None:
    for item in due:
        item.collection.done = True
        item.collection.last_error = reason[:2000]
        report.ended += 1


def _wait(
    due: list[_Due], now: datetime, delay: timedelta, reason: str, report: CollectReport
) -> None:
    for item in due:
        item.collection.next_at = now + delay
        item.collection.last_error = reason[:2000]
        report.postponed += 1


def _retry(
    due: list[_Due], now: datetime, retry_after: float | None, reason: str, report: CollectReport
) -> None:
    """Try again later; after MAX_FAILURES, give this stage up and wait for the next."""
    for item in due:
        row = item.collection
        row.failures += 1
        row.last_error = reason[:2000]
        report.postponed += 1
        if row.failures >= MAX_FAILURES:
            row.failures = 0
            _advance(row, item.published_at, max(row.stage, stage_of(now - item.published_at)) + 1)
            if not row.done:
                row.next_at = max(row.next_at, now + RETRY_BASE)
            continue
        row.next_at = now + retry_delay(row.failures, retry_after)

"""Topic clusters and inbox trends of a workspace: computed in the background, read by
pages and routes.

Embedding takes seconds (about 2.8 ms a message per core, docs/models.md), so a page never
computes: `refresh_round` (run by `TopicsLoop`, topics_runtime.py) keeps one snapshot per
workspace and period length, recomputed when it is older than `REFRESH` or asked for;
`topic_clusters` only reads it. The period is the last `days` days up to the computation
and the one before it; each period's newest `topics.MAX_PER_PERIOD` messages (mentions and
inbound inbox messages together) are embedded."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.listening import topics, trends
from orchestre.listening import topics_repository as repo
from orchestre.listening.trends import Burst, Trend
from orchestre.models.listening_topics import TopicSnapshot
from orchestre.workspaces.permissions import Actor, Permission

log = logging.getLogger(__name__)

DAYS = 7
REFRESH = timedelta(hours=1)
LEASE = timedelta(minutes=15)
PER_ROUND = 3
INBOX_TREND_DAYS = 30
INBOX_MAX_ROWS = 50_000
TOP = 10


@dataclass(frozen=True)
class TopicClusters:
    """What a page shows: the snapshot's figures and topics, or why there are none yet."""

    state: str  # "ready", "pending" (never computed yet) or "failed"
    days: int
    period_start: datetime | None = None
    period_end: datetime | None = None
    computed_at: datetime | None = None
    volume: int = 0
    previous_volume: int = 0
    embedded: int = 0
    seconds: float = 0.0
    topics: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class InboxTrends:
    """The inbox's own terms, hashtags and bursts, as listening's brand health has them."""

    days: int
    total: int
    top_hashtags: list[tuple[str, int]]
    top_terms: list[tuple[str, int]]
    rising: list[Trend]
    bursts: list[Burst]


# --- computing (background) ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    """What one snapshot's computation reads, gathered in a short transaction."""

    start: datetime
    end: datetime
    volume: int
    previous_volume: int
    messages: list[topics.TopicMessage]


def _gather(session: Session, row: TopicSnapshot, now: datetime) -> _Period:
    """The messages of the `row.days` days up to `now` (and of the days before)."""
    span = timedelta(days=row.days)
    start, before = now - span, now - 2 * span
    cap = topics.MAX_PER_PERIOD
    messages = [
        topics.TopicMessage(source, ref, text, at, sentiment, current)  # type: ignore[arg-type]
        for current, (a, b) in ((True, (start, now)), (False, (before, start)))
        for source, ref, text, at, sentiment in repo.newest_messages(
            session, row.workspace_id, a, b, cap
        )
    ]
    return _Period(
        start,
        now,
        sum(repo.volumes(session, row.workspace_id, start, now)),
        sum(repo.volumes(session, row.workspace_id, before, start)),
        messages,
    )


def _fill(row: TopicSnapshot, period: _Period, found: list[topics.Topic], seconds: float) -> None:
    row.period_start, row.period_end = period.start, period.end
    row.volume, row.previous_volume = period.volume, period.previous_volume
    row.embedded = len(period.messages)
    row.topics = [dict(asdict(t), negative_share=t.negative_share) for t in found]
    row.seconds = round(seconds, 3)
    row.computed_at = period.end
    row.error = None


def _ensure_rows(factory: sessionmaker[Session], days: int, now: datetime) -> None:
    """A snapshot row for every workspace with messages in the last two periods."""
    with transaction(factory) as session:
        for workspace_id in repo.active_workspaces(session, now - timedelta(days=2 * days)):
            if repo.snapshot(session, workspace_id, days) is not None:
                continue
            try:
                with session.begin_nested():
                    session.add(TopicSnapshot(workspace_id=workspace_id, days=days))
            except IntegrityError:
                continue  # another worker made it


def refresh_round(
    factory: sessionmaker[Session],
    now: datetime | None = None,
    embed: topics.Embedder = topics.sentence_vectors,
    days: int = DAYS,
    limit: int = PER_ROUND,
) -> int:
    """Recompute up to `limit` stale snapshots; returns how many were computed."""
    moment = now or utcnow()
    _ensure_rows(factory, days, moment)
    with transaction(factory) as session:
        claimed = repo.claim_stale(session, days, moment - REFRESH, moment, limit)
        for row in claimed:
            row.claimed_until = moment + LEASE
        ids = [row.id for row in claimed]
    done = 0
    for snapshot_id in ids:
        # Read in one short transaction, embed and cluster outside any (seconds of work: on
        # SQLite a transaction holds the write lock, which the publishing ticker and the
        # sends need), then write in another; the lease keeps other workers away meanwhile.
        with transaction(factory) as session:
            held = session.get(TopicSnapshot, snapshot_id)
            if held is None:
                continue
            workspace_id = held.workspace_id
            period = _gather(session, held, moment)
        started = time.perf_counter()
        failure: Exception | None = None
        try:
            found = topics.topics_of(
                period.messages, period.volume, period.previous_volume, embed=embed
            )
        except Exception as exc:  # a broken period must not stop the others
            log.exception("topics: computing workspace %s failed", workspace_id)
            failure = exc
        with transaction(factory) as session:
            held = session.get(TopicSnapshot, snapshot_id)
            if held is None:
                continue
            if failure is None:
                _fill(held, period, found, time.perf_counter() - started)
                done += 1
            else:
                held.error = f"{type(failure).__name__}: {failure}"[:500]
                held.computed_at = moment
            held.claimed_until = None
    return done


# --- reading (pages and routes) ------------------------------------------------------------------


def _visible(actor: Actor, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inbox messages' text only for those who may read the inbox."""
    if actor.can(Permission.INBOX_VIEW):
        return found
    shown = []
    for topic in found:
        samples = [s for s in topic.get("samples", []) if s.get("source") != "inbox"]
        shown.append({**topic, "samples": samples})
    return shown


def topic_clusters(session: Session, actor: Actor, days: int = DAYS) -> TopicClusters:
    """The workspace's cached topic clusters (listening.view); never computes them."""
    actor.require(Permission.LISTENING_VIEW)
    row = repo.snapshot(session, actor.workspace_id, days)
    if row is None or row.computed_at is None:
        return TopicClusters(state="pending", days=days)
    return TopicClusters(
        state="failed" if row.error else "ready",
        days=days,
        period_start=row.period_start,
        period_end=row.period_end,
        computed_at=row.computed_at,
        volume=row.volume,
        previous_volume=row.previous_volume,
        embedded=row.embedded,
        seconds=row.seconds,
        topics=_visible(actor, list(row.topics)),
        error=row.error,
    )


def request_topics(session: Session, actor: Actor, days: int = DAYS) -> TopicClusters:
    """Ask the background loop to recompute now (listening.manage)."""
    actor.require(Permission.LISTENING_MANAGE)
    row = repo.snapshot(session, actor.workspace_id, days) or TopicSnapshot(
        workspace_id=actor.workspace_id, days=days
    )
    session.add(row)
    row.requested_at = utcnow()
    session.flush()
    return topic_clusters(session, actor, days)


def inbox_trends(
    session: Session, actor: Actor, days: int = INBOX_TREND_DAYS, now: datetime | None = None
) -> InboxTrends:
    """Terms, hashtags and bursts of the inbox's inbound messages (listening.view)."""
    actor.require(Permission.LISTENING_VIEW)
    days = max(1, min(days, 366))
    end = now or utcnow()
    rows = repo.inbox_rows(
        session, actor.workspace_id, end - timedelta(days=days), end, INBOX_MAX_ROWS
    )
    counter = trends.TrendCounter()
    bursts = counter.add_many([at.timestamp() for at, _ in rows], [text for _, text in rows])
    bursts += counter.flush()
    tags: dict[str, int] = {}
    terms: dict[str, int] = {}
    for _, text in rows:
        for token in set(trends.tokens(text)):
            bag = tags if trends.kind_of(token) == "hashtag" else terms
            bag[token] = bag.get(token, 0) + 1

    def top(bag: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(bag.items(), key=lambda item: (-item[1], item[0]))[:TOP]

    return InboxTrends(
        days=days,
        total=len(rows),
        top_hashtags=top(tags),
        top_terms=top(terms),
        rising=counter.trends(TOP, statuses=("new", "rising")),
        bursts=sorted(bursts, key=lambda b: (-b.z, b.term))[:TOP],
    )


def workspace_ids_with_topics(session: Session) -> list[uuid.UUID]:
    return repo.active_workspaces(session, utcnow() - timedelta(days=2 * DAYS))

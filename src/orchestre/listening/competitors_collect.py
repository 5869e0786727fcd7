"""Collecting competitors' accounts: once a day, each account's public counts (a snapshot)
and its recent posts with their latest public counts (upserted).

An account is read through a connected channel of the same network in its workspace (its
credentials; never a login of our own), by the connector's `PublicAccountReading`. A run
claims the accounts due (a lease, so two workers never read the same one); failures
follow the metrics collection (`insights.collection.reach`, `retry_delay`): a retryable
failure waits (Retry-After honoured, else a growing delay), a definitive credential refusal
marks the reading channel as needing reconnection, and nothing here disconnects a channel.
The network is read outside any transaction (`reach` commits first, ADR 0002) unless the
caller keeps one (`commit=False`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from orchestre.analytics.query import workspace_zone
from orchestre.connectors.base import (
    Capability,
    Installation,
    PublicAccount,
    PublicAccountPost,
    public_reading,
)
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
from orchestre.listening import competitors_repository as repo
from orchestre.listening.collect import CapabilityOpener, offers
from orchestre.models.competitors import CompetitorAccount, CompetitorPost, CompetitorSnapshot

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
BATCH = 100
POSTS = 100


@dataclass
class CompetitorReport:
    read: int = 0  # accounts read
    posts: int = 0  # posts stored or updated
    postponed: int = 0  # accounts waiting after a failure
    errors: list[str] = field(default_factory=list)


def can_read(opener: Opener, network: str) -> bool:
    return offers(opener, network, Capability.READ_PUBLIC_ACCOUNTS)


def engagement_of(post: PublicAccountPost) -> int:
    """likes + reposts + replies + quotes, the counts the network shows (docs/kpis.md)."""
    return sum(v or 0 for v in (post.likes, post.reposts, post.replies, post.quotes))


def read_account(
    installation: Installation, network: str, handle: str, limit: int = POSTS
) -> tuple[PublicAccount, list[PublicAccountPost]]:
    reader = public_reading(installation, network=network)
    found = reader.lookup_account(handle)
    return found, reader.read_account_posts(found, limit=limit)


def collect(
    session: Session,
    opener: Opener,
    *,
    clock: Callable[[], datetime] = utcnow,
    workspace_id: uuid.UUID | None = None,
    commit: bool = True,
) -> CompetitorReport:
    """Read the accounts due (every account of `workspace_id`: "collect now"). With
    `commit=False` all stays in the caller's transaction (a request); else each account
    commits on its own (the loop)."""
    report = CompetitorReport()
    now = clock()
    stmt = repo.due_accounts(session, now, BATCH, workspace_id)
    due = claim_leased(session, stmt, "next_collect_at", now + CLAIM_LEASE, commit=commit)
    for row in due:
        try:
            _collect_one(session, opener, row, now, report, commit=commit)
            if commit:
                session.commit()
        except Exception:  # a bug or the database: this account waits out its lease
            if not commit:
                raise
            session.rollback()
            log.exception("competitor account %s could not be collected", row.id)
    if not commit:
        session.flush()
    return report


def _collect_one(
    session: Session,
    opener: Opener,
    row: CompetitorAccount,
    now: datetime,
    report: CompetitorReport,
    *,
    commit: bool = True,
) -> None:
    channel = repo.reading_channel(session, row.workspace_id, row.network)
    if channel is None:
        reason = f"No connected {row.network} channel in this workspace to read this account with."
        _failed(row, Failure("end", reason), now, report)
        return

    def work(installation: Installation) -> tuple[PublicAccount, list[PublicAccountPost]]:
        return read_account(installation, row.network, row.handle)

    outcome = reach(
        session,
        CapabilityOpener(opener, Capability.READ_PUBLIC_ACCOUNTS),
        channel.id,
        "public accounts",
        work,
        commit=commit,
    )
    if isinstance(outcome, Failure):
        _failed(row, outcome, now, report)
        return
    _, (found, posts) = outcome
    store(session, row, found, posts, now)
    report.read += 1
    report.posts += len(posts)
    row.consecutive_failures = 0
    row.last_error = None
    row.last_collected_at = now
    row.next_collect_at = now + EVERY


def store(
    session: Session,
    row: CompetitorAccount,
    found: PublicAccount,
    posts: Sequence[PublicAccountPost],
    now: datetime,
) -> None:
    """Today's snapshot (replacing an earlier one of the same day: a day of the workspace's
    calendar, as the comparison reads them) and the posts' counts."""
    row.display_name = found.display_name[:200] or row.display_name
    row.url = found.url or row.url
    row.followers = found.followers
    row.extra = dict(found.extra) or row.extra
    day = now.astimezone(ZoneInfo(workspace_zone(session, row.workspace_id))).date()
    snap = repo.snapshot_of(session, row.id, day)
    if snap is None:
        snap = CompetitorSnapshot(workspace_id=row.workspace_id, account_id=row.id, day=day, at=now)
        session.add(snap)
    snap.at = now
    snap.followers, snap.following = found.followers, found.following
    snap.posts_count = found.posts_count
    unique = {p.external_id: p for p in posts}
    known = repo.posts_by_id(session, row.id, list(unique))
    for key, post in unique.items():
        stored = known.get(key)
        if stored is None:
            stored = CompetitorPost(
                workspace_id=row.workspace_id,
                account_id=row.id,
                external_id=key[:200],
                published_at=post.created_at,
            )
            session.add(stored)
        stored.format = post.format.value
        stored.text = post.text
        stored.url = post.url
        stored.likes, stored.reposts, stored.replies = post.likes, post.reposts, post.replies
        stored.quotes, stored.views = post.quotes, post.views
        stored.engagement = engagement_of(post)
        stored.measured_at = now
    session.flush()


def _failed(
    row: CompetitorAccount, failure: Failure, now: datetime, report: CompetitorReport
) -> None:
    row.last_error = failure.reason[:500]
    report.errors.append(failure.reason)
    report.postponed += 1
    if failure.action == "end":  # no channel to read with, or no reading there: tomorrow
        row.consecutive_failures = 0
        row.next_collect_at = now + EVERY
        return
    if failure.action == "wait":
        row.next_collect_at = now + WAIT_FOR_RECONNECTION
        return
    row.consecutive_failures += 1
    if row.consecutive_failures >= MAX_FAILURES:
        row.consecutive_failures = 0
        row.next_collect_at = now + EVERY
        return
    row.next_collect_at = now + retry_delay(row.consecutive_failures, failure.retry_after)

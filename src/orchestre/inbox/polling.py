"""Polling the networks for comments, mentions and direct messages, one cursor per stream.

Each connected channel gets a cursor (`InboxCursor`) for each stream its network can read
(READ_COMMENTS, READ_MENTIONS, READ_MESSAGES). A round:

1. `ensure_cursors` gives new channels (or new capabilities) their cursors.
2. `claim_due` takes the due cursors of connected channels with a lease (committed):
   FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serializes writers (BEGIN IMMEDIATE),
   which gives the same guarantee. The lease instant is the claim's fencing token.
3. `poll_claim` reads pages through the channel's installation and ingests each page in
   one transaction with the cursor's advance, written only while the lease is still ours
   (`UPDATE ... WHERE leased_until = <our lease>`): a crash or a lost lease never moves a
   cursor past rows that were not stored, and rows are never stored twice (ingest
   deduplicates anyway). The network is read outside any transaction (ADR 0002): the
   channel is opened (its token refreshed and stored if need be) and committed first.

Failures, and what each does to the cursor:

- `RetryableError`: wait `retry_after` when the network said, else exponential backoff
  with jitter (`consecutive_failures` counts up);
- `CredentialError(definitive=True)`, or a refused refresh: the channel goes through the
  channel status path (`mark_needs_reconnection`: marked, owners told once); its cursors
  are not claimed until it is connected again;
- a cursor the network no longer knows (`PermanentError`): started again from the
  beginning (dedupe keeps it harmless); a missing capability: looked at again in a day;
- anything else (a bug, the database): rolled back, backoff, logged; the loop goes on.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.channels.credentials import ChannelNeedsReconnection, ChannelUnavailable
from orchestre.channels.service import mark_needs_reconnection
from orchestre.config import Settings
from orchestre.connectors.base import (
    Capability,
    ConnectorError,
    CredentialError,
    Installation,
    InteractionPage,
    PermanentError,
    RetryableError,
    UnsupportedCapability,
)
from orchestre.inbox import per_post
from orchestre.inbox.classifying import Classifier
from orchestre.inbox.ingest import ingest
from orchestre.insights.collection import Opener
from orchestre.kit.clock import utcnow
from orchestre.kit.db import commit_before_network, for_update
from orchestre.models import Channel, ChannelStatus
from orchestre.models.inbox import InboxCursor

log = logging.getLogger(__name__)

STREAMS: dict[str, Capability] = {
    "comments": Capability.READ_COMMENTS,
    "mentions": Capability.READ_MENTIONS,
    "messages": Capability.READ_MESSAGES,
}
UNSUPPORTED_WAIT = timedelta(days=1)
ERROR_MAX = 500


@dataclass(frozen=True)
class PollPolicy:
    """How often and how much to poll (settings `inbox_poll_*`)."""

    interval: timedelta = timedelta(seconds=60)
    lease: timedelta = timedelta(seconds=120)
    batch: int = 50  # cursors claimed per round
    max_pages: int = 5  # pages read per claim; a stream with more is claimed again at once
    page_size: int = 100
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(hours=1)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPolicy:
        return cls(
            interval=timedelta(seconds=settings.inbox_poll_interval_seconds),
            lease=timedelta(seconds=settings.inbox_poll_lease_seconds),
            batch=settings.inbox_poll_batch,
            max_pages=settings.inbox_poll_max_pages,
            page_size=settings.inbox_poll_page_size,
            backoff_base=timedelta(seconds=settings.inbox_poll_backoff_base_seconds),
            backoff_max=timedelta(seconds=settings.inbox_poll_backoff_max_seconds),
        )

    def backoff(self, failures: int) -> timedelta:
        """Exponential from `backoff_base`, capped, with jitter (half to all of it)."""
        ceiling = min(
            self.backoff_max.total_seconds(),
            self.backoff_base.total_seconds() * 2 ** max(0, failures - 1),
        )
        return timedelta(seconds=ceiling * self.rng.uniform(0.5, 1.0))


@dataclass(frozen=True)
class Claim:
    cursor_id: uuid.UUID
    channel_id: uuid.UUID
    stream: str
    cursor: str | None
    lease: datetime  # the fencing token: our writes require leased_until to equal it
    failures: int


@dataclass
class PollReport:
    cursors_created: int = 0
    claimed: int = 0
    pages: int = 0
    ingested: int = 0
    failed: int = 0
    lost: int = 0  # claims another poller took over after our lease ran out


def ensure_cursors(session: Session, opener: Opener, now: datetime) -> int:
    """A cursor for each stream each connected channel's network can read; returns how
    many were made. Committed."""
    have = {
        (channel_id, stream)
        for channel_id, stream in session.execute(
            select(InboxCursor.channel_id, InboxCursor.stream)
        )
    }
    channels = session.execute(
        select(Channel.id, Channel.workspace_id, Channel.network).where(
            Channel.status == ChannelStatus.CONNECTED.value
        )
    ).all()
    made = 0
    for channel_id, workspace_id, network in channels:
        try:
            capabilities = opener.capabilities(network)
        except Exception as exc:  # connector not installed or broken: its cursors wait
            log.warning("inbox: no cursors for %s (%s)", network, exc)
            continue
        for stream, capability in STREAMS.items():
            if capability in capabilities and (channel_id, stream) not in have:
                try:
                    with session.begin_nested():
                        session.add(
                            InboxCursor(
                                workspace_id=workspace_id,
                                channel_id=channel_id,
                                stream=stream,
                                next_poll_at=now,
                            )
                        )
                        session.flush()
                    made += 1
                except IntegrityError:  # another poller made it just now
                    pass
    session.commit()
    return made


def claim_due(session: Session, now: datetime, policy: PollPolicy) -> list[Claim]:
    """The due cursors of connected channels, leased until `now + policy.lease`
    (committed), oldest due first."""
    stmt = (
        select(InboxCursor)
        .join(Channel, Channel.id == InboxCursor.channel_id)
        .where(
            Channel.status == ChannelStatus.CONNECTED.value,
            InboxCursor.next_poll_at <= now,
            (InboxCursor.leased_until.is_(None)) | (InboxCursor.leased_until <= now),
        )
        .order_by(InboxCursor.next_poll_at, InboxCursor.id)
        .limit(policy.batch)
        .execution_options(populate_existing=True)
    )
    stmt = for_update(session, stmt, skip_locked=True, of=InboxCursor)
    lease = now + policy.lease
    claims = []
    for row in session.scalars(stmt):
        row.leased_until = lease
        claims.append(
            Claim(row.id, row.channel_id, row.stream, row.cursor, lease, row.consecutive_failures)
        )
    session.commit()
    return claims


def poll_due(
    session: Session,
    opener: Opener,
    *,
    policy: PollPolicy | None = None,
    clock: Callable[[], datetime] = utcnow,
    classifier: Classifier | None = None,
    ensure: bool = True,
) -> PollReport:
    """One round: cursors for new channels (when `ensure`), then each due stream polled;
    each page committed on its own. Never raises for one stream's failure."""
    policy = policy or PollPolicy()
    report = PollReport()
    if ensure:
        report.cursors_created = ensure_cursors(session, opener, clock())
    claims = claim_due(session, clock(), policy)
    report.claimed = len(claims)
    for claim in claims:
        try:
            poll_claim(session, opener, claim, policy, report, clock=clock, classifier=classifier)
        except Exception:
            session.rollback()
            log.exception("inbox: polling %s of channel %s failed", claim.stream, claim.channel_id)
            report.failed += 1
            _fail(session, claim, policy, clock(), "unexpected error (see the logs)")
    return report


class _LeaseLost(Exception):
    """Another poller holds the cursor now (our lease ran out): stop without writing."""


def poll_claim(
    session: Session,
    opener: Opener,
    claim: Claim,
    policy: PollPolicy,
    report: PollReport,
    *,
    clock: Callable[[], datetime] = utcnow,
    classifier: Classifier | None = None,
) -> None:
    """Read the claimed stream page by page; each page and the cursor commit together."""
    channel = session.get(Channel, claim.channel_id)
    if channel is None:
        return
    reader = _Reader(session, channel, claim, policy, report, clock, classifier)
    try:
        installation = opener.open(session, channel)
        commit_before_network(session)
        more = reader.read(installation)
    except _LeaseLost:
        session.rollback()
        report.lost += 1
        return
    except ConnectorError as exc:
        session.rollback()
        report.failed += 1
        _failed_call(session, claim, channel, exc, policy, clock())
        return
    except ChannelNeedsReconnection as exc:  # the refresh was refused: the channel is marked
        session.commit()
        report.failed += 1
        _fail(session, claim, policy, clock(), exc.reason, wait=policy.interval)
        return
    except ChannelUnavailable as exc:
        session.rollback()
        _fail(session, claim, policy, clock(), str(exc), wait=policy.interval)
        return
    now = clock()
    _write(
        session,
        claim,
        next_poll_at=now if more else now + policy.interval,
        leased_until=None,
        consecutive_failures=0,
        last_error=None,
        last_polled_at=now,
    )
    session.commit()


@dataclass
class _Reader:
    """Reads one claimed stream: the whole stream after a cursor, or, for networks that
    list comments post by post, each of our recent posts after its own cursor."""

    session: Session
    channel: Channel
    claim: Claim
    policy: PollPolicy
    report: PollReport
    clock: Callable[[], datetime]
    classifier: Classifier | None

    def read(self, installation: Installation) -> bool:
        """True when more is waiting (claim again at once)."""
        if self.claim.stream == "comments" and per_post.is_per_post(self.claim.cursor):
            return self._read_posts(installation, per_post.decode(self.claim.cursor))
        cursor = self.claim.cursor
        for _ in range(self.policy.max_pages):
            try:
                page = read_page(installation, self.claim.stream, cursor, self.policy.page_size)
            except PermanentError as exc:
                if exc.code != per_post.POST_NEEDED or self.claim.stream != "comments":
                    raise
                return self._read_posts(installation, {})
            cursor = page.next_cursor or cursor
            self._store(page, cursor)
            if not (page.has_more and page.next_cursor is not None):
                return False
        return True

    def _read_posts(self, installation: Installation, cursors: dict[str, str]) -> bool:
        posts = per_post.recent_posts(self.session, self.channel.id, self.clock())
        commit_before_network(self.session)
        cursors = {post: cursors.get(post, "") for post in posts}
        pages = 0
        more = False
        for post in posts:
            while pages < self.policy.max_pages * per_post.PAGES_FACTOR:
                try:
                    page = installation.read_comments(
                        post, cursor=cursors[post] or None, limit=self.policy.page_size
                    )
                except PermanentError as exc:  # the post is gone: forget it
                    log.info("inbox: comments of %s not read (%s)", post, exc.reason)
                    cursors.pop(post, None)
                    break
                pages += 1
                cursors[post] = page.next_cursor or cursors[post]
                self._store(page, per_post.encode(cursors))
                if not (page.has_more and page.next_cursor is not None):
                    break
            else:
                more = True
        if not posts:
            self._store(None, per_post.encode(cursors))
        return more

    def _store(self, page: InteractionPage | None, cursor: str | None) -> None:
        new = []
        if page is not None:
            new = ingest(
                self.session,
                self.channel,
                page.items,
                source="poll",
                classifier=self.classifier,
            )
        if not _write(self.session, self.claim, cursor=cursor):
            raise _LeaseLost
        self.session.commit()
        self.report.pages += page is not None
        self.report.ingested += len(new)


def read_page(
    installation: Installation, stream: str, cursor: str | None, limit: int
) -> InteractionPage:
    if stream == "comments":
        return installation.read_comments(None, cursor=cursor, limit=limit)
    if stream == "mentions":
        return installation.read_mentions(cursor=cursor, limit=limit)
    if stream == "messages":
        return installation.read_messages(cursor=cursor, limit=limit)
    raise ValueError(f"unknown stream {stream!r}")


def _failed_call(
    session: Session,
    claim: Claim,
    channel: Channel,
    exc: ConnectorError,
    policy: PollPolicy,
    now: datetime,
) -> None:
    if isinstance(exc, RetryableError) and exc.retry_after is not None:
        wait: timedelta | None = timedelta(seconds=max(0.0, exc.retry_after))
        _fail(session, claim, policy, now, exc.message, wait=wait)
    elif isinstance(exc, CredentialError) and exc.definitive:
        mark_needs_reconnection(session, channel.id, exc.message)
        _fail(session, claim, policy, now, exc.message, wait=policy.interval)
    elif isinstance(exc, UnsupportedCapability):
        _fail(session, claim, policy, now, exc.message, wait=UNSUPPORTED_WAIT)
    elif isinstance(exc, PermanentError):
        log.warning(
            "inbox: %s of channel %s refused its cursor (%s); starting again",
            claim.stream,
            claim.channel_id,
            exc.reason,
        )
        _fail(session, claim, policy, now, exc.reason, wait=policy.interval, reset=True)
    else:
        _fail(session, claim, policy, now, exc.message)


def _fail(
    session: Session,
    claim: Claim,
    policy: PollPolicy,
    now: datetime,
    reason: str,
    *,
    wait: timedelta | None = None,
    reset: bool = False,
) -> None:
    """Record a failure and when to try again (backoff unless `wait` is given); committed."""
    failures = claim.failures + 1
    values: dict[str, object] = {
        "next_poll_at": now + (wait if wait is not None else policy.backoff(failures)),
        "leased_until": None,
        "consecutive_failures": failures,
        "last_error": reason[:ERROR_MAX],
    }
    if reset:
        values["cursor"] = None
    _write(session, claim, **values)
    session.commit()


def _write(session: Session, claim: Claim, **values: object) -> bool:
    """Update the cursor row only while our lease holds; False when it was taken over."""
    result = session.execute(
        update(InboxCursor)
        .where(InboxCursor.id == claim.cursor_id, InboxCursor.leased_until == claim.lease)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))

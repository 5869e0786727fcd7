"""Collecting mentions from RSS and Atom feeds: each due feed read, its entries matched.

A run claims the active feeds that are due (a lease, `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two workers never read one feed at once) and reads each with a conditional
GET (its ETag and Last-Modified: an unchanged feed is a 304 and costs nothing more). The
entries of a changed feed are matched against every active query of the workspace (title
and content as plain text; a query naming networks must name "rss"), and each match is
stored as a mention of network "rss" through the same path as the networks' posts
(`collect.store`: classified, deduplicated per query and entry key, so reading a feed
again never doubles a mention). New entries are remembered (`FeedEntry`) for the feed's
"entries seen". A failed read backs off from 15 min to 6 h, never before Retry-After.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import sha256

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.connectors.base import PublicPost
from orchestre.inbox.classifying import Classifier
from orchestre.insights.collection import CLAIM_LEASE, retry_delay
from orchestre.kit.clock import utcnow
from orchestre.kit.db import claim_leased, commit_before_network
from orchestre.listening import feeds_repository as repo
from orchestre.listening.collect import store
from orchestre.listening.feeds_fetch import FeedError, FeedFetcher
from orchestre.listening.feeds_parse import MAX_KEY, FeedItem, parse_feed
from orchestre.listening.query import matches, parse
from orchestre.models.listening import ListeningQuery
from orchestre.models.listening_feeds import FeedEntry, ListeningFeed

log = logging.getLogger(__name__)

NETWORK = "rss"
EVERY = timedelta(minutes=30)
BATCH = 100
MAX_ENTRIES = 200  # of one document, newest first as feeds list them
_MAX_BACKOFF_STEPS = 10


@dataclass
class FeedReport:
    read: int = 0  # feeds that answered (200 or 304)
    unchanged: int = 0  # of which 304
    entries: int = 0  # entries never seen before
    stored: int = 0  # mentions stored
    postponed: int = 0  # feeds waiting after a failure
    errors: list[str] = field(default_factory=list)


def collect_feeds(
    session: Session,
    fetcher: FeedFetcher,
    *,
    clock: Callable[[], datetime] = utcnow,
    classifier: Classifier | None = None,
    workspace_id: uuid.UUID | None = None,
    feed_id: uuid.UUID | None = None,
    now_for_all: bool = False,
    commit: bool = True,
) -> FeedReport:
    """Read the feeds due (every active one of the scope when `now_for_all`: "collect
    now"). `commit=False` leaves everything in the caller's transaction (a request); else
    each feed commits on its own (the loop), and one that fails for an unexpected reason
    waits out its lease without stopping the others."""
    report = FeedReport()
    now = clock()
    stmt = repo.due_feeds(
        now, BATCH, workspace_id=workspace_id, feed_id=feed_id, all_of_them=now_for_all
    )
    due = claim_leased(session, stmt, "next_read_at", now + CLAIM_LEASE, commit=commit)
    for feed_id_ in [row.id for row in due]:
        try:
            row = session.get(ListeningFeed, feed_id_)
            if row is not None:
                read_feed(session, fetcher, row, now, classifier, report, commit=commit)
            if commit:
                session.commit()
        except Exception:  # a bug or the database: this feed waits out its lease
            if not commit:
                raise
            session.rollback()
            log.exception("listening feed %s could not be collected", feed_id_)
    if not commit:
        session.flush()
    return report


def read_feed(
    session: Session,
    fetcher: FeedFetcher,
    row: ListeningFeed,
    now: datetime,
    classifier: Classifier | None,
    report: FeedReport,
    *,
    commit: bool = True,
) -> None:
    """One read of one feed, its new mentions stored, its state updated. The read is
    conditional unless the queries changed since its entries were last matched. The feed
    is fetched outside any transaction (unless `commit` is off: the caller keeps one)."""
    queries = [q for q in repo.listening_queries(session, row.workspace_id) if _reads_feeds(q)]
    fingerprint = queries_fingerprint(queries)
    same = row.matched_queries == fingerprint
    etag, modified = (row.etag, row.last_modified) if same else (None, None)
    commit_before_network(session, commit=commit)
    try:
        fetched = fetcher.fetch(row.url, etag=etag, last_modified=modified)
        parsed = None if fetched.status == 304 else parse_feed(fetched.body, fetched.url)
    except FeedError as exc:
        _failed(row, exc, now, report)
        return
    report.read += 1
    row.last_read_at = now
    row.next_read_at = now + EVERY
    row.consecutive_failures = 0
    row.last_error = row.last_error_detail = None
    if parsed is None:
        report.unchanged += 1
        return
    row.etag = fetched.etag[:500] if fetched.etag else None
    row.last_modified = fetched.last_modified[:100] if fetched.last_modified else None
    items = _unique(parsed.items[:MAX_ENTRIES])
    fresh = _remember(session, row, items, now)
    report.entries += fresh
    row.entries_seen += fresh
    posts = [as_post(row.id, item, now) for item in items]
    report.stored += store_matches(session, queries, posts, now, classifier)
    row.matched_queries = fingerprint


def _unique(items: Sequence[FeedItem]) -> list[FeedItem]:
    seen: dict[str, FeedItem] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values())


def _remember(
    session: Session, row: ListeningFeed, items: Sequence[FeedItem], now: datetime
) -> int:
    """Record the entries this feed never listed before; how many."""
    known = repo.seen_keys(session, row.id, [i.key for i in items])
    fresh = [i for i in items if i.key not in known]
    if not fresh:
        return 0
    try:
        with session.begin_nested():
            session.add_all(FeedEntry(feed_id=row.id, key=i.key, first_seen_at=now) for i in fresh)
            session.flush()
    except IntegrityError:  # "collect now" and the loop read this feed at the same moment
        log.info("entries of feed %s already recorded", row.id)
        return 0
    return len(fresh)


def mention_key(feed_id: uuid.UUID, key: str) -> str:
    """The mention's post id: the entry's key when it names the entry worldwide (a URL, a
    URN, a tag: URI), so one article in two feeds is one mention; else the key within its
    feed (blogs number their guids "1", "2"... and two blogs' "1" are different entries)."""
    if "://" in key or key.startswith(("urn:", "tag:", "sha256:")):
        return key
    scoped = f"{feed_id.hex}:{key}"
    return scoped if len(scoped) <= MAX_KEY else "sha256:" + sha256(scoped.encode()).hexdigest()


def as_post(feed_id: uuid.UUID, item: FeedItem, now: datetime) -> PublicPost:
    """A feed entry as the public post the listening store keeps: an entry without a date
    (or dated in the future) is dated when it was read."""
    published = item.published_at if item.published_at and item.published_at <= now else now
    return PublicPost(
        external_id=mention_key(feed_id, item.key),
        author_handle=item.author,
        text=item.text,
        created_at=published,
        url=item.url,
        language=item.language,
    )


def _reads_feeds(q: ListeningQuery) -> bool:
    return not q.networks or NETWORK in q.networks


def queries_fingerprint(queries: Sequence[ListeningQuery]) -> str:
    """What the entries were matched against: the queries' ids, words and languages."""
    parts = sorted(f"{q.id}\x1f{q.query}\x1f{','.join(sorted(q.languages))}" for q in queries)
    return sha256("\x1e".join(parts).encode()).hexdigest()


def store_matches(
    session: Session,
    queries: Sequence[ListeningQuery],
    posts: Sequence[PublicPost],
    now: datetime,
    classifier: Classifier | None,
) -> int:
    """Each entry stored as a mention of every query given that matches it; how many."""
    stored = 0
    for q in queries:
        compiled = parse(q.query)
        kept = [p for p in posts if matches(compiled, p.text, (), p.author_handle)]
        if kept:
            stored += store(session, q, NETWORK, kept, now, classifier)
    return stored


def _failed(row: ListeningFeed, exc: FeedError, now: datetime, report: FeedReport) -> None:
    row.consecutive_failures += 1
    row.last_error = exc.rule
    row.last_error_detail = exc.detail[:500] or None
    steps = min(row.consecutive_failures, _MAX_BACKOFF_STEPS)
    row.next_read_at = now + retry_delay(steps, exc.retry_after)
    report.postponed += 1
    report.errors.append(f"feed {row.id}: {exc.rule}")  # its URL may hold a token

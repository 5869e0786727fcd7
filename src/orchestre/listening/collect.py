"""Collecting mentions: each active query searched on each connected channel that can search.

A query becomes a few broad search strings (`query.search_terms`); each (query, channel,
search string) has a `ListeningCursor` remembering the newest post already read. A run
claims the cursors due (a lease, so two workers never read the same one), pages through
the network's results newest first until it reaches that post (at most `MAX_PAGES`),
keeps the posts the query's matcher accepts (and in its languages, when it names some),
classifies them (language, sentiment) with the inbox's classifier, and stores each once
per query (the unique key turns a repeat into nothing). Every `EVERY` a cursor is due again.

Failures follow the metrics collection (`insights.collection.reach`, `retry_delay`): a
retryable failure (rate limit with Retry-After, network down) waits and tries again, a
passing credential error is retried, only a definitive refusal marks the channel as
needing reconnection; nothing here ever disconnects a channel. The search runs outside
any transaction (`reach` commits first, ADR 0002) unless the caller keeps one (`commit=False`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.connectors.base import Capability, Installation, PublicPost
from orchestre.inbox.classifying import CLASSIFY_CHARS, Classifier, default_classifier
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
from orchestre.kit.text import HASHTAG
from orchestre.listening import repository as repo
from orchestre.listening.query import CompiledQuery, matches, parse, search_terms
from orchestre.models import Channel
from orchestre.models.listening import ListeningCursor, ListeningQuery, Mention

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=15)
BATCH = 200
PAGE_SIZE = 50
MAX_PAGES = 5
_HASHTAG_CHARS = 100


@dataclass
class CollectReport:
    searched: int = 0  # cursors read
    found: int = 0  # posts the networks returned that were new to the cursor
    stored: int = 0  # mentions stored
    postponed: int = 0  # cursors waiting after a failure
    needs_reconnection: int = 0
    errors: list[str] = field(default_factory=list)


class CapabilityOpener:
    """`reach` asks for READ_METRICS: answer it for the capability this work needs instead
    (SEARCH_POSTS for listening, READ_PUBLIC_ACCOUNTS for competitors)."""

    def __init__(self, opener: Opener, capability: Capability) -> None:
        self._opener = opener
        self._capability = capability

    def capabilities(self, network: str) -> frozenset[Capability]:
        can = self._capability in self._opener.capabilities(network)
        return frozenset({Capability.READ_METRICS}) if can else frozenset()

    def open(self, session: Session, channel: Channel) -> Installation:
        return self._opener.open(session, channel)


def offers(opener: Opener, network: str, capability: Capability) -> bool:
    try:
        return capability in opener.capabilities(network)
    except Exception:  # the connector is not installed or failed to load
        return False


def can_search(opener: Opener, network: str) -> bool:
    return offers(opener, network, Capability.SEARCH_POSTS)


def ensure_cursors(
    session: Session,
    opener: Opener,
    now: datetime,
    *,
    workspace_id: uuid.UUID | None = None,
    query_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """One cursor per active query, searching channel and search string; returns the
    queries seen. A query's channels are those of its networks (all when it names none)."""
    found = repo.active_queries(session, workspace_id, query_id)
    if not found:
        return []
    channels = repo.connected_channels(session, list({q.workspace_id for q in found}))
    existing = {
        (c.query_id, c.channel_id, c.search)
        for c in repo.cursors_of(session, [q.id for q in found])
    }
    for q in found:
        terms = search_terms(parse(q.query))
        for channel in channels:
            if channel.workspace_id != q.workspace_id or not can_search(opener, channel.network):
                continue
            if q.networks and channel.network not in q.networks:
                continue
            for term in terms:
                if (q.id, channel.id, term) not in existing:
                    session.add(
                        ListeningCursor(
                            workspace_id=q.workspace_id,
                            query_id=q.id,
                            channel_id=channel.id,
                            network=channel.network,
                            search=term,
                            next_collect_at=now,
                        )
                    )
    session.flush()
    return [q.id for q in found]


def collect(
    session: Session,
    opener: Opener,
    *,
    clock: Callable[[], datetime] = utcnow,
    classifier: Classifier | None = None,
    workspace_id: uuid.UUID | None = None,
    query_id: uuid.UUID | None = None,
    now_for_all: bool = False,
    commit: bool = True,
) -> CollectReport:
    """Create missing cursors, then read those due (all of the queries seen when
    `now_for_all`: "collect now"). `commit=False` leaves everything in the caller's
    transaction (a request); else each cursor commits on its own (the loop)."""
    report = CollectReport()
    now = clock()
    try:
        seen = ensure_cursors(session, opener, now, workspace_id=workspace_id, query_id=query_id)
        if commit:
            session.commit()
    except IntegrityError:  # another worker created the same cursors just now
        session.rollback()
        return report
    stmt = repo.due_cursors(session, now, BATCH, seen if now_for_all else None)
    due = claim_leased(session, stmt, "next_collect_at", now + CLAIM_LEASE, commit=commit)
    queries = {q.id: q for q in repo.active_queries(session, workspace_id, query_id)}
    compiled = {qid: parse(q.query) for qid, q in queries.items()}
    for row in due:
        q = queries.get(row.query_id)
        if q is None:  # deactivated since: leave its cursor waiting
            continue
        try:
            _read(session, opener, row, q, compiled[q.id], now, classifier, report, commit)
            if commit:
                session.commit()
        except Exception:  # a bug or the database: this cursor waits out its lease
            if not commit:
                raise
            session.rollback()
            log.exception("listening cursor %s could not be collected", row.id)
    for q in queries.values():
        if q.id in {row.query_id for row in due}:
            q.last_collected_at = now
    if commit:
        session.commit()
    else:
        session.flush()
    return report


def _read(
    session: Session,
    opener: Opener,
    row: ListeningCursor,
    q: ListeningQuery,
    compiled: CompiledQuery,
    now: datetime,
    classifier: Classifier | None,
    report: CollectReport,
    commit: bool,
) -> None:
    def search(installation: Installation) -> list[PublicPost]:
        return _new_posts(installation, row)

    searching = CapabilityOpener(opener, Capability.SEARCH_POSTS)
    outcome = reach(session, searching, row.channel_id, "search", search, commit=commit)
    if isinstance(outcome, Failure):
        _failed(row, outcome, now, report)
        return
    _, posts = outcome
    report.searched += 1
    report.found += len(posts)
    if posts:
        newest = posts[0]
        row.newest_at, row.newest_external_id = newest.created_at, newest.external_id
    kept = [p for p in posts if matches(compiled, p.text, (), p.author_handle)]
    report.stored += store(session, q, row.network, kept, now, classifier)
    row.consecutive_failures = 0
    row.last_error = None
    row.last_collected_at = now
    row.next_collect_at = now + EVERY


def _new_posts(installation: Installation, row: ListeningCursor) -> list[PublicPost]:
    """The results newer than the cursor's newest post, newest first."""
    out: list[PublicPost] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = installation.search(row.search, cursor=cursor, limit=PAGE_SIZE)
        for post in page.items:
            if _already_read(post, row):
                return out
            out.append(post)
        if not page.has_more or not page.next_cursor:
            break
        cursor = page.next_cursor
    return out


def _already_read(post: PublicPost, row: ListeningCursor) -> bool:
    if row.newest_at is None:
        return False
    if post.external_id == row.newest_external_id:
        return True
    return post.created_at < row.newest_at


def _failed(row: ListeningCursor, failure: Failure, now: datetime, report: CollectReport) -> None:
    row.last_error = failure.reason[:500]
    report.errors.append(failure.reason)
    report.needs_reconnection += int(failure.reconnect)
    report.postponed += 1
    if failure.action == "end":  # disconnected, or no search there: look again later
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


def _followers(post: PublicPost) -> int | None:
    for key in ("author_followers", "followers"):
        if key in post.metrics:
            return int(post.metrics[key])
    return None


# What a found post's engagement adds up (share of voice by engagement, docs/kpis.md).
ENGAGEMENT_METRICS = ("likes", "reposts", "comments", "quotes")


def _engagement(post: PublicPost) -> int | None:
    shown = [post.metrics[k] for k in ENGAGEMENT_METRICS if k in post.metrics]
    return int(sum(shown)) if shown else None


def store(
    session: Session,
    q: ListeningQuery,
    network: str,
    posts: Sequence[PublicPost],
    now: datetime,
    classifier: Classifier | None,
) -> int:
    """Keep the posts this query has not stored yet, classified; returns how many."""
    unique = {p.external_id: p for p in posts}
    known = repo.known_ids(session, q.id, network, list(unique))
    fresh = [p for key, p in unique.items() if key not in known]
    if not fresh:
        return 0
    rows = [
        Mention(
            workspace_id=q.workspace_id,
            query_id=q.id,
            network=network,
            external_id=p.external_id,
            url=p.url,
            author_handle=p.author_handle[:200],
            author_followers=_followers(p),
            text=p.text,
            language=p.language,
            hashtags=_hashtags(p.text),
            engagement=_engagement(p),
            published_at=p.created_at,
            collected_at=now,
        )
        for p in fresh
    ]
    classify(rows, classifier)
    if q.languages:
        rows = [m for m in rows if m.language in q.languages]
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:  # another worker stored the same posts just now
        log.info("mentions of query %s already stored", q.id)
        return 0
    return len(rows)


def _hashtags(text: str) -> list[str]:
    seen: list[str] = []
    for tag in HASHTAG.findall(text):
        if tag.lower() not in (s.lower() for s in seen):
            seen.append(tag[:_HASHTAG_CHARS])
    return seen


def classify(rows: Sequence[Mention], classifier: Classifier | None) -> None:
    """Language and sentiment on each mention; a classifier that fails leaves them unset
    (the network's language stays), never losing the mention."""
    todo = [m for m in rows if m.text.strip()]
    if not todo:
        return
    try:
        model = classifier or default_classifier()
        results = model.classify_many(
            [m.text[:CLASSIFY_CHARS] for m in todo], [m.language for m in todo]
        )
        if len(results) != len(todo):
            raise ValueError(f"{len(results)} results for {len(todo)} mentions")
    except Exception as exc:
        log.warning("listening: %d mentions left unclassified (%s)", len(todo), exc)
        return
    for mention, result in zip(todo, results, strict=True):
        try:
            mention.language = str(result.lang.label)[:10] or mention.language
            mention.sentiment = str(result.sentiment.label)[:10]
            mention.sentiment_score = float(result.sentiment.score)
        except Exception as exc:
            log.warning("listening: a mention left unclassified (%s)", exc)

"""The stream's reader: one process of the deployment holds Bluesky's Jetstream open and
stores the posts the following queries match.

`orchestre serve` and each `orchestre worker` start one (`start_stream`) when
`ORCHESTRE_LISTENING_STREAM_ENABLED` is on; all but one wait, since reading is leased
(`listening_streams`: a process that dies leaves the stream to another within a minute).
The reader keeps the `time_us` of the last event it handled, committed with the mentions
that came before it, and reopens the stream from a few seconds earlier (mentions are
deduplicated, so the overlap stores nothing twice). A failed or closed connection is
opened again after a pause doubling from 1 s to 5 min; nothing stops the thread but
`stop()`. Beside it, the process that holds the stream names the authors of its mentions
by handle (`stream_handles.HandlesLoop`), started and stopped with the reader.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.connectors.base import PublicPost
from orchestre.inbox.classifying import Classifier
from orchestre.insights.collection import ChannelOpener
from orchestre.kit.clock import utcnow
from orchestre.listening import stream_repository as repo
from orchestre.listening.collect import store
from orchestre.listening.query import parse
from orchestre.listening.stream import (
    NETWORK,
    STREAM,
    StreamMatcher,
    StreamQuery,
    check_url,
    parse_event,
    query_fingerprint,
    subscribe_url,
)
from orchestre.listening.stream_handles import HandlesLoop

log = logging.getLogger(__name__)

REWIND_US = 5_000_000  # reopen 5 s before the last event kept: a gapless restart
MAX_REPLAY = timedelta(hours=24)  # an older cursor is not replayed: the stream starts live
LEASE = timedelta(seconds=60)
MAX_MESSAGE = 1024 * 1024

_Pending = dict[uuid.UUID, list[PublicPost]]  # matched posts by query, not yet stored
# A URL -> a context manager giving an open connection (`recv(timeout)`), closed on exit.
Connect = Callable[[str], AbstractContextManager[Any]]


def default_connect(url: str) -> AbstractContextManager[Any]:
    return ws_connect(url, open_timeout=15, close_timeout=2, max_size=MAX_MESSAGE)


@dataclass
class StreamStats:
    connections: int = 0
    events: int = 0  # every event read
    posts: int = 0  # of which new posts
    matched: int = 0  # (query, post) pairs matched
    stored: int = 0  # mentions stored
    skipped: int = 0  # malformed messages
    errors: list[str] = field(default_factory=list)  # the last 20 failures' kinds


class _LeaseLost(Exception):
    pass


class StreamReader:
    name = "orchestre-listening-stream"

    def __init__(
        self,
        factory: sessionmaker[Session],
        url: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        classifier: Classifier | None = None,
        connect: Connect = default_connect,
        holder: str | None = None,
        flush_every: float = 2.0,
        reload_every: float = 30.0,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
    ) -> None:
        self._factory = factory
        self._url = check_url(url)
        self._clock = clock
        self._classifier = classifier  # None: the inbox's default
        self._connect = connect
        self.holder = (holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")[
            :80
        ]
        self._flush_every = flush_every
        self._reload_every = reload_every
        self._backoff = (backoff_base, backoff_max)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._matcher = StreamMatcher([])
        self._loaded_at = float("-inf")
        self.stats = StreamStats()
        self.holding = False  # whether this process holds the stream's lease
        self.handles: HandlesLoop | None = None  # started and stopped with the reader

    # The thread --------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
            self._thread.start()
        if self.handles is not None:
            self.handles.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self.handles is not None:
            self.handles.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
        self.holding = False
        try:
            with self._factory() as session:
                repo.release(session, STREAM, self.holder)
                session.commit()
        except Exception:  # the lease runs out by itself
            log.warning("listening stream: the lease could not be released", exc_info=True)

    def run(self) -> None:
        """Read until stopped: wait while another process holds the stream, reopen it
        after a failure or a close, never die."""
        failures = 0
        while not self._stop.is_set():
            try:
                self._reload_if_due()
                if not self._matcher.queries:  # nothing follows the stream: no bandwidth spent
                    self._stop.wait(self._reload_every)
                    continue
                held, cursor = self._acquire()
                self.holding = held
                if not held:
                    self._stop.wait(LEASE.total_seconds() / 2)
                    continue
                read = self.read_connection(cursor)
                log.info(
                    "listening stream: closed after %d events; so far %d posts, %d matches, "
                    "%d mentions stored, %d messages skipped",
                    read,
                    self.stats.posts,
                    self.stats.matched,
                    self.stats.stored,
                    self.stats.skipped,
                )
                failures = 0 if read else failures + 1
            except _LeaseLost:
                self.holding = False
                log.info("listening stream: another process took the stream over")
                failures = 0
            except Exception as exc:
                failures += 1
                self.stats.errors = [*self.stats.errors[-19:], type(exc).__name__]
                log.warning("listening stream: %s", exc, exc_info=not isinstance(exc, OSError))
            self._stop.wait(self._pause(failures))

    def _pause(self, failures: int) -> float:
        base, most = self._backoff
        pause = min(most, base * 2.0 ** min(failures, 20))
        return pause * random.uniform(0.8, 1.0)  # jitter: readers restarted together spread out

    def _acquire(self) -> tuple[bool, int | None]:
        """Whether the stream is ours, and where to resume (None: live, when it was never
        read or was left more than MAX_REPLAY ago)."""
        now = self._clock()
        with self._factory() as session:
            held, cursor = repo.acquire(session, STREAM, self.holder, now, now + LEASE)
            session.commit()
        oldest = int((now - MAX_REPLAY).timestamp() * 1_000_000)
        return held, cursor if cursor is not None and cursor >= oldest else None

    # One connection ----------------------------------------------------------------------

    def read_connection(self, cursor_us: int | None) -> int:
        """Open the stream (from `cursor_us` less the rewind), read until it closes or the
        reader stops, keeping matches and the cursor every `flush_every` seconds; how
        many events were read."""
        start = None if cursor_us is None else max(1, cursor_us - REWIND_US)
        url = subscribe_url(self._url, start)
        self.stats.connections += 1
        read = 0
        pending: _Pending = defaultdict(list)
        last: int | None = None
        flushed = time.monotonic()
        with self._connect(url) as conn:
            while not self._stop.is_set():
                self._reload_if_due()
                if not self._matcher.queries:
                    break
                try:
                    message = conn.recv(timeout=self._flush_every)
                except TimeoutError:
                    message = None
                except ConnectionClosed:
                    break
                if message is not None:
                    read += 1
                    last = self._handle(message, pending) or last
                if time.monotonic() - flushed >= self._flush_every:
                    self._flush(pending, last)
                    pending.clear()
                    flushed = time.monotonic()
        self._flush(pending, last)
        return read

    def _handle(
        self, message: str | bytes, pending: dict[uuid.UUID, list[PublicPost]]
    ) -> int | None:
        event = parse_event(message, self._clock())
        if event is None:
            self.stats.skipped += 1
            return None
        self.stats.events += 1
        if event.post is not None:
            self.stats.posts += 1
            ids = self._matcher.match(event.post)
            if ids:
                public = event.post.as_public()
                for query_id in ids:
                    pending[query_id].append(public)
                self.stats.matched += len(ids)
        return event.time_us

    def _flush(self, pending: _Pending, cursor_us: int | None) -> None:
        """The matches stored and the cursor kept in one transaction, while the lease is
        ours (else nothing is kept: the new holder reads from the cursor it finds)."""
        now = self._clock()
        with self._factory() as session:
            stored = 0
            for q in repo.queries_by_id(session, list(pending)):
                stored += store(session, q, NETWORK, pending[q.id], now, self._classifier)
            if not repo.advance(session, STREAM, self.holder, cursor_us, now, now + LEASE):
                session.rollback()
                raise _LeaseLost
            session.commit()
        self.stats.stored += stored

    def _reload_if_due(self) -> None:
        """Parse the following queries again when they changed (checked every
        `reload_every` seconds); a query that cannot be parsed any more is left out."""
        if time.monotonic() - self._loaded_at < self._reload_every:
            return
        self._loaded_at = time.monotonic()
        with self._factory() as session:
            rows = [
                (q.id, q.workspace_id, q.query) for q in repo.following_queries(session, NETWORK)
            ]
        known = {q.fingerprint: q for q in self._matcher.queries}
        queries = []
        for query_id, workspace_id, text in rows:
            fingerprint = query_fingerprint(query_id, text)
            if fingerprint in known:
                queries.append(known[fingerprint])
                continue
            try:
                queries.append(StreamQuery(query_id, workspace_id, parse(text), fingerprint))
            except Exception:
                log.warning("listening stream: query %s cannot be parsed", query_id)
        matcher = StreamMatcher(queries)
        if matcher.version != self._matcher.version:
            log.info("listening stream: %d queries follow the stream", len(queries))
            self._matcher = matcher


class _Off:
    """The reader when the self-hoster did not switch the stream on."""

    def stop(self) -> None:
        return None


def start_stream(settings: Settings, factory: sessionmaker[Session]) -> StreamReader | _Off:
    """The production reader, started when the setting asks for it (stop it on exit)."""
    if not settings.listening_stream_enabled:
        return _Off()
    try:
        reader = StreamReader(factory, settings.listening_stream_url)
    except ValueError as exc:  # a wrong setting costs the stream, not the process
        log.error("listening stream not started: %s", exc)
        return _Off()
    opener = ChannelOpener(access_for(settings))
    reader.handles = HandlesLoop(factory, opener, active=lambda: reader.holding)
    reader.start()
    return reader

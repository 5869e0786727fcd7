"""The stream's mentions named by their authors' handles: Jetstream names a post's author by
DID only, so a loop beside the stream's reader looks the DIDs up and writes the handles on
the mentions, which then show `@handle` like the posts Bluesky search finds.

DIDs are looked up 25 at a time (`app.bsky.actor.getProfiles`, the connector's
`PublicAccountsLookup`) through a connected Bluesky channel of the mention's workspace (its
credentials serve that workspace only), outside any transaction (ADR 0002: `reach` commits
once the channel is open). Answers are cached in the process: a handle for a day, a DID
the network does not name (unknown, taken down, `handle.invalid`) is asked again only
after 6 hours and keeps its DID meanwhile. A workspace whose lookup failed (rate limited,
a channel to reconnect) waits 15 minutes, or the network's Retry-After; one without a
connected Bluesky channel keeps its DIDs, unless another workspace's lookup already named
them (a handle is public: the cache is the process's, not a workspace's). Only mentions
of the last 2 days are looked at, so a DID that never resolves stops being asked.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.connectors.base import Capability, Installation, PublicAccountsLookup
from orchestre.insights.collection import Failure, Opener, reach
from orchestre.insights.runtime import MeasuringLoop
from orchestre.kit.clock import utcnow
from orchestre.listening import stream_repository as repo
from orchestre.listening.collect import CapabilityOpener
from orchestre.listening.competitors_repository import reading_channel
from orchestre.listening.stream import NETWORK

log = logging.getLogger(__name__)

BATCH = 25  # getProfiles' limit of actors a call
ROUND = timedelta(minutes=1)
WINDOW = timedelta(days=2)
LIMIT = 500  # DIDs looked at a round
KEEP = timedelta(days=1)
RETRY = timedelta(hours=6)
PAUSE = timedelta(minutes=15)  # after a failed lookup, the workspace's next try
CACHE_SIZE = 20_000
INVALID = "handle.invalid"  # what Bluesky shows for a handle that no longer verifies


class HandleCache:
    """DID -> handle (or None: not nameable now), each until a time, the oldest entries
    making room when it is full; and the workspaces whose lookups wait after a failure."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._known: OrderedDict[str, tuple[str | None, datetime]] = OrderedDict()
        self._paused: dict[uuid.UUID, datetime] = {}

    def pause(self, workspace_id: uuid.UUID, until: datetime) -> None:
        self._paused[workspace_id] = until

    def paused(self, workspace_id: uuid.UUID, now: datetime) -> bool:
        return self._paused.get(workspace_id, now) > now

    def _fresh(self, did: str, now: datetime) -> tuple[str | None, datetime] | None:
        entry = self._known.get(did)
        return entry if entry is not None and entry[1] > now else None

    def handle(self, did: str, now: datetime) -> str | None:
        entry = self._fresh(did, now)
        return entry[0] if entry else None

    def due(self, did: str, now: datetime) -> bool:
        """Whether `did` should be asked (never asked, or its answer has expired)."""
        return self._fresh(did, now) is None

    def learn(self, did: str, handle: str | None, now: datetime) -> None:
        self._known[did] = (handle, now + (KEEP if handle else RETRY))
        self._known.move_to_end(did)
        while len(self._known) > self._size:
            self._known.popitem(last=False)


@dataclass
class HandleReport:
    asked: int = 0  # DIDs looked up on the network
    named: int = 0  # mentions whose author now shows a handle
    unnamed: int = 0  # DIDs kept: unknown, no channel, or the lookup failed
    errors: list[str] = field(default_factory=list)


def lookup_handles(installation: Installation, dids: Sequence[str]) -> dict[str, str]:
    """DID -> handle of those the network names (25 a call); the others are left out."""
    if not isinstance(installation, PublicAccountsLookup):
        return {}
    found: dict[str, str] = {}
    for start in range(0, len(dids), BATCH):
        chunk = list(dids[start : start + BATCH])
        for account in installation.lookup_accounts(chunk):
            handle = account.handle.strip().removeprefix("@")
            if account.external_id in chunk and handle and handle != INVALID:
                found[account.external_id] = handle
    return found


def name_authors(
    session: Session,
    opener: Opener,
    cache: HandleCache,
    *,
    clock: Callable[[], datetime] = utcnow,
    commit: bool = True,
) -> HandleReport:
    """Name the authors of the stream's recent mentions, workspace by workspace; with
    `commit` each workspace commits on its own and the network is asked outside any
    transaction."""
    report = HandleReport()
    now = clock()
    following = [q.id for q in repo.following_queries(session, NETWORK)]
    by_workspace: dict[uuid.UUID, list[str]] = {}
    for workspace_id, did in repo.unnamed_authors(session, NETWORK, following, now - WINDOW, LIMIT):
        by_workspace.setdefault(workspace_id, []).append(did)
    for workspace_id, dids in by_workspace.items():
        ask = [did for did in dids if cache.due(did, now)]
        if ask and not cache.paused(workspace_id, now):
            _ask(session, opener, cache, workspace_id, ask, now, report, commit=commit)
    # Every lookup first: what one workspace's channel learnt names the others' mentions too.
    for workspace_id, dids in by_workspace.items():
        handles = {did: h for did in dids if (h := cache.handle(did, now))}
        report.unnamed += len(dids) - len(handles)
        if handles:
            report.named += repo.name_authors(session, workspace_id, NETWORK, handles)
        if commit:
            session.commit()
    return report


def _ask(
    session: Session,
    opener: Opener,
    cache: HandleCache,
    workspace_id: uuid.UUID,
    dids: list[str],
    now: datetime,
    report: HandleReport,
    *,
    commit: bool,
) -> None:
    channel = reading_channel(session, workspace_id, NETWORK)
    if channel is None:  # no connected Bluesky channel: the DIDs stay
        return
    report.asked += len(dids)
    outcome = reach(
        session,
        CapabilityOpener(opener, Capability.READ_PUBLIC_ACCOUNTS),
        channel.id,
        "public accounts",
        lambda installation: lookup_handles(installation, dids),
        commit=commit,
    )
    if isinstance(outcome, Failure):
        report.errors.append(outcome.reason)
        wait = max(PAUSE, timedelta(seconds=outcome.retry_after or 0))
        cache.pause(workspace_id, now + wait)
        return
    found = outcome[1]
    for did in dids:
        cache.learn(did, found.get(did), now)


class HandlesLoop(MeasuringLoop[HandleReport]):
    """Every minute, while `active()` (the process holds the stream), names the authors."""

    name = "orchestre-listening-stream-handles"
    round = ROUND

    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        active: Callable[[], bool] = lambda: True,
        every: timedelta | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(factory, opener, every=every, clock=clock)
        self._active = active
        self.cache = HandleCache()

    def measure(self, session: Session) -> HandleReport:
        if not self._active():
            return HandleReport()
        return name_authors(session, self._opener, self.cache, clock=self._clock)

    def after_round(self, report: HandleReport) -> None:
        if report.asked or report.errors:
            log.info(
                "listening stream: %d authors asked, %d mentions named, %d kept as DIDs%s",
                report.asked,
                report.named,
                report.unnamed,
                f" ({report.errors[-1]})" if report.errors else "",
            )

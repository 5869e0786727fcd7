"""The ticker: claims due publications and hands them to the workers, in every process that
runs workers, so nothing waits on a cron job or on one special process.

Each tick claims a batch in one transaction (SKIP LOCKED lets several tickers share the
rows) and enqueues send jobs of up to `send_batch` claims each (a publication with media
alone), sent when that transaction commits: on the embedded pool, or on the broker for any
`orchestre worker` to take. It claims no more
while `max_waiting_claims` claims wait for a worker, so a burst of thousands is claimed
as it is sent, never queued whole with leases that lapse before their turn. Between ticks it
sleeps until the next publication falls due, at most `idle` seconds, and wakes at once
when `poke` is called (a post scheduled for now).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.publishing.claims import claim_due, next_due, waiting_claims, with_media
from orchestre.publishing.policy import EnginePolicy
from orchestre.publishing.tasks import SEND, SEND_MANY
from orchestre.worker.queue import enqueue

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def tick(
    factory: sessionmaker[Session],
    policy: EnginePolicy,
    *,
    worker: str | None = None,
    now: datetime | None = None,
) -> int:
    """Claim what is due and enqueue its sends; returns how many were claimed."""
    return _tick(factory, policy, worker or worker_name(), now or utcnow())[0]


def _tick(
    factory: sessionmaker[Session], policy: EnginePolicy, worker: str, now: datetime
) -> tuple[int, bool]:
    """How many were claimed, and whether as many claims as allowed now wait for workers."""
    with transaction(factory) as session:
        room = policy.max_waiting_claims - waiting_claims(session, now)
        if room <= 0:
            return 0, True
        limit = min(policy.claim_batch, room)
        claims = claim_due(session, now=now, worker=worker, policy=policy, limit=limit)
        alone = with_media(session, [claim.publication_id for claim in claims])
        together: list[list[str]] = []
        for claim in claims:
            if claim.publication_id in alone or policy.send_batch <= 1:
                enqueue(session, SEND, publication_id=str(claim.publication_id), token=claim.token)
                continue
            together.append([str(claim.publication_id), claim.token])
            if len(together) >= policy.send_batch:
                enqueue(session, SEND_MANY, claims=together)
                together = []
        if together:
            enqueue(session, SEND_MANY, claims=together)
    return len(claims), len(claims) >= room


class Ticker:
    """A daemon thread that ticks until stopped."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        policy: EnginePolicy | None = None,
        *,
        idle: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self._policy = policy or EnginePolicy()
        self._idle = idle
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_tick: datetime | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="orchestre-ticker", daemon=True)
            self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        name = worker_name()
        while not self._stop.is_set():
            delay = self._idle
            try:
                claimed, full = _tick(self._factory, self._policy, name, self._clock())
                self.last_tick = self._clock()
                self.ticks += 1
                if full:  # the workers are behind: let them take what is claimed
                    delay = min(self._idle, self._policy.full_wait)
                elif claimed >= self._policy.claim_batch:
                    delay = 0.0
                else:
                    delay = self._sleep_for()
            except Exception:  # the database is down: keep trying, never die
                log.exception("publishing tick failed; trying again in %.1f s", self._idle)
            self._wake.wait(delay)
            self._wake.clear()

    def _sleep_for(self) -> float:
        with transaction(self._factory) as session:
            due = next_due(session, self._clock())
        if due is None:
            return self._idle
        return max(0.0, min(self._idle, (due - self._clock()).total_seconds()))

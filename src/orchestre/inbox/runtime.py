"""The inbox's background loops, run by every process that runs workers (see background.py).

- `InboxPoller`: every few seconds, polls the streams that are due (`polling.poll_due`);
  new channels get their cursors once a minute. Several processes may run one: claims
  are leased, so no stream is read by two at once.
- `InboxSweeper`: every minute, marks conversations whose first response is late and
  tells the team once (`sla.sweep_breaches`), hands replies whose job seems lost to a
  new job (`tasks.resend_stalled`), and forgets webhook receipts older than the replay
  window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.inbox import sla, tasks
from orchestre.inbox.classifying import Classifier
from orchestre.inbox.polling import PollPolicy, PollReport, poll_due
from orchestre.insights.collection import ChannelOpener, Opener
from orchestre.kit.clock import utcnow
from orchestre.kit.loops import PeriodicLoop
from orchestre.models.inbox import WebhookReceipt

log = logging.getLogger(__name__)

POLL_EVERY_SECONDS = 5.0
ENSURE_EVERY = timedelta(minutes=1)
SWEEP_EVERY_SECONDS = 60.0
# A replayed webhook older than this is refused by its signature's age on networks that
# sign a timestamp, and by nobody on the others: a week covers every network's retries.
RECEIPTS_KEPT = timedelta(days=7)


class InboxPoller(PeriodicLoop[PollReport]):
    name = "orchestre-inbox-poller"

    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        policy: PollPolicy | None = None,
        every: float = POLL_EVERY_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        classifier: Classifier | None = None,
    ) -> None:
        super().__init__(every=every)
        self._factory = factory
        self._opener = opener
        self._policy = policy or PollPolicy()
        self._clock = clock
        self._classifier = classifier
        self._ensured_at: datetime | None = None

    def run_once(self) -> PollReport:
        now = self._clock()
        ensure = self._ensured_at is None or now - self._ensured_at >= ENSURE_EVERY
        session = self._factory()
        try:
            report = poll_due(
                session,
                self._opener,
                policy=self._policy,
                clock=self._clock,
                classifier=self._classifier,
                ensure=ensure,
            )
        finally:
            session.close()
        if ensure:
            self._ensured_at = now
        return report

    def after_round(self, report: PollReport) -> None:
        if report.ingested or report.failed or report.lost:
            log.info(
                "inbox: %d message(s) from %d page(s); %d stream(s) failed, %d lost",
                report.ingested,
                report.pages,
                report.failed,
                report.lost,
            )


def sweep(session: Session, now: datetime) -> int:
    """Breaches told, stalled replies handed on, old webhook receipts forgotten; returns
    the breaches. Committed."""
    try:
        breaches = sla.sweep_breaches(session, now)
        tasks.resend_stalled(session, now)
        session.execute(
            delete(WebhookReceipt).where(WebhookReceipt.received_at < now - RECEIPTS_KEPT)
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return breaches


class InboxSweeper(PeriodicLoop[int]):
    name = "orchestre-inbox-sweeper"

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        every: float = SWEEP_EVERY_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(every=every)
        self._factory = factory
        self._clock = clock

    def run_once(self) -> int:
        session = self._factory()
        try:
            return sweep(session, self._clock())
        finally:
            session.close()


def start_inbox_poller(settings: Settings, factory: sessionmaker[Session]) -> InboxPoller:
    """The production poller of a process that runs workers, started (stop it on exit)."""
    every = settings.inbox_poll_every_seconds
    poller = InboxPoller(
        factory,
        ChannelOpener(access_for(settings)),
        policy=PollPolicy.from_settings(settings),
        every=every,
    )
    poller.start()
    return poller


def start_inbox_sweeper(settings: Settings, factory: sessionmaker[Session]) -> InboxSweeper:
    every = settings.inbox_sla_sweep_seconds
    sweeper = InboxSweeper(factory, every=every)
    sweeper.start()
    return sweeper

"""Running metrics collection periodically in a process that runs workers.

`orchestre serve` (embedded) and each `orchestre worker` (scaled) may start one
`Collector` (`start_collector`, next to the publishing ticker and the token refresher):
a daemon thread that runs `collect_due` every `every` (10 minutes by default; the
stages are hours apart). Several processes may run one at once: each run
claims what it measures (see `collection.claim_due`), so no post is measured twice.
Cron users can enqueue the `insights.collect_metrics` task instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.insights.collection import ChannelOpener, CollectReport, Opener, collect_due
from orchestre.kit.clock import utcnow

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=10)


class Collector:
    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        every: timedelta = EVERY,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self._opener = opener
        self._every = every
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def run_once(self) -> CollectReport:
        """One run in a session of its own (each channel commits on its own)."""
        session = self._factory()
        try:
            report = collect_due(session, self._opener, clock=self._clock)
        finally:
            session.close()
        self.runs += 1
        return report

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="orchestre-metrics", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
                if report.measured or report.postponed or report.ended:
                    log.info(
                        "post metrics: %d measured, %d postponed, %d ended",
                        report.measured,
                        report.postponed,
                        report.ended,
                    )
            except Exception:  # the database is down: try again at the next turn
                log.exception("metrics collection failed; trying again later")
            self._stop.wait(self._every.total_seconds())


def start_collector(settings: Settings, factory: sessionmaker[Session]) -> Collector:
    """The production collector of a process that runs workers, started (stop it on exit)."""
    collector = Collector(factory, ChannelOpener(access_for(settings)))
    collector.start()
    return collector

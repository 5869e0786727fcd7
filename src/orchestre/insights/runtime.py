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
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.insights.collection import ChannelOpener, CollectReport, Opener, collect_due
from orchestre.kit.clock import utcnow
from orchestre.kit.loops import PeriodicLoop

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=10)


class Collector(PeriodicLoop[CollectReport]):
    name = "orchestre-metrics"

    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        every: timedelta = EVERY,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(every=every.total_seconds())
        self._factory = factory
        self._opener = opener
        self._clock = clock
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

    def after_round(self, report: CollectReport) -> None:
        if report.measured or report.postponed or report.ended:
            log.info(
                "post metrics: %d measured, %d postponed, %d ended",
                report.measured,
                report.postponed,
                report.ended,
            )


def start_collector(settings: Settings, factory: sessionmaker[Session]) -> Collector:
    """The production collector of a process that runs workers, started (stop it on exit)."""
    collector = Collector(factory, ChannelOpener(access_for(settings)))
    collector.start()
    return collector

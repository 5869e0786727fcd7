"""The feeds' collector loop: every few minutes, read the RSS and Atom feeds that are due.

`orchestre serve` and each `orchestre worker` start one (`start_feeds`, beside the
listening collector); several may run at once since each run claims its feeds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.inbox.classifying import Classifier
from orchestre.kit.clock import utcnow
from orchestre.kit.loops import PeriodicLoop
from orchestre.listening.feeds_collect import FeedReport, collect_feeds
from orchestre.listening.feeds_fetch import FeedFetcher
from orchestre.listening.feeds_service import fetcher_from

log = logging.getLogger(__name__)

ROUND = timedelta(minutes=5)


class FeedsLoop(PeriodicLoop[FeedReport]):
    name = "orchestre-listening-feeds"

    def __init__(
        self,
        factory: sessionmaker[Session],
        fetcher: FeedFetcher,
        *,
        every: timedelta = ROUND,
        clock: Callable[[], datetime] = utcnow,
        classifier: Classifier | None = None,
    ) -> None:
        super().__init__(every=every.total_seconds())
        self._factory = factory
        self._fetcher = fetcher
        self._clock = clock
        self._classifier = classifier  # None: the inbox's default
        self.runs = 0

    def run_once(self) -> FeedReport:
        """One round in a session of its own (each feed commits on its own)."""
        session = self._factory()
        try:
            report = collect_feeds(
                session, self._fetcher, clock=self._clock, classifier=self._classifier
            )
        finally:
            session.close()
        self.runs += 1
        return report

    def after_round(self, report: FeedReport) -> None:
        if report.read or report.postponed:
            log.info(
                "listening feeds: %d read (%d unchanged), %d new entries, %d mentions, "
                "%d postponed",
                report.read,
                report.unchanged,
                report.entries,
                report.stored,
                report.postponed,
            )


def start_feeds(settings: Settings, factory: sessionmaker[Session]) -> FeedsLoop:
    """The production loop, started (stop it on exit)."""
    loop = FeedsLoop(factory, fetcher_from(settings.listening_feeds_allow_private))
    loop.start()
    return loop

"""The listening collector loop: every few minutes, read the cursors that are due.

`orchestre serve` and each `orchestre worker` start one (`start_listening`, beside the
metrics collector); several may run at once since each run claims its cursors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.insights.collection import ChannelOpener, Opener
from orchestre.kit.clock import utcnow
from orchestre.kit.loops import PeriodicLoop
from orchestre.listening.collect import CollectReport, collect

log = logging.getLogger(__name__)

ROUND = timedelta(minutes=5)


class ListeningLoop(PeriodicLoop[CollectReport]):
    name = "orchestre-listening"

    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        every: timedelta = ROUND,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(every=every.total_seconds())
        self._factory = factory
        self._opener = opener
        self._clock = clock

    def run_once(self) -> CollectReport:
        session = self._factory()
        try:
            return collect(session, self._opener, clock=self._clock)
        finally:
            session.close()

    def after_round(self, report: CollectReport) -> None:
        if report.searched or report.postponed:
            log.info(
                "listening: %d searches, %d mentions stored, %d postponed",
                report.searched,
                report.stored,
                report.postponed,
            )


def start_listening(settings: Settings, factory: sessionmaker[Session]) -> ListeningLoop:
    """The production loop, started (stop it on exit)."""
    loop = ListeningLoop(factory, ChannelOpener(access_for(settings)))
    loop.start()
    return loop

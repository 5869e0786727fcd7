"""The listening collector loop: every few minutes, read the cursors that are due.

`orchestre serve` and each `orchestre worker` start one (`start_listening`, beside the
metrics collector); several may run at once since each run claims its cursors."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.insights.collection import ChannelOpener
from orchestre.insights.runtime import MeasuringLoop
from orchestre.listening.collect import CollectReport, collect

log = logging.getLogger(__name__)

ROUND = timedelta(minutes=5)


class ListeningLoop(MeasuringLoop[CollectReport]):
    name = "orchestre-listening"
    round = ROUND

    def measure(self, session: Session) -> CollectReport:
        return collect(session, self._opener, clock=self._clock)

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

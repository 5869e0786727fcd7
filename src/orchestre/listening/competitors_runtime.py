"""The competitors collector loop: every hour, read the competitor accounts that are due
(each once a day: a snapshot of its counts and its recent posts' latest counts).

`orchestre serve` and each `orchestre worker` start one (`start_competitors`); several may
run at once since each run claims its accounts (see `competitors_collect.collect`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.insights.collection import ChannelOpener
from orchestre.insights.runtime import MeasuringLoop
from orchestre.listening.competitors_collect import CompetitorReport, collect

log = logging.getLogger(__name__)

ROUND = timedelta(hours=1)


class CompetitorsLoop(MeasuringLoop[CompetitorReport]):
    name = "orchestre-competitors"
    round = ROUND

    def measure(self, session: Session) -> CompetitorReport:
        return collect(session, self._opener, clock=self._clock)

    def after_round(self, report: CompetitorReport) -> None:
        if report.read or report.postponed:
            log.info(
                "competitors: %d accounts read, %d posts updated, %d postponed",
                report.read,
                report.posts,
                report.postponed,
            )


def start_competitors(settings: Settings, factory: sessionmaker[Session]) -> CompetitorsLoop:
    """The production loop, started (stop it on exit)."""
    loop = CompetitorsLoop(factory, ChannelOpener(access_for(settings)))
    loop.start()
    return loop

"""Running metrics collection periodically in a process that runs workers.

`orchestre serve` (embedded) and each `orchestre worker` (scaled) may start one
`Collector` (`start_collector`, next to the publishing ticker and the token refresher):
a daemon thread that runs `collect_due` every `every` (10 minutes by default; the
stages are hours apart). Several processes may run one at once: each run
claims what it measures (see `collection.claim_due`), so no post is measured twice.
Cron users can enqueue the `insights.collect_metrics` task instead.

Beside it, `ChannelMetricsLoop` (`start_channel_metrics`) measures each channel's
followers and profile visits (`analytics.channel_metrics`) every
`ORCHESTRE_CHANNEL_METRICS_EVERY_HOURS`; it looks for due channels every 10 minutes
too, and the channels themselves are staggered across the period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics.channel_metrics import ChannelReport, collect_channels
from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.insights.collection import ChannelOpener, CollectReport, Opener, collect_due
from orchestre.kit.clock import utcnow
from orchestre.kit.loops import PeriodicLoop

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=10)
R = TypeVar("R")


class MeasuringLoop(PeriodicLoop[R]):
    """A loop whose round reaches the networks through `opener` in a session of its own
    (the metrics collectors here, listening's collector, the ad platforms' sync); `every`
    defaults to the class's `round`."""

    round: timedelta = EVERY

    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        every: timedelta | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(every=(every or self.round).total_seconds())
        self._factory = factory
        self._opener = opener
        self._clock = clock
        self.runs = 0

    def measure(self, session: Session) -> R:
        raise NotImplementedError

    def run_once(self) -> R:
        """One run in a session of its own (each channel commits on its own)."""
        session = self._factory()
        try:
            report = self.measure(session)
        finally:
            session.close()
        self.runs += 1
        return report


class Collector(MeasuringLoop[CollectReport]):
    name = "orchestre-metrics"

    def measure(self, session: Session) -> CollectReport:
        return collect_due(session, self._opener, clock=self._clock)

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


class ChannelMetricsLoop(MeasuringLoop[ChannelReport]):
    name = "orchestre-channel-metrics"

    def __init__(
        self,
        factory: sessionmaker[Session],
        opener: Opener,
        *,
        period: timedelta,
        every: timedelta | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(factory, opener, every=every, clock=clock)
        self._period = period

    def measure(self, session: Session) -> ChannelReport:
        return collect_channels(session, self._opener, clock=self._clock, every=self._period)

    def after_round(self, report: ChannelReport) -> None:
        if report.measured or report.postponed:
            log.info(
                "channel metrics: %d measured (%d samples), %d postponed",
                report.measured,
                report.samples,
                report.postponed,
            )


def start_channel_metrics(settings: Settings, factory: sessionmaker[Session]) -> ChannelMetricsLoop:
    """The production loop of channel metrics, started (stop it on exit)."""
    period = timedelta(hours=settings.channel_metrics_every_hours)
    loop = ChannelMetricsLoop(factory, ChannelOpener(access_for(settings)), period=period)
    loop.start()
    return loop

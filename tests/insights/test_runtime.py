"""The periodic collector: one run in a session of its own, and a thread that stops when told."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.insights.runtime import Collector, start_collector
from tests.insights.conftest import World


def test_a_run_measures_what_is_due(world: World, session_factory: sessionmaker[Session]) -> None:
    publication = world.publish_now()
    world.db.commit()
    collector = Collector(session_factory, world.opener, clock=world.clock.now)
    assert collector.run_once().scheduled == 1
    world.later(hours=1)
    report = collector.run_once()
    assert report.measured == 1
    assert collector.runs == 2
    assert world.samples(publication)


def test_the_thread_runs_then_stops_when_told(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    world.publish_now()
    world.db.commit()
    ran = threading.Event()

    class Signalling(Collector):
        def run_once(self):  # type: ignore[no-untyped-def]
            report = super().run_once()
            ran.set()
            return report

    collector = Signalling(
        session_factory, world.opener, every=timedelta(hours=1), clock=world.clock.now
    )
    collector.start()
    assert ran.wait(10)
    collector.stop()
    assert collector.runs == 1


def test_start_collector_runs_on_the_channels_connectors(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    from orchestre.insights.collection import ChannelOpener

    collector = start_collector(settings, session_factory)
    try:
        assert isinstance(collector._opener, ChannelOpener)
        assert collector._thread is not None
    finally:
        collector.stop()
    assert not collector._thread.is_alive()

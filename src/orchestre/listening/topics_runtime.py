"""The topic clusters' loop: every 10 minutes, recompute the workspaces' stale topics.

`orchestre serve` and each `orchestre worker` start one (`start_topics`, beside the
listening collector); several may run at once, since each snapshot is leased by the
worker that computes it (topics_service.refresh_round)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.kit.loops import PeriodicLoop
from orchestre.listening.topics_service import refresh_round

log = logging.getLogger(__name__)

EVERY_SECONDS = 600.0


class TopicsLoop(PeriodicLoop[int]):
    name = "orchestre-topics"

    def __init__(self, factory: sessionmaker[Session], every: float = EVERY_SECONDS) -> None:
        super().__init__(every=every)
        self._factory = factory

    def run_once(self) -> int:
        return refresh_round(self._factory)

    def after_round(self, result: int) -> None:
        if result:
            log.info("topics: %d workspaces' topic clusters computed", result)


def start_topics(settings: Settings, factory: sessionmaker[Session]) -> TopicsLoop:
    """The production loop, started (stop it on exit)."""
    loop = TopicsLoop(factory)
    loop.start()
    return loop

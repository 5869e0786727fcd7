"""A background loop: a daemon thread running one round at once, then every `every`
seconds until stopped, and never dying of a failed round (a database outage is tried
again next round). The token refresher, the delivery sweeper and the metrics collector
are such loops; each says what a round is and what to log of its result."""

from __future__ import annotations

import logging
import threading
from typing import Generic, TypeVar

R = TypeVar("R")
log = logging.getLogger(__name__)


class PeriodicLoop(Generic[R]):
    name = "orchestre-loop"

    def __init__(self, *, every: float) -> None:
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> R:
        raise NotImplementedError

    def after_round(self, result: R) -> None:
        """What to do with a round's result (log it); nothing by default."""

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.run_once()
            except Exception:  # a database outage: try again next round
                log.exception(
                    "%s: the round failed; trying again in %.0f s", self.name, self._every
                )
            else:
                self.after_round(result)
            self._stop.wait(self._every)

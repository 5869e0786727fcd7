"""The token refresher: every few minutes, refresh the tokens that expire within the hour.

It runs in every process that runs workers (`orchestre serve`, each `orchestre worker`),
like the publishing ticker, so no cron job is needed. Several processes may look at the
same channel at once: the channel's row lock and the re-read in `refresh_channel` make
sure only one of them spends the refresh token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import NetworkAccess, access_for
from orchestre.channels.credentials import RefreshReport, refresh_expiring
from orchestre.config import Settings

log = logging.getLogger(__name__)

EVERY_SECONDS = 10 * 60.0


class TokenRefresher:
    """A daemon thread running `refresh_expiring` at once, then every `every` seconds."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        access: NetworkAccess,
        *,
        every: float = EVERY_SECONDS,
        on_round: Callable[[RefreshReport], None] | None = None,
    ) -> None:
        self._factory = factory
        self._access = access
        self._every = every
        self._on_round = on_round
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> RefreshReport:
        """One round; each channel commits on its own (see `refresh_expiring`)."""
        session = self._factory()
        try:
            report = refresh_expiring(session, self._access)
            session.commit()
            return report
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="orchestre-token-refresher", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
            except Exception:  # a database outage: try again next round
                log.exception("token refresh round failed")
            else:
                if report.refreshed or report.needs_reconnection or report.postponed:
                    log.info(
                        "tokens: %d refreshed, %d need reconnection, %d postponed",
                        report.refreshed,
                        report.needs_reconnection,
                        report.postponed,
                    )
                if self._on_round is not None:
                    self._on_round(report)
            self._stop.wait(self._every)


def start_refresher(settings: Settings, factory: sessionmaker[Session]) -> TokenRefresher:
    """The production refresher of a worker process, started."""
    refresher = TokenRefresher(factory, access_for(settings))
    refresher.start()
    return refresher

"""The token refresher: every few minutes, refresh the tokens that expire within the hour.

It runs in every process that runs workers (`orchestre serve`, each `orchestre worker`),
like the publishing ticker, so no cron job is needed. Several processes may look at the
same channel at once: the channel's row lock and the re-read in `refresh_channel` make
sure only one of them spends the refresh token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import NetworkAccess, access_for
from orchestre.channels.credentials import RefreshReport, refresh_expiring
from orchestre.config import Settings
from orchestre.kit.loops import PeriodicLoop

log = logging.getLogger(__name__)

EVERY_SECONDS = 10 * 60.0


class TokenRefresher(PeriodicLoop[RefreshReport]):
    """Runs `refresh_expiring` at once, then every `every` seconds."""

    name = "orchestre-token-refresher"

    def __init__(
        self,
        factory: sessionmaker[Session],
        access: NetworkAccess,
        *,
        every: float = EVERY_SECONDS,
        on_round: Callable[[RefreshReport], None] | None = None,
    ) -> None:
        super().__init__(every=every)
        self._factory = factory
        self._access = access
        self._on_round = on_round

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

    def after_round(self, report: RefreshReport) -> None:
        if report.refreshed or report.needs_reconnection or report.postponed:
            log.info(
                "tokens: %d refreshed, %d need reconnection, %d postponed",
                report.refreshed,
                report.needs_reconnection,
                report.postponed,
            )
        if self._on_round is not None:
            self._on_round(report)


def start_refresher(settings: Settings, factory: sessionmaker[Session]) -> TokenRefresher:
    """The production refresher of a worker process, started."""
    refresher = TokenRefresher(factory, access_for(settings))
    refresher.start()
    return refresher

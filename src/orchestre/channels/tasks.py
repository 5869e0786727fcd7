"""Background jobs of the channels domain."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from orchestre.channels.apps import access_for
from orchestre.channels.credentials import refresh_expiring
from orchestre.config import get_settings
from orchestre.worker.registry import task

log = logging.getLogger(__name__)

REFRESH_EXPIRING = "channels.refresh_expiring"


@task(REFRESH_EXPIRING)
def refresh_expiring_tokens(session: Session) -> None:
    """Refresh the tokens expiring within the hour (enqueue it periodically, or run
    `orchestre refresh-tokens` from cron); each channel commits on its own."""
    report = refresh_expiring(session, access_for(get_settings()))
    log.info(
        "token refresh: %d refreshed, %d need reconnection, %d postponed",
        report.refreshed,
        report.needs_reconnection,
        report.postponed,
    )

"""The delivery sweeper: webhook deliveries whose job was lost are sent again.

A job is a nudge (ADR 0003): the process may stop between the commit that recorded a
delivery and its job, or in the middle of the job's retries. A delivery still pending
with no attempt for `stalled_after` is nudged again; a live job never goes that long
without an attempt (its waits and timeouts stay within a few minutes). Receivers drop the
rare repeat by its `Orchestre-Delivery` id.

Run it in every process that runs workers, like the token refresher:
`start_sweeper(settings, factory)` at start, `.stop()` on shutdown.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.delivery import repository
from orchestre.delivery.dispatch import SEND_WEBHOOK
from orchestre.kit.clock import utcnow
from orchestre.kit.loops import PeriodicLoop
from orchestre.worker.queue import enqueue

log = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=10)
EVERY_SECONDS = 5 * 60.0
BATCH = 200


def resume_stalled(
    session: Session, now: datetime, stalled_after: timedelta = STALLED_AFTER
) -> int:
    """Enqueue a send for each stalled pending delivery; returns how many."""
    ids = repository.stalled(session, now - stalled_after, BATCH)
    for delivery_id in ids:
        enqueue(session, SEND_WEBHOOK, delivery_id=str(delivery_id))
    if ids:
        log.warning("%d webhook delivery(ies) had lost their job; sending again", len(ids))
    return len(ids)


class DeliverySweeper(PeriodicLoop[int]):
    """Runs `resume_stalled` at once, then every `every` seconds."""

    name = "orchestre-delivery-sweeper"

    def __init__(self, factory: sessionmaker[Session], *, every: float = EVERY_SECONDS) -> None:
        super().__init__(every=every)
        self._factory = factory

    def run_once(self) -> int:
        session = self._factory()
        try:
            count = resume_stalled(session, utcnow())
            session.commit()
            return count
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def start_sweeper(settings: Settings, factory: sessionmaker[Session]) -> DeliverySweeper:
    """The production sweeper of a worker process, started."""
    sweeper = DeliverySweeper(factory)
    sweeper.start()
    return sweeper

"""Community content's own clock, every few minutes:

- rights requests whose wait ended without an answer expire (their items may be asked
  again), so the board says so without anyone opening it;
- contests collect their entries: each contest that is open, or closed within the last
  day (mentions published before the close are still arriving from listening), turns
  what listening and the inbox took in into entries.

`orchestre serve` and each `orchestre worker` start one loop; a contest is locked while
it is collected (PostgreSQL FOR UPDATE SKIP LOCKED; SQLite's single write lock), so
several processes never enter the same post twice."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.kit.clock import utcnow
from orchestre.kit.db import for_update, transaction
from orchestre.kit.loops import PeriodicLoop
from orchestre.models.ugc_contests import Contest
from orchestre.ugc.contests_collect import collect_contest
from orchestre.ugc.rights import expire_overdue

log = logging.getLogger(__name__)

EVERY_SECONDS = 300.0
LATE = timedelta(days=1)  # how long after its close a contest still picks up late finds


def due_contests(session: Session, now: datetime) -> list[uuid.UUID]:
    """Contests whose window holds `now`, or closed less than LATE ago, with words to match."""
    stmt = (
        select(Contest)
        .where(
            Contest.status.in_(("open", "closed")),
            Contest.opens_at <= now,
            Contest.closes_at >= now - LATE,
        )
        .order_by(Contest.id)
    )
    return [c.id for c in session.scalars(stmt) if c.hashtag or c.keywords]


@dataclass(frozen=True)
class Round:
    expired: int  # rights requests that ended without an answer
    added: int  # contest entries collected


def run_round(factory: sessionmaker[Session], now: datetime | None = None) -> Round:
    moment = now or utcnow()
    with transaction(factory) as session:
        expired = expire_overdue(session, None, moment)
    return Round(expired=expired, added=collect_round(factory, moment))


def collect_round(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """One round, one transaction per contest; how many entries were added."""
    moment = now or utcnow()
    with transaction(factory) as session:
        ids = due_contests(session, moment)
    added = 0
    for contest_id in ids:
        try:
            with transaction(factory) as session:
                stmt = for_update(session, select(Contest).where(Contest.id == contest_id))
                contest = session.scalar(stmt.execution_options(populate_existing=True))
                if contest is not None:
                    added += collect_contest(session, contest).added
        except Exception:
            log.exception("collecting the entries of contest %s failed; next round", contest_id)
    return added


class UgcLoop(PeriodicLoop[Round]):
    name = "orchestre-ugc"

    def __init__(self, factory: sessionmaker[Session], *, every: float = EVERY_SECONDS) -> None:
        super().__init__(every=every)
        self._factory = factory

    def run_once(self) -> Round:
        return run_round(self._factory)

    def after_round(self, result: Round) -> None:
        if result.expired or result.added:
            log.info(
                "ugc: %d rights requests expired, %d contest entries collected",
                result.expired,
                result.added,
            )


def start_ugc_loop(settings: Settings, factory: sessionmaker[Session]) -> UgcLoop:
    """The production loop, started (stop it on exit)."""
    del settings
    loop = UgcLoop(factory)
    loop.start()
    return loop

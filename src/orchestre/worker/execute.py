"""Running one job: its own transaction, and the rule for whether a failure is worth a retry."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from orchestre.errors import DomainError, RateLimited
from orchestre.kit.db import transaction
from orchestre.worker.queue import Job
from orchestre.worker.registry import UnknownTask, run

log = logging.getLogger(__name__)


def perform(factory: sessionmaker[Session], job: Job) -> None:
    """Run the job in one transaction: committed if it returns, rolled back if it raises.

    Jobs it enqueues are sent when that transaction commits, like a request's.
    """
    with transaction(factory) as session:
        run(session, job.name, job.kwargs)


def is_retryable(exc: BaseException) -> bool:
    """A missing task or a refused use case will fail the same way again; anything else may not."""
    if isinstance(exc, UnknownTask):
        return False
    if isinstance(exc, DomainError):
        return isinstance(exc, RateLimited)
    return isinstance(exc, Exception)


def backoff_seconds(attempt: int, base: float, ceiling: float) -> float:
    """Exponential backoff: base, 2 base, 4 base, ... up to the ceiling."""
    return float(min(ceiling, base * 2 ** max(0, attempt - 1)))

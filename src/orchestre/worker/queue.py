"""Enqueue jobs inside a transaction; they are sent only after it commits.

A job enqueued in a transaction that rolls back (or a savepoint that rolls back) is never
sent: a refused request must not leave a nudge behind for work that did not happen.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from orchestre.worker.registry import check_name

log = logging.getLogger(__name__)

JOBS_KEY = "orchestre.jobs"
DISPATCHER_KEY = "orchestre.dispatcher"


@dataclass(frozen=True)
class Job:
    """A named task with JSON-safe arguments. It is a nudge: the database holds the truth."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


class Dispatcher(Protocol):
    """Something that sends committed jobs on their way: the embedded pool or the broker."""

    def dispatch(self, jobs: list[Job]) -> None: ...


@dataclass
class _Pending:
    job: Job
    transaction: SessionTransaction | None


_default_dispatcher: Dispatcher | None = None


def set_default_dispatcher(dispatcher: Dispatcher | None) -> Dispatcher | None:
    """The dispatcher for sessions whose factory has none bound; returns the previous one."""
    global _default_dispatcher
    previous, _default_dispatcher = _default_dispatcher, dispatcher
    return previous


def bind_dispatcher(factory: sessionmaker[Session], dispatcher: Dispatcher | None) -> None:
    """Every session made by `factory` sends its committed jobs to `dispatcher`."""
    info = dict(factory.kw.get("info") or {})
    if dispatcher is None:
        info.pop(DISPATCHER_KEY, None)
    else:
        info[DISPATCHER_KEY] = dispatcher
    factory.configure(info=info)


def enqueue(session: Session, name: str, **kwargs: Any) -> Job:
    """Queue `name(**kwargs)` to run after this session's transaction commits."""
    check_name(name)
    try:
        # The job crosses a process boundary in broker mode: refuse now what would fail there.
        plain = json.loads(json.dumps(kwargs))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"arguments of job {name!r} must be JSON-safe: {exc}") from exc
    job = Job(name=name, kwargs=plain)
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(JOBS_KEY, []).append(_Pending(job, current))
    return job


def pending_jobs(session: Session) -> list[Job]:
    return [p.job for p in session.info.get(JOBS_KEY, [])]


def _dispatcher_of(session: Session) -> Dispatcher | None:
    bound: Dispatcher | None = session.info.get(DISPATCHER_KEY)
    return bound or _default_dispatcher


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    pending: list[_Pending] = session.info.pop(JOBS_KEY, [])
    if not pending:
        return
    jobs = [p.job for p in pending]
    dispatcher = _dispatcher_of(session)
    if dispatcher is None:
        log.warning(
            "no job runner is configured in this process; %d job(s) not sent: %s",
            len(jobs),
            ", ".join(j.name for j in jobs),
        )
        return
    try:
        dispatcher.dispatch(jobs)
    except Exception:
        # The transaction is committed and stays so: the database holds the truth, and the
        # work a lost nudge would have started is found again from it (ADR 0003).
        log.exception("could not send %d job(s): %s", len(jobs), ", ".join(j.name for j in jobs))


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: list[_Pending] | None = session.info.get(JOBS_KEY)
    if not pending:
        return
    if not previous_transaction.nested:
        session.info.pop(JOBS_KEY, None)
        return
    kept = [p for p in pending if not _within(p.transaction, previous_transaction)]
    session.info[JOBS_KEY] = kept


@event.listens_for(Session, "after_transaction_end")
def _drop_when_closed(session: Session, transaction: SessionTransaction) -> None:
    # Closing a session without commit ends its transaction without a rollback event.
    if transaction.parent is None and not transaction.nested:
        session.info.pop(JOBS_KEY, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False

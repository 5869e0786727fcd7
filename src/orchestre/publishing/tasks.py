"""The worker tasks that send claimed publications (one, or several together), and the
process-wide context they use.

The process that runs workers (`orchestre serve` embedded, `orchestre worker` scaled)
calls `configure` once with its gateway, limiter and policy; the task reads it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orchestre.publishing.sending import SendContext, send, send_many
from orchestre.worker.registry import task

SEND = "publishing.send"
SEND_MANY = "publishing.send_many"
_context: SendContext | None = None


def configure(context: SendContext | None) -> SendContext | None:
    """Set the context of this process's sends; returns the previous one."""
    global _context
    previous, _context = _context, context
    return previous


def context() -> SendContext:
    if _context is None:
        raise RuntimeError(
            "publishing is not configured in this process: call publishing.tasks.configure()"
        )
    return _context


@task(SEND)
def send_publication(session: Session, publication_id: str, token: str) -> None:
    send(session, context(), uuid.UUID(publication_id), token)


@task(SEND_MANY)
def send_publications(session: Session, claims: list[list[str]]) -> None:
    """`claims` is a list of [publication id, claim token] pairs."""
    send_many(session, context(), [(uuid.UUID(pid), token) for pid, token in claims])

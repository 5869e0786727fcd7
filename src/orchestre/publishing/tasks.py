"""The worker task that sends one claimed publication, and the process-wide context it uses.

The process that runs workers (`orchestre serve` embedded, `orchestre worker` scaled)
calls `configure` once with its gateway, limiter and policy; the task reads it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orchestre.publishing.sending import SendContext, send
from orchestre.worker.registry import task

SEND = "publishing.send"
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

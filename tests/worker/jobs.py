"""Tasks used by the worker tests: they write a row, fail on demand, and signal when run."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy.orm import Session

from orchestre.errors import NotFound
from orchestre.models import Workspace
from orchestre.worker import task

ran: defaultdict[str, threading.Event] = defaultdict(threading.Event)
attempts: Counter[str] = Counter()


class Recorder:
    """A dispatcher that keeps what it is sent."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def dispatch(self, jobs: list[Any]) -> None:
        self.sent.extend(jobs)

    @property
    def names(self) -> list[str]:
        return [job.name for job in self.sent]


@task("testing.create_workspace")
def create_workspace(session: Session, slug: str, fail_times: int = 0) -> None:
    attempts[slug] += 1
    session.add(Workspace(name=f"Made by a job {slug}", slug=slug))
    session.flush()
    if attempts[slug] <= fail_times:
        raise ConnectionError("the network is down (simulated)")
    ran[slug].set()


@task("testing.refused")
def refused(session: Session, slug: str) -> None:
    attempts[slug] += 1
    raise NotFound("That post no longer exists.")

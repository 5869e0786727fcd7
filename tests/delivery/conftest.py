"""A workspace with an owner, a SecretBox, and a delivery context whose network, clocks
and sleep the tests script."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.orm import Session

from orchestre.delivery import service, tasks
from orchestre.delivery.dispatch import DeliveryContext
from orchestre.delivery.webhooks import RetryPolicy
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models import User, Workspace
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_member, make_workspace
from tests.web.conftest import compile_catalogs

NOW = 1_900_000_000.0


@dataclass
class Scripted:
    """A receiver answering from a list; records every request it got."""

    answers: list[httpx.Response | Exception]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class Setup:
    db: Session
    workspace: Workspace
    owner: User
    actor: Actor
    box: SecretBox
    slept: list[float]

    def context(self, handler: Scripted | None = None, **policy: int) -> DeliveryContext:
        transport = httpx.MockTransport(handler) if handler is not None else None
        return DeliveryContext(
            box=self.box,
            policy=RetryPolicy(**policy),
            transport=transport,
            rng=random.Random(7),
            sleep=self.slept.append,
            wall=lambda: NOW,
            monotonic=_ticks(),
        )

    def endpoint(
        self, url: str = "https://hooks.example.com/orchestre", events: list[str] | None = None
    ) -> service.CreatedEndpoint:
        return service.create_endpoint(
            self.db,
            self.actor,
            self.box,
            url=url,
            events=events or ["publication.failed", "publication.published"],
        )


def _ticks() -> Callable[[], float]:
    """Each reading is 25 ms after the previous one, so every attempt lasts 25 ms."""
    counter = iter(range(10**6))

    def monotonic() -> float:
        return next(counter) * 0.025

    return monotonic


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    """Emails are written in French too: the .mo files are build output (git-ignored)."""
    compile_catalogs()


@pytest.fixture
def setup(db: Session) -> Iterator[Setup]:
    workspace = make_workspace(db)
    owner = make_member(db, workspace, "owner")
    actor = Actor(owner.id, workspace.id, frozenset({Role.OWNER}))
    yield Setup(db, workspace, owner, actor, SecretBox([new_key()]), [])
    tasks.configure(None, None, replace_mailer=True)

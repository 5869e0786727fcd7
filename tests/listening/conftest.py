"""A workspace with a sandbox channel on an in-process sandbox network, an owner acting in
it, and a classifier that reads sentiment from two words (fast and predictable)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from orchestre.connectors.base import DraftPost
from orchestre.kit.clock import FrozenClock
from orchestre.workspaces.permissions import Actor, Role
from tests.insights.conftest import World, build_world


class WordClassifier:
    """ "super" is positive, "nul" negative, else neutral; the language is always fr."""

    def __init__(self) -> None:
        self.calls = 0

    def classify_many(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Any]:
        self.calls += 1
        out = []
        for text in texts:
            label = "positive" if "super" in text else "negative" if "nul" in text else "neutral"
            out.append(
                SimpleNamespace(
                    lang=SimpleNamespace(label="fr", score=0.9),
                    sentiment=SimpleNamespace(label=label, score=0.8),
                )
            )
        return out


@dataclass
class Listening:
    world: World
    actor: Actor
    classifier: WordClassifier

    @property
    def db(self) -> Session:
        return self.world.db

    def post(self, text: str) -> str:
        """Publish `text` on the sandbox (a public post search will find); its id."""
        ref = self.world.sandbox.publish(self.world.channel.external_id, DraftPost(text=text))
        return ref.external_id


@pytest.fixture
def listening(db: Session, clock: FrozenClock) -> Listening:
    world = build_world(db, clock)
    actor = Actor(world.owner.id, world.workspace.id, frozenset({Role.OWNER}))
    return Listening(world, actor, WordClassifier())

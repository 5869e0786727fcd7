"""Topic clusters computed in the background over mentions and inbox messages, cached
per workspace, read without computing; the inbox's own trends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.listening import service
from orchestre.listening import topics_service as svc
from orchestre.models import Mention
from orchestre.models.listening_topics import TopicSnapshot
from orchestre.workspaces.permissions import Actor, Role
from tests.inbox.team_support import make_conversation
from tests.listening.conftest import Listening

AXES = {"refund": 0, "delivery": 1, "launch": 2}


def embed(texts: Sequence[str]) -> np.ndarray:
    """Messages starting with the same word share an axis (exact and instant)."""
    out = np.zeros((len(texts), 4), dtype=np.float32)
    for row, text in enumerate(texts):
        out[row, AXES.get(text.split()[0].lower(), 3)] = 1.0
    return out


def mention(listening: Listening, text: str, age: timedelta, sentiment: str = "neutral") -> None:
    query = listening.world.db.info.get("query")
    if query is None:
        query = service.create_query(
            listening.db, listening.actor, service.QueryInput("Brand", "brand")
        )
        listening.world.db.info["query"] = query
    listening.db.add(
        Mention(
            workspace_id=listening.world.workspace.id,
            query_id=query.id,
            network="sandbox",
            external_id=f"m-{len(text)}-{age.total_seconds()}-{text}",
            text=text,
            sentiment=sentiment,
            published_at=utcnow() - age,
        )
    )
    listening.db.flush()


def seed(listening: Listening) -> None:
    day = timedelta(days=1)
    for i in range(6):  # refunds: 6 this week, 2 the week before, in the inbox
        make_conversation(
            listening.db, listening.world.channel, text=f"Refund please {i}", at=utcnow() - day
        )
    for i in range(2):
        make_conversation(
            listening.db, listening.world.channel, text=f"Refund late {i}", at=utcnow() - 8 * day
        )
    for i in range(4):  # a launch only this week, in mentions, one negative
        mention(listening, f"Launch looks great {i}", day, "negative" if i == 0 else "positive")
    for i in range(5):  # delivery only the week before
        mention(listening, f"Delivery slow {i}", 9 * day)


def test_topics_are_computed_in_the_background_then_read(
    listening: Listening, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    seed(listening)
    assert svc.topic_clusters(listening.db, listening.actor).state == "pending"
    assert svc.refresh_round(session_factory, embed=embed) == 1
    read = svc.topic_clusters(listening.db, listening.actor)
    assert read.state == "ready"
    assert (read.volume, read.previous_volume, read.embedded) == (10, 7, 17)
    refund = next(t for t in read.topics if t["label"].startswith("refund"))
    assert refund["label"] == "refund please · refund late"  # phrases of 2 messages or more
    assert refund["status"] == "rising"
    assert (refund["size"], refund["previous_size"]) == (6, 2)
    assert refund["ratio"] == 3.0
    assert refund["sources"] == {"inbox": 6}
    launch = next(t for t in read.topics if t["label"].startswith("launch"))
    assert launch["status"] == "new"
    assert launch["negative_share"] == 0.25
    delivery = next(t for t in read.topics if t["label"].startswith("delivery"))
    assert (delivery["status"], delivery["size"]) == ("falling", 0)
    # Fresh: a second round within the hour computes nothing...
    assert svc.refresh_round(session_factory, embed=embed) == 0
    # ...an hour later it does again.
    clock.advance(hours=1, minutes=1)
    assert svc.refresh_round(session_factory, embed=embed) == 1


def test_a_held_snapshot_is_not_computed_twice(
    listening: Listening, session_factory: sessionmaker[Session]
) -> None:
    seed(listening)
    svc.refresh_round(session_factory, embed=embed, limit=0)  # makes the row only
    row = listening.db.query(TopicSnapshot).one()
    row.claimed_until = utcnow() + timedelta(minutes=5)  # another worker holds it
    listening.db.flush()
    assert svc.refresh_round(session_factory, embed=embed) == 0


def test_a_failure_is_kept_and_shown(
    listening: Listening, session_factory: sessionmaker[Session]
) -> None:
    seed(listening)

    def broken(texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("encoder files missing")

    assert svc.refresh_round(session_factory, embed=broken) == 0
    read = svc.topic_clusters(listening.db, listening.actor)
    assert read.state == "failed"
    assert read.error == "RuntimeError: encoder files missing"


def test_inbox_samples_are_hidden_from_those_who_cannot_read_the_inbox(
    listening: Listening, session_factory: sessionmaker[Session]
) -> None:
    seed(listening)
    svc.refresh_round(session_factory, embed=embed)
    creator = Actor(
        listening.actor.user_id, listening.actor.workspace_id, frozenset({Role.CONTENT_CREATOR})
    )
    shown = svc.topic_clusters(listening.db, creator)
    refund = next(t for t in shown.topics if t["label"].startswith("refund"))
    assert refund["size"] == 6
    assert refund["samples"] == []
    owner = svc.topic_clusters(listening.db, listening.actor)
    assert len(next(t for t in owner.topics if t["label"].startswith("refund"))["samples"]) == 3


def test_inbox_trends_count_the_inbox_terms(listening: Listening) -> None:
    for i in range(5):
        make_conversation(
            listening.db,
            listening.world.channel,
            text=f"#soldes colis perdu {i}",
            at=utcnow() - timedelta(hours=i + 1),
        )
    found = svc.inbox_trends(listening.db, listening.actor, days=7)
    assert found.total == 5
    assert found.top_hashtags == [("#soldes", 5)]
    assert ("colis perdu", 5) in found.top_terms

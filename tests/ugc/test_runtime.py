"""The UGC loop: contests collect their entries in the background (open ones and those
closed less than a day ago, each post once, drafts and long-closed contests left alone),
and rights requests whose wait ended expire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import ListeningQuery
from orchestre.models.ugc import RightsState, UgcStatus
from orchestre.ugc import contests, rights, runtime, service
from orchestre.ugc.contests import ContestChanges
from orchestre.ugc.rights import RequestInput
from orchestre.workspaces.permissions import Actor
from tests.factories import make_workspace
from tests.ugc.test_contests_service import actor, add_mention, contest_input, open_contest
from tests.ugc.test_rights_stage import Stage, staged


@pytest.fixture
def owner(db: Session, clock: FrozenClock) -> Actor:
    return actor(db, make_workspace(db).id, "owner")


def test_a_round_collects_open_and_just_closed_contests_once(
    db: Session, owner: Actor, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    now = utcnow()
    running = open_contest(db, owner)
    just_closed = open_contest(
        db,
        owner,
        title="Spring photos",
        hashtag="#Printemps",
        opens_at=now - timedelta(days=9),
        closes_at=now - timedelta(hours=3),
    )
    contests.update_contest(db, owner, just_closed.id, ContestChanges(status="closed"))
    long_closed = open_contest(
        db,
        owner,
        title="Winter photos",
        hashtag="#Hiver",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=3),
    )
    draft = contests.create_contest(db, owner, contest_input(title="Draft", hashtag="#Brouillon"))
    for row, text in (
        (running, "Au soleil #ÉtéPhotos"),
        (just_closed, "Fleurs #printemps"),
        (long_closed, "Neige #hiver"),
        (draft, "Pas encore #brouillon"),
    ):
        query = db.get(ListeningQuery, row.listening_query_id)
        assert query is not None
        at = now - timedelta(hours=4) if row is not long_closed else now - timedelta(days=4)
        add_mention(db, owner, query, text, at, external_id=f"m-{row.id}")
    db.commit()

    assert runtime.collect_round(session_factory) == 2
    assert runtime.collect_round(session_factory) == 0
    db.expire_all()
    counts = {
        row.title: len(contests.list_entries(db, owner, row.id))
        for row in (running, just_closed, long_closed, draft)
    }
    assert counts == {"Summer photos": 1, "Spring photos": 1, "Winter photos": 0, "Draft": 0}
    clock.advance(days=2)
    assert runtime.due_contests(db, utcnow()) == [running.id]


@pytest.fixture
def stage(db: Session, clock: FrozenClock) -> Iterator[Stage]:
    yield from staged(db, clock)


def test_a_round_expires_unanswered_rights_requests_without_anyone_looking(
    stage: Stage, session_factory: sessionmaker[Session]
) -> None:
    message = stage.comment("My photo https://img.example/shot.jpg")
    item = service.collect_message(stage.db, stage.actor, message.id)
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput(wait_days=1))
    stage.send(request)
    stage.db.flush()
    assert runtime.run_round(session_factory).expired == 0
    stage.world.clock.advance(days=1, minutes=1)
    assert runtime.run_round(session_factory).expired == 1
    stage.db.refresh(request)
    stage.db.refresh(item)
    assert request.state == RightsState.EXPIRED
    assert item.status == UgcStatus.EXPIRED
    assert runtime.run_round(session_factory).expired == 0

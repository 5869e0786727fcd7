"""First-response targets: the timer ingest starts, our answer stops, and the breach the
team hears about once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import InteractionKind
from orchestre.inbox import sla
from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, Notification, User, Workspace
from orchestre.models.inbox import Conversation, ResponseTarget
from orchestre.moderation.starter import install
from tests.factories import make_channel, make_member, make_workspace
from tests.inbox.ingest_fakes import KeywordClassifier, said


@pytest.fixture
def workspace(db: Session) -> Workspace:
    return make_workspace(db)


@pytest.fixture
def channel(db: Session, workspace: Workspace) -> Channel:
    return make_channel(db, workspace)


@pytest.fixture
def manager(db: Session, workspace: Workspace) -> User:
    return make_member(db, workspace, "community_manager")


def _target(
    db: Session,
    ws: Workspace,
    minutes: int,
    channel: Channel | None = None,
    priority: str = "normal",
) -> None:
    db.add(
        ResponseTarget(
            workspace_id=ws.id,
            channel_id=channel.id if channel else None,
            priority=priority,
            minutes=minutes,
        )
    )
    db.flush()


def _question(
    db: Session, channel: Channel, clock: FrozenClock, text: str = "Any news?"
) -> Conversation:
    (message,) = ingest(
        db, channel, [said(text, clock.now())], source="poll", classifier=KeywordClassifier()
    )
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    return conversation


def _told(db: Session, user: User) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == sla.RESPONSE_OVERDUE
            )
        )
    )


def test_a_channel_target_wins_over_the_workspace_one(
    db: Session, workspace: Workspace, channel: Channel
) -> None:
    other = make_channel(db, workspace)
    _target(db, workspace, 60)
    _target(db, workspace, 15, channel)
    _target(db, workspace, 5, channel, "urgent")

    assert sla.target_minutes(db, workspace.id, channel.id, "normal") == 15
    assert sla.target_minutes(db, workspace.id, other.id, "normal") == 60
    assert sla.target_minutes(db, workspace.id, channel.id, "urgent") == 5
    assert sla.target_minutes(db, workspace.id, other.id, "low") is None


def test_a_question_starts_the_timer_and_a_remark_does_not(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock
) -> None:
    _target(db, workspace, 30)
    question = _question(db, channel, clock)
    assert question.awaiting_since == clock.now()
    assert question.response_due_at == clock.now() + timedelta(minutes=30)

    remark = ingest(
        db,
        make_channel(db, workspace),
        [said("Nice", clock.now())],
        source="poll",
        classifier=KeywordClassifier(),
    )[0]
    quiet = db.get(Conversation, remark.conversation_id)
    assert quiet is not None
    assert quiet.awaiting_since is None


def test_a_late_answer_is_told_once_to_the_people_who_answer(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock, manager: User
) -> None:
    analyst = make_member(db, workspace, "analyst")
    _target(db, workspace, 30)
    conversation = _question(db, channel, clock)

    clock.advance(minutes=29)
    assert sla.sweep_breaches(db, clock.now()) == 0
    clock.advance(minutes=2)
    assert sla.sweep_breaches(db, clock.now()) == 1
    assert sla.sweep_breaches(db, clock.now()) == 0

    assert conversation.breached_at == clock.now()
    (notice,) = _told(db, manager)
    assert notice.payload["conversation_id"] == str(conversation.id)
    assert notice.payload["overdue_minutes"] == 1
    assert _told(db, analyst) == []


def test_the_assignee_alone_hears_of_a_breach(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock, manager: User
) -> None:
    assignee = make_member(db, workspace, "community_manager")
    _target(db, workspace, 10)
    conversation = _question(db, channel, clock)
    conversation.assignee_id = assignee.id
    clock.advance(minutes=11)

    sla.sweep_breaches(db, clock.now())

    assert len(_told(db, assignee)) == 1
    assert _told(db, manager) == []


def test_an_answer_stops_the_timer_and_the_next_question_starts_a_new_one(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock, manager: User
) -> None:
    _target(db, workspace, 10)
    conversation = _question(db, channel, clock)
    clock.advance(minutes=11)
    sla.sweep_breaches(db, clock.now())

    ingest(
        db,
        channel,
        [said("On its way", clock.now(), kind=InteractionKind.REPLY, own=True, author="brand")],
        source="poll",
        classifier=KeywordClassifier(),
    )
    assert (conversation.awaiting_since, conversation.breached_at) == (None, None)

    clock.advance(minutes=5)
    _question(db, channel, clock, "And the invoice?")
    assert conversation.awaiting_since == clock.now()
    clock.advance(minutes=11)
    assert sla.sweep_breaches(db, clock.now()) == 1
    assert len(_told(db, manager)) == 2


def test_a_done_conversation_opens_again_on_a_new_question(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock
) -> None:
    conversation = _question(db, channel, clock)
    conversation.status = "done"
    conversation.awaiting_since = None
    db.flush()
    _question(db, channel, clock, "Hello again?")
    assert conversation.status == "new"


def test_a_conversation_waiting_for_the_person_opens_again_when_they_answer(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock, manager: User
) -> None:
    conversation = _question(db, channel, clock)
    conversation.assignee_id = manager.id
    sla.on_answered(db, conversation, clock.now())
    assert conversation.status == "waiting"
    clock.advance(minutes=3)
    _question(db, channel, clock, "Thanks, but where is it now?")
    assert conversation.status == "assigned"
    assert conversation.awaiting_since == clock.now()


def test_a_higher_priority_brings_the_due_time_forward(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock
) -> None:
    _target(db, workspace, 60)
    _target(db, workspace, 5, priority="urgent")
    conversation = _question(db, channel, clock)

    conversation.priority = "urgent"
    sla.on_priority_changed(db, conversation)

    assert conversation.response_due_at == clock.now() + timedelta(minutes=5)
    clock.advance(minutes=6)
    assert sla.sweep_breaches(db, clock.now()) == 1


def test_spam_hidden_by_a_starter_rule_starts_no_timer(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock
) -> None:
    install(db, workspace.id)
    _target(db, workspace, 30)
    (spam,) = ingest(
        db,
        channel,
        [said("Buy now?? cheap followers", clock.now(), post="post-9")],
        source="webhook",
        classifier=KeywordClassifier(),
    )
    conversation = db.get(Conversation, spam.conversation_id)
    assert conversation is not None
    assert (spam.spam, spam.hidden) == (True, True)
    assert conversation.awaiting_since is None

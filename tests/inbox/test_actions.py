"""Network actions from the inbox: intent recorded, job after commit, sent once, failures kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import (
    AmbiguousError,
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.errors import Conflict, Invalid
from orchestre.inbox import actions, tasks
from orchestre.models import AuditEntry, InboxMessage, Notification
from orchestre.worker.queue import pending_jobs
from tests.factories import make_channel, make_workspace
from tests.inbox.team_support import (
    ScriptedGateway,
    ScriptedInstallation,
    actor_for,
    make_author,
    make_conversation,
    refused,
)


@pytest.fixture
def network() -> Iterator[ScriptedInstallation]:
    installation = ScriptedInstallation()
    previous = tasks.configure(ScriptedGateway(installation))
    yield installation
    tasks.configure(previous)


def _setup(db: Session):  # type: ignore[no-untyped-def]
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    agent = actor_for(db, ws, "community_manager")
    conversation = make_conversation(db, channel, make_author(db, ws))
    return ws, channel, agent, conversation


def test_a_reply_is_recorded_queued_and_sent_after_commit(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "  Hello, we are on it.  ")
    assert reply.outbound_state == "queued"
    assert reply.text == "Hello, we are on it."
    assert reply.client_ref
    assert reply.external_id.startswith("pending:")
    assert conversation.status == "waiting"
    assert conversation.awaiting_since is None
    jobs = pending_jobs(db)
    assert [(j.name, j.kwargs) for j in jobs] == [
        ("inbox.send_reply", {"message_id": str(reply.id)})
    ]
    assert network.calls == []  # nothing leaves inside the request

    assert tasks.deliver_reply(db, reply.id) == "sent"
    assert reply.outbound_state == "sent"
    assert reply.external_id == "r-1"
    assert reply.url
    parent = conversation_first_inbound(db, conversation.id)
    assert network.calls == [("reply", parent.external_id)]
    # A second run of the same job does nothing: never twice.
    assert tasks.deliver_reply(db, reply.id) == "nothing to do"
    assert len(network.sent) == 1


def conversation_first_inbound(db: Session, conversation_id: object) -> InboxMessage:
    return db.scalars(
        select(InboxMessage).where(
            InboxMessage.conversation_id == conversation_id, InboxMessage.direction == "inbound"
        )
    ).one()


def test_an_ambiguous_reply_is_looked_up_before_any_new_attempt(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    network.failures.append(AmbiguousError("timed out after sending"))
    with pytest.raises(AmbiguousError):
        tasks.deliver_reply(db, reply.id)
    assert reply.outbound_state == "sending"
    assert tasks.deliver_reply(db, reply.id) == "sent"
    assert [c[0] for c in network.calls] == ["reply", "find"]
    assert reply.external_id == "r-1"


def test_an_ambiguous_reply_not_found_is_sent_once_more(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    network.delivered_despite_ambiguity = False
    network.failures.append(AmbiguousError("connection reset"))
    with pytest.raises(AmbiguousError):
        tasks.deliver_reply(db, reply.id)
    assert tasks.deliver_reply(db, reply.id) == "sent"
    assert [c[0] for c in network.calls] == ["reply", "find", "reply"]


def test_an_unverifiable_ambiguous_reply_fails_for_a_person_to_check(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    network.failures.append(AmbiguousError("timed out"))
    network.lookup_failures.append(PermanentError("no lookup", code="unverifiable"))
    with pytest.raises(AmbiguousError):
        tasks.deliver_reply(db, reply.id)
    assert tasks.deliver_reply(db, reply.id) == "failed"
    assert reply.outbound_state == "failed"
    assert "check on the network" in (reply.failure_reason or "")
    assert [c[0] for c in network.calls] == ["reply", "find"]


def test_a_retryable_failure_is_raised_for_the_worker_and_sent_later(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    network.failures.append(RetryableError("rate limited", retry_after=30))
    with pytest.raises(RetryableError):
        tasks.deliver_reply(db, reply.id)
    assert reply.outbound_state == "queued"
    assert tasks.deliver_reply(db, reply.id) == "sent"
    assert [c[0] for c in network.calls] == ["reply", "reply"]  # retryable: nothing was sent


def test_a_refused_reply_fails_with_the_network_reason_and_tells_its_author(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    network.failures.append(refused("The comment was deleted by its author."))
    assert tasks.deliver_reply(db, reply.id) == "failed"
    assert reply.outbound_state == "failed"
    assert reply.failure_reason == "The comment was deleted by its author."
    # What it answered waits again.
    assert conversation.status == "new"
    asked = conversation_first_inbound(db, conversation.id)
    assert conversation.awaiting_since == asked.created_at
    told = db.scalars(select(Notification).where(Notification.user_id == agent.user_id)).all()
    assert [n.kind for n in told] == ["inbox_reply_failed"]
    assert told[0].payload["reason"] == "The comment was deleted by its author."


def test_a_channel_that_cannot_be_opened_fails_the_reply(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    tasks.configure(ScriptedGateway(network, refusal=CredentialError("token revoked")))
    assert tasks.deliver_reply(db, reply.id) == "failed"
    assert "token revoked" in (reply.failure_reason or "")


def test_a_network_without_replies_is_refused_before_anything_is_recorded(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws, network="nowhere")
    agent = actor_for(db, ws, "community_manager")
    conversation = make_conversation(db, channel)
    with pytest.raises(Conflict) as refusal:
        actions.request_reply(db, agent, conversation, "Hello")
    assert refusal.value.code == "capability_missing"
    assert refusal.value.detail == "This network does not allow replies through its API."
    outbound = db.scalars(select(InboxMessage).where(InboxMessage.direction == "outbound"))
    assert outbound.all() == []
    assert pending_jobs(db) == []
    message = conversation_first_inbound(db, conversation.id)
    with pytest.raises(Conflict):
        actions.request_hide(db, message)
    assert message.hidden is False


def test_an_empty_reply_is_refused(db: Session) -> None:
    _, _, agent, conversation = _setup(db)
    with pytest.raises(Invalid) as refusal:
        actions.request_reply(db, agent, conversation, "   ")
    assert refusal.value.errors[0].field == "text"


def test_roles_listed_for_approval_hold_the_reply(db: Session) -> None:
    ws, _, agent, conversation = _setup(db)
    ws.reply_approval_roles = ["community_manager"]
    reply = actions.request_reply(db, agent, conversation, "Sensitive answer")
    assert reply.outbound_state == "pending_approval"
    assert pending_jobs(db) == []
    assert conversation.status == "new"
    assert conversation.awaiting_since is not None


def test_a_rule_may_require_approval(db: Session) -> None:
    _, _, _, conversation = _setup(db)
    reply = actions.request_reply(
        db, None, conversation, "Auto answer", source="rule", require_approval=True
    )
    assert reply.outbound_state == "pending_approval"
    assert reply.source == "rule"
    assert reply.sent_by is None


def test_hide_then_show_again_reaches_the_network_in_order(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, _, conversation = _setup(db)
    message = conversation_first_inbound(db, conversation.id)
    actions.request_hide(db, message)
    assert message.hidden is True
    assert [(j.name, j.kwargs["action"]) for j in pending_jobs(db)] == [("inbox.moderate", "hide")]
    assert tasks.carry_out(db, message.id, "hide") == "done"
    actions.request_hide(db, message, hidden=False)
    assert message.hidden is False
    assert tasks.carry_out(db, message.id, "unhide") == "done"
    assert network.calls == [("hide", message.external_id), ("unhide", message.external_id)]
    audit = db.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id == str(message.id))
    ).all()
    assert audit == ["inbox.message.hide", "inbox.message.unhide"]


def test_a_superseded_hide_does_not_reach_the_network(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, _, conversation = _setup(db)
    message = conversation_first_inbound(db, conversation.id)
    actions.request_hide(db, message)
    actions.request_hide(db, message, hidden=False)
    assert tasks.carry_out(db, message.id, "hide") == "superseded"
    assert network.calls == []


def test_a_refused_hide_is_undone_on_the_message_and_told(
    db: Session, network: ScriptedInstallation
) -> None:
    ws, _, _, conversation = _setup(db)
    moderator = actor_for(db, ws, "owner")
    message = conversation_first_inbound(db, conversation.id)
    actions.request_hide(db, message, actor=moderator)
    network.failures.append(refused("Unknown comment."))
    assert tasks.carry_out(db, message.id, "hide") == "failed"
    assert message.hidden is False
    assert message.failure_reason == "Unknown comment."
    kinds = db.scalars(select(Notification.kind).where(Notification.workspace_id == ws.id)).all()
    assert "inbox_action_failed" in kinds


def test_delete_and_like(db: Session, network: ScriptedInstallation) -> None:
    _, _, _, conversation = _setup(db)
    message = conversation_first_inbound(db, conversation.id)
    actions.request_like(db, message)
    actions.request_delete(db, message)
    assert message.liked
    assert message.deleted
    assert tasks.carry_out(db, message.id, "like") == "done"
    assert tasks.carry_out(db, message.id, "delete") == "done"
    assert network.calls == [("like", message.external_id), ("delete", message.external_id)]
    with pytest.raises(Conflict):
        actions.request_hide(db, message)


def test_our_own_replies_cannot_be_hidden_here(db: Session) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, agent, conversation, "Thanks!")
    with pytest.raises(Conflict) as refusal:
        actions.request_hide(db, reply)
    assert refusal.value.code == "not_inbound"


def test_a_conversation_a_rule_tagged_holds_people_s_replies(db: Session) -> None:
    _, _, agent, conversation = _setup(db)
    conversation.tags = ["approval-required"]
    reply = actions.request_reply(db, agent, conversation, "Careful answer")
    assert reply.outbound_state == "pending_approval"


def test_a_rule_s_refused_reply_tells_the_people_who_answer(
    db: Session, network: ScriptedInstallation
) -> None:
    _, _, agent, conversation = _setup(db)
    reply = actions.request_reply(db, None, conversation, "Auto", source="rule")
    network.failures.append(refused("Replies are closed on this post."))
    assert tasks.deliver_reply(db, reply.id) == "failed"
    told = db.scalars(
        select(Notification.user_id).where(Notification.kind == "inbox_reply_failed")
    ).all()
    assert told == [agent.user_id]

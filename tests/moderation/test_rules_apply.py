"""apply_rules: the enabled rules run over new messages, in order, and each action is logged."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.errors import Conflict
from orchestre.models import Notification, Workspace
from orchestre.models.inbox import Conversation, InboxMessage, SavedReply
from orchestre.moderation.effects import APPROVAL_TAG
from orchestre.moderation.rules import apply_rules
from orchestre.moderation.undo import blockers, undo
from tests.factories import make_channel, make_member, make_workspace
from tests.moderation.rules_support import make_author, make_message, make_rule

INSULT = {"all": [{"type": "label", "classifier": "toxicity", "labels": ["offensive"]}]}


def test_a_matching_rule_tags_the_conversation_and_logs_why(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_rule(db, ws, INSULT, [{"type": "tag", "tags": ["review"]}], name="Insults")
    rude = make_message(db, ws, channel, "t'es nul", toxicity="offensive", toxicity_score=0.91)
    kind = make_message(db, ws, channel, "merci !", toxicity="clean", toxicity_score=0.97)

    done = apply_rules(db, [rude, kind])

    assert [(a.message_id, a.action, a.status) for a in done] == [(rude.id, "tag", "done")]
    assert done[0].evidence["scores"]["toxicity"] == 0.91
    assert done[0].evidence["matched"] == ["conditions.all[0]: toxicity in ['offensive']"]
    assert db.get(Conversation, rude.conversation_id).tags == ["review"]  # type: ignore[union-attr]
    assert db.get(Conversation, kind.conversation_id).tags == []  # type: ignore[union-attr]


def test_stop_ends_the_run_and_disabled_rules_do_nothing(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    anything = {"any": [{"type": "network", "networks": ["sandbox"]}]}
    make_rule(db, ws, anything, [{"type": "tag", "tags": ["first"]}], position=0, stop=True)
    make_rule(db, ws, anything, [{"type": "tag", "tags": ["second"]}], position=1)
    make_rule(db, ws, anything, [{"type": "tag", "tags": ["off"]}], position=-1, enabled=False)
    message = make_message(db, ws, channel, "hello", author=make_author(db, ws))

    apply_rules(db, [message])

    assert db.get(Conversation, message.conversation_id).tags == ["first"]  # type: ignore[union-attr]


def _saved_reply(
    db: Session, ws: Workspace, body: str, *, name: str = "Hi", language: str = "en"
) -> SavedReply:
    saved = SavedReply(workspace_id=ws.id, name=name, language=language, body=body)
    db.add(saved)
    db.flush()
    return saved


HATE = {"all": [{"type": "label", "classifier": "toxicity", "labels": ["hate"], "min_score": 0.8}]}


def test_hide_goes_through_the_inbox_and_undo_shows_the_message_again(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    rule = make_rule(db, ws, HATE, [{"type": "hide"}], name="Hate")
    hateful = make_message(db, ws, channel, "...", toxicity="hate", toxicity_score=0.95)

    (entry,) = apply_rules(db, [hateful])

    assert (entry.action, entry.status, entry.rule_id, hateful.hidden) == (
        "hide",
        "done",
        rule.id,
        True,
    )
    undo(db, entry, None)
    assert (hateful.hidden, entry.status) == (False, "undone")
    with pytest.raises(Conflict):
        undo(db, entry, None)  # twice is refused, not repeated


def test_a_delete_cannot_be_undone_and_says_so(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_rule(db, ws, HATE, [{"type": "delete"}])
    message = make_message(db, ws, channel, "...", toxicity="hate", toxicity_score=0.95)

    (entry,) = apply_rules(db, [message])

    assert message.deleted
    reason = blockers(db, [entry])[entry.id]
    assert reason is not None
    assert "cannot be brought back" in reason
    with pytest.raises(Conflict):
        undo(db, entry, None)


def test_round_robin_assignment_among_a_role_and_undo_restores(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    first, second = sorted(
        (make_member(db, ws, "community_manager"), make_member(db, ws, "community_manager")),
        key=lambda u: str(u.id),
    )
    make_member(db, ws, "analyst")
    complaint = {"all": [{"type": "label", "classifier": "response_kind", "labels": ["complaint"]}]}
    make_rule(db, ws, complaint, [{"type": "assign", "role": "community_manager"}])
    messages = [
        make_message(
            db, ws, channel, f"complaint {i}", needs_response=True, response_kind="complaint"
        )
        for i in range(3)
    ]

    done = apply_rules(db, messages[:2]) + apply_rules(db, messages[2:])

    conversations = [db.get(Conversation, m.conversation_id) for m in messages]
    assert [c.assignee_id for c in conversations] == [first.id, second.id, first.id]  # type: ignore[union-attr]
    assert conversations[0].status == "assigned"  # type: ignore[union-attr]
    undo(db, done[0], None)
    assert (conversations[0].assignee_id, conversations[0].status) == (None, "new")  # type: ignore[union-attr]


def test_undo_of_a_priority_leaves_a_later_change_by_a_person_alone(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_rule(db, ws, INSULT, [{"type": "set_priority", "priority": "high"}])
    message = make_message(db, ws, channel, "nul", toxicity="offensive", toxicity_score=0.8)
    (entry,) = apply_rules(db, [message])
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    assert conversation.priority == "high"

    conversation.priority = "low"  # a person decided since
    with pytest.raises(Conflict):
        undo(db, entry, None)
    conversation.priority = "high"
    undo(db, entry, None)
    assert conversation.priority == "normal"


def test_auto_reply_queues_a_saved_reply_and_undo_cancels_it_before_it_leaves(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    saved = _saved_reply(db, ws, "Merci {first_name} !", name="Merci", language="fr")
    question = {"all": [{"type": "label", "classifier": "response_kind", "labels": ["question"]}]}
    make_rule(db, ws, question, [{"type": "auto_reply", "saved_reply_id": str(saved.id)}])
    message = make_message(db, ws, channel, "Vous ouvrez quand ?", response_kind="question")

    (entry,) = apply_rules(db, [message])

    reply = db.get(InboxMessage, uuid.UUID(entry.params["reply_message_id"]))
    assert reply is not None
    assert reply.source == "rule"
    assert reply.text.startswith("Merci Camille")
    assert reply.outbound_state == "queued"
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    assert conversation.status == "waiting"  # answered, as far as the team can see
    undo(db, entry, None)
    db.refresh(reply)
    assert reply.outbound_state == "rejected"
    assert conversation.status == "new"  # back in the team's hands, its timer running
    assert conversation.awaiting_since == message.created_at


def test_an_auto_reply_already_sent_cannot_be_undone(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    saved = _saved_reply(db, ws, "Hi!", name="Hi", language="en")
    make_rule(db, ws, INSULT, [{"type": "auto_reply", "saved_reply_id": str(saved.id)}])
    message = make_message(db, ws, channel, "meh", toxicity="offensive")
    (entry,) = apply_rules(db, [message])
    reply = db.get(InboxMessage, uuid.UUID(entry.params["reply_message_id"]))
    assert reply is not None
    reply.outbound_state = "sent"
    db.flush()

    assert blockers(db, [entry])[entry.id] is not None
    with pytest.raises(Conflict):
        undo(db, entry, None)


def test_require_approval_holds_a_later_auto_reply(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    saved = _saved_reply(db, ws, "Hi!", name="Hi", language="en")
    make_rule(
        db,
        ws,
        INSULT,
        [{"type": "require_approval"}, {"type": "auto_reply", "saved_reply_id": str(saved.id)}],
    )
    message = make_message(db, ws, channel, "meh", toxicity="offensive")

    marked, replied = apply_rules(db, [message])

    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    assert APPROVAL_TAG in conversation.tags
    reply = db.get(InboxMessage, uuid.UUID(replied.params["reply_message_id"]))
    assert reply is not None
    assert reply.outbound_state == "pending_approval"
    undo(db, marked, None)
    assert APPROVAL_TAG not in conversation.tags


def test_escalation_notifies_the_role_and_makes_the_conversation_urgent(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    manager = make_member(db, ws, "social_media_manager")
    make_member(db, ws, "content_creator")
    make_rule(
        db, ws, HATE, [{"type": "notify", "roles": ["social_media_manager"], "escalate": True}]
    )
    message = make_message(db, ws, channel, "...", toxicity="hate", toxicity_score=0.9)

    (entry,) = apply_rules(db, [message])

    told = db.scalars(select(Notification).where(Notification.workspace_id == ws.id)).all()
    assert [(n.user_id, n.kind) for n in told] == [(manager.id, "moderation_escalated")]
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    assert conversation.priority == "urgent"
    undo(db, entry, None)
    assert conversation.priority == "normal"


def test_an_edited_rule_is_compiled_again(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    rule = make_rule(db, ws, INSULT, [{"type": "tag", "tags": ["a"]}])
    first = make_message(db, ws, channel, "x", toxicity="offensive")
    apply_rules(db, [first])
    rule.actions = [{"type": "tag", "tags": ["b"]}]
    rule.updated_at = rule.updated_at + timedelta(seconds=1)
    db.flush()
    second = make_message(db, ws, channel, "x", toxicity="offensive")

    apply_rules(db, [second])

    assert db.get(Conversation, second.conversation_id).tags == ["b"]  # type: ignore[union-attr]


def test_outbound_messages_and_other_workspaces_rules_are_left_alone(db: Session) -> None:
    ws, other = make_workspace(db), make_workspace(db)
    channel = make_channel(db, ws)
    make_rule(db, other, INSULT, [{"type": "tag", "tags": ["foreign"]}])
    make_rule(db, ws, INSULT, [{"type": "tag", "tags": ["mine"]}])
    ours = make_message(db, ws, channel, "x", toxicity="offensive", direction="outbound")
    theirs = make_message(db, ws, channel, "x", toxicity="offensive")

    done = apply_rules(db, [ours, theirs])

    assert [(a.message_id, a.params["tags"]) for a in done] == [(theirs.id, ["mine"])]


def test_scores_kept_only_in_the_classification_document_count_too(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    sure_french = {
        "all": [
            {"type": "label", "classifier": "language", "labels": ["fr"], "min_score": 0.9},
            {"type": "label", "classifier": "needs_response", "labels": ["yes"], "min_score": 0.6},
        ]
    }
    make_rule(db, ws, sure_french, [{"type": "tag", "tags": ["fr"]}])
    documents = {"lang": {"label": "fr", "score": 0.97}, "needs_response": {"score": 0.8}}
    sure = make_message(
        db, ws, channel, "?", language="fr", needs_response=True, classification=documents
    )
    unsure = make_message(
        db,
        ws,
        channel,
        "?",
        language="fr",
        needs_response=True,
        classification=documents | {"lang": {"label": "fr", "score": 0.5}},
    )

    done = apply_rules(db, [sure, unsure])

    assert [a.message_id for a in done] == [sure.id]
    assert done[0].evidence["scores"] == {"needs_response": 0.8, "language": 0.97}


def test_a_rule_leaves_an_assigned_conversation_with_its_person(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    holder = make_member(db, ws, "community_manager")
    make_member(db, ws, "community_manager")
    make_rule(db, ws, INSULT, [{"type": "assign", "role": "community_manager"}])
    message = make_message(db, ws, channel, "nul", toxicity="offensive")
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    conversation.assignee_id = holder.id

    (entry,) = apply_rules(db, [message])

    assert (entry.status, conversation.assignee_id) == ("skipped", holder.id)
    assert "already assigned" in (entry.error or "")
    assert blockers(db, [entry])[entry.id] is not None


def test_a_rule_answers_a_conversation_once(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    saved = _saved_reply(db, ws, "Hi!", name="Hi", language="en")
    make_rule(db, ws, INSULT, [{"type": "auto_reply", "saved_reply_id": str(saved.id)}])
    first = make_message(db, ws, channel, "meh", toxicity="offensive")
    again = make_message(db, ws, channel, "meh again", toxicity="offensive")
    again.conversation_id = first.conversation_id
    later = make_message(db, ws, channel, "still meh", toxicity="offensive")
    later.conversation_id = first.conversation_id
    db.flush()

    done = apply_rules(db, [first, again]) + apply_rules(db, [later])

    assert [a.status for a in done] == ["done", "skipped", "skipped"]


def test_an_auto_reply_needing_a_value_nobody_gave_is_refused_not_sent_half_filled(
    db: Session,
) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    saved = _saved_reply(db, ws, "Hi {first_name}, order {order_id}?", name="Order")
    make_rule(db, ws, INSULT, [{"type": "auto_reply", "saved_reply_id": str(saved.id)}])
    message = make_message(db, ws, channel, "where is it", toxicity="offensive")

    (entry,) = apply_rules(db, [message])

    assert entry.status == "failed"
    assert "{order_id}" in (entry.error or "")
    outbound = db.scalars(
        select(InboxMessage).where(
            InboxMessage.conversation_id == message.conversation_id,
            InboxMessage.direction == "outbound",
        )
    ).all()
    assert outbound == []

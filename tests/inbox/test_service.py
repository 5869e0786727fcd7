"""Inbox use cases: statuses, ordering by due time, filters, saved-reply variables, bulk,
approvals and the response figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.errors import Conflict, Forbidden, Invalid, NotFound
from orchestre.inbox import actions, bulk, replies, service, targets
from orchestre.inbox.repository import ConversationFilters
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import Campaign, Notification, Post, PostVariant
from tests.factories import make_channel, make_workspace
from tests.inbox.team_support import actor_for, add_inbound, make_author, make_conversation


def test_status_moves_with_assignment(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    conversation = make_conversation(db, make_channel(db, ws))
    service.assign(db, cm, conversation.id, cm.user_id)
    assert conversation.status == "assigned"
    service.assign(db, cm, conversation.id, None)
    assert conversation.status == "new"
    with pytest.raises(Invalid) as refusal:
        service.set_status(db, cm, conversation.id, "assigned")
    assert refusal.value.code == "nobody_assigned"
    version = conversation.version
    service.set_status(db, cm, conversation.id, "done", version=version)
    assert conversation.status == "done"
    assert conversation.version == version + 1
    with pytest.raises(Conflict):
        service.set_status(db, cm, conversation.id, "new", version=version)


def test_assigning_someone_else_notifies_them(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    colleague = actor_for(db, ws, "social_media_manager")
    analyst = actor_for(db, ws, "analyst")
    conversation = make_conversation(db, make_channel(db, ws))
    service.assign(db, cm, conversation.id, colleague.user_id)
    kinds = db.scalars(
        select(Notification.kind).where(Notification.user_id == colleague.user_id)
    ).all()
    assert kinds == ["inbox_assigned"]
    with pytest.raises(Invalid):  # an analyst does not work in the inbox
        service.assign(db, cm, conversation.id, analyst.user_id)
    with pytest.raises(Forbidden):
        service.assign(db, analyst, conversation.id, cm.user_id)


def test_ordered_by_due_time_with_a_cursor(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    channel = make_channel(db, ws)
    now = utcnow()
    late = make_conversation(db, channel)
    soon = make_conversation(db, channel)
    never = make_conversation(db, channel, waiting=False)
    late.response_due_at = now + timedelta(hours=2)
    soon.response_due_at = now + timedelta(minutes=5)
    db.flush()
    first = service.list_conversations(db, cm, ConversationFilters(), order="due", limit=2)
    assert [v.conversation.id for v in first.items] == [soon.id, late.id]
    assert first.next_cursor is not None
    rest = service.list_conversations(
        db, cm, ConversationFilters(), order="due", cursor=first.next_cursor, limit=2
    )
    assert [v.conversation.id for v in rest.items] == [never.id]
    assert rest.next_cursor is None


def test_filters_by_post_campaign_toxicity_and_tag(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    channel = make_channel(db, ws)
    campaign = Campaign(workspace_id=ws.id, name="Spring")
    post = Post(workspace_id=ws.id, created_by=cm.user_id, base_text="Spring sale")
    db.add_all([campaign, post])
    db.flush()
    post.campaign_id = campaign.id
    variant = PostVariant(workspace_id=ws.id, post_id=post.id, channel_id=channel.id, text="x")
    db.add(variant)
    db.flush()
    on_post = make_conversation(db, channel, toxicity="offensive")
    on_post.variant_id = variant.id
    elsewhere = make_conversation(db, channel, toxicity="clean")
    elsewhere.tags = ["refund"]
    db.flush()

    def ids(**f: object) -> list[object]:
        page = service.list_conversations(db, cm, ConversationFilters(**f))  # type: ignore[arg-type]
        return [v.conversation.id for v in page.items]

    assert ids(variant_id=variant.id) == [on_post.id]
    assert ids(campaign_id=campaign.id) == [on_post.id]
    assert ids(toxicity="offensive") == [on_post.id]
    assert ids(tag="refund") == [elsewhere.id]
    assert ids(tag="ref") == []  # a whole tag, not a part of one
    assert ids(q="100%") == []  # LIKE wildcards are plain text


def test_saved_reply_variables(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    author = make_author(db, ws, handle="jeanne")
    author.name = ""  # the network gave no name
    conversation = make_conversation(db, make_channel(db, ws), author)
    saved = replies.create_saved_reply(
        db,
        cm,
        replies.SavedReplyInput(
            name="Greeting", language="en", body="Hi {first_name} ({handle}) {{ok}}"
        ),
    )
    with pytest.raises(Invalid) as refusal:
        replies.render(db, cm, saved.id, conversation.id)
    assert [e.actual for e in refusal.value.errors] == ["first_name"]
    rendered = replies.render(db, cm, saved.id, conversation.id, {"first_name": "Jeanne"})
    assert rendered.text == "Hi Jeanne (@jeanne) {ok}"
    # A rule answers with no person behind it: {agent_name} has no value there.
    automatic = replies.conversation_values(db, conversation)
    assert automatic["handle"] == "@jeanne"
    with pytest.raises(Invalid) as unsigned:
        replies.fill("Thanks, {agent_name}", automatic)
    assert unsigned.value.code == "missing_variables"
    with pytest.raises(Invalid) as stray:
        replies.create_saved_reply(
            db, cm, replies.SavedReplyInput(name="Bad", language="en", body="Hi {First Name}")
        )
    assert stray.value.code == "bad_variable"
    with pytest.raises(Conflict):
        replies.create_saved_reply(
            db, cm, replies.SavedReplyInput(name="Greeting", language="en", body="Hello")
        )
    french = replies.create_saved_reply(
        db, cm, replies.SavedReplyInput(name="Greeting", language="fr", body="Bonjour")
    )
    assert [r.id for r in replies.list_saved_replies(db, cm, language="fr")] == [french.id]
    replies.delete_saved_reply(db, cm, french.id)
    with pytest.raises(NotFound):
        replies.load_saved_reply(db, cm, french.id)


def test_bulk_hide_and_per_item_refusals(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    channel = make_channel(db, ws)
    first = make_conversation(db, channel)
    add_inbound(db, first, "spam spam")
    second = make_conversation(db, make_channel(db, ws, network="nowhere"))
    outcomes = bulk.bulk(db, cm, [first.id, second.id], bulk.BulkChange(action="hide"))
    assert [(o.ok, o.code) for o in outcomes] == [(True, "ok"), (False, "capability_missing")]
    hidden = [m.hidden for m in service.get_conversation(db, cm, first.id).messages]
    assert hidden == [True, True]
    status = bulk.bulk(db, cm, [first.id], bulk.BulkChange(action="status", status="bogus"))
    assert status[0].code == "bad_status"
    with pytest.raises(Invalid):
        bulk.bulk(db, cm, [], bulk.BulkChange(action="status", status="done"))


def test_rejected_reply_tells_its_author(db: Session) -> None:
    ws = make_workspace(db)
    ws.reply_approval_roles = ["community_manager"]
    cm = actor_for(db, ws, "community_manager")
    lead = actor_for(db, ws, "social_media_manager")
    conversation = make_conversation(db, make_channel(db, ws))
    held = service.reply(db, cm, conversation.id, "Maybe a refund")
    with pytest.raises(Forbidden):
        service.reject_reply(db, cm, held.id, "no")
    service.reject_reply(db, lead, held.id, "Not our policy")
    assert held.outbound_state == "rejected"
    payloads = db.scalars(
        select(Notification.payload).where(
            Notification.user_id == cm.user_id, Notification.kind == "inbox_reply_rejected"
        )
    ).all()
    assert [p["reason"] for p in payloads] == ["Not our policy"]
    assert conversation.awaiting_since is not None  # still waits for an answer


def test_response_figures(db: Session, clock: FrozenClock) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "owner")
    channel = make_channel(db, ws)
    other = make_channel(db, ws)
    start = utcnow() - timedelta(hours=3)
    fast = make_conversation(db, channel, at=start + timedelta(minutes=10))
    slow = make_conversation(db, channel, at=start + timedelta(minutes=20))
    make_conversation(db, other, at=start + timedelta(minutes=30))  # never answered
    make_conversation(db, other, at=start + timedelta(minutes=40), spam=True)  # no request
    clock.advance(minutes=-(180 - 15))
    actions.request_reply(db, cm, fast, "Quick")  # 5 minutes after
    clock.advance(minutes=65)
    actions.request_reply(db, cm, slow, "Slow")  # 60 minutes after
    clock.advance(minutes=100)
    figures = targets.response_figures(db, cm, start, utcnow())
    by_channel = {f.channel_id: f for f in figures}
    assert by_channel[channel.id].requests == 2
    assert by_channel[channel.id].response_rate == 1.0
    assert by_channel[channel.id].median_first_response_seconds == (5 * 60 + 60 * 60) / 2
    assert by_channel[other.id].requests == 1
    assert by_channel[other.id].answered == 0
    total = figures[-1]
    assert total.channel_id is None
    assert (total.requests, total.answered) == (3, 2)
    assert total.response_rate == pytest.approx(2 / 3)
    # A period that starts after these requests counts none of them.
    assert (
        targets.response_figures(db, cm, utcnow() - timedelta(minutes=1), utcnow())[-1].requests
        == 0
    )


def test_an_approved_reply_answers_from_its_approval(db: Session, clock: FrozenClock) -> None:
    ws = make_workspace(db)
    ws.reply_approval_roles = ["community_manager"]
    cm = actor_for(db, ws, "community_manager")
    lead = actor_for(db, ws, "social_media_manager")
    asked = utcnow() - timedelta(minutes=10)
    conversation = make_conversation(db, make_channel(db, ws), at=asked)
    held = service.reply(db, cm, conversation.id, "A refund is on its way")
    clock.advance(minutes=20)
    service.approve_reply(db, lead, held.id)
    assert held.outbound_state == "queued"
    assert held.approved_by == lead.user_id
    assert conversation.status == "waiting"
    assert conversation.awaiting_since is None
    [figures] = targets.response_figures(db, lead, asked - timedelta(minutes=1), utcnow())[-1:]
    assert figures.median_first_response_seconds == 30 * 60
    with pytest.raises(Conflict):
        service.approve_reply(db, lead, held.id)


def test_response_series_cuts_at_the_workspace_midnight(db: Session) -> None:
    ws = make_workspace(db, timezone="Europe/Paris")
    owner = actor_for(db, ws, "owner")
    channel = make_channel(db, ws)
    late_evening = datetime(2030, 3, 14, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    after_midnight = datetime(2030, 3, 14, 23, 30, tzinfo=UTC)  # 00:30 in Paris, the 15th
    make_conversation(db, channel, at=late_evening)
    make_conversation(db, channel, at=after_midnight)
    start = datetime(2030, 3, 14, 12, 0, tzinfo=UTC)
    series = targets.response_series(db, owner, start, utcnow(), "day")
    assert [(p.start, p.end) for p in series] == [
        (start, datetime(2030, 3, 14, 23, 0, tzinfo=UTC)),
        (datetime(2030, 3, 14, 23, 0, tzinfo=UTC), utcnow()),
    ]
    assert [p.figures[-1].requests for p in series] == [1, 1]
    weekly = targets.response_series(db, owner, start, utcnow(), "week")
    assert [p.figures[-1].requests for p in weekly] == [2]


def test_a_saved_reply_greets_the_person_it_answers(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    first = make_author(db, ws, name="Alice Martin")
    second = make_author(db, ws, name="Bruno Petit")
    thread = make_conversation(db, make_channel(db, ws), first, text="Nice post")
    question = add_inbound(db, thread, "When do you open?", author=second)
    saved = replies.create_saved_reply(
        db, cm, replies.SavedReplyInput(name="Hours", language="en", body="Hi {first_name}!")
    )
    assert replies.render(db, cm, saved.id, thread.id).text == "Hi Bruno!"
    opening = service.get_conversation(db, cm, thread.id).messages[0]
    chosen = replies.render(db, cm, saved.id, thread.id, parent_message_id=opening.id)
    assert chosen.text == "Hi Alice!"
    reply = replies.reply_with(db, cm, thread.id, saved.id, parent_message_id=question.id)
    assert reply.text == "Hi Bruno!"
    assert reply.parent_external_id == question.external_id

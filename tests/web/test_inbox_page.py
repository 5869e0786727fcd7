"""The inbox page: the list with its labels and timers, a conversation with its author,
answers and moderation in place, live updates, and French; user text is always escaped."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import service as channels
from orchestre.config import Settings
from orchestre.connectors.base import InteractionKind
from orchestre.connectors.sandbox.connector import use_network
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.demo import content
from orchestre.demo import inbox as demo_inbox
from orchestre.demo.inbox import fill_inbox
from orchestre.demo.story import Cast
from orchestre.inbox import replies, targets
from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models import (
    Channel,
    Conversation,
    InboxAuthor,
    InboxMessage,
    User,
    Workspace,
)
from orchestre.moderation import service as moderation
from orchestre.workspaces import auth
from tests.factories import add_member, make_channel, make_user
from tests.inbox.ingest_fakes import KeywordClassifier, said
from tests.web.conftest import HTML, csrf_of, open_session

HX = {**HTML, "HX-Request": "true"}


def _arrive(db: Session, channel: Channel, *items: tuple[str, str]) -> list[InboxMessage]:
    """Comments (author, text) arriving a minute apart, classified by keywords."""
    start = utcnow() - timedelta(minutes=len(items) + 1)
    interactions = [
        said(text, start + timedelta(minutes=i), author=author, post=f"post-{author}")
        for i, (author, text) in enumerate(items)
    ]
    return ingest(db, channel, interactions, source="poll", classifier=KeywordClassifier())


def _conversation(db: Session, message: InboxMessage) -> Conversation:
    return db.get_one(Conversation, message.conversation_id)


def _signed_in(
    client: TestClient, db: Session, settings: Settings, user: User, workspace: Workspace
) -> str:
    """Open a session for `user` and return the inbox page's CSRF token."""
    open_session(client, db, settings, user)
    return csrf_of(_page(client, workspace))


def _page(client: TestClient, workspace: Workspace, query: str = "") -> str:
    response = client.get(f"/w/{workspace.id}/inbox{query}", headers=HTML)
    assert response.status_code == 200, response.text
    return response.text


def test_the_list_shows_labels_with_scores_and_escapes_what_people_wrote(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace, handle="@acme")
    _arrive(
        db,
        channel,
        ("mallory", "<script>alert('x')</script> you idiot"),
        ("bob", "Where is my order?"),
    )
    open_session(client, db, settings, owner)
    html = _page(client, workspace)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; you idiot" in html
    assert html.count('data-testid="conversation"') == 2
    # The toxic one carries its label, with its score and the word that drove it on hover.
    assert re.search(r'class="label label-offensive" title="score 0\.95 · words: idiot"', html)
    assert 'data-testid="count-all">2<' in html
    assert 'data-testid="count-new">2<' in html


def test_filters_narrow_the_list_and_the_address_follows(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    _arrive(db, channel, ("mallory", "you idiot"), ("bob", "Where is my order?"))
    open_session(client, db, settings, owner)
    response = client.get(f"/w/{workspace.id}/inbox/list?toxicity=offensive", headers=HX)
    assert response.status_code == 200
    assert response.text.count('data-testid="conversation"') == 1
    assert "you idiot" in response.text
    assert response.headers["HX-Push-Url"] == f"/w/{workspace.id}/inbox?toxicity=offensive"
    searched = _page(client, workspace, "?q=order")
    assert searched.count('data-testid="conversation"') == 1
    assert "Where is my order?" in searched
    nobody = _page(client, workspace, "?assignee=me")
    assert 'data-testid="inbox-empty"' in nobody
    assert "No conversation matches these filters." in nobody


def test_open_assign_answer_and_mark_done_in_place(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    (question,) = _arrive(db, channel, ("bob", "Where is my order?"))
    conversation = _conversation(db, question)
    open_session(client, db, settings, owner)
    html = _page(client, workspace, f"?c={conversation.id}")
    assert 'data-testid="thread"' in html
    assert 'data-testid="author-card"' in html
    csrf = csrf_of(html)
    base = f"/w/{workspace.id}/inbox/c/{conversation.id}"

    assigned = client.post(
        f"{base}/assign", data={"csrf_token": csrf, "assignee": "me"}, headers=HX
    )
    assert assigned.status_code == 200
    assert "Assignment saved." in assigned.headers["HX-Trigger-After-Settle"]
    db.refresh(conversation)
    assert conversation.assignee_id == owner.id
    assert conversation.status == "assigned"

    sent = client.post(
        f"{base}/reply", data={"csrf_token": csrf, "text": "It left this morning."}, headers=HX
    )
    assert sent.status_code == 200
    assert "It left this morning." in sent.text
    assert 'data-testid="reply-sending"' in sent.text or 'data-testid="reply-sent"' in sent.text
    db.refresh(conversation)
    assert conversation.status == "waiting"

    done = client.post(f"{base}/status", data={"csrf_token": csrf, "status": "done"}, headers=HX)
    assert done.status_code == 200
    db.refresh(conversation)
    assert conversation.status == "done"


def test_an_empty_reply_is_refused_in_place_and_keeps_nothing(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    (question,) = _arrive(db, channel, ("bob", "Where is my order?"))
    conversation = _conversation(db, question)
    csrf = _signed_in(client, db, settings, owner, workspace)
    refused = client.post(
        f"/w/{workspace.id}/inbox/c/{conversation.id}/reply",
        data={"csrf_token": csrf, "text": "   "},
        headers=HX,
    )
    assert refused.status_code == 422
    assert 'data-testid="reply-error"' in refused.text
    outbound = db.scalars(
        select(InboxMessage).where(
            InboxMessage.conversation_id == conversation.id, InboxMessage.direction == "outbound"
        )
    ).all()
    assert outbound == []


def test_hide_shows_the_message_as_hidden(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    (insult,) = _arrive(db, channel, ("mallory", "you are useless"))
    csrf = _signed_in(client, db, settings, owner, workspace)
    hidden = client.post(
        f"/w/{workspace.id}/inbox/c/{insult.conversation_id}/messages/{insult.id}/hide",
        data={"csrf_token": csrf, "hidden": "1"},
        headers=HX,
    )
    assert hidden.status_code == 200
    assert 'data-testid="hidden-label"' in hidden.text
    assert 'data-testid="unhide"' in hidden.text
    db.refresh(insult)
    assert insult.hidden


def test_live_updates_answer_204_until_something_arrives(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    _arrive(db, channel, ("bob", "Where is my order?"))
    open_session(client, db, settings, owner)
    html = _page(client, workspace)
    stamp = re.search(r'id="live-stamp" value="([0-9a-f]+)"', html)
    assert stamp
    changes = f"/w/{workspace.id}/inbox/changes?stamp={stamp.group(1)}&open=&open_version="
    assert client.get(changes, headers=HX).status_code == 204
    _arrive(db, channel, ("carol", "Bonjour, vous livrez en Belgique ?"))
    fresh = client.get(changes, headers=HX)
    assert fresh.status_code == 200
    assert 'hx-swap-oob="outerHTML"' in fresh.text
    assert "vous livrez en Belgique" in fresh.text
    assert fresh.text.count('data-testid="conversation"') == 2


def test_bulk_marks_the_ticked_conversations_done(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    first, second, third = _arrive(db, channel, ("a", "one?"), ("b", "two?"), ("c", "three?"))
    csrf = _signed_in(client, db, settings, owner, workspace)
    response = client.post(
        f"/w/{workspace.id}/inbox/bulk",
        data={
            "csrf_token": csrf,
            "action": "done",
            "ids": [str(first.conversation_id), str(second.conversation_id)],
        },
        headers=HX,
    )
    assert response.status_code == 204
    assert "2 conversations changed." in response.headers["HX-Trigger"]
    statuses = {
        m.id: _conversation(db, m).status for m in (first, second, third) if db.refresh(m) is None
    }
    assert list(statuses.values()) == ["done", "done", "new"]


def test_in_french_and_a_role_outside_the_inbox_is_told_why(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    _arrive(db, channel, ("bob", "you idiot"))
    french = make_user(db, name="Léa", locale="fr")
    add_member(db, workspace, french, "community_manager")
    open_session(client, db, settings, french)
    html = _page(client, workspace)
    assert "Messagerie" in html
    assert "Offensant" in html
    assert 'data-testid="count-new">1<' in html
    writer = make_user(db, name="Léo", locale="fr")
    add_member(db, workspace, writer, "content_creator")
    open_session(client, db, settings, writer)
    response = client.get(f"/w/{workspace.id}/inbox", headers=HTML)
    assert response.status_code == 403
    refused = response.text
    assert 'data-testid="inbox-not-allowed"' in refused
    assert 'data-testid="conversation"' not in refused


def test_kinds_of_conversations_are_named(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    mention = said("@acme hello?", utcnow(), kind=InteractionKind.MENTION, author="dan", post=None)
    (message,) = ingest(db, channel, [mention], source="poll", classifier=KeywordClassifier())
    open_session(client, db, settings, owner)
    html = _page(client, workspace, f"?c={message.conversation_id}")
    assert "Mention" in html


def test_a_saved_reply_in_french_is_filled_and_a_missing_value_is_asked_for(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    (question,) = _arrive(db, channel, ("claire", "Bonjour, où est ma commande ?"))
    actor = auth.actor_for(db, owner.id, workspace.id)
    greeting = replies.create_saved_reply(
        db, actor, replies.SavedReplyInput("Suivi", "fr", "Bonjour {first_name}, on regarde !")
    )
    tracking = replies.create_saved_reply(
        db, actor, replies.SavedReplyInput("Commande", "fr", "Commande {order_id} partie.")
    )
    replies.create_saved_reply(
        db, actor, replies.SavedReplyInput("Tracking", "en", "Hi {first_name}!")
    )
    open_session(client, db, settings, owner)
    html = _page(client, workspace, f"?c={question.conversation_id}")
    # French replies come first: the conversation is in French.
    assert html.index('label="Français"') < html.index('label="English"')
    url = f"/w/{workspace.id}/inbox/c/{question.conversation_id}/saved-reply"
    filled = client.get(url, params={"saved_reply_id": str(greeting.id)}, headers=HX)
    assert "Bonjour Claire, on regarde !</textarea>" in filled.text
    asked = client.get(url, params={"saved_reply_id": str(tracking.id), "text": ""}, headers=HX)
    assert 'data-testid="missing-variables"' in asked.text
    assert 'name="var.order_id"' in asked.text
    assert "Commande {order_id}" not in asked.text  # nothing half-filled
    given = client.get(
        url, params={"saved_reply_id": str(tracking.id), "var.order_id": "A-1234"}, headers=HX
    )
    assert "Commande A-1234 partie.</textarea>" in given.text


def test_the_demo_inbox_has_french_and_english_conversations_already_worked(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    manager = make_user(db, name="Hugo Martin", email="hugo.demo@example.com")
    add_member(db, workspace, manager, "social_media_manager")
    sam = make_user(db, name="Sam Okafor", email=content.ACCOUNTS[4][0], locale="en")
    add_member(db, workspace, sam, "community_manager")
    cast = Cast(
        workspace=workspace,
        by_role={
            "social_media_manager": auth.actor_for(db, manager.id, workspace.id),
            "community_manager": auth.actor_for(db, sam.id, workspace.id),
        },
        channels={
            key: channels.connect_channel(
                db, auth.actor_for(db, owner.id, workspace.id), SecretBox([new_key()]),
                "sandbox", external_id, handle, name,
            ).id
            for key, (external_id, handle, name) in content.CHANNELS.items()
        },
    )  # fmt: skip
    previous = use_network(SandboxNetwork(seed=3))
    try:
        taken = fill_inbox(db, cast)
    finally:
        use_network(previous)
    assert len(taken) == len(demo_inbox.SAID)
    open_session(client, db, settings, sam)
    html = _page(client, workspace)
    assert "Inbox" in html
    assert "Vous faites des galettes sans frangipane" in html
    assert "do you ship your sourdough starter abroad?" in html
    assert 'data-testid="count-assigned">1<' in html
    assert 'data-testid="count-waiting">1<' in html
    mine = _page(client, workspace, "?assignee=me")
    assert mine.count('data-testid="conversation"') == 1
    assert "Order 4821" in mine


def test_a_reply_that_needs_approval_waits_for_someone_else(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    workspace.reply_approval_roles = ["community_manager"]
    channel = make_channel(db, workspace)
    (question,) = _arrive(db, channel, ("bob", "Where is my order?"))
    cm = make_user(db, name="Chloé", email="chloe.cm@example.com")
    add_member(db, workspace, cm, "community_manager")
    csrf = _signed_in(client, db, settings, cm, workspace)
    base = f"/w/{workspace.id}/inbox/c/{question.conversation_id}"
    held = client.post(f"{base}/reply", data={"csrf_token": csrf, "text": "On it!"}, headers=HX)
    assert "Reply sent for approval." in held.headers["HX-Trigger-After-Settle"]
    assert "Waiting for approval" in held.text
    assert 'data-testid="approve-reply"' not in held.text  # not by its own author
    pending = db.scalars(
        select(InboxMessage).where(InboxMessage.outbound_state == "pending_approval")
    ).one()

    csrf = _signed_in(client, db, settings, owner, workspace)
    page = _page(client, workspace, f"?c={question.conversation_id}")
    assert 'data-testid="approve-reply"' in page
    approved = client.post(
        f"{base}/replies/{pending.id}/decide",
        data={"csrf_token": csrf, "decision": "approve"},
        headers=HX,
    )
    assert approved.status_code == 200
    db.refresh(pending)
    assert pending.outbound_state == "queued"
    assert pending.approved_by == owner.id


def test_a_note_mentions_a_colleague_and_stays_internal(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    colleague = make_user(db, name="Sam", email="sam.notes@example.com")
    add_member(db, workspace, colleague, "community_manager")
    channel = make_channel(db, workspace)
    (question,) = _arrive(db, channel, ("bob", "Where is my order?"))
    csrf = _signed_in(client, db, settings, owner, workspace)
    noted = client.post(
        f"/w/{workspace.id}/inbox/c/{question.conversation_id}/notes",
        data={"csrf_token": csrf, "body": "@sam.notes@example.com <b>can you</b> check?"},
        headers=HX,
    )
    assert noted.status_code == 200
    assert '<span class="mention">@sam.notes@example.com</span>' in noted.text
    assert "&lt;b&gt;can you&lt;/b&gt;" in noted.text
    outbound = db.scalars(select(InboxMessage).where(InboxMessage.direction == "outbound")).all()
    assert outbound == []
    unknown = client.post(
        f"/w/{workspace.id}/inbox/c/{question.conversation_id}/notes",
        data={"csrf_token": csrf, "body": "@nobody@example.com look"},
        headers=HX,
    )
    assert unknown.status_code == 422


def test_the_open_thread_follows_new_messages_live(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    (first,) = _arrive(db, channel, ("bob", "Where is my order?"))
    open_session(client, db, settings, owner)
    html = _page(client, workspace, f"?c={first.conversation_id}")
    stamp = re.search(r'id="live-stamp" value="([0-9a-f]+)"', html)
    version = re.search(r'id="live-open-version" value="(\d+)"', html)
    assert stamp
    assert version
    later = said("Any news?", utcnow(), author="bob", post="post-bob")
    ingest(db, channel, [later], source="poll", classifier=KeywordClassifier())
    fresh = client.get(
        f"/w/{workspace.id}/inbox/changes",
        params={
            "stamp": stamp.group(1),
            "open": str(first.conversation_id),
            "open_version": version.group(1),
        },
        headers=HX,
    )
    assert fresh.status_code == 200
    assert 'id="thread-messages" hx-swap-oob="innerHTML"' in fresh.text
    assert "Any news?" in fresh.text


def test_a_message_hidden_by_a_rule_names_the_rule_and_author_tags_are_kept(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    actor = auth.actor_for(db, owner.id, workspace.id)
    moderation.create_rule(
        db,
        actor,
        moderation.RuleFields(
            name="No scams",
            conditions={"all": [{"type": "keywords", "words": ["arnaque"]}]},
            actions=[{"type": "hide"}],
        ),
    )
    channel = make_channel(db, workspace)
    (scam,) = _arrive(db, channel, ("mallory", "Cette boutique est une arnaque"))
    assert scam.hidden
    csrf = _signed_in(client, db, settings, owner, workspace)
    html = _page(client, workspace, f"?c={scam.conversation_id}")
    assert "by the rule “No scams”" in html
    assert scam.author_id is not None
    tagged = client.post(
        f"/w/{workspace.id}/inbox/authors/{scam.author_id}/tags",
        data={
            "csrf_token": csrf,
            "conversation_id": str(scam.conversation_id),
            "tags": ["troll", "Récidiviste", ""],
        },
        headers=HX,
    )
    assert tagged.status_code == 200
    author = db.get_one(InboxAuthor, scam.author_id)
    assert author.tags == ["troll", "récidiviste"]


def test_rows_show_the_first_response_timer_due_and_overdue(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    actor = auth.actor_for(db, owner.id, workspace.id)
    targets.set_target(db, actor, None, "normal", 60)
    channel = make_channel(db, workspace)
    now = utcnow()
    fresh = said("Is it gluten free?", now - timedelta(minutes=10), author="ana", post="p-a")
    old = said("Anyone there?", now - timedelta(minutes=90), author="bo", post="p-b")
    ingest(db, channel, [fresh, old], source="poll", classifier=KeywordClassifier())
    open_session(client, db, settings, owner)
    html = _page(client, workspace)
    assert re.search(r'class="timer "[^>]*>.*?Reply within 50 minutes', html, re.S)
    assert re.search(r'class="timer overdue"[^>]*>.*?Overdue by 30 minutes', html, re.S)


def test_conversation_tags_are_added_and_removed_in_place(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    (question,) = _arrive(db, channel, ("bob", "Where is my order?"))
    csrf = _signed_in(client, db, settings, owner, workspace)
    url = f"/w/{workspace.id}/inbox/c/{question.conversation_id}/tags"
    added = client.post(url, data={"csrf_token": csrf, "tags": ["Livraison"]}, headers=HX)
    assert added.status_code == 200
    assert 'aria-label="Remove the tag “livraison”"' in added.text
    client.post(url, data={"csrf_token": csrf, "tags": ["livraison", "vip"]}, headers=HX)
    removed = client.post(
        url,
        data={"csrf_token": csrf, "tags": ["livraison", "vip"], "remove": "livraison"},
        headers=HX,
    )
    assert removed.status_code == 200
    assert _conversation(db, question).tags == ["vip"]


def test_the_author_card_shows_the_same_person_on_other_networks(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    here = make_channel(db, workspace, network="mastodon")
    there = make_channel(db, workspace, network="bluesky")
    (first,) = _arrive(db, here, ("claire", "Vous livrez à Lyon ?"))
    _arrive(db, there, ("claire", "Et à Grenoble ?"))
    open_session(client, db, settings, owner)
    html = _page(client, workspace, f"?c={first.conversation_id}")
    card = html.split('data-testid="author-card"')[1]
    assert 'data-testid="other-accounts"' in card
    assert 'title="Bluesky"' in card.split('data-testid="other-accounts"')[1]
    history = card.split('data-testid="author-history"')[1]
    assert "Et à Grenoble ?" in history
    assert "<b>2</b><span>Messages</span>" in card


def test_without_a_target_the_row_says_how_long_the_person_has_waited(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    waited = said("Hello?", utcnow() - timedelta(minutes=45), author="ana", post="p-a")
    ingest(db, channel, [waited], source="poll", classifier=KeywordClassifier())
    open_session(client, db, settings, owner)
    html = _page(client, workspace)
    assert re.search(r'class="timer waiting"[^>]*>.*?Unanswered for 45 minutes', html, re.S)


def test_only_what_the_network_allows_is_offered(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    bluesky = make_channel(db, workspace, network="bluesky")
    tiktok = make_channel(db, workspace, network="tiktok")
    (on_bluesky,) = _arrive(db, bluesky, ("ana", "Nice post?"))
    (on_tiktok,) = _arrive(db, tiktok, ("bo", "Where do I buy it?"))
    open_session(client, db, settings, owner)
    html = _page(client, workspace, f"?c={on_bluesky.conversation_id}")
    thread = html.split('data-testid="thread"')[1]
    assert 'data-testid="send-reply"' in thread
    assert ">Like</button>" in thread
    assert 'data-testid="hide"' not in thread  # Bluesky hides no comment of others
    html = _page(client, workspace, f"?c={on_tiktok.conversation_id}")
    thread = html.split('data-testid="thread"')[1]
    assert 'data-testid="no-reply"' in thread
    assert 'data-testid="send-reply"' not in thread
    assert 'data-testid="note-form"' in thread  # a note for the team is still possible

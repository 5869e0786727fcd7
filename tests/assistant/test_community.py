"""Reply suggestions for the inbox, offline: grounded in saved replies and past answers, in
the author's language, filled, and never breaking the editorial line or the network's
length; who may ask; and the checks every provider draft must pass."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from orchestre.assistant import community
from orchestre.assistant.community_text import reply_problem
from orchestre.errors import Forbidden, NotFound
from orchestre.kit.clock import utcnow
from orchestre.models import Conversation, EditorialLine, InboxMessage, SavedReply, Workspace
from orchestre.posts.validation import EditorialRules
from tests.factories import make_channel, make_workspace
from tests.inbox.team_support import actor_for, make_author, make_conversation


def saved(
    db: Session, ws: Workspace, name: str, language: str, body: str, *tags: str
) -> SavedReply:
    row = SavedReply(workspace_id=ws.id, name=name, language=language, body=body, tags=list(tags))
    db.add(row)
    db.flush()
    return row


def shipping_replies(db: Session, ws: Workspace) -> tuple[SavedReply, SavedReply]:
    en = saved(
        db,
        ws,
        "Where is my order",
        "en",
        "Hi {first_name}, your order {order_id} is on its way: delivery takes 3 to 5 days.",
        "question",
        "delivery",
    )
    fr = saved(
        db,
        ws,
        "Where is my order",
        "fr",
        "Bonjour {first_name}, votre commande {order_id} est en route : la livraison prend 3 à "
        "5 jours.",
        "question",
        "delivery",
    )
    saved(db, ws, "Opening hours", "en", "We are open from 9 am to 6 pm, Monday to Saturday.")
    return en, fr


def conversation_with(
    db: Session,
    ws: Workspace,
    text: str,
    language: str,
    network: str = "mastodon",
    **fields: object,
) -> Conversation:
    author = make_author(db, ws, network=network, name="Camille Martin", handle="@camille")
    channel = make_channel(db, ws, network=network)
    return make_conversation(
        db,
        channel,
        author,
        text=text,
        language=language,
        classified=True,
        response_kind=fields.pop("response_kind", "question"),
        sentiment=fields.pop("sentiment", "neutral"),
        needs_response=True,
        **fields,
    )


def test_a_question_gets_the_matching_saved_reply_filled_in_the_authors_language(
    db: Session,
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    en, fr = shipping_replies(db, ws)
    conversation = conversation_with(
        db, ws, "Bonjour, où en est ma commande #48213 ? Toujours pas de livraison", "fr"
    )

    found = community.suggest_replies(db, cm, conversation.id)

    assert found.source == "offline"
    assert found.prompt_id == "community.reply/1"
    assert found.language == "fr"
    assert found.intent == "question"
    first = found.suggestions[0]
    assert first.text == (
        "Bonjour Camille, votre commande 48213 est en route : la livraison prend 3 à 5 jours."
    )
    assert first.grounding[0].kind == "saved_reply"
    assert first.grounding[0].id == fr.id
    assert all(s.grounding[0].id != en.id for s in found.suggestions)
    assert 1 <= len(found.suggestions) <= 3
    for suggestion in found.suggestions:
        assert "{" not in suggestion.text


def test_english_author_gets_english_and_a_template_when_nothing_fits(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    conversation = conversation_with(
        db,
        ws,
        "Love the new collection, great job!",
        "en",
        response_kind=None,
        sentiment="positive",
    )

    found = community.suggest_replies(db, cm, conversation.id)

    assert found.intent == "praise"
    assert [s.grounding[0].kind for s in found.suggestions] == ["template"]
    assert found.suggestions[0].text.startswith("Hi Camille, thank you so much!")


def test_a_past_answer_to_a_similar_message_is_readdressed_to_this_author(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    channel = make_channel(db, ws, network="mastodon")
    alice = make_author(db, ws, network="mastodon", name="Alice Durand", handle="@alice")
    earlier = make_conversation(
        db, channel, alice, text="Do you ship to Canada?", language="en", classified=True
    )
    question = db.query(InboxMessage).filter_by(conversation_id=earlier.id).one()
    db.add(
        InboxMessage(
            workspace_id=ws.id,
            channel_id=channel.id,
            conversation_id=earlier.id,
            direction="outbound",
            kind="reply",
            external_id="sent-1",
            parent_external_id=question.external_id,
            text="Yes Alice, we ship to Canada in 7 working days.",
            outbound_state="sent",
            created_at=utcnow() - timedelta(days=3),
        )
    )
    db.flush()
    conversation = conversation_with(db, ws, "Hello, do you ship to Canada?", "en")

    found = community.suggest_replies(db, cm, conversation.id)

    past = [s for s in found.suggestions if s.grounding[0].kind == "past_answer"]
    assert [s.text for s in past] == ["Yes Camille, we ship to Canada in 7 working days."]
    assert past[0].grounding[0].label == "Do you ship to Canada?"


def test_no_suggestion_breaks_the_editorial_line_the_length_or_leaves_a_variable(
    db: Session,
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    db.add(EditorialLine(workspace_id=ws.id, banned_words=["sorry"]))
    saved(db, ws, "Late parcel", "en", "So sorry {first_name}, your parcel is late.", "complaint")
    saved(db, ws, "Late parcel coupon", "en", "Your parcel is late: use {coupon}.", "complaint")
    saved(db, ws, "Late parcel long", "en", "Your parcel is late. " + "Really. " * 60, "complaint")
    conversation = conversation_with(
        db,
        ws,
        "My parcel is late again, this is unacceptable",
        "en",
        network="x",
        response_kind="complaint",
        sentiment="negative",
    )

    found = community.suggest_replies(db, cm, conversation.id)

    assert found.intent == "complaint"
    rules = EditorialRules(banned_words=("sorry",))
    for suggestion in found.suggestions:
        assert reply_problem(suggestion.text, language="en", network="x", rules=rules) is None
    names = {g.label for s in found.suggestions for g in s.grounding}
    assert not names & {"Late parcel", "Late parcel coupon", "Late parcel long"}


def test_who_may_ask_and_a_foreign_conversation(db: Session) -> None:
    ws = make_workspace(db)
    conversation = conversation_with(db, ws, "Where is my order?", "en")
    for role in ("reviewer", "content_creator"):  # no inbox, or no assistant
        with pytest.raises(Forbidden):
            community.suggest_replies(db, actor_for(db, ws, role), conversation.id)
    other = make_workspace(db)
    stranger = actor_for(db, other, "community_manager")
    with pytest.raises(NotFound):
        community.suggest_replies(db, stranger, conversation.id)
    manager = actor_for(db, ws, "social_media_manager")
    assert community.suggest_replies(db, manager, conversation.id).suggestions


@pytest.mark.parametrize(
    ("text", "network", "problem"),
    [
        ("Hi {first_name}, thanks!", "mastodon", "unfilled variables: {first_name}"),
        ("That is a cheap trick, thanks!", "mastodon", "banned words of the editorial line: cheap"),
        ("Thanks! " * 40, "x", "too long for x"),
        (
            "Merci beaucoup pour votre message, nous revenons vers vous.",
            "mastodon",
            "written in fr",
        ),
        ("Thanks for your message, we will get back to you.", "mastodon", None),
    ],
)
def test_the_checks_every_draft_passes(text: str, network: str, problem: str | None) -> None:
    rules = EditorialRules(banned_words=("cheap",))
    found = reply_problem(text, language="en", network=network, rules=rules)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)

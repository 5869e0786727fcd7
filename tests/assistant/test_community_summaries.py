"""Offline summaries of a long conversation and of a crisis alert's evidence, in the
reader's language, made only of what the thread and the evidence hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from orchestre.assistant import community_crisis, community_summary
from orchestre.assistant.community_text import NUMBER, allowed_numbers, number_key
from orchestre.errors import Forbidden, NotFound
from orchestre.kit.clock import utcnow
from orchestre.models import Conversation, InboxMessage, Workspace
from orchestre.models.moderation import CrisisAlert
from tests.factories import make_channel, make_workspace
from tests.inbox.team_support import actor_for, add_inbound, make_author, make_conversation

THREAD = [
    ("in", "Hello, my coffee machine stopped working after two weeks."),
    ("out", "Sorry to hear that! Which model is it?"),
    ("in", "It is the Barista 300, bought in March."),
    ("out", "Thanks. Could you send us the order number?"),
    ("in", "The order number is 55120."),
    ("out", "We are sending a replacement coffee machine today."),
    ("in", "Great, thank you."),
    ("in", "When will the replacement coffee machine arrive? Nothing yet."),
]


def long_thread(db: Session, ws: Workspace) -> Conversation:
    author = make_author(db, ws, name="Jeanne Petit", handle="@jeanne")
    channel = make_channel(db, ws)
    start = utcnow() - timedelta(days=3)
    conversation = make_conversation(db, channel, author, text=THREAD[0][1], at=start)
    for n, (way, text) in enumerate(THREAD[1:], start=1):
        at = start + timedelta(hours=6 * n)
        if way == "in":
            add_inbound(db, conversation, text, at=at, author=author)
        else:
            db.add(
                InboxMessage(
                    workspace_id=ws.id,
                    channel_id=channel.id,
                    conversation_id=conversation.id,
                    direction="outbound",
                    kind="reply",
                    external_id=f"sent-{conversation.id}-{n}",
                    text=text,
                    outbound_state="sent",
                    created_at=at,
                    received_at=at,
                )
            )
    conversation.message_count = len(THREAD)
    db.flush()
    return conversation


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_long_thread_summarised_offline(db: Session, language: str) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    conversation = long_thread(db, ws)

    found = community_summary.summarize_conversation(db, cm, conversation.id, language=language)

    assert found.source == "offline"
    assert found.prompt_id == "community.thread_summary/1"
    points = found.summary.points
    if language == "en":
        assert points[0] == "8 messages: 5 from Jeanne Petit, 3 from the team, over 42 hours."
        assert points[1].startswith("Still waiting for an answer (a question): “When will")
        assert points[2] == "Status: new."
    else:
        assert points[0].startswith("8 messages : 5 de Jeanne Petit, 3 de l’équipe, sur 42 heures.")
        assert points[1].startswith("Attend toujours une réponse (une question) : « When will")
    quotes = found.summary.quotes
    assert len(quotes) == 3
    texts = [t for _, t in THREAD]
    assert all(any(q.text in t for t in texts) for q in quotes)
    assert [q.at for q in quotes] == sorted(q.at for q in quotes)
    assert any("coffee machine" in q.text for q in quotes)


def test_summaries_need_the_inbox_and_the_assistant(db: Session) -> None:
    ws = make_workspace(db)
    conversation = long_thread(db, ws)
    with pytest.raises(Forbidden):
        community_summary.summarize_conversation(db, actor_for(db, ws, "reviewer"), conversation.id)
    stranger = actor_for(db, make_workspace(db), "community_manager")
    with pytest.raises(NotFound):
        community_summary.summarize_conversation(db, stranger, conversation.id)


def make_alert(db: Session, ws: Workspace, **fields: object) -> CrisisAlert:
    channel = make_channel(db, ws, network="mastodon", handle="@brand")
    now = utcnow()
    evidence = {
        "observed": 48.0,
        "expected": 3.2,
        "score": 7.41,
        "messages": 52,
        "top_terms": [{"term": "recall", "z": 9.1}, {"term": "burn", "z": 6.0}],
        "top_hashtags": [{"term": "boycott", "z": 4.2}],
        "channels": [{"id": str(channel.id), "network": "mastodon", "handle": "@brand"}],
        "samples": [
            {"id": "1", "received_at": now.isoformat(), "text": "The kettle burnt my hand"},
            {"id": "2", "received_at": now.isoformat(), "text": "Is there a recall?"},
        ],
    }
    alert = CrisisAlert(
        workspace_id=ws.id,
        kind=str(fields.get("kind", "volume")),
        key=f"channel:{channel.id}",
        severity="high",
        evidence=fields.get("evidence", evidence),
    )
    db.add(alert)
    db.flush()
    return alert


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_crisis_alert_summarised_offline_cites_only_the_evidence(
    db: Session, language: str
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    alert = make_alert(db, ws)

    found = community_crisis.summarize_alert(db, cm, alert.id, language=language)

    assert found.source == "offline"
    assert found.prompt_id == "community.crisis_summary/1"
    points = found.summary.points
    if language == "en":
        assert points[0] == (
            "48 messages in the latest window, against 3.2 expected (about 15 times the usual "
            "level)."
        )
        assert points[1] == "On @brand (mastodon)."
        assert points[2] == "What stands out: recall, burn, #boycott."
        assert points[3] == "Severity: high; 52 messages in the alert's window."
    else:
        assert points[0].startswith("48 messages sur la dernière période, pour 3,2 attendus")
        assert points[3].startswith("Gravité : élevée ; 52 messages")
    assert [q.text for q in found.summary.quotes] == [
        "The kettle burnt my hand",
        "Is there a recall?",
    ]
    allowed = allowed_numbers([48.0, 3.2, 7.41, 52, 48.0 / 3.2], [])
    cited = [number_key(n) for p in points for n in NUMBER.findall(p)]
    assert cited
    assert all(n in allowed for n in cited)


def test_a_share_alert_speaks_in_percentages(db: Session) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    alert = make_alert(
        db, ws, kind="negative_share", evidence={"observed": 0.62, "expected": 0.18, "messages": 40}
    )
    found = community_crisis.summarize_alert(db, cm, alert.id)
    assert found.summary.points[0] == ("62 % of the messages are negative, against 18 % usually.")
    assert found.summary.quotes == []

"""The assistant on the inbox and crisis pages: "Suggest a reply" in the reply box, labelled
as an AI draft with its provider and prompt; "Summarize" on long threads only; "Summary" on
a crisis alert; in French for a French reader; hidden from roles without the assistant."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import utcnow
from orchestre.models import Conversation, SavedReply, User, Workspace
from orchestre.models.moderation import CrisisAlert
from tests.factories import add_member, make_channel, make_user
from tests.inbox.team_support import add_inbound, make_author, make_conversation
from tests.web.conftest import HTML, csrf_of, open_session

HX = {**HTML, "HX-Request": "true"}


def _question(db: Session, workspace: Workspace, messages: int = 1) -> Conversation:
    author = make_author(db, workspace, name="Camille Martin")
    conversation = make_conversation(
        db,
        make_channel(db, workspace, network="mastodon"),
        author,
        text="Hello, where is my order #48213?",
        language="en",
        classified=True,
        response_kind="question",
        at=utcnow() - timedelta(hours=messages + 1),
    )
    for n in range(1, messages):
        add_inbound(db, conversation, f"Any news about my order? ({n})", author=author)
    conversation.message_count = messages
    db.add(
        SavedReply(
            workspace_id=workspace.id,
            name="Where is my order",
            language="en",
            body="Hi {first_name}, your order {order_id} is on its way.",
            tags=["question"],
        )
    )
    db.flush()
    return conversation


def _open(client: TestClient, workspace: Workspace, conversation: Conversation) -> str:
    response = client.get(f"/w/{workspace.id}/inbox?c={conversation.id}", headers=HTML)
    assert response.status_code == 200, response.text
    return response.text


def test_suggest_a_reply_shows_labelled_grounded_drafts(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    conversation = _question(db, workspace)
    open_session(client, db, settings, owner)
    page = _open(client, workspace, conversation)
    assert 'data-testid="suggest-reply"' in page
    assert 'data-testid="summarize"' not in page  # one message is not a long thread

    response = client.post(
        f"/w/{workspace.id}/inbox/c/{conversation.id}/assist/suggest",
        data={"csrf_token": csrf_of(page)},
        headers=HX,
    )

    assert response.status_code == 200, response.text
    html = response.text
    assert "AI draft" in html
    assert "offline assistant" in html
    assert "community.reply/1" in html
    assert "Hi Camille, your order 48213 is on its way." in html
    assert "Saved reply “Where is my order”" in html
    assert html.count('data-testid="use-suggestion"') >= 1


def test_a_long_thread_offers_a_summary_in_the_readers_language(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    reader = make_user(db, name="Louise Lecteur", email="louise@example.com")
    reader.locale = "fr"
    add_member(db, workspace, reader, "community_manager")
    conversation = _question(db, workspace, messages=8)
    open_session(client, db, settings, reader)
    page = _open(client, workspace, conversation)
    assert 'data-testid="summarize"' in page

    response = client.post(
        f"/w/{workspace.id}/inbox/c/{conversation.id}/assist/summary",
        data={"csrf_token": csrf_of(page)},
        headers=HX,
    )

    assert response.status_code == 200, response.text
    assert "Brouillon IA" in response.text
    assert "8 messages : 8 de Camille Martin" in response.text


def test_a_crisis_alert_has_a_summary(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    alert = CrisisAlert(
        workspace_id=workspace.id,
        kind="volume",
        key="workspace",
        severity="high",
        evidence={"observed": 40.0, "expected": 2.0, "messages": 41, "top_terms": []},
    )
    db.add(alert)
    db.flush()
    open_session(client, db, settings, owner)
    page = client.get(f"/w/{workspace.id}/crisis", headers=HTML).text
    assert 'data-testid="alert-summarize"' in page

    response = client.post(
        f"/w/{workspace.id}/crisis/{alert.id}/summary",
        data={"csrf_token": csrf_of(page)},
        headers=HX,
    )

    assert response.status_code == 200, response.text
    assert "40 messages in the latest window, against 2 expected" in response.text
    assert "AI draft" in response.text


def test_roles_without_the_assistant_see_no_button_and_are_refused(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    reviewer = make_user(db, name="Rita Reviewer", email="rita@example.com")
    add_member(db, workspace, reviewer, "reviewer")
    conversation = _question(db, workspace, messages=8)
    open_session(client, db, settings, reviewer)
    home = client.get("/", headers=HTML)
    response = client.post(
        f"/w/{workspace.id}/inbox/c/{conversation.id}/assist/suggest",
        data={"csrf_token": csrf_of(home.text)},
        headers=HX,
    )
    assert response.status_code in (403, 404)
    assert "Hi Camille" not in response.text

"""The community assistant's JSON routes as an API client sees them: drafts with their
provider and prompt, the grounding of each suggestion, and validation of the body."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import Workspace
from tests.assistant.test_community import conversation_with, shipping_replies
from tests.assistant.test_community_summaries import long_thread, make_alert
from tests.factories import bearer, make_member, make_token, make_workspace

W = "/api/v1/workspaces/{}"


def _token(db: Session, ws: Workspace, role: str = "community_manager") -> dict[str, str]:
    return bearer(make_token(db, ws, make_member(db, ws, role)))


def test_reply_suggestions_over_the_api(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    _en, fr = shipping_replies(db, ws)
    conversation = conversation_with(db, ws, "Bonjour, où est ma commande #48213 ?", "fr")
    url = W.format(ws.id) + f"/inbox/conversations/{conversation.id}/reply-suggestions"

    response = client.post(url, json={}, headers=_token(db, ws))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["draft"] is True
    assert body["source"] == "offline"
    assert body["prompt_id"] == "community.reply/1"
    assert body["call_id"]
    assert body["language"] == "fr"
    assert body["intent"] == "question"
    first = body["suggestions"][0]
    assert first["text"].startswith("Bonjour Camille, votre commande 48213")
    assert first["grounding"][0]["kind"] == "saved_reply"
    assert first["grounding"][0]["id"] == str(fr.id)

    refused = client.post(url, json={"message_id": "nope"}, headers=_token(db, ws))
    assert refused.status_code == 422


def test_summaries_over_the_api(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    conversation = long_thread(db, ws)
    alert = make_alert(db, ws)
    headers = _token(db, ws)

    thread = client.post(
        W.format(ws.id) + f"/inbox/conversations/{conversation.id}/summary",
        json={"language": "fr"},
        headers=headers,
    )
    crisis = client.post(
        W.format(ws.id) + f"/crisis/alerts/{alert.id}/summary", json={}, headers=headers
    )

    assert thread.status_code == 200, thread.text
    assert thread.json()["language"] == "fr"
    assert thread.json()["points"][0].startswith("8 messages : 5 de Jeanne Petit")
    assert len(thread.json()["quotes"]) == 3
    assert crisis.status_code == 200, crisis.text
    assert crisis.json()["prompt_id"] == "community.crisis_summary/1"
    assert crisis.json()["points"][0].startswith("48 messages in the latest window")
    german = client.post(
        W.format(ws.id) + f"/crisis/alerts/{alert.id}/summary",
        json={"language": "de"},
        headers=headers,
    )
    assert german.status_code == 422

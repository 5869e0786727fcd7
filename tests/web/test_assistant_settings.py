"""The assistant's settings page (provider, key never shown, connection test), its call
log page with filters, and the composer's assistant panel."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.models import Workspace
from tests.assistant.conftest import LLMServer, assistant_box, llm_server
from tests.factories import make_channel, make_member
from tests.web.conftest import csrf_of, open_session

KEY = "sk-page-secret-987654321"
# The assistant's fixtures: its own key box for each test, and the local model server.
__all__ = ["assistant_box", "llm_server"]


def test_set_up_test_and_review(
    signed_in: TestClient, workspace: Workspace, llm_server: LLMServer
) -> None:
    client = signed_in
    page = f"/w/{workspace.id}/settings/assistant"
    first = client.get(page)
    assert first.status_code == 200
    assert 'data-testid="provider-state"' in first.text
    token = csrf_of(first.text)

    bad = client.post(
        page, data={"csrf_token": token, "enabled": "on", "base_url": "nope", "model": ""}
    )
    assert bad.status_code == 422
    assert "base URL" in bad.text

    saved = client.post(
        page,
        data={
            "csrf_token": token,
            "enabled": "on",
            "base_url": llm_server.base_url,
            "model": "tiny",
            "api_key": KEY,
            "timeout_seconds": "5",
        },
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert 'data-testid="key-set"' in saved.text
    assert KEY not in saved.text
    tested = client.post(f"{page}/test", data={"csrf_token": token})
    assert 'data-testid="test-result"' in tested.text
    assert "tiny" in tested.text
    assert llm_server.requests[-1].headers["Authorization"] == f"Bearer {KEY}"

    api = f"/api/v1/workspaces/{workspace.id}/assistant/writing/caption"
    client.post(
        api,
        json={"topic": "Sourdough is back", "language": "en"},
        headers={"X-CSRF-Token": token},
    )
    log = client.get(f"/w/{workspace.id}/assistant/calls")
    assert log.status_code == 200
    assert log.text.count('data-testid="call-row"') == 1
    assert "Caption from a brief" in log.text
    none = client.get(f"/w/{workspace.id}/assistant/calls", params={"outcome": "fell_back"})
    assert 'data-testid="call-row"' not in none.text


def test_a_content_creator_sees_the_panel_but_not_the_settings(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    make_channel(db, workspace)
    creator = make_member(db, workspace, "content_creator")
    open_session(client, db, settings, creator)
    editor = client.get(f"/w/{workspace.id}/posts/new")
    assert editor.status_code == 200
    assert 'data-testid="assistant-panel"' in editor.text
    assert "/settings/assistant" not in editor.text
    assert client.get(f"/w/{workspace.id}/settings/assistant").status_code == 403
    assert client.get(f"/w/{workspace.id}/assistant/calls").status_code == 403


def test_saving_a_post_records_the_calls_it_used(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    client = signed_in
    channel = make_channel(db, workspace)
    editor = client.get(f"/w/{workspace.id}/posts/new")
    token = csrf_of(editor.text)
    drafted = client.post(
        f"/api/v1/workspaces/{workspace.id}/assistant/writing/caption",
        json={"topic": "Sourdough is back", "language": "en"},
        headers={"X-CSRF-Token": token},
    ).json()
    saved = client.post(
        f"/w/{workspace.id}/posts/new",
        data={
            "csrf_token": token,
            "base_text": drafted["text"],
            "channel_ids": str(channel.id),
            "assistant_call": [drafted["call_id"], "not-an-id"],
            "action": "save",
        },
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303), saved.text
    post_id = saved.headers["location"].split("/posts/")[1].split("/")[0]
    linked = client.get(f"/api/v1/workspaces/{workspace.id}/posts/{post_id}/assistant-calls")
    assert [c["id"] for c in linked.json()["items"]] == [drafted["call_id"]]

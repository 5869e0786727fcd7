"""The assistant's JSON routes: the provider (key write-only, encrypted at rest), the
connection test, the call log and its filters, writing, and a post's links to its calls."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.assistant import runtime
from orchestre.kit.clock import FrozenClock
from orchestre.models import AssistantProvider, AuditEntry, Post, Workspace
from tests.assistant.conftest import LLMServer, Reply
from tests.factories import bearer, make_member, make_token, make_workspace

KEY = "sk-live-very-secret-0123456789"


def _setup(db: Session) -> tuple[str, dict[str, str], dict[str, str]]:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    creator = make_member(db, ws, "content_creator")
    base = f"/api/v1/workspaces/{ws.id}/assistant"
    return base, bearer(make_token(db, ws, owner)), bearer(make_token(db, ws, creator))


def test_the_key_is_write_only_and_encrypted_at_rest(
    client: TestClient, db: Session, llm_server: LLMServer
) -> None:
    base, owner, _creator = _setup(db)
    assert client.get(f"{base}/provider", headers=owner).json()["enabled"] is False
    body = {
        "enabled": True,
        "base_url": llm_server.base_url + "/",
        "model": "tiny",
        "api_key": KEY,
        "timeout_seconds": 5.0,
    }
    put = client.put(f"{base}/provider", json=body, headers=owner)
    assert put.status_code == 200, put.text
    shown = put.json()
    assert shown["key_set"] is True
    assert shown["base_url"] == llm_server.base_url
    assert KEY not in put.text
    assert KEY not in client.get(f"{base}/provider", headers=owner).text
    row = db.scalar(select(AssistantProvider))
    assert row is not None
    assert row.key_encrypted is not None
    assert KEY.encode() not in row.key_encrypted
    assert runtime.box().decrypt(row.key_encrypted).decode() == KEY
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "assistant.provider_set"))
    assert all(KEY not in str(entry.after) for entry in audit)

    # Changing the model keeps the key; clear_key drops it.
    kept = client.put(f"{base}/provider", json={**body, "api_key": None}, headers=owner)
    assert kept.json()["key_set"] is True
    tested = client.post(f"{base}/provider/test", headers=owner).json()
    assert tested["ok"] is True
    assert tested["detail"] == "OK"
    assert llm_server.requests[-1].headers["Authorization"] == f"Bearer {KEY}"
    cleared = client.put(f"{base}/provider", json={**body, "clear_key": True}, headers=owner)
    assert cleared.json()["key_set"] is False


def test_a_bad_provider_is_refused_in_words(client: TestClient, db: Session) -> None:
    base, owner, creator = _setup(db)
    bad = client.put(
        f"{base}/provider",
        json={"enabled": True, "base_url": "ftp://example.com", "model": ""},
        headers=owner,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"base_url", "model"}
    assert client.get(f"{base}/provider", headers=creator).status_code == 403


def test_a_failing_connection_test_says_why(
    client: TestClient, db: Session, llm_server: LLMServer
) -> None:
    base, owner, _creator = _setup(db)
    client.put(
        f"{base}/provider",
        json={"enabled": False, "base_url": llm_server.base_url, "model": "m"},
        headers=owner,
    )
    llm_server.reply(Reply(status=401, error="Incorrect API key provided"))
    tested = client.post(f"{base}/provider/test", headers=owner).json()
    assert tested["ok"] is False
    assert tested["detail"] == "http error: HTTP 401: Incorrect API key provided"


def test_writing_gives_labelled_drafts_that_the_log_shows(
    client: TestClient, db: Session, llm_server: LLMServer, clock: FrozenClock
) -> None:
    base, owner, creator = _setup(db)
    status = client.get(f"{base}/status", headers=creator).json()
    assert status == {"provider_on": False, "model": None}
    caption = client.post(
        f"{base}/writing/caption",
        json={"topic": "Our sourdough is back on Saturday.", "language": "en"},
        headers=creator,
    )
    assert caption.status_code == 200, caption.text
    first = caption.json()
    assert first["draft"] is True
    assert first["source"] == "offline"
    assert first["prompt_id"] == "writing.caption/1"
    assert "sourdough" in first["text"]

    client.put(
        f"{base}/provider",
        json={"enabled": True, "base_url": llm_server.base_url, "model": "tiny"},
        headers=owner,
    )
    clock.advance(seconds=5)
    llm_server.reply(Reply(status=503, error="overloaded"))
    fell = client.post(
        f"{base}/writing/hashtags",
        json={"text": "Sourdough day", "language": "en"},
        headers=creator,
    ).json()
    assert fell["fell_back"] == "http error: HTTP 503: overloaded"
    assert fell["hashtags"]

    assert client.get(f"{base}/calls", headers=creator).status_code == 403
    page = client.get(f"{base}/calls", headers=owner).json()
    assert [c["feature"] for c in page["items"]] == ["writing.hashtags", "writing.caption"]
    only = client.get(f"{base}/calls", params={"outcome": "fell_back"}, headers=owner).json()
    assert [c["id"] for c in only["items"]] == [fell["call_id"]]
    one = client.get(f"{base}/calls", params={"limit": 1}, headers=owner).json()
    assert one["next_cursor"]
    rest = client.get(
        f"{base}/calls", params={"limit": 1, "cursor": one["next_cursor"]}, headers=owner
    ).json()
    assert [c["id"] for c in rest["items"]] == [first["call_id"]]
    detail = client.get(f"{base}/calls/{first['call_id']}", headers=owner).json()
    assert "Our sourdough is back on Saturday." in detail["request_text"]
    assert detail["response_text"].startswith("[offline]")


def test_a_post_remembers_the_calls_that_drafted_it(client: TestClient, db: Session) -> None:
    base, _owner, creator = _setup(db)
    ws_id = base.split("/")[4]
    drafted = client.post(
        f"{base}/writing/caption", json={"topic": "Bread", "language": "en"}, headers=creator
    ).json()
    post = Post(workspace_id=uuid.UUID(ws_id), base_text="Bread")
    db.add(post)
    db.flush()
    url = f"/api/v1/workspaces/{ws_id}/posts/{post.id}/assistant-calls"
    body = {"call_ids": [drafted["call_id"], drafted["call_id"]]}
    linked = client.post(url, json=body, headers=creator)
    assert linked.status_code == 200, linked.text
    assert [c["id"] for c in linked.json()["items"]] == [drafted["call_id"]]
    again = client.post(url, json=body, headers=creator)
    assert len(again.json()["items"]) == 1
    other_base, _o, other_creator = _setup(db)
    foreign = client.post(
        f"{other_base}/writing/caption",
        json={"topic": "Cake", "language": "en"},
        headers=other_creator,
    ).json()
    refused = client.post(url, json={"call_ids": [foreign["call_id"]]}, headers=creator)
    assert refused.status_code == 404
    shown = client.get(url, headers=creator).json()["items"]
    assert shown[0]["prompt_id"] == "writing.caption/1"


def test_adapting_over_http_gives_one_draft_per_channel(client: TestClient, db: Session) -> None:
    from tests.factories import make_channel

    base, _owner, creator = _setup(db)
    ws_id = uuid.UUID(base.split("/")[4])
    ws = db.get(Workspace, ws_id)
    assert ws is not None
    channels = [make_channel(db, ws, network=n) for n in ("x", "linkedin")]
    answer = client.post(
        f"{base}/writing/adapt",
        json={"text": "Sourdough is back. " * 30, "channel_ids": [str(c.id) for c in channels]},
        headers=creator,
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["network"] for i in items] == ["x", "linkedin"]
    assert items[0]["thread"]
    assert all(i["draft"] and i["source"] == "offline" for i in items)

"""Channels through the JSON API: connect, list, rename, disconnect, delete, and secrecy."""

from __future__ import annotations

import json
import uuid

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from orchestre.channels import service
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.kit.keys import secret_box
from orchestre.models import AuditEntry, Channel, Post, PostVariant, Workspace
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace

SECRET = "sk-live-0ce4n-s3cr3t-t0k3n"


def _owner(db: Session) -> tuple[Workspace, dict[str, str]]:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    return ws, bearer(make_token(db, ws, owner))


def _connect(client: TestClient, ws: Workspace, auth: dict[str, str], **extra: object) -> Response:
    body = {
        "network": "mastodon",
        "external_id": "109876",
        "handle": "@lumiere@mastodon.social",
        "display_name": "Maison Lumière",
        **extra,
    }
    return client.post(f"/api/v1/workspaces/{ws.id}/channels", json=body, headers=auth)


def test_connect_keeps_the_secret_encrypted_and_out_of_every_answer_and_log(
    client: TestClient, db: Session, settings: Settings
) -> None:
    ws, auth = _owner(db)
    response = _connect(client, ws, auth, credentials={"access_token": SECRET})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "connected"
    assert body["has_credentials"] is True
    assert SECRET not in response.text
    assert "credentials" not in body

    listing = client.get(f"/api/v1/workspaces/{ws.id}/channels", headers=auth)
    one = client.get(f"/api/v1/workspaces/{ws.id}/channels/{body['id']}", headers=auth)
    audit = client.get(f"/api/v1/workspaces/{ws.id}/audit", headers=auth)
    for answer in (listing, one, audit):
        assert SECRET not in answer.text

    # Nowhere in the database in clear: not in any column of any table.
    for table in ("channels", "audit_entries", "notifications"):
        for row in db.execute(text(f"SELECT * FROM {table}")):
            assert SECRET not in repr(tuple(row)), table
            assert SECRET.encode() not in b"".join(
                v for v in row if isinstance(v, bytes | memoryview) for v in [bytes(v)]
            )
    channel = db.get(Channel, uuid.UUID(body["id"]))
    assert channel is not None
    assert channel.credentials_encrypted is not None
    assert SECRET.encode() not in channel.credentials_encrypted
    assert service.read_credentials(db, secret_box(settings), channel) == {"access_token": SECRET}

    entry = db.query(AuditEntry).filter_by(action="channel.connected").one()
    assert entry.after is not None
    assert entry.after["has_credentials"] is True
    assert "credentials_encrypted" not in entry.after
    assert SECRET not in json.dumps(entry.after)


def test_the_same_account_twice_is_a_conflict(client: TestClient, db: Session) -> None:
    ws, auth = _owner(db)
    assert _connect(client, ws, auth).status_code == 201
    again = _connect(client, ws, auth)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "channel_already_connected"
    # Another workspace may connect the same account.
    other, other_auth = _owner(db)
    assert _connect(client, other, other_auth).status_code == 201


def test_unknown_network_and_blank_fields_are_refused(client: TestClient, db: Session) -> None:
    ws, auth = _owner(db)
    unknown = _connect(client, ws, auth, network="myspace")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "network"
    blank = _connect(client, ws, auth, handle="  ", avatar_url="javascript:alert(1)")
    assert blank.status_code == 422
    assert {e["field"] for e in blank.json()["errors"]} == {"handle", "avatar_url"}
    extra = _connect(client, ws, auth, password="nope")
    assert extra.status_code == 422
    assert db.query(Channel).filter_by(workspace_id=ws.id).count() == 0


def test_list_pages_through_channels_and_filters_by_status(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    ws, auth = _owner(db)
    channels = []
    for _ in range(3):
        channels.append(make_channel(db, ws))
        clock.advance(minutes=1)
    channels[1].status = "needs_reconnection"
    db.flush()
    url = f"/api/v1/workspaces/{ws.id}/channels"
    first = client.get(url, params={"limit": 2}, headers=auth).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    second = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth)
    seen = [c["id"] for c in first["items"] + second.json()["items"]]
    assert seen == [str(c.id) for c in channels]
    assert second.json()["next_cursor"] is None
    broken = client.get(url, params={"status": "needs_reconnection"}, headers=auth).json()
    assert [c["id"] for c in broken["items"]] == [str(channels[1].id)]
    assert client.get(url, params={"cursor": "garbage"}, headers=auth).status_code == 422


def test_rename_and_avatar_are_audited_with_before_and_after(
    client: TestClient, db: Session
) -> None:
    ws, auth = _owner(db)
    channel = make_channel(db, ws)
    url = f"/api/v1/workspaces/{ws.id}/channels/{channel.id}"
    response = client.patch(
        url,
        json={"display_name": "Lumière Paris", "avatar_url": "https://cdn.example/a.png"},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Lumière Paris"
    entry = db.query(AuditEntry).filter_by(action="channel.updated").one()
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["display_name"] == channel.handle.replace("@brand", "Brand ")
    assert entry.after["display_name"] == "Lumière Paris"
    cleared = client.patch(url, json={"avatar_url": None}, headers=auth)
    assert cleared.json()["avatar_url"] is None
    assert cleared.json()["display_name"] == "Lumière Paris"
    assert client.patch(url, json={"display_name": None}, headers=auth).status_code == 422
    assert client.patch(url, json={"display_name": ""}, headers=auth).status_code == 422


def test_disconnect_wipes_credentials_and_connecting_again_reconnects(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    ws, auth = _owner(db)
    created = _connect(client, ws, auth, credentials={"access_token": SECRET}).json()
    url = f"/api/v1/workspaces/{ws.id}/channels/{created['id']}"
    # The audit log is read in time order: each step happens a second after the last
    # (on one frozen instant the order of equal times is the database's choice).
    clock.advance(seconds=1)
    gone = client.post(url + "/disconnect", headers=auth)
    assert gone.status_code == 200
    assert gone.json()["status"] == "disconnected"
    assert gone.json()["has_credentials"] is False
    channel = db.get(Channel, uuid.UUID(created["id"]))
    assert channel is not None
    assert channel.credentials_encrypted is None

    clock.advance(seconds=1)
    back = _connect(client, ws, auth, credentials={"access_token": "new"})
    assert back.status_code == 201
    assert back.json()["id"] == created["id"]
    assert back.json()["status"] == "connected"
    actions = [e.action for e in db.query(AuditEntry).order_by(AuditEntry.created_at)]
    assert actions[-3:] == ["channel.connected", "channel.disconnected", "channel.reconnected"]


def test_delete_removes_a_channel_but_not_one_with_published_history(
    client: TestClient, db: Session
) -> None:
    ws, auth = _owner(db)
    spare, used = make_channel(db, ws), make_channel(db, ws)
    post = Post(workspace_id=ws.id, base_text="Nos croissants")
    db.add(post)
    db.flush()
    db.add(PostVariant(workspace_id=ws.id, post_id=post.id, channel_id=used.id, state="published"))
    db.flush()
    base = f"/api/v1/workspaces/{ws.id}/channels"
    assert client.delete(f"{base}/{spare.id}", headers=auth).status_code == 204
    assert client.get(f"{base}/{spare.id}", headers=auth).status_code == 404
    refused = client.delete(f"{base}/{used.id}", headers=auth)
    assert refused.status_code == 409
    assert "Disconnect the channel instead" in refused.json()["detail"]
    assert db.query(AuditEntry).filter_by(action="channel.deleted").count() == 1


def test_roles_who_may_only_look(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    base = f"/api/v1/workspaces/{ws.id}/channels"
    for role in ("content_creator", "reviewer", "analyst", "community_manager"):
        auth = bearer(make_token(db, ws, make_member(db, ws, role)))
        assert client.get(base, headers=auth).status_code == 200
        assert _connect(client, ws, auth).status_code == 403, role
        assert client.post(f"{base}/{channel.id}/disconnect", headers=auth).status_code == 403
    manager = bearer(make_token(db, ws, make_member(db, ws, "social_media_manager")))
    assert _connect(client, ws, manager).status_code == 201


def test_another_workspaces_channel_is_not_found(client: TestClient, db: Session) -> None:
    ws, auth = _owner(db)
    theirs = make_channel(db, make_workspace(db), handle="@theirs")
    base = f"/api/v1/workspaces/{ws.id}/channels/{theirs.id}"
    for method, path in (
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", base + "/disconnect"),
    ):
        kwargs = {"json": {"display_name": "Mine now"}} if method == "PATCH" else {}
        response = client.request(method, path, headers=auth, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 404, (method, path)
        assert "@theirs" not in response.text
    db.refresh(theirs)
    assert theirs.status == "connected"

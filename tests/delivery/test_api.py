"""Webhook endpoints over the API: the secret shown once, the rules on addresses, the
delivery log with its attempts, and who may do it."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.delivery import dispatch
from orchestre.delivery.dispatch import DeliveryContext
from orchestre.kit.keys import secret_box
from orchestre.models import AuditEntry
from tests.delivery.conftest import Scripted
from tests.factories import bearer, make_member, make_token, make_workspace

BODY = {
    "url": "https://hooks.example.com/orchestre",
    "events": ["publication.failed", "channel.needs_reconnection"],
    "description": "Ops chat",
}


def _owner(db: Session) -> tuple[str, dict[str, str]]:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    return f"/api/v1/workspaces/{ws.id}/webhooks", bearer(make_token(db, ws, owner))


def test_the_secret_is_shown_once_and_never_listed(client: TestClient, db: Session) -> None:
    base, auth = _owner(db)
    created = client.post(base, json=BODY, headers=auth)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert created.json()["secret_hint"] == secret[:10]
    listed = client.get(base, headers=auth)
    assert listed.status_code == 200
    assert secret not in listed.text
    assert "secret_encrypted" not in listed.text
    (item,) = listed.json()["items"]
    assert item["events"] == ["publication.failed", "channel.needs_reconnection"]
    assert item["enabled"] is True
    one = client.get(f"{base}/{item['id']}", headers=auth)
    assert secret not in one.text
    audit = db.query(AuditEntry).filter_by(action="webhook.created").one()
    assert secret not in str(audit.after)


def test_rotating_gives_a_new_secret(client: TestClient, db: Session) -> None:
    base, auth = _owner(db)
    first = client.post(base, json=BODY, headers=auth).json()
    rotated = client.post(f"{base}/{first['id']}/rotate-secret", headers=auth)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != first["secret"]
    assert rotated.json()["secret_hint"] == rotated.json()["secret"][:10]


def test_addresses_must_be_https_except_on_this_machine(client: TestClient, db: Session) -> None:
    base, auth = _owner(db)
    refused = client.post(base, json={**BODY, "url": "http://hooks.example.com/x"}, headers=auth)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "url"
    local = client.post(base, json={**BODY, "url": "http://127.0.0.1:9000/hook"}, headers=auth)
    assert local.status_code == 201
    unknown = client.post(base, json={**BODY, "events": ["post.liked"]}, headers=auth)
    assert unknown.status_code == 422


def test_update_switch_off_and_back_on_and_delete(client: TestClient, db: Session) -> None:
    base, auth = _owner(db)
    made = client.post(base, json=BODY, headers=auth).json()
    url = f"{base}/{made['id']}"
    off = client.patch(
        url, json={"enabled": False, "events": ["publication.published"]}, headers=auth
    )
    assert off.status_code == 200
    assert off.json()["enabled"] is False
    assert off.json()["events"] == ["publication.published"]
    on = client.patch(url, json={"enabled": True}, headers=auth)
    assert on.json()["enabled"] is True
    assert on.json()["consecutive_failures"] == 0
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404


def test_the_delivery_log_shows_every_attempt(
    client: TestClient, db: Session, settings: Settings
) -> None:
    base, auth = _owner(db)
    made = client.post(base, json=BODY, headers=auth).json()
    workspace_id = base.split("/")[4]
    import uuid

    (delivery,) = dispatch.emit(db, uuid.UUID(workspace_id), "publication.failed", {"x": 1})
    ctx = DeliveryContext(
        box=secret_box(settings),
        transport=httpx.MockTransport(Scripted([httpx.Response(502), httpx.Response(200)])),
        sleep=lambda _: None,
    )
    assert dispatch.deliver(db, ctx, delivery.id) == "delivered"
    log = client.get(f"{base}/deliveries", params={"endpoint_id": made["id"]}, headers=auth)
    assert log.status_code == 200, log.text
    (item,) = log.json()["items"]
    assert item["id"] == str(delivery.id)
    assert item["status"] == "delivered"
    assert [a["status_code"] for a in item["attempts"]] == [502, 200]
    assert item["attempts"][0]["retry_in_seconds"] is not None
    assert item["payload"]["data"] == {"x": 1}


def test_only_people_who_manage_the_workspace(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    creator = make_member(db, ws, "content_creator")
    auth = bearer(make_token(db, ws, creator))
    answer = client.post(f"/api/v1/workspaces/{ws.id}/webhooks", json=BODY, headers=auth)
    assert answer.status_code == 403

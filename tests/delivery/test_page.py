"""The Webhooks settings page: add an endpoint and see its secret once, switch it off,
read the delivery log; in English and French; only for those who manage the workspace."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.delivery import dispatch
from orchestre.delivery.dispatch import DeliveryContext
from orchestre.delivery.webhooks import RetryPolicy
from orchestre.kit.keys import secret_box
from orchestre.models.delivery import WebhookEndpoint
from tests.delivery.conftest import Scripted
from tests.factories import make_member, make_workspace
from tests.web.conftest import HTML, compile_catalogs, csrf_of, open_session


def _signed_in(client: TestClient, db: Session, settings: Settings, locale: str = "en") -> str:
    compile_catalogs()
    ws = make_workspace(db, name="Acme Coffee")
    owner = make_member(db, ws, "owner")
    owner.locale = locale
    client.headers.update(HTML)
    open_session(client, db, settings, owner)
    return f"/w/{ws.id}/settings/webhooks"


def test_add_an_endpoint_and_see_its_secret_once(
    client: TestClient, db: Session, settings: Settings
) -> None:
    page = _signed_in(client, db, settings)
    empty = client.get(page)
    assert empty.status_code == 200
    assert "No webhook yet" in empty.text
    added = client.post(
        page,
        data={
            "csrf_token": csrf_of(empty.text),
            "url": "https://hooks.example.com/acme",
            "description": "Ops chat",
            "events": ["publication.failed", "channel.needs_reconnection"],
        },
    )
    assert added.status_code == 200
    row = db.query(WebhookEndpoint).one()
    secret = secret_box(settings).decrypt(row.secret_encrypted).decode()
    assert 'data-testid="new-secret"' in added.text
    assert secret in added.text
    again = client.get(page)
    assert secret not in again.text
    assert "https://hooks.example.com/acme" in again.text
    assert row.secret_hint in again.text


def test_a_refused_address_says_why_in_the_form(
    client: TestClient, db: Session, settings: Settings
) -> None:
    page = _signed_in(client, db, settings)
    answer = client.post(
        page,
        data={
            "csrf_token": csrf_of(client.get(page).text),
            "url": "http://hooks.example.com/acme",
            "events": ["publication.failed"],
        },
    )
    assert answer.status_code == 422
    assert "must use https" in answer.text
    assert db.query(WebhookEndpoint).count() == 0


def test_switch_off_and_the_delivery_log_in_french(
    client: TestClient, db: Session, settings: Settings
) -> None:
    page = _signed_in(client, db, settings, locale="fr")
    csrf = csrf_of(client.get(page).text)
    client.post(
        page,
        data={
            "csrf_token": csrf,
            "url": "https://h.example.com/x",
            "events": ["publication.failed"],
        },
    )
    row = db.query(WebhookEndpoint).one()
    (delivery,) = dispatch.emit(db, row.workspace_id, "publication.failed", {"a": 1})
    ctx = DeliveryContext(
        box=secret_box(settings),
        transport=httpx.MockTransport(Scripted([httpx.Response(503), httpx.Response(200)])),
        sleep=lambda _: None,
    )
    dispatch.deliver(db, ctx, delivery.id)
    shown = client.get(page)
    assert "Livraisons récentes" in shown.text
    assert "Livrée" in shown.text
    assert "HTTP 503" in shown.text
    assert "Une publication a échoué" in shown.text
    off = client.post(f"{page}/{row.id}/toggle", data={"csrf_token": csrf}, follow_redirects=False)
    assert off.status_code == 303
    db.refresh(row)
    assert row.enabled is False
    assert "Désactivé" in client.get(page).text


def test_people_who_do_not_manage_the_workspace_cannot_open_it(
    client: TestClient, db: Session, settings: Settings
) -> None:
    ws = make_workspace(db)
    creator = make_member(db, ws, "content_creator")
    client.headers.update(HTML)
    open_session(client, db, settings, creator)
    assert client.get(f"/w/{ws.id}/settings/webhooks").status_code == 403


def test_a_switched_off_endpoint_is_explained_in_the_notifications(
    client: TestClient, db: Session, settings: Settings
) -> None:
    page = _signed_in(client, db, settings, locale="fr")
    client.post(
        page,
        data={
            "csrf_token": csrf_of(client.get(page).text),
            "url": "https://h.example.com/gone",
            "events": ["publication.failed"],
        },
    )
    row = db.query(WebhookEndpoint).one()
    (delivery,) = dispatch.emit(db, row.workspace_id, "publication.failed", {})
    ctx = DeliveryContext(
        box=secret_box(settings),
        policy=RetryPolicy(disable_after=1),
        transport=httpx.MockTransport(Scripted([httpx.Response(410)])),
    )
    dispatch.deliver(db, ctx, delivery.id)
    shown = client.get(f"/w/{row.workspace_id}/notifications").text
    assert "Le webhook vers https://h.example.com/gone a été désactivé après 1 livraisons" in shown
    assert f'href="/w/{row.workspace_id}/settings/webhooks"' in shown

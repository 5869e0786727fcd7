"""The webhook receiver over HTTP: signed deliveries ingested once, everything else
refused with a problem and nothing stored."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre.connectors.base import InteractionKind
from orchestre.connectors.sandbox.inbound import (
    SANDBOX_WEBHOOK_SECRET,
    SandboxWebhooks,
    push_body,
    say,
    signed_headers,
)
from orchestre.connectors.sandbox.inbound_routes import inbound_router
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.inbox import webhooks
from orchestre.inbox.polling import PollPolicy, poll_due
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel
from orchestre.models.inbox import InboxCursor, InboxMessage, WebhookReceipt
from tests.factories import make_channel, make_workspace
from tests.inbox.ingest_fakes import KeywordClassifier
from tests.inbox.test_polling import Opener

URL = "/api/v1/webhooks/sandbox"


@pytest.fixture
def classified_app(app: FastAPI) -> FastAPI:
    app.state.inbox_classifier = KeywordClassifier()
    return app


@pytest.fixture
def channel(db: Session) -> Channel:
    return make_channel(db, make_workspace(db))


@pytest.fixture
def sandbox(channel: Channel, clock: FrozenClock) -> SandboxNetwork:
    network = SandboxNetwork(seed=5, clock=clock, sleep=lambda _s: None)
    network.account(channel.external_id, channel.handle)
    return network


def _messages(db: Session, channel: Channel) -> list[InboxMessage]:
    return list(db.scalars(select(InboxMessage).where(InboxMessage.channel_id == channel.id)))


def _receipts(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(WebhookReceipt)) or 0)


def _push(
    client: TestClient, sandbox: SandboxNetwork, channel: Channel, text: str, **kwargs: Any
) -> tuple[bytes, Any]:
    item = say(sandbox, channel.external_id, text, **kwargs)
    body = push_body(channel.external_id, [item])
    return body, client.post(URL, content=body, headers=signed_headers(body))


def test_a_signed_delivery_is_ingested_and_its_replay_ignored(
    classified_app: FastAPI,
    client: TestClient,
    db: Session,
    channel: Channel,
    sandbox: SandboxNetwork,
) -> None:
    body, first = _push(client, sandbox, channel, "You idiot", kind=InteractionKind.MENTION)
    replay = client.post(URL, content=body, headers=signed_headers(body))

    assert first.status_code == 200, first.text
    assert first.json() == {
        "status": "accepted",
        "ingested": 1,
        "channels": 1,
        "unknown_accounts": 0,
        "skipped": 0,
    }
    assert (replay.status_code, replay.json()["status"]) == (200, "duplicate")
    (message,) = _messages(db, channel)
    assert (message.source, message.text, message.toxicity) == ("webhook", "You idiot", "offensive")


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "webhook_signature_missing"),
        ({"X-Sandbox-Signature": "sha256=" + "f" * 64}, 403, "webhook_signature_invalid"),
        ({"X-Sandbox-Signature": "md5=abc"}, 403, "webhook_signature_invalid"),
    ],
)
def test_an_unsigned_or_badly_signed_delivery_stores_nothing(
    client: TestClient,
    db: Session,
    channel: Channel,
    sandbox: SandboxNetwork,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    item = say(sandbox, channel.external_id, "hello")
    body = push_body(channel.external_id, [item])

    answer = client.post(URL, content=body, headers=headers)

    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code
    assert _messages(db, channel) == []
    assert _receipts(db) == 0


def test_an_unknown_network_is_not_found(client: TestClient) -> None:
    answer = client.post("/api/v1/webhooks/myspace", content=b"{}")
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_network")


def test_malformed_json_is_a_bad_request(client: TestClient, db: Session) -> None:
    for body in (b"{not json", b'{"events": 3}', b"\xff\xfe"):
        answer = client.post(URL, content=body, headers=signed_headers(body))
        assert (answer.status_code, answer.json()["code"]) == (400, "webhook_payload_invalid")
    assert _receipts(db) == 0


def test_a_malformed_event_is_skipped_and_the_others_stored(
    classified_app: FastAPI,
    client: TestClient,
    db: Session,
    channel: Channel,
    sandbox: SandboxNetwork,
) -> None:
    good = json.loads(push_body(channel.external_id, [say(sandbox, channel.external_id, "ok")]))
    good["events"].append({"account": channel.external_id, "interaction": {"kind": "comment"}})
    body = json.dumps(good).encode()

    answer = client.post(URL, content=body, headers=signed_headers(body))

    assert (answer.status_code, answer.json()["skipped"], answer.json()["ingested"]) == (200, 1, 1)


def test_a_body_over_the_limit_is_refused(client: TestClient, app: FastAPI, db: Session) -> None:
    app.state.settings.max_json_bytes = 2_000
    body = json.dumps({"events": [], "pad": "x" * 3_000}).encode()
    answer = client.post(URL, content=body, headers=signed_headers(body))
    assert answer.status_code == 413
    assert _receipts(db) == 0


def test_an_account_nobody_connected_is_counted_not_stored(
    client: TestClient, db: Session, channel: Channel, sandbox: SandboxNetwork
) -> None:
    item = say(sandbox, channel.external_id, "hi")
    body = push_body("someone-else", [item])
    answer = client.post(URL, content=body, headers=signed_headers(body))
    assert answer.json()["unknown_accounts"] == 1
    assert _messages(db, channel) == []


def test_the_handshake_echoes_the_challenge_for_our_verify_token_only(
    client: TestClient, app: FastAPI
) -> None:
    token = webhooks.verify_token(app.state.settings, SANDBOX_WEBHOOK_SECRET)
    ok = client.get(URL, params={"verify_token": token, "challenge": "c-123"})
    wrong = client.get(URL, params={"verify_token": "guess", "challenge": "c-123"})
    assert (ok.status_code, ok.text) == (200, "c-123")
    assert (wrong.status_code, wrong.json()["code"]) == (403, "webhook_verify_token")


def test_a_message_brought_by_a_webhook_and_a_poll_is_stored_once(
    classified_app: FastAPI,
    client: TestClient,
    db: Session,
    channel: Channel,
    sandbox: SandboxNetwork,
    clock: FrozenClock,
) -> None:
    _body, answer = _push(
        client, sandbox, channel, "Where is my parcel?", kind=InteractionKind.MESSAGE
    )
    assert answer.json()["ingested"] == 1

    poll_due(
        db, Opener(sandbox), policy=PollPolicy(), clock=clock.now, classifier=KeywordClassifier()
    )

    texts = [m.text for m in _messages(db, channel)]
    assert texts.count("Where is my parcel?") == 1


def test_instagram_mentions_make_the_mentions_stream_polled_at_once(
    client: TestClient, app: FastAPI, db: Session, clock: FrozenClock
) -> None:
    secret = "ig-secret"
    app.state.environ = {
        "ORCHESTRE_INSTAGRAM_CLIENT_ID": "ig-app",
        "ORCHESTRE_INSTAGRAM_CLIENT_SECRET": secret,
    }
    channel = make_channel(db, make_workspace(db), network="instagram")
    cursor = InboxCursor(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        stream="mentions",
        next_poll_at=clock.now() + timedelta(minutes=5),
    )
    db.add(cursor)
    db.flush()
    body = json.dumps(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": channel.external_id,
                    "time": 1900000000,
                    "changes": [
                        {"field": "mentions", "value": {"media_id": "1", "comment_id": "2"}}
                    ],
                }
            ],
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    answer = client.post(
        "/api/v1/webhooks/instagram",
        content=body,
        headers={"X-Hub-Signature-256": f"sha256={signature}"},
    )

    assert answer.status_code == 200, answer.text
    db.refresh(cursor)
    assert cursor.next_poll_at == clock.now()


def test_a_network_without_an_app_cannot_verify_its_webhooks(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/webhooks/facebook",
        content=b"{}",
        headers={"X-Hub-Signature-256": "sha256=00"},
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "webhook_not_configured")


def test_the_sandbox_server_says_and_pushes_to_orchestre(
    classified_app: FastAPI,
    client: TestClient,
    db: Session,
    channel: Channel,
    sandbox: SandboxNetwork,
) -> None:
    """End to end: the audience speaks on the sandbox server, which pushes a signed
    delivery to Orchestre's receiver."""

    def to_orchestre(request: httpx.Request) -> httpx.Response:
        answer = client.post(request.url.path, content=request.content, headers=request.headers)
        return httpx.Response(answer.status_code, content=answer.content)

    # The sandbox server's inbound route (create_sandbox_app mounts the same router).
    server = FastAPI()
    server.include_router(
        inbound_router(
            sandbox,
            webhook_url=f"http://testserver{URL}",
            transport=httpx.MockTransport(to_orchestre),  # Orchestre, in process
        )
    )
    with TestClient(server) as network:
        answer = network.post(
            f"/accounts/{channel.external_id}/inbound",
            json={"text": "Buy now!!! cheap followers", "kind": "mention", "author": "spammy"},
        )

    assert answer.status_code == 201, answer.text
    assert answer.json()["pushed"] is True
    (message,) = _messages(db, channel)
    assert (message.spam, message.source) == (True, "webhook")


def test_two_copies_of_a_delivery_in_one_group_are_stored_once(
    db: Session, channel: Channel, sandbox: SandboxNetwork
) -> None:
    body = push_body(channel.external_id, [say(sandbox, channel.external_id, "twice?")])
    hook = SandboxWebhooks()
    delivery = webhooks.Delivery(hook.network, hook.parse(body), body)

    first, second = webhooks.store(db, [delivery, delivery], classifier=KeywordClassifier())

    assert (first.duplicate, first.ingested, second.duplicate) == (False, 1, True)
    assert len(_messages(db, channel)) == 1

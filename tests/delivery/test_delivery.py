"""Sending webhook deliveries: the signed request, retries on what may pass later, the
attempt log, and endpoints switched off after failing again and again."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from sqlalchemy import select

from orchestre.delivery import dispatch
from orchestre.delivery.webhooks import verify
from orchestre.models import Notification
from orchestre.models.delivery import WebhookAttempt, WebhookDelivery
from orchestre.worker.queue import pending_jobs
from tests.delivery.conftest import NOW, Scripted, Setup

DATA = {"publication_id": "p1", "network": "mastodon", "reason": "Text too long"}


def _attempts(setup: Setup, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
    return list(setup.db.scalars(stmt.order_by(WebhookAttempt.number)))


def _emit(setup: Setup, event: str = "publication.failed") -> WebhookDelivery:
    rows = dispatch.emit(setup.db, setup.workspace.id, event, DATA)
    assert len(rows) == 1
    return rows[0]


def test_emit_records_one_delivery_per_subscribed_endpoint_and_queues_its_send(
    setup: Setup,
) -> None:
    wanted = setup.endpoint(events=["publication.failed"])
    setup.endpoint(events=["channel.needs_reconnection"])  # not this event
    off = setup.endpoint(events=["publication.failed"])
    off.endpoint.enabled = False
    rows = dispatch.emit(setup.db, setup.workspace.id, "publication.failed", DATA)
    assert [r.endpoint_id for r in rows] == [wanted.endpoint.id]
    assert rows[0].payload["type"] == "publication.failed"
    assert rows[0].payload["id"] == str(rows[0].id)
    assert rows[0].payload["data"] == DATA
    sends = [j for j in pending_jobs(setup.db) if j.name == dispatch.SEND_WEBHOOK]
    assert [j.kwargs for j in sends] == [{"delivery_id": str(rows[0].id)}]


def test_a_delivery_is_a_signed_post_with_event_and_delivery_headers(setup: Setup) -> None:
    created = setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted([httpx.Response(204)])
    assert dispatch.deliver(setup.db, setup.context(receiver), delivery.id) == "delivered"
    (request,) = receiver.requests
    assert request.method == "POST"
    assert str(request.url) == "https://hooks.example.com/orchestre"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["orchestre-event"] == "publication.failed"
    assert request.headers["orchestre-delivery"] == str(delivery.id)
    assert verify(created.secret, request.headers["orchestre-signature"], request.content, now=NOW)
    assert json.loads(request.content)["data"] == DATA
    (attempt,) = _attempts(setup, delivery)
    assert (attempt.number, attempt.status_code, attempt.duration_ms) == (1, 204, 25)
    assert attempt.retry_in_seconds is None
    assert delivery.status == "delivered"
    assert delivery.finished_at is not None


def test_server_errors_timeouts_and_refused_connections_are_retried_with_backoff(
    setup: Setup,
) -> None:
    created = setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted(
        [
            httpx.Response(503, text="maintenance"),
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("refused"),
            httpx.Response(200),
        ]
    )
    assert dispatch.deliver(setup.db, setup.context(receiver), delivery.id) == "delivered"
    attempts = _attempts(setup, delivery)
    assert [a.status_code for a in attempts] == [503, None, None, 200]
    assert attempts[0].error == "HTTP 503: maintenance"
    assert attempts[1].error == "The receiver did not answer in time."
    assert attempts[2].error == "Could not reach the receiver (ConnectError)."
    # Exponential with jitter: each wait between half and all of 2, 4, 8 seconds.
    assert len(setup.slept) == 3
    for slept, full in zip(setup.slept, [2.0, 4.0, 8.0], strict=True):
        assert full / 2 <= slept <= full
    assert [a.retry_in_seconds for a in attempts[:3]] == setup.slept
    # Every attempt carries the same delivery id and a valid signature of the same body.
    bodies = {r.content for r in receiver.requests}
    assert len(bodies) == 1
    assert {r.headers["orchestre-delivery"] for r in receiver.requests} == {str(delivery.id)}
    for request in receiver.requests:
        assert verify(
            created.secret, request.headers["orchestre-signature"], request.content, now=NOW
        )


def test_a_refusal_is_not_retried(setup: Setup) -> None:
    setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted([httpx.Response(400, json={"error": "bad signature"})])
    assert dispatch.deliver(setup.db, setup.context(receiver), delivery.id) == "failed"
    assert len(receiver.requests) == 1
    assert setup.slept == []
    assert delivery.last_status_code == 400
    assert delivery.last_error is not None
    assert "bad signature" in delivery.last_error


def test_too_many_requests_waits_as_long_as_retry_after_says(setup: Setup) -> None:
    setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted([httpx.Response(429, headers={"Retry-After": "25"}), httpx.Response(202)])
    assert dispatch.deliver(setup.db, setup.context(receiver), delivery.id) == "delivered"
    assert setup.slept == [25.0]


def test_attempts_stop_at_the_limit(setup: Setup) -> None:
    setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted([httpx.Response(500)] * 3)
    status = dispatch.deliver(setup.db, setup.context(receiver, max_attempts=3), delivery.id)
    assert status == "failed"
    assert delivery.attempts == 3
    assert len(setup.slept) == 2
    assert _attempts(setup, delivery)[-1].retry_in_seconds is None


def test_an_endpoint_failing_again_and_again_is_switched_off_and_managers_are_told(
    setup: Setup,
) -> None:
    created = setup.endpoint()
    ctx = setup.context(Scripted([httpx.Response(410)] * 3), disable_after=3)
    for _ in range(3):
        assert dispatch.deliver(setup.db, ctx, _emit(setup).id) == "failed"
    endpoint = created.endpoint
    assert endpoint.enabled is False
    assert endpoint.disabled_reason == "Switched off after 3 failed deliveries in a row."
    told = setup.db.scalars(
        select(Notification).where(Notification.kind == dispatch.WEBHOOK_DISABLED)
    ).all()
    assert [n.user_id for n in told] == [setup.owner.id]
    assert told[0].payload["endpoint_id"] == str(endpoint.id)
    # A switched-off endpoint receives nothing more.
    assert dispatch.emit(setup.db, setup.workspace.id, "publication.failed", DATA) == []


def test_a_success_resets_the_failure_streak(setup: Setup) -> None:
    created = setup.endpoint()
    ctx = setup.context(
        Scripted([httpx.Response(404), httpx.Response(404), httpx.Response(200)]),
        disable_after=3,
    )
    for _ in range(3):
        dispatch.deliver(setup.db, ctx, _emit(setup).id)
    assert created.endpoint.consecutive_failures == 0
    assert created.endpoint.enabled


def test_a_settled_delivery_is_not_sent_again(setup: Setup) -> None:
    setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted([httpx.Response(200)])
    ctx = setup.context(receiver)
    dispatch.deliver(setup.db, ctx, delivery.id)
    assert dispatch.deliver(setup.db, ctx, delivery.id) == "delivered"  # a duplicate nudge
    assert len(receiver.requests) == 1


def test_no_secret_in_logs(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    created = setup.endpoint()
    delivery = _emit(setup)
    receiver = Scripted(
        [httpx.Response(500, text="oops"), httpx.ConnectError("x"), httpx.Response(200)]
    )
    with caplog.at_level(logging.DEBUG):
        dispatch.deliver(setup.db, setup.context(receiver), delivery.id)
    assert caplog.records  # attempts are logged
    assert created.secret not in caplog.text
    assert created.secret[len("whsec_") :] not in caplog.text


def test_while_an_endpoint_is_failing_a_delivery_gets_one_attempt(setup: Setup) -> None:
    created = setup.endpoint()
    receiver = Scripted([httpx.Response(503)] * 2 + [httpx.Response(503), httpx.Response(200)])
    ctx = setup.context(receiver, max_attempts=2)
    assert dispatch.deliver(setup.db, ctx, _emit(setup).id) == "failed"  # 2 attempts
    assert created.endpoint.consecutive_failures == 1
    assert dispatch.deliver(setup.db, ctx, _emit(setup).id) == "failed"  # 1 attempt, no wait
    assert len(receiver.requests) == 3
    assert len(setup.slept) == 1
    assert dispatch.deliver(setup.db, ctx, _emit(setup).id) == "delivered"
    assert created.endpoint.consecutive_failures == 0

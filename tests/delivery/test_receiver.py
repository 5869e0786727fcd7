"""Webhooks over a real socket: a tiny threaded HTTP server on 127.0.0.1 receives the
deliveries, checks each signature as a receiver would, and fails the first attempt."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from orchestre.delivery import dispatch, tasks
from orchestre.delivery.webhooks import verify
from orchestre.models.delivery import WebhookAttempt
from tests.delivery.conftest import Setup


@dataclass
class Received:
    secret: str = ""
    statuses: list[int] = field(default_factory=lambda: [500])  # then 200
    seen: list[tuple[dict[str, str], bytes, bool]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    got = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            signed = verify(got.secret, self.headers["Orchestre-Signature"], body, now=time.time())
            got.seen.append((dict(self.headers.items()), body, signed))
            status = got.statuses.pop(0) if got.statuses else (200 if signed else 401)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/orchestre", got
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_real_receiver_gets_a_valid_signature_after_a_retry(
    setup: Setup, receiver: tuple[str, Received]
) -> None:
    url, got = receiver
    created = setup.endpoint(url=url, events=["channel.needs_reconnection"])
    got.secret = created.secret
    (delivery,) = dispatch.emit(
        setup.db, setup.workspace.id, "channel.needs_reconnection", {"channel_id": "c1"}
    )
    ctx = setup.context()  # no transport: the real network stack
    ctx.wall = time.time
    tasks.configure(ctx)
    tasks.send_webhook(setup.db, str(delivery.id))
    assert [signed for _, _, signed in got.seen] == [True, True]
    headers, body, _ = got.seen[-1]
    assert headers["Orchestre-Event"] == "channel.needs_reconnection"
    assert headers["Orchestre-Delivery"] == str(delivery.id)
    assert b'"channel_id":"c1"' in body
    attempts = setup.db.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.number)
    ).all()
    assert [a.status_code for a in attempts] == [500, 200]
    assert delivery.status == "delivered"
    assert len(setup.slept) == 1


def test_nobody_listening_is_retried_then_failed(setup: Setup) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    setup.endpoint(url=f"http://127.0.0.1:{port}/hook")
    (delivery,) = dispatch.emit(setup.db, setup.workspace.id, "publication.failed", {})
    status = dispatch.deliver(setup.db, setup.context(max_attempts=2), delivery.id)
    assert status == "failed"
    assert delivery.attempts == 2
    assert delivery.last_error == "Could not reach the receiver (ConnectError)."

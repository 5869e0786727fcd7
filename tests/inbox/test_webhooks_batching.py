"""Group commit: deliveries arriving together are stored in one transaction, each
answered after it commits, and a failing one is answered alone."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.connectors.webhooks import WebhookBatch
from orchestre.inbox import webhook_batching
from orchestre.inbox.webhook_batching import WebhookBatcher
from orchestre.inbox.webhooks import Delivery, WebhookOutcome


class SlowStore:
    """Holds the first group until released, so the next deliveries queue up."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.release = threading.Event()

    def __call__(
        self, session: Session, deliveries: Sequence[Delivery], **_kwargs: object
    ) -> list[WebhookOutcome]:
        self.groups.append([d.network for d in deliveries])
        if len(self.groups) == 1:
            assert self.release.wait(10)
        if any(d.network == "bad" for d in deliveries):
            raise RuntimeError("constraint violated")
        return [WebhookOutcome(ingested=len(d.body)) for d in deliveries]


def _delivery(network: str, body: bytes = b"x") -> Delivery:
    return Delivery(network, WebhookBatch(), body)


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> SlowStore:
    fake = SlowStore()
    monkeypatch.setattr(webhook_batching, "store", fake)
    return fake


def test_deliveries_that_arrive_together_are_stored_together(
    session_factory: sessionmaker[Session], slow: SlowStore
) -> None:
    batcher = WebhookBatcher(session_factory)
    first = batcher.submit(_delivery("a"))
    rest = [batcher.submit(_delivery(n, b"yy")) for n in ("b", "c", "d")]
    slow.release.set()

    assert first.result(10).ingested == 1
    assert [f.result(10).ingested for f in rest] == [2, 2, 2]
    assert slow.groups == [["a"], ["b", "c", "d"]]
    batcher.stop()


def test_a_failing_delivery_is_answered_alone_and_the_others_stored(
    session_factory: sessionmaker[Session], slow: SlowStore
) -> None:
    batcher = WebhookBatcher(session_factory)
    first = batcher.submit(_delivery("a"))
    good, bad, other = (batcher.submit(_delivery(n)) for n in ("b", "bad", "c"))
    slow.release.set()

    first.result(10)
    assert good.result(10).ingested == 1
    assert other.result(10).ingested == 1
    with pytest.raises(RuntimeError, match="constraint"):
        bad.result(10)
    assert slow.groups[1:] == [["b", "bad", "c"], ["b"], ["bad"], ["c"]]
    batcher.stop()


def test_a_request_that_stopped_waiting_does_not_stop_the_others_being_answered(
    session_factory: sessionmaker[Session], slow: SlowStore
) -> None:
    """The web route gives up on a delivery after its timeout (its future cancelled);
    the group is still stored and every later delivery still answered."""
    batcher = WebhookBatcher(session_factory)
    first = batcher.submit(_delivery("a"))
    gone = batcher.submit(_delivery("b"))
    kept = batcher.submit(_delivery("c", b"zz"))
    assert gone.cancel()
    slow.release.set()

    assert first.result(10).ingested == 1
    assert kept.result(10).ingested == 2
    assert batcher.submit(_delivery("d", b"www")).result(10).ingested == 3
    assert slow.groups == [["a"], ["b", "c"], ["d"]]
    batcher.stop()

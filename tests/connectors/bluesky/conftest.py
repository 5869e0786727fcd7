"""A replayed Bluesky: documented XRPC answers served through `httpx.MockTransport`.

`FakeXrpc` answers each XRPC method (by NSID) with the queued answers, the last one
repeating, and keeps every request so tests assert on what the connector sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestre.connectors.base import AccountRef, Credentials
from orchestre.connectors.bluesky import BlueskyConnector, BlueskyInstallation
from orchestre.kit.clock import FrozenClock

PAYLOADS = Path(__file__).parent / "payloads"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PDS = "https://morel.us-east.host.bsky.network"
DID = "did:plc:alice2026"
HANDLE = "alice.bsky.social"
POST_URI = "at://did:plc:alice2026/app.bsky.feed.post/3lbqta5lnck2i"
ACCESS = "access-secret-1"
REFRESH = "refresh-secret-1"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response] | BaseException


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text("utf-8"))
    return data


def answer(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=payload(name), headers=headers)


class FakeXrpc:
    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, nsid: str, *answers: Answer) -> FakeXrpc:
        self.routes[nsid] = list(answers)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        queue = self.routes.get(nsid)
        if not queue:
            return httpx.Response(
                501, json={"error": "MethodNotImplemented", "message": f"no route {nsid}"}
            )
        current = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(current, BaseException):
            raise current
        if callable(current):
            return current(request)
        return current

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def sent(self, nsid: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == f"/xrpc/{nsid}"]

    def only(self, nsid: str) -> httpx.Request:
        found = self.sent(nsid)
        assert len(found) == 1, f"{nsid} sent {len(found)} times"
        return found[0]

    def nsids(self) -> list[str]:
        return [r.url.path.removeprefix("/xrpc/") for r in self.requests]


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


@pytest.fixture
def bsky_clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def xrpc() -> FakeXrpc:
    return FakeXrpc()


@pytest.fixture
def connector(bsky_clock: FrozenClock) -> BlueskyConnector:
    return BlueskyConnector(clock=bsky_clock.now)


@pytest.fixture
def account() -> AccountRef:
    return AccountRef(
        network="bluesky",
        external_id=DID,
        handle=HANDLE,
        credentials=Credentials(
            access_token=ACCESS,
            refresh_token=REFRESH,
            extra={"did": DID, "handle": HANDLE, "pds": PDS},
        ),
    )


@pytest.fixture
def alice(connector: BlueskyConnector, account: AccountRef, xrpc: FakeXrpc) -> BlueskyInstallation:
    return connector.open(account, transport=xrpc.transport)

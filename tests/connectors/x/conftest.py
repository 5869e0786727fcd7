"""X's documented answers replayed through httpx.MockTransport, and the requests we sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestre.connectors.base import AccountRef, AppCredentials, Credentials
from orchestre.connectors.x import XConnector, XInstallation

PAYLOADS = Path(__file__).parent / "payloads"
ACCESS_TOKEN = "x-access-token-of-lumiere"
REFRESH_TOKEN = "x-refresh-token-of-lumiere"
APP = AppCredentials(
    client_id="orchestre-x-client",
    client_secret="orchestre-x-secret",
    redirect_uri="https://orchestre.example/oauth/callback/x",
)
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def answer(status: int, name: str | None = None, **kwargs: Any) -> httpx.Response:
    if name is not None:
        kwargs["json"] = payload(name)
    return httpx.Response(status, **kwargs)


@dataclass
class Replay:
    """Answers per (method, path), in order (the last one repeats); records each request."""

    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.routes.setdefault((method, path), []).extend(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json={"title": "Not Found", "detail": "no route in test"})
        found = queue.pop(0) if len(queue) > 1 else queue[0]
        return found(request) if callable(found) else found

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def body(self, request: httpx.Request) -> Any:
        return json.loads(request.content)


@dataclass
class FakeTime:
    """A monotonic clock that only moves when slept on."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def replay() -> Replay:
    return Replay()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def account() -> AccountRef:
    return AccountRef(
        network="x",
        external_id="2244994945",
        handle="atelierlumiere",
        credentials=Credentials(access_token=ACCESS_TOKEN, refresh_token=REFRESH_TOKEN),
    )


@pytest.fixture
def x(replay: Replay, fake_time: FakeTime, account: AccountRef) -> XInstallation:
    connector = XConnector(sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    return connector.open(account, transport=replay.transport, app=APP)

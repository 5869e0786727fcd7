"""LinkedIn's documented answers replayed through httpx.MockTransport, and the requests sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestre.connectors.base import AccountRef, AppCredentials, Credentials
from orchestre.connectors.linkedin import LinkedInConnector, LinkedInInstallation

PAYLOADS = Path(__file__).parent / "payloads"
ACCESS_TOKEN = "linkedin-access-token-of-lumiere"
REFRESH_TOKEN = "linkedin-refresh-token-of-lumiere"
ORG = "urn:li:organization:2414183"
POST = "urn:li:share:7134853264311816192"
APP = AppCredentials(
    client_id="orchestre-linkedin-client",
    client_secret="orchestre-linkedin-secret",
    redirect_uri="https://orchestre.example/oauth/callback/linkedin",
)
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def answer(status: int, name: str | None = None, **kwargs: Any) -> httpx.Response:
    if name is not None:
        kwargs["json"] = payload(name)
    return httpx.Response(status, **kwargs)


def post_created(urn: str | None = None) -> httpx.Response:
    recorded = payload("post_created.json")
    headers = dict(recorded["headers"])
    if urn:
        headers["x-restli-id"] = urn
    return httpx.Response(recorded["status"], headers=headers, content=recorded["body"])


@dataclass
class Replay:
    """Answers per (method, path[?action=…]), in order (the last repeats); records requests."""

    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.routes.setdefault((method, path), []).extend(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        action = request.url.params.get("action")
        queue = self.routes.get((request.method, f"{path}?action={action}")) if action else None
        queue = queue or self.routes.get((request.method, path))
        if not queue:
            return httpx.Response(404, json={"status": 404, "message": "no route in test"})
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


def account_for(external_id: str) -> AccountRef:
    return AccountRef(
        network="linkedin",
        external_id=external_id,
        handle="atelier-lumiere",
        credentials=Credentials(access_token=ACCESS_TOKEN, refresh_token=REFRESH_TOKEN),
    )


@pytest.fixture
def page(replay: Replay, fake_time: FakeTime) -> LinkedInInstallation:
    """An organization page."""
    connector = LinkedInConnector(sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    return connector.open(account_for(ORG), transport=replay.transport, app=APP)


@pytest.fixture
def member(replay: Replay, fake_time: FakeTime) -> LinkedInInstallation:
    """A member, known by the `sub` OpenID Connect gave."""
    connector = LinkedInConnector(sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    return connector.open(account_for("782bbtaQ"), transport=replay.transport, app=APP)

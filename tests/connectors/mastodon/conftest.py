"""A replayed Mastodon instance: documented answers per route, and every request we sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from orchestre.connectors.base import AccountRef, Credentials
from orchestre.connectors.mastodon import MastodonConnector, MastodonInstallation, MediaWait

PAYLOADS = Path(__file__).parent / "payloads"
INSTANCE = "https://social.example"
TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
OWN_ID = "109348"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def form(request: httpx.Request) -> dict[str, list[str]]:
    """A form-encoded request body, each name with all its values."""
    return parse_qs(request.content.decode(), keep_blank_values=True)


class ReplayedInstance:
    """Answers queued per (method, path); the last answer of a route repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.routes.setdefault((method, path), []).extend(answers)

    def json(self, method: str, path: str, body: Any, status: int = 200, **kw: Any) -> None:
        self.on(method, path, httpx.Response(status, json=body, **kw))

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json={"error": "Record not found"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer


class StatusFactory:
    """POST /api/v1/statuses answered as Mastodon does: a new status with the next id,
    echoing what was sent (text as HTML, the status it answers, visibility)."""

    def __init__(self, first_id: int = 112200000000000001) -> None:
        self.next_id = first_id

    def __call__(self, request: httpx.Request) -> httpx.Response:
        sent = form(request)
        status = deepcopy(payload("status.json"))
        status_id = str(self.next_id)
        self.next_id += 1
        status["id"] = status_id
        status["url"] = f"{INSTANCE}/@lumiere/{status_id}"
        status["content"] = f"<p>{sent['status'][0]}</p>"
        status["in_reply_to_id"] = sent.get("in_reply_to_id", [None])[0]
        status["visibility"] = sent.get("visibility", ["public"])[0]
        return httpx.Response(200, json=status)


class FakeTime:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def instance() -> ReplayedInstance:
    return ReplayedInstance()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def connector(fake_time: FakeTime) -> MastodonConnector:
    wait = MediaWait(sleep=fake_time.sleep, monotonic=fake_time.monotonic, deadline_seconds=30.0)
    return MastodonConnector(media_wait=wait)


@pytest.fixture
def lumiere(connector: MastodonConnector, instance: ReplayedInstance) -> MastodonInstallation:
    account = AccountRef(
        "mastodon",
        OWN_ID,
        "lumiere@social.example",
        credentials=Credentials(TOKEN),
        base_url=INSTANCE,
    )
    return connector.open(account, transport=instance.transport)

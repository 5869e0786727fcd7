"""Replaying Meta's documented answers: a scripted transport that records what we send."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

PAYLOADS = Path(__file__).parent / "payloads"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def payload(name: str) -> Any:
    """A payload file under payloads/ (shaped from the API reference page its README names)."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def graph_error(name: str, status: int = 400, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload(f"graph/{name}.json"), headers=headers)


class Replay:
    """Routes `(METHOD, path)` to scripted answers, in order (the last one repeats);
    an unscripted request fails the test with what it was."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *answers: Answer | dict[str, Any]) -> Replay:
        self.routes.setdefault((method, path), []).extend(
            httpx.Response(200, json=a) if isinstance(a, dict) else a for a in answers
        )
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        answers = self.routes.get(key)
        if not answers:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request) if callable(answer) else answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def one(self, method: str, path: str) -> httpx.Request:
        found = self.sent(method, path)
        assert len(found) == 1, f"{method} {path} sent {len(found)} times"
        return found[0]


def form(request: httpx.Request) -> dict[str, str]:
    """The url-encoded body of a request, one value per field."""
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


def query(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


@pytest.fixture
def replay() -> Replay:
    return Replay()


class FakeTime:
    """An injected sleep and monotonic clock: waiting advances time, nothing sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()

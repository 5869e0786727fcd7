"""A replayed YouTube: documented answers served per route, every request kept for asserts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestre.connectors.base import AccountRef, AppCredentials, Credentials
from orchestre.connectors.youtube import UploadRules, YouTubeConnector, YouTubeInstallation
from orchestre.kit.clock import FrozenClock

PAYLOADS = Path(__file__).parent / "payloads"
APP = AppCredentials(
    "123-example.apps.googleusercontent.com",
    "GOCSPX-app-secret",
    "https://orchestre.example/oauth/callback/youtube",
)
TOKEN = "ya29.current-access-token"
CHANNEL = "UCx5Xq0A9dGf1lumiere00001"
API = "www.googleapis.com/youtube/v3"
UPLOAD = "www.googleapis.com/upload/youtube/v3/videos"
SESSION = (
    "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable"
    "&upload_id=xa298sd_f&part=snippet,status"
)


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


Answer = httpx.Response | type[httpx.TransportError]


class Replay:
    """Routes (method, host + path) to queued answers; the last answer of a route repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, where: str, *answers: Answer) -> None:
        self.routes.setdefault((method, where), []).extend(answers)

    def json(self, method: str, where: str, name: str, status: int = 200, **headers: str) -> None:
        self.on(method, where, httpx.Response(status, json=payload(name), headers=headers))

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, f"{request.url.host}{request.url.path}")
        queue = self.routes.get(key)
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type):
            raise answer("replayed failure", request=request)
        return httpx.Response(
            answer.status_code, headers=answer.headers, content=answer.content, request=request
        )

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def sent(self, method: str, where: str) -> list[httpx.Request]:
        return [
            r for r in self.requests if r.method == method and f"{r.url.host}{r.url.path}" == where
        ]


@pytest.fixture
def replay() -> Replay:
    return Replay()


@pytest.fixture
def sleeps(clock: FrozenClock) -> list[float]:
    return []


@pytest.fixture
def lengths() -> dict[Path, float]:
    """What the stand-in for ffprobe measures, per file (unknown files: not measurable)."""
    return {}


@pytest.fixture
def connector(
    clock: FrozenClock, sleeps: list[float], lengths: dict[Path, float]
) -> YouTubeConnector:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds=seconds)

    rules = UploadRules(chunk_size=8, granularity=4, max_resumes=3, first_backoff=1)
    return YouTubeConnector(sleep=sleep, upload_rules=rules, measure_seconds=lengths.get)


@pytest.fixture
def account() -> AccountRef:
    return AccountRef(
        network="youtube",
        external_id=CHANNEL,
        handle="@lumiereparis",
        credentials=Credentials(access_token=TOKEN, refresh_token="1//current-refresh-token"),
    )


@pytest.fixture
def youtube(
    connector: YouTubeConnector, account: AccountRef, replay: Replay
) -> Iterator[YouTubeInstallation]:
    installation = connector.open(account, transport=replay.transport, app=APP)
    assert isinstance(installation, YouTubeInstallation)
    yield installation
    installation.close()


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "teaser.mp4"
    path.write_bytes(bytes(range(20)))
    return path

"""A pretend web for the feed tests: documents served by an httpx MockTransport at public
addresses that a fake resolver gives, every request recorded. No network is touched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from orchestre.listening.feeds_fetch import FeedFetcher

DOCS = Path(__file__).parent / "feeds"
PUBLIC_IP = "93.184.215.14"

Handler = Callable[[httpx.Request], httpx.Response]


def doc(name: str) -> bytes:
    return (DOCS / name).read_bytes()


@dataclass
class Site:
    """Routes by Host header and path; `dns` maps names to addresses."""

    routes: dict[str, Handler] = field(default_factory=dict)
    dns: dict[str, list[str]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def serve(self, url: str, handler: Handler) -> None:
        parsed = httpx.URL(url)
        self.dns.setdefault(parsed.host, [PUBLIC_IP])
        self.routes[parsed.host + parsed.raw_path.decode()] = handler

    def feed(self, url: str, body: bytes, **headers: str) -> None:
        xml = {"content-type": "application/rss+xml; charset=utf-8", **headers}
        self.serve(url, lambda request: httpx.Response(200, headers=xml, content=body))

    def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.dns:
            raise OSError(f"no such host {host}")
        return self.dns[host]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host = request.headers["host"].split(":")[0]
        handler = self.routes.get(host + request.url.raw_path.decode())
        if handler is None:
            return httpx.Response(404, text="not found")
        return handler(request)

    def fetcher(self, **kwargs: object) -> FeedFetcher:
        return FeedFetcher(
            transport=httpx.MockTransport(self.handle),
            resolver=self.resolve,
            **kwargs,  # type: ignore[arg-type]
        )

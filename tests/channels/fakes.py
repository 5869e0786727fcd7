"""Fake connectors for the connect and refresh flows, talking HTTP through a replay transport.

The token endpoint answers are shaped from RFC 6749 section 5.1 (success) and 5.2 (errors);
Mastodon's app registration from its `POST /api/v1/apps` reference; Bluesky's session from
`com.atproto.server.createSession`; Facebook pages from the Graph API `GET /me/accounts`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AppCredentials,
    BaseInstallation,
    Capability,
    CredentialError,
    Credentials,
    Installation,
    RetryableError,
)
from orchestre.connectors.http import make_client
from orchestre.connectors.registry import Registry

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass
class Replay:
    """An `httpx.MockTransport` that answers by method and URL (without query) and keeps
    every request it saw; an answer may be a list, consumed in order."""

    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, method: str, url: str, *answers: Answer) -> None:
        self.routes.setdefault((method, url), []).extend(answers)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            request.read()
            self.requests.append(request)
            key = (request.method, str(request.url.copy_with(query=None)))
            answers = self.routes.get(key)
            if not answers:
                return httpx.Response(404, json={"error": f"no route for {key}"})
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request) if callable(answer) else answer

    def sent(self, method: str, url: str) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.method == method and str(r.url.copy_with(query=None)) == url
        ]


def form_of(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


def token(access: str, refresh: str | None = "rt-1", expires_in: int = 7200) -> httpx.Response:
    body: dict[str, Any] = {"token_type": "bearer", "access_token": access, "scope": "read"}
    if refresh:
        body["refresh_token"] = refresh
    if expires_in:
        body["expires_in"] = expires_in
    return httpx.Response(200, json=body)


def oauth_error(status: int, error: str, description: str = "") -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


class _Installation(BaseInstallation):
    def __init__(
        self,
        connector: Any,
        account: AccountRef,
        transport: httpx.BaseTransport | None,
        app: AppCredentials | None,
    ) -> None:
        super().__init__(account)
        self.network = connector.network
        self._connector = connector
        self._transport = transport
        self._app = app

    def profile(self) -> AccountProfile:
        url = self._connector.profile_url(self._account)
        with oauth.bearer_client(
            self._account.credentials.access_token, transport=self._transport
        ) as client:
            response = client.get(url)
        if response.status_code == 401:
            raise CredentialError("token refused", network=self.network)
        data = response.json()
        return AccountProfile(str(data["id"]), data["username"], data.get("name", ""))

    def refresh_credentials(self) -> Credentials:
        if self._app is None:
            raise CredentialError("no app", definitive=False, network=self.network)
        return oauth.refresh(
            self._connector.oauth2,
            self._app,
            self._account.credentials,
            network=self.network,
            base_url=self._account.base_url,
            transport=self._transport,
        )


class FakeOAuth:
    """A network with one app and rotating refresh tokens (X-like)."""

    network = "x"
    capabilities = frozenset({Capability.PUBLISH_TEXT})
    oauth2 = oauth.OAuth2Spec(
        authorize_url="https://x.example/i/oauth2/authorize",
        token_url="https://api.x.example/2/oauth2/token",
        scopes=("tweet.read", "offline.access"),
        client_auth="basic",
    )
    me = "https://api.x.example/2/users/me"

    def profile_url(self, account: AccountRef) -> str:
        return self.me

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return _Installation(self, account, transport, app)


class FakeMastodon(FakeOAuth):
    """A federated network: the app is registered on each instance first."""

    network = "mastodon"
    oauth2 = oauth.OAuth2Spec(
        authorize_url="{base_url}/oauth/authorize",
        token_url="{base_url}/oauth/token",
        scopes=("read", "write"),
        pkce=True,
    )

    def profile_url(self, account: AccountRef) -> str:
        return f"{account.base_url}/api/v1/accounts/verify_credentials"

    def register_app(
        self, base_url: str, redirect_uri: str, *, transport: httpx.BaseTransport | None = None
    ) -> AppCredentials:
        with make_client(transport=transport) as client:
            response = client.post(
                f"{base_url}/api/v1/apps",
                data={
                    "client_name": "Orchestre",
                    "redirect_uris": redirect_uri,
                    "scopes": "read write",
                },
            )
        data = response.json()
        return AppCredentials(data["client_id"], data["client_secret"], redirect_uri)


class FakeBluesky:
    """A network whose accounts connect with an identifier and an app password."""

    network = "bluesky"
    capabilities = frozenset({Capability.PUBLISH_TEXT})
    session_url = "https://bsky.social/xrpc/com.atproto.server.createSession"

    def login(
        self,
        identifier: str,
        password: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Credentials:
        with make_client(transport=transport) as client:
            try:
                response = client.post(
                    self.session_url, json={"identifier": identifier, "password": password}
                )
            except httpx.HTTPError as exc:
                raise RetryableError("no answer", retry_after=45, network=self.network) from exc
        data = response.json()
        if response.status_code == 401:
            raise CredentialError(data.get("message", "refused"), network=self.network)
        return Credentials(
            access_token=data["accessJwt"],
            refresh_token=data["refreshJwt"],
            extra={"did": data["did"], "handle": data["handle"]},
        )

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return _BlueskyInstallation(account)


class _BlueskyInstallation(BaseInstallation):
    network = "bluesky"

    def profile(self) -> AccountProfile:
        extra = self._account.credentials.extra
        return AccountProfile(extra["did"], extra["handle"], extra["handle"])


class FakeFacebook(FakeOAuth):
    """One authorization opens the pages a person manages: they pick which to connect."""

    network = "facebook"
    oauth2 = oauth.OAuth2Spec(
        authorize_url="https://www.facebook.example/v21.0/dialog/oauth",
        token_url="https://graph.facebook.example/v21.0/oauth/access_token",
        scopes=("pages_manage_posts",),
        pkce=False,
        refreshable=False,
    )
    pages = "https://graph.facebook.example/v21.0/me/accounts"

    def __init__(self) -> None:
        self.apps_seen: list[AppCredentials | None] = []

    def accounts(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Sequence[tuple[AccountProfile, Credentials]]:
        self.apps_seen.append(app)
        with oauth.bearer_client(credentials.access_token, transport=transport) as client:
            data = client.get(self.pages).json()["data"]
        return [
            (AccountProfile(p["id"], p["name"], p["name"]), Credentials(p["access_token"]))
            for p in data
        ]


def registry(*connectors: object) -> Registry:
    reg = Registry(points=[])
    for connector in connectors:
        reg.register(connector)  # type: ignore[arg-type]
    return reg


def body_of(request: httpx.Request) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(request.content)
    return loaded

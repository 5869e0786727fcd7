"""OAuth 2 helpers: authorization address, code exchange, refresh and the failure rule.

Token endpoint answers are shaped from RFC 6749 sections 4.1 (authorization request), 5.1
(successful token answer) and 5.2 (error answer), and RFC 7636 (PKCE S256).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AppCredentials,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
)
from orchestre.kit.clock import FrozenClock

TOKEN_URL = "https://auth.example/oauth2/token"
APP = AppCredentials("client-1", "secret-1", "https://orchestre.example/oauth/callback/x")
SPEC = oauth.OAuth2Spec(
    authorize_url="https://auth.example/oauth2/authorize",
    token_url=TOKEN_URL,
    scopes=("read", "write", "offline.access"),
)
OLD = Credentials("at-old", "rt-old", None, {"scope": "read"})


class Endpoint:
    """A replayed token endpoint that keeps the requests it received."""

    def __init__(self, answer: httpx.Response | Callable[[httpx.Request], httpx.Response]):
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return self.answer(request) if callable(self.answer) else self.answer

        return httpx.MockTransport(handle)

    def form(self, index: int = 0) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.requests[index].content.decode()).items()}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_authorization_address_carries_state_scopes_and_a_s256_challenge() -> None:
    start = oauth.start_authorization(SPEC, APP)
    query = _query(start.url)
    assert start.url.startswith(SPEC.authorize_url + "?")
    assert query["response_type"] == "code"
    assert query["client_id"] == "client-1"
    assert query["redirect_uri"] == APP.redirect_uri
    assert query["scope"] == "read write offline.access"
    assert query["state"] == start.state
    assert len(start.state) >= 32
    assert start.code_verifier is not None
    digest = hashlib.sha256(start.code_verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge"] == expected
    assert query["code_challenge_method"] == "S256"
    other = oauth.start_authorization(SPEC, APP)
    assert other.state != start.state
    assert other.code_verifier != start.code_verifier


def test_network_habits_client_key_separator_extra_params_and_no_pkce() -> None:
    spec = oauth.OAuth2Spec(
        authorize_url="https://www.tiktok.example/v2/auth/authorize/",
        token_url=TOKEN_URL,
        scopes=("user.info.basic", "video.publish"),
        scope_separator=",",
        pkce=False,
        client_id_param="client_key",
        extra_authorize_params={"access_type": "offline"},
    )
    start = oauth.start_authorization(spec, APP, state="fixed-state")
    query = _query(start.url)
    assert query["client_key"] == "client-1"
    assert "client_id" not in query
    assert query["scope"] == "user.info.basic,video.publish"
    assert query["access_type"] == "offline"
    assert query["state"] == "fixed-state"
    assert "code_challenge" not in query
    assert start.code_verifier is None


def test_a_per_server_network_needs_its_server() -> None:
    spec = oauth.OAuth2Spec("{base_url}/oauth/authorize", "{base_url}/oauth/token", ("read",))
    url = oauth.start_authorization(spec, APP, base_url="https://mastodon.example/").url
    assert url.startswith("https://mastodon.example/oauth/authorize?")
    with pytest.raises(PermanentError, match="server"):
        oauth.start_authorization(spec, APP)


def test_the_code_is_traded_with_the_verifier_and_the_app_in_the_body(
    clock: FrozenClock,
) -> None:
    endpoint = Endpoint(
        httpx.Response(
            200,
            json={
                "access_token": "at-1",
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_token": "rt-1",
                "scope": "read write",
            },
        )
    )
    creds = oauth.exchange_code(
        SPEC,
        APP,
        "the-code",
        network="x",
        code_verifier="v" * 64,
        transport=endpoint.transport(),
    )
    [request] = endpoint.requests
    assert request.method == "POST"
    assert str(request.url) == TOKEN_URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert endpoint.form() == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": APP.redirect_uri,
        "code_verifier": "v" * 64,
        "client_id": "client-1",
        "client_secret": "secret-1",
    }
    assert creds.access_token == "at-1"
    assert creds.refresh_token == "rt-1"
    assert creds.expires_at == clock.now() + timedelta(seconds=3600)
    assert creds.extra == {"token_type": "bearer", "scope": "read write"}


def test_basic_client_authentication_keeps_the_secret_out_of_the_body() -> None:
    spec = oauth.OAuth2Spec(SPEC.authorize_url, TOKEN_URL, ("read",), client_auth="basic")
    endpoint = Endpoint(httpx.Response(200, json={"access_token": "at-1"}))
    oauth.exchange_code(spec, APP, "c", network="x", transport=endpoint.transport())
    expected = "Basic " + base64.b64encode(b"client-1:secret-1").decode()
    assert endpoint.requests[0].headers["authorization"] == expected
    assert "client_secret" not in endpoint.form()
    assert "client_id" not in endpoint.form()


def test_a_refused_code_is_permanent_with_the_network_reason() -> None:
    endpoint = Endpoint(
        httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "Authorization code expired"}
        )
    )
    with pytest.raises(PermanentError) as caught:
        oauth.exchange_code(SPEC, APP, "old", network="x", transport=endpoint.transport())
    assert caught.value.code == "invalid_grant"
    assert "Authorization code expired" in caught.value.reason
    assert not isinstance(caught.value, CredentialError)


def test_refresh_sends_the_refresh_token_and_keeps_it_when_none_comes_back() -> None:
    endpoint = Endpoint(httpx.Response(200, json={"access_token": "at-2", "expires_in": 60}))
    fresh = oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())
    assert endpoint.form() == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-old",
        "client_id": "client-1",
        "client_secret": "secret-1",
    }
    assert fresh.access_token == "at-2"
    assert fresh.refresh_token == "rt-old"
    assert fresh.extra == {"scope": "read"}


def test_a_rotating_network_gives_a_new_refresh_token() -> None:
    endpoint = Endpoint(httpx.Response(200, json={"access_token": "a", "refresh_token": "rt-2"}))
    fresh = oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())
    assert fresh.refresh_token == "rt-2"


def test_nothing_to_refresh_sends_nothing() -> None:
    endpoint = Endpoint(httpx.Response(500))
    unrefreshable = oauth.OAuth2Spec(SPEC.authorize_url, TOKEN_URL, (), refreshable=False)
    assert (
        oauth.refresh(unrefreshable, APP, OLD, network="x", transport=endpoint.transport()) == OLD
    )
    no_token = Credentials("at-only")
    assert (
        oauth.refresh(SPEC, APP, no_token, network="x", transport=endpoint.transport()) == no_token
    )
    assert endpoint.requests == []


def test_invalid_grant_on_refresh_is_a_definitive_credential_error() -> None:
    endpoint = Endpoint(
        httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"})
    )
    with pytest.raises(CredentialError) as caught:
        oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())
    assert caught.value.definitive is True
    assert "rt-old" not in str(caught.value)
    assert "secret-1" not in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "retry_after"),
    [
        (httpx.Response(503, json={"error": "temporarily_unavailable"}), None),
        (httpx.Response(502, text="<html>Bad gateway</html>"), None),
        (httpx.Response(429, headers={"Retry-After": "30"}, json={"error": "slow_down"}), 30),
    ],
    ids=["503", "502-html", "429-retry-after"],
)
def test_an_unavailable_token_endpoint_is_retryable_never_a_credential_error(
    answer: httpx.Response, retry_after: float | None
) -> None:
    endpoint = Endpoint(answer)
    with pytest.raises(RetryableError) as caught:
        oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())
    assert caught.value.retry_after == retry_after


def test_a_rate_limit_reset_instant_becomes_a_delay(clock: FrozenClock) -> None:
    reset = int(clock.now().timestamp()) + 60
    endpoint = Endpoint(httpx.Response(429, headers={"x-rate-limit-reset": str(reset)}))
    with pytest.raises(RetryableError) as caught:
        oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())
    assert caught.value.retry_after == 60


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("no answer")],
    ids=["connect-error", "timeout"],
)
def test_no_answer_from_the_token_endpoint_is_retryable(error: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(RetryableError):
        oauth.refresh(SPEC, APP, OLD, network="x", transport=Endpoint(fail).transport())


def test_a_refused_app_is_permanent_and_says_to_check_the_app_settings() -> None:
    endpoint = Endpoint(httpx.Response(401, json={"error": "invalid_client"}))
    with pytest.raises(PermanentError) as caught:
        oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())
    assert caught.value.code == "invalid_client"
    assert "client id and secret" in caught.value.reason


def test_an_error_in_a_200_answer_is_still_an_error() -> None:
    endpoint = Endpoint(httpx.Response(200, json={"error": "invalid_grant"}))
    with pytest.raises(CredentialError):
        oauth.refresh(SPEC, APP, OLD, network="x", transport=endpoint.transport())


def test_a_garbled_success_is_retryable_and_an_answer_without_token_permanent() -> None:
    garbled = Endpoint(httpx.Response(200, text="not json"))
    with pytest.raises(RetryableError) as caught:
        oauth.refresh(SPEC, APP, OLD, network="x", transport=garbled.transport())
    assert caught.value.network == "x"
    empty = Endpoint(httpx.Response(200, json={"token_type": "bearer"}))
    with pytest.raises(PermanentError):
        oauth.refresh(SPEC, APP, OLD, network="x", transport=empty.transport())


def test_bearer_client_authenticates_every_request() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with oauth.bearer_client(
        "at-9", base_url="https://api.example", transport=httpx.MockTransport(handle)
    ) as client:
        client.get("/me")
    assert seen[0].headers["authorization"] == "Bearer at-9"
    assert str(seen[0].url) == "https://api.example/me"

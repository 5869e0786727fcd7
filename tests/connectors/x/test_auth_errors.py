"""Connecting and renewing an X account, and each way X refuses, as typed errors."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    CredentialError,
    DraftPost,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.oauth import UsesOAuth2, start_authorization
from orchestre.connectors.x import XConnector, XInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.x.conftest import APP, REFRESH_TOKEN, Replay, answer, payload

TOKEN_PATH = "/2/oauth2/token"


def test_authorization_uses_pkce_and_every_scope_we_need() -> None:
    connector = XConnector()
    assert isinstance(connector, UsesOAuth2)
    start = start_authorization(connector.oauth2, APP, state="s-1")
    url = urlparse(start.url)
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://x.com/i/oauth2/authorize"
    assert query["code_challenge_method"] == ["S256"]
    assert start.code_verifier
    assert set(query["scope"][0].split(" ")) == {
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "like.write",
        "media.write",
        "tweet.moderate.write",
    }


def test_refresh_uses_basic_auth_and_keeps_the_rotated_refresh_token(
    x: XInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on("POST", TOKEN_PATH, answer(200, "token_refreshed.json"))
    replay.on("GET", "/2/users/me", answer(200, "users_me.json"))

    fresh = x.refresh_credentials()

    token_request = replay.requests[0]
    assert str(token_request.url) == "https://api.x.com/2/oauth2/token"
    basic = base64.b64encode(b"orchestre-x-client:orchestre-x-secret").decode()
    assert token_request.headers["authorization"] == f"Basic {basic}"
    form = parse_qs(token_request.content.decode())
    assert form == {"grant_type": ["refresh_token"], "refresh_token": [REFRESH_TOKEN]}
    expected = payload("token_refreshed.json")
    assert fresh.access_token == expected["access_token"]
    assert fresh.refresh_token == expected["refresh_token"]
    assert fresh.expires_at is not None
    assert (fresh.expires_at - clock.now()).total_seconds() == 7200
    # The installation goes on with the new token.
    x.profile()
    assert replay.requests[1].headers["authorization"] == f"Bearer {expected['access_token']}"


@pytest.mark.parametrize("name", ["token_invalid_grant.json", "token_invalid_request.json"])
def test_a_refused_refresh_token_means_reconnect(
    x: XInstallation, replay: Replay, name: str
) -> None:
    replay.on("POST", TOKEN_PATH, answer(400, name))
    with pytest.raises(CredentialError) as caught:
        x.refresh_credentials()
    assert caught.value.definitive is True
    assert REFRESH_TOKEN not in str(caught.value)


def test_a_token_endpoint_outage_is_retryable_and_not_a_reconnection(
    x: XInstallation, replay: Replay
) -> None:
    replay.on("POST", TOKEN_PATH, answer(503, "error_server.json"))
    with pytest.raises(RetryableError) as caught:
        x.refresh_credentials()
    assert not isinstance(caught.value, CredentialError)


def test_refresh_without_the_app_says_so(account: AccountRef, replay: Replay) -> None:
    x = XConnector().open(account, transport=replay.transport)
    with pytest.raises(PermanentError, match="X app"):
        x.refresh_credentials()
    assert replay.requests == []


def test_rate_limit_waits_until_x_rate_limit_reset(
    x: XInstallation, replay: Replay, clock: FrozenClock
) -> None:
    reset = int(clock.now().timestamp()) + 420
    headers = {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0"}
    replay.on(
        "POST",
        "/2/tweets",
        answer(429, "error_rate_limit.json", headers={**headers, "x-rate-limit-reset": str(reset)}),
    )
    with pytest.raises(RetryableError) as caught:
        x.publish(DraftPost(text="Bonjour"))
    assert caught.value.retry_after == pytest.approx(420, abs=1)


def test_the_daily_post_cap_waits_for_its_own_reset(
    x: XInstallation, replay: Replay, clock: FrozenClock
) -> None:
    now = int(clock.now().timestamp())
    headers = {
        "x-rate-limit-reset": str(now + 60),
        "x-user-limit-24hour-limit": "17",
        "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(now + 7 * 3600),
    }
    replay.on("POST", "/2/tweets", answer(429, "error_rate_limit.json", headers=headers))
    with pytest.raises(RetryableError, match="daily limit") as caught:
        x.publish(DraftPost(text="Bonjour"))
    assert caught.value.retry_after == pytest.approx(7 * 3600, abs=1)


def test_an_expired_token_is_a_credential_error(x: XInstallation, replay: Replay) -> None:
    replay.on("POST", "/2/tweets", answer(401, "error_unauthorized.json"))
    with pytest.raises(CredentialError) as caught:
        x.publish(DraftPost(text="Bonjour"))
    assert caught.value.definitive is True


def test_duplicate_content_is_permanent_with_x_reason(x: XInstallation, replay: Replay) -> None:
    replay.on("POST", "/2/tweets", answer(403, "error_duplicate.json"))
    with pytest.raises(PermanentError) as caught:
        x.publish(DraftPost(text="Bonjour"))
    assert caught.value.reason == "You are not allowed to create a Tweet with duplicate content."
    assert caught.value.code == "duplicate"
    assert caught.value.network == "x"


def test_a_server_error_is_retryable(x: XInstallation, replay: Replay) -> None:
    replay.on("POST", "/2/tweets", answer(503, "error_server.json"))
    with pytest.raises(RetryableError):
        x.publish(DraftPost(text="Bonjour"))


def test_a_timeout_after_sending_a_post_is_ambiguous(x: XInstallation, replay: Replay) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    replay.on("POST", "/2/tweets", timeout)
    with pytest.raises(AmbiguousError) as caught:
        x.publish(DraftPost(text="Bonjour", client_ref="v-9"))
    assert caught.value.client_ref == "v-9"
    # X keeps no idempotency key: it cannot say "not there", so it says it cannot look.
    with pytest.raises(PermanentError) as unverifiable:
        x.find_by_client_ref("v-9")
    assert unverifiable.value.code == "unverifiable"


def test_a_connect_error_is_retryable(x: XInstallation, replay: Replay) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    replay.on("POST", "/2/tweets", refused)
    with pytest.raises(RetryableError) as caught:
        x.publish(DraftPost(text="Bonjour"))
    assert not isinstance(caught.value, AmbiguousError)

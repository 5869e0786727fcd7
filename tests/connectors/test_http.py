"""The shared HTTP client: timeouts, user agent, and each network answer as a typed error."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.http import (
    DEFAULT_TIMEOUT,
    USER_AGENT,
    make_client,
    retry_after_seconds,
    send,
    tls_context,
)
from orchestre.kit.clock import FrozenClock

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> httpx.Client:
    return make_client(base_url="https://net.example", transport=httpx.MockTransport(handler))


def _answer(status: int, **kwargs: object) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, request=request, **kwargs)  # type: ignore[arg-type]

    return handler


def _raiser(exc_type: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return handler


def test_the_client_sends_our_user_agent_and_has_every_timeout() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    with _client(handler) as client:
        answer = send(client, "GET", "/v1/me", network="demo")
        assert answer.json() == {"ok": True}
        assert client.timeout == DEFAULT_TIMEOUT
    assert seen[0].headers["user-agent"] == USER_AGENT
    assert all(
        value is not None
        for value in (
            DEFAULT_TIMEOUT.connect,
            DEFAULT_TIMEOUT.read,
            DEFAULT_TIMEOUT.write,
            DEFAULT_TIMEOUT.pool,
        )
    )


def test_429_with_retry_after_seconds_is_retryable_with_that_delay() -> None:
    with (
        _client(_answer(429, headers={"Retry-After": "120"}, json={"error": "slow down"})) as c,
        pytest.raises(RetryableError) as caught,
    ):
        send(c, "POST", "/posts", network="demo")
    assert caught.value.retry_after == 120
    assert "slow down" in caught.value.message


def test_429_with_a_rate_limit_reset_instant_waits_until_then(clock: FrozenClock) -> None:
    reset = int(clock.now().timestamp()) + 900
    with (
        _client(_answer(429, headers={"x-rate-limit-reset": str(reset)})) as c,
        pytest.raises(RetryableError) as caught,
    ):
        send(c, "POST", "/2/tweets", network="x")
    assert caught.value.retry_after == pytest.approx(900, abs=1)


def test_reset_header_as_an_iso_date_and_retry_after_as_an_http_date() -> None:
    now = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
    iso = httpx.Response(429, headers={"X-RateLimit-Reset": "2030-03-15T09:05:00.000Z"})
    assert retry_after_seconds(iso, now) == 300
    http_date = httpx.Response(429, headers={"Retry-After": "Fri, 15 Mar 2030 09:01:00 GMT"})
    assert retry_after_seconds(http_date, now) == 60
    past = httpx.Response(429, headers={"Retry-After": "Fri, 15 Mar 2030 08:00:00 GMT"})
    assert retry_after_seconds(past, now) == 0
    assert retry_after_seconds(httpx.Response(429), now) is None
    garbage = httpx.Response(429, headers={"Retry-After": "soon"})
    assert retry_after_seconds(garbage, now + timedelta(0)) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retryable(status: int) -> None:
    with _client(_answer(status, text="upstream down")) as c, pytest.raises(RetryableError):
        send(c, "POST", "/posts", network="demo")


def test_401_is_a_definitive_credential_error() -> None:
    body = {"error": "invalid_token", "error_description": "The access token was revoked"}
    with _client(_answer(401, json=body)) as c, pytest.raises(CredentialError) as caught:
        send(c, "GET", "/me", network="demo")
    assert caught.value.definitive is True
    assert "revoked" in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (400, {"error": "Text must be at most 500 characters"}, "at most 500"),
        (403, {"detail": "You are not permitted to post duplicate content."}, "duplicate"),
        (422, {"errors": [{"message": "Validation failed: media type"}]}, "media type"),
        (422, {"error": {"message": "Invalid parameter", "code": 100}}, "Invalid parameter"),
    ],
)
def test_content_rejections_are_permanent_with_the_networks_reason(
    status: int, body: dict[str, object], reason: str
) -> None:
    with _client(_answer(status, json=body)) as c, pytest.raises(PermanentError) as caught:
        send(c, "POST", "/posts", network="demo")
    assert reason in caught.value.reason
    assert caught.value.code == str(status)
    assert caught.value.network == "demo"


def test_a_rejection_without_json_keeps_its_text() -> None:
    with _client(_answer(400, text="Bad media")) as c, pytest.raises(PermanentError) as caught:
        send(c, "POST", "/posts", network="demo")
    assert caught.value.reason == "Bad media"


def test_read_timeout_after_sending_a_post_is_ambiguous() -> None:
    with _client(_raiser(httpx.ReadTimeout)) as c, pytest.raises(AmbiguousError) as caught:
        send(c, "POST", "/posts", network="demo", client_ref="variant-1")
    assert caught.value.client_ref == "variant-1"


def test_read_timeout_on_an_idempotent_call_is_retryable() -> None:
    with _client(_raiser(httpx.ReadTimeout)) as c, pytest.raises(RetryableError):
        send(c, "GET", "/posts/1", network="demo")
    with _client(_raiser(httpx.ReadTimeout)) as c, pytest.raises(RetryableError):
        send(c, "POST", "/search", network="demo", idempotent=True)


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_a_request_that_never_left_is_retryable_even_when_not_idempotent(
    exc_type: type[httpx.TransportError],
) -> None:
    with _client(_raiser(exc_type)) as c, pytest.raises(RetryableError) as caught:
        send(c, "POST", "/posts", network="demo")
    assert not isinstance(caught.value, AmbiguousError)


def test_clients_share_one_verifying_tls_context() -> None:
    first, second = make_client(), make_client(base_url="https://example.org")
    try:
        context = tls_context()
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
        for client in (first, second):
            pool = client._transport._pool  # type: ignore[attr-defined]
            assert pool._ssl_context is context
    finally:
        first.close()
        second.close()

"""Mastodon's failures as the contract's typed errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    CredentialError,
    Credentials,
    DraftPost,
    MediaRef,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.mastodon import MastodonConnector, MastodonInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.mastodon.conftest import (
    INSTANCE,
    OWN_ID,
    TOKEN,
    ReplayedInstance,
    payload,
)

STATUSES = "/api/v1/statuses"


def _failing(exc_type: type[httpx.TransportError]) -> MastodonInstallation:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("no answer", request=request)

    account = AccountRef("mastodon", OWN_ID, credentials=Credentials(TOKEN), base_url=INSTANCE)
    return MastodonConnector().open(account, transport=httpx.MockTransport(handler))


def test_rate_limited_waits_until_the_reset_instant(
    lumiere: MastodonInstallation, instance: ReplayedInstance, clock: FrozenClock
) -> None:
    reset = (clock.now() + timedelta(seconds=150)).isoformat().replace("+00:00", ".000Z")
    instance.json(
        "POST",
        STATUSES,
        payload("error_429.json"),
        429,
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
        },
    )
    with pytest.raises(RetryableError) as limited:
        lumiere.publish(DraftPost(text="Bonjour", client_ref="r-1"))
    assert limited.value.retry_after == 150
    assert "Too many requests" in str(limited.value)


def test_an_invalid_token_is_a_credential_error(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", "/api/v1/accounts/verify_credentials", payload("error_401.json"), 401)
    with pytest.raises(CredentialError, match="access token is invalid") as refused:
        lumiere.profile()
    assert refused.value.definitive
    assert TOKEN not in str(refused.value)


def test_an_app_token_without_a_user_is_a_credential_error(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("POST", STATUSES, payload("error_422_app_token.json"), 422)
    with pytest.raises(CredentialError, match="requires an authenticated user"):
        lumiere.publish(DraftPost(text="Bonjour"))


def test_a_disabled_login_is_a_credential_error(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", f"{STATUSES}/1", {"error": "Your login is currently disabled"}, 403)
    with pytest.raises(CredentialError, match="disabled"):
        lumiere.read_metrics(["1"])


def test_content_rejected_is_permanent_with_the_instance_reason(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("POST", STATUSES, payload("error_422_length.json"), 422)
    with pytest.raises(PermanentError) as rejected:
        lumiere.publish(DraftPost(text="x" * 600))
    assert rejected.value.reason == "Validation failed: Text character limit of 500 exceeded"
    assert rejected.value.code == "422"
    assert rejected.value.network == "mastodon"


def test_a_server_error_is_retryable(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.on("POST", STATUSES, httpx.Response(503, text="<html>Service Unavailable</html>"))
    with pytest.raises(RetryableError) as failed:
        lumiere.publish(DraftPost(text="Bonjour"))
    assert "503" in str(failed.value)


def test_a_timeout_after_the_status_was_sent_is_ambiguous() -> None:
    installation = _failing(httpx.ReadTimeout)
    with pytest.raises(AmbiguousError) as unknown:
        installation.publish(DraftPost(text="Bonjour", client_ref="post-42"))
    assert unknown.value.client_ref == "post-42"


def test_a_reply_that_timed_out_is_ambiguous_too(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    instance.json("GET", f"{STATUSES}/9", payload("status.json"))
    instance.on("POST", STATUSES, slow)
    with pytest.raises(AmbiguousError) as unknown:
        lumiere.reply("9", "Merci", client_ref="reply-9")
    assert unknown.value.client_ref == "reply-9"


def test_a_timeout_while_reading_is_retryable() -> None:
    with pytest.raises(RetryableError):
        _failing(httpx.ReadTimeout).read_mentions()


def test_an_instance_that_cannot_be_reached_is_retryable() -> None:
    installation = _failing(httpx.ConnectError)
    with pytest.raises(RetryableError) as failed:
        installation.publish(DraftPost(text="Bonjour", client_ref="post-42"))
    assert not isinstance(failed.value, AmbiguousError)


def test_an_upload_that_timed_out_is_retryable_not_ambiguous(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"png")
    with pytest.raises(RetryableError) as failed:
        _failing(httpx.ReadTimeout).publish(
            DraftPost(text="x", media=[MediaRef(str(image), "image/png")], client_ref="p")
        )
    # An attachment no status uses is never shown: nothing can have been published.
    assert not isinstance(failed.value, AmbiguousError)

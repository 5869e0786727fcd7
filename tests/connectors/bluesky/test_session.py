"""Connecting with an app password and refreshing the session."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from orchestre.connectors.base import (
    AccountRef,
    Connector,
    CredentialError,
    Credentials,
    RetryableError,
)
from orchestre.connectors.bluesky import BlueskyConnector, BlueskyInstallation
from orchestre.connectors.http import USER_AGENT
from orchestre.connectors.oauth import UsesAppPassword

from .conftest import ACCESS, DID, HANDLE, PDS, REFRESH, FakeXrpc, answer, body, payload


def test_the_connector_is_a_connector_that_connects_with_an_app_password(
    connector: BlueskyConnector,
) -> None:
    assert isinstance(connector, Connector)
    assert isinstance(connector, UsesAppPassword)
    assert connector.network == "bluesky"


def test_login_trades_the_app_password_for_a_session_on_the_account_pds(
    connector: BlueskyConnector, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.server.createSession", answer("create_session"))

    creds = connector.login("alice.bsky.social", "app-pass-word", transport=xrpc.transport)

    sent = xrpc.only("com.atproto.server.createSession")
    assert sent.method == "POST"
    assert str(sent.url) == "https://bsky.social/xrpc/com.atproto.server.createSession"
    assert body(sent) == {"identifier": "alice.bsky.social", "password": "app-pass-word"}
    assert "authorization" not in sent.headers
    assert sent.headers["user-agent"] == USER_AGENT
    session = payload("create_session")
    assert creds.access_token == session["accessJwt"]
    assert creds.refresh_token == session["refreshJwt"]
    # The access JWT's own expiry, so the caller refreshes in time.
    assert creds.expires_at == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    # bsky.social is an entryway: the DID document names the PDS that holds the account.
    assert dict(creds.extra) == {"did": DID, "handle": HANDLE, "pds": PDS}


def test_login_goes_to_a_self_hosted_pds_when_given(
    connector: BlueskyConnector, xrpc: FakeXrpc
) -> None:
    session = payload("create_session")
    del session["didDoc"]
    xrpc.on("com.atproto.server.createSession", httpx.Response(200, json=session))

    creds = connector.login(
        "alice.example.com", "pw", base_url="https://pds.example.com/", transport=xrpc.transport
    )

    sent = xrpc.only("com.atproto.server.createSession")
    assert str(sent.url) == "https://pds.example.com/xrpc/com.atproto.server.createSession"
    assert creds.extra["pds"] == "https://pds.example.com"


def test_a_wrong_password_is_a_definitive_credential_error(
    connector: BlueskyConnector, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.server.createSession", answer("error_auth_required", 401))

    with pytest.raises(CredentialError) as caught:
        connector.login("alice.bsky.social", "wrong-secret", transport=xrpc.transport)

    assert caught.value.definitive
    assert "Invalid identifier or password" in caught.value.message
    assert "wrong-secret" not in str(caught.value)


def test_refresh_sends_the_refresh_token_and_returns_the_rotated_pair(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.server.refreshSession", answer("refresh_session"))

    fresh = alice.refresh_credentials()

    sent = xrpc.only("com.atproto.server.refreshSession")
    assert sent.method == "POST"
    assert str(sent.url) == f"{PDS}/xrpc/com.atproto.server.refreshSession"
    assert sent.headers["authorization"] == f"Bearer {REFRESH}"
    answered = payload("refresh_session")
    assert fresh.access_token == answered["accessJwt"]
    assert fresh.refresh_token == answered["refreshJwt"]
    assert fresh.expires_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    assert fresh.extra["pds"] == PDS


@pytest.mark.parametrize(
    ("status", "name"),
    [(400, "error_expired_token"), (400, "error_invalid_token"), (401, "error_invalid_token")],
)
def test_a_refused_refresh_token_is_a_definitive_credential_error(
    alice: BlueskyInstallation, xrpc: FakeXrpc, status: int, name: str
) -> None:
    xrpc.on("com.atproto.server.refreshSession", answer(name, status))

    with pytest.raises(CredentialError) as caught:
        alice.refresh_credentials()

    assert caught.value.definitive
    assert REFRESH not in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_refresh_that_meets_a_server_error_is_retryable_not_definitive(
    alice: BlueskyInstallation, xrpc: FakeXrpc, status: int
) -> None:
    xrpc.on("com.atproto.server.refreshSession", answer("error_upstream", status))

    with pytest.raises(RetryableError):
        alice.refresh_credentials()


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow")],
)
def test_a_refresh_that_gets_no_answer_is_retryable(
    alice: BlueskyInstallation, xrpc: FakeXrpc, failure: Exception
) -> None:
    xrpc.on("com.atproto.server.refreshSession", failure)

    with pytest.raises(RetryableError):
        alice.refresh_credentials()


def test_refresh_without_a_refresh_token_asks_to_sign_in_again(
    connector: BlueskyConnector, xrpc: FakeXrpc
) -> None:
    account = AccountRef(
        network="bluesky",
        external_id=DID,
        credentials=Credentials(access_token=ACCESS, extra={"did": DID, "pds": PDS}),
    )

    with pytest.raises(CredentialError) as caught:
        connector.open(account, transport=xrpc.transport).refresh_credentials()

    assert caught.value.definitive
    assert xrpc.requests == []


def test_profile_reads_the_followers(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    xrpc.on("app.bsky.actor.getProfile", answer("get_profile"))

    profile = alice.profile()

    sent = xrpc.only("app.bsky.actor.getProfile")
    assert sent.method == "GET"
    assert sent.url.params["actor"] == DID
    assert sent.headers["authorization"] == f"Bearer {ACCESS}"
    assert profile.followers == 1280
    assert profile.handle == HANDLE
    assert profile.display_name == "Alice"
    assert profile.url == "https://bsky.app/profile/alice.bsky.social"

"""Connecting a TikTok account: authorization address, token refresh, profile, capabilities."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AccountRef,
    Capability,
    Connector,
    CredentialError,
    Credentials,
    Installation,
    PermanentError,
    RetryableError,
    UnsupportedCapability,
)
from orchestre.connectors.tiktok import TikTokConnector, TikTokInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.tiktok.conftest import API, APP, TOKEN, Replay, payload

TOKEN_URL = f"{API}/v2/oauth/token/"


def test_the_connector_declares_what_it_implements_and_nothing_else(
    tiktok: TikTokInstallation,
) -> None:
    connector = TikTokConnector()
    assert connector.network == "tiktok"
    assert connector.capabilities == {
        Capability.PUBLISH_VIDEO,
        Capability.PUBLISH_IMAGE,
        Capability.PUBLISH_CAROUSEL,
        Capability.READ_METRICS,
        Capability.AD_REPORTING,
        Capability.BOOST_POST,
    }
    assert isinstance(connector, oauth.UsesOAuth2)
    assert isinstance(connector, Connector)
    assert isinstance(tiktok, Installation)
    with pytest.raises(UnsupportedCapability):
        tiktok.reply("7301527392845892870", "merci")
    with pytest.raises(UnsupportedCapability):
        tiktok.read_comments("7301527392845892870")


def test_the_authorization_address_names_the_client_key_and_comma_separated_scopes() -> None:
    start = oauth.start_authorization(TikTokConnector.oauth2, APP, state="st4te")
    url = urlparse(start.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.tiktok.com/v2/auth/authorize/"
    query = parse_qs(url.query)
    assert query["client_key"] == ["aw1example"]
    assert "client_id" not in query
    assert query["scope"] == [
        "user.info.basic,user.info.profile,user.info.stats,video.publish,video.upload,video.list"
    ]
    assert query["code_challenge_method"] == ["S256"]
    assert start.code_verifier
    assert query["state"] == ["st4te"]


def test_a_refresh_sends_the_client_key_and_keeps_the_rotated_refresh_token(
    tiktok: TikTokInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.json("POST", TOKEN_URL, "token_refresh")
    fresh = tiktok.refresh_credentials()
    assert fresh.access_token == "act.example12345Example12345Example"
    assert fresh.refresh_token == "rft.example12345Example12345Example"
    assert fresh.expires_at is not None
    assert (fresh.expires_at - clock.now()).total_seconds() == 86400
    sent = replay.sent("POST", TOKEN_URL)[0]
    form = parse_qs(sent.content.decode())
    assert form == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["rft.current-refresh-token"],
        "client_key": ["aw1example"],
        "client_secret": ["app-secret-example"],
    }
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


def test_a_refused_refresh_token_needs_reconnection(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.json("POST", TOKEN_URL, "token_invalid_grant", status=400)
    with pytest.raises(CredentialError) as refused:
        tiktok.refresh_credentials()
    assert refused.value.definitive
    assert "rft.current-refresh-token" not in str(refused.value)


def test_a_token_endpoint_down_keeps_the_account_connected(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.on("POST", TOKEN_URL, httpx.Response(503, json={"error": "server_error"}))
    with pytest.raises(RetryableError) as down:
        tiktok.refresh_credentials()
    assert not isinstance(down.value, CredentialError)


def test_a_refresh_without_the_app_settings_says_so(account: AccountRef, replay: Replay) -> None:
    installation = TikTokConnector().open(account, transport=replay.transport)
    with pytest.raises(PermanentError, match="client key and secret"):
        installation.refresh_credentials()
    assert replay.requests == []


def test_the_profile_asks_for_its_fields_with_the_bearer_token(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.json("GET", f"{API}/v2/user/info/", "user_info")
    profile = tiktok.profile()
    assert profile.external_id == "-000YH0Xr9yjfVUP3wENf1ZDG8_HpRQG9kk0"
    assert profile.handle == "lumiere.paris"
    assert profile.display_name == "Lumière Paris"
    assert profile.followers == 48210
    assert profile.url == "https://www.tiktok.com/@lumiere.paris"
    sent = replay.sent("GET", f"{API}/v2/user/info/")[0]
    assert sent.url.params["fields"] == (
        "open_id,union_id,avatar_url,display_name,username,follower_count"
    )
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("status", [200, 401])
@pytest.mark.parametrize("code", ["access_token_invalid", "scope_not_authorized"])
def test_a_refused_token_or_scope_is_a_credential_error_even_with_http_200(
    tiktok: TikTokInstallation, replay: Replay, status: int, code: str
) -> None:
    replay.json("GET", f"{API}/v2/user/info/", f"error_{code}", status=status)
    with pytest.raises(CredentialError) as refused:
        tiktok.profile()
    assert refused.value.definitive
    assert code in refused.value.message
    assert TOKEN not in refused.value.message


def test_a_credential_error_never_shows_the_token(account: AccountRef) -> None:
    leaked = Credentials(access_token="act.secret-value")
    replay = Replay()
    replay.json("GET", f"{API}/v2/user/info/", "error_access_token_invalid", status=401)
    installation = TikTokConnector().open(
        AccountRef("tiktok", account.external_id, credentials=leaked), transport=replay.transport
    )
    with pytest.raises(CredentialError) as refused:
        installation.profile()
    assert "act.secret-value" not in repr(refused.value.args)
    assert payload("error_access_token_invalid")["error"]["log_id"] in refused.value.message

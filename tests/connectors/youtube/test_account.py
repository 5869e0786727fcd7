"""Connecting a YouTube channel: authorization address, token refresh, profile, capabilities."""

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
    Installation,
    PermanentError,
    RetryableError,
    UnsupportedCapability,
)
from orchestre.connectors.youtube import YouTubeConnector, YouTubeInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.youtube.conftest import API, APP, CHANNEL, TOKEN, Replay

TOKEN_URL = "oauth2.googleapis.com/token"


def test_the_connector_declares_what_it_implements(youtube: YouTubeInstallation) -> None:
    connector = YouTubeConnector()
    assert connector.network == "youtube"
    assert connector.capabilities == {
        Capability.PUBLISH_VIDEO,
        Capability.FIRST_COMMENT,
        Capability.REPLY,
        Capability.HIDE_COMMENT,
        Capability.DELETE_COMMENT,
        Capability.DELETE_POST,
        Capability.LIKE,
        Capability.READ_COMMENTS,
        Capability.READ_METRICS,
        Capability.SEARCH_POSTS,
        Capability.READ_PUBLIC_ACCOUNTS,
        Capability.AD_REPORTING,
    }
    assert isinstance(connector, oauth.UsesOAuth2)
    assert isinstance(connector, Connector)
    assert isinstance(youtube, Installation)
    with pytest.raises(UnsupportedCapability):
        youtube.read_messages()
    with pytest.raises(UnsupportedCapability):
        youtube.read_mentions()


def test_the_authorization_address_asks_for_offline_access_and_consent() -> None:
    start = oauth.start_authorization(YouTubeConnector.oauth2, APP, state="st4te")
    url = urlparse(start.url)
    assert (
        f"{url.scheme}://{url.netloc}{url.path}" == "https://accounts.google.com/o/oauth2/v2/auth"
    )
    query = parse_qs(url.query)
    assert query["client_id"] == ["123-example.apps.googleusercontent.com"]
    assert query["access_type"] == ["offline"]
    assert query["prompt"] == ["consent"]
    assert query["scope"] == [
        "https://www.googleapis.com/auth/youtube.upload "
        "https://www.googleapis.com/auth/youtube.force-ssl "
        "https://www.googleapis.com/auth/youtube.readonly"
    ]
    assert query["redirect_uri"] == ["https://orchestre.example/oauth/callback/youtube"]
    assert query["code_challenge_method"] == ["S256"]


def test_a_refresh_keeps_the_refresh_token_google_does_not_resend(
    youtube: YouTubeInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.json("POST", TOKEN_URL, "token_refresh")
    fresh = youtube.refresh_credentials()
    assert fresh.access_token == "ya29.a0Example-new-access-token"
    assert fresh.refresh_token == "1//current-refresh-token"
    assert fresh.expires_at is not None
    assert (fresh.expires_at - clock.now()).total_seconds() == 3599
    form = parse_qs(replay.sent("POST", TOKEN_URL)[0].content.decode())
    assert form == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["1//current-refresh-token"],
        "client_id": ["123-example.apps.googleusercontent.com"],
        "client_secret": ["GOCSPX-app-secret"],
    }


def test_a_revoked_grant_needs_reconnection(youtube: YouTubeInstallation, replay: Replay) -> None:
    replay.json("POST", TOKEN_URL, "token_invalid_grant", 400)
    with pytest.raises(CredentialError) as refused:
        youtube.refresh_credentials()
    assert refused.value.definitive
    assert "1//current-refresh-token" not in refused.value.message


@pytest.mark.parametrize(
    "answer", [httpx.Response(500, text="Internal Error"), httpx.ConnectError], ids=["5xx", "down"]
)
def test_a_token_endpoint_failure_keeps_the_channel_connected(
    youtube: YouTubeInstallation,
    replay: Replay,
    answer: httpx.Response | type[httpx.TransportError],
) -> None:
    replay.on("POST", TOKEN_URL, answer)
    with pytest.raises(RetryableError) as down:
        youtube.refresh_credentials()
    assert not isinstance(down.value, CredentialError)


def test_a_refresh_without_the_app_settings_says_so(account: AccountRef, replay: Replay) -> None:
    installation = YouTubeConnector().open(account, transport=replay.transport)
    with pytest.raises(PermanentError, match="client id and secret"):
        installation.refresh_credentials()


def test_the_profile_is_the_channel(youtube: YouTubeInstallation, replay: Replay) -> None:
    replay.json("GET", f"{API}/channels", "channels_mine")
    profile = youtube.profile()
    assert profile.external_id == CHANNEL
    assert profile.handle == "@lumiereparis"
    assert profile.display_name == "Lumière Paris"
    assert profile.followers == 25400
    assert profile.url == "https://www.youtube.com/@lumiereparis"
    sent = replay.sent("GET", f"{API}/channels")[0]
    assert dict(sent.url.params) == {"part": "snippet,statistics", "mine": "true"}
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_google_account_without_a_channel_is_told_to_create_one(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", f"{API}/channels", "channels_none")
    with pytest.raises(PermanentError, match="no YouTube channel"):
        youtube.profile()


def test_an_expired_token_is_a_credential_error_without_the_token(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", f"{API}/channels", "error_auth_error", 401)
    with pytest.raises(CredentialError) as refused:
        youtube.profile()
    assert refused.value.definitive
    assert TOKEN not in refused.value.message


def test_our_reference_cannot_be_looked_up_on_youtube(youtube: YouTubeInstallation) -> None:
    with pytest.raises(PermanentError) as refused:
        youtube.find_by_client_ref("post-77")
    assert refused.value.code == "unverifiable"

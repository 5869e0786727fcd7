"""Google Ads searchStream for a YouTube channel's campaigns: daily results."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
    ad_reporting,
)
from orchestre.connectors.youtube import YouTubeConnector, YouTubeInstallation
from tests.connectors.youtube.conftest import APP, CHANNEL, Replay

STREAM = "googleads.googleapis.com/v21/customers/1234567890/googleAds:searchStream"
EXTRA = {"ads_developer_token": "dev-token-abc", "ads_login_customer_id": "987-654-3210"}


@pytest.fixture
def ads(connector: YouTubeConnector, replay: Replay) -> YouTubeInstallation:
    account = AccountRef(
        network="youtube",
        external_id=CHANNEL,
        credentials=Credentials(access_token="ya29.channel-token", extra=EXTRA),
    )
    installation = connector.open(account, transport=replay.transport, app=APP)
    assert isinstance(installation, YouTubeInstallation)
    return installation


def test_every_batch_of_the_stream_in_exact_money(replay: Replay, ads: YouTubeInstallation) -> None:
    replay.json("POST", STREAM, "ads_search_stream")
    rows = ad_reporting(ads).read_ad_results("123-456-7890", date(2026, 11, 20), date(2026, 11, 21))
    (sent,) = replay.sent("POST", STREAM)
    assert sent.headers["developer-token"] == "dev-token-abc"
    assert sent.headers["login-customer-id"] == "9876543210"
    assert sent.headers["Authorization"] == "Bearer ya29.channel-token"
    query = json.loads(sent.content)["query"]
    assert "metrics.cost_micros" in query
    assert "segments.date BETWEEN '2026-11-20' AND '2026-11-21'" in query
    assert "campaign.advertising_channel_type IN ('VIDEO', 'DEMAND_GEN')" in query
    assert rows == [
        AdResult(
            "20871234567",
            date(2026, 11, 20),
            Decimal("18.25"),
            "EUR",
            12093,
            41,
            Decimal("2.6666666666666665"),
            Decimal("212.37"),
            attribution="conversion_action_windows",
        ),
        AdResult(
            "20871234567",
            date(2026, 11, 21),
            Decimal("0.99"),
            "EUR",
            880,
            0,
            Decimal(0),
            Decimal(0),
            attribution="conversion_action_windows",
        ),
    ]


def test_named_campaigns_and_an_empty_stream(replay: Replay, ads: YouTubeInstallation) -> None:
    replay.json("POST", STREAM, "ads_search_stream_empty")
    rows = ad_reporting(ads).read_ad_results(
        "1234567890", date(2026, 11, 22), date(2026, 11, 22), ["20871234567", "20870000001"]
    )
    assert rows == []
    query = json.loads(replay.sent("POST", STREAM)[0].content)["query"]
    assert query.endswith("AND campaign.id IN (20871234567, 20870000001)")


def test_the_quota_waits_googles_retry_delay(replay: Replay, ads: YouTubeInstallation) -> None:
    replay.json("POST", STREAM, "ads_quota_exhausted", status=429)
    with pytest.raises(RetryableError) as caught:
        ad_reporting(ads).read_ad_results("1234567890", date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.retry_after == 30.0


def test_an_expired_token_needs_reconnection(replay: Replay, ads: YouTubeInstallation) -> None:
    replay.json("POST", STREAM, "ads_unauthenticated", status=401)
    with pytest.raises(CredentialError, match="expired"):
        ad_reporting(ads).read_ad_results("1234567890", date(2026, 11, 20), date(2026, 11, 21))


def test_a_missing_permission_is_a_refusal(replay: Replay, ads: YouTubeInstallation) -> None:
    replay.json("POST", STREAM, "ads_permission_denied", status=403)
    with pytest.raises(PermanentError, match="login-customer-id") as caught:
        ad_reporting(ads).read_ad_results("1234567890", date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.code == "authorizationError"


def test_without_a_developer_token_nothing_is_sent(
    replay: Replay, youtube: YouTubeInstallation
) -> None:
    with pytest.raises(PermanentError) as caught:
        ad_reporting(youtube).read_ad_results("1234567890", date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.code == "ads_keys"
    assert replay.requests == []

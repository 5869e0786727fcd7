"""X's Ads API: daily campaign results, signed with OAuth 1.0a, spend in micros."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    Capability,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
    ad_reporting,
)
from orchestre.connectors.x import XConnector, XInstallation
from tests.connectors.x.conftest import APP, FakeTime, Replay, answer

AD_ACCOUNT = "18ce54d4x5t"
BASE = f"/12/accounts/{AD_ACCOUNT}"
STATS = f"/12/stats/accounts/{AD_ACCOUNT}"
KEYS = {
    "ads_consumer_key": "ads-consumer-key",
    "ads_consumer_secret": "ads-consumer-secret",
    "ads_token": "2244994945-ads-token",
    "ads_token_secret": "ads-token-secret",
}


@pytest.fixture
def ads(replay: Replay, fake_time: FakeTime) -> XInstallation:
    account = AccountRef(
        network="x",
        external_id="2244994945",
        credentials=Credentials(access_token="x-access-token", extra=KEYS),
    )
    connector = XConnector(sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    return connector.open(account, transport=replay.transport, app=APP)


def _account(replay: Replay) -> None:
    replay.on("GET", BASE, answer(200, "ads/account.json"))
    replay.on("GET", f"{BASE}/funding_instruments", answer(200, "ads/funding_instruments.json"))


def test_every_campaign_over_two_pages_in_exact_money(replay: Replay, ads: XInstallation) -> None:
    assert Capability.AD_REPORTING in XConnector().capabilities
    _account(replay)
    replay.on(
        "GET",
        f"{BASE}/campaigns",
        answer(200, "ads/campaigns_page1.json"),
        answer(200, "ads/campaigns_page2.json"),
    )
    replay.on("GET", STATS, answer(200, "ads/stats.json"))
    rows = ad_reporting(ads).read_ad_results(AD_ACCOUNT, date(2026, 11, 20), date(2026, 11, 21))
    first, second = replay.sent("GET", f"{BASE}/campaigns")
    assert "cursor" not in first.url.params
    assert second.url.params["cursor"] == "c-1a2b3c"
    (stats,) = replay.sent("GET", STATS)
    asked = stats.url.params
    assert asked["entity"] == "CAMPAIGN"
    assert asked["entity_ids"] == "8wku2,8yn7m"
    assert (asked["granularity"], asked["metric_groups"]) == ("DAY", "BILLING,ENGAGEMENT")
    # Midnight in Paris (UTC+1 in November), the end exclusive.
    assert (asked["start_time"], asked["end_time"]) == (
        "2026-11-19T23:00:00Z",
        "2026-11-21T23:00:00Z",
    )
    assert stats.headers["Authorization"].startswith("OAuth ")
    assert 'oauth_consumer_key="ads-consumer-key"' in stats.headers["Authorization"]
    assert 'oauth_signature_method="HMAC-SHA1"' in stats.headers["Authorization"]
    assert rows == [
        AdResult("8wku2", date(2026, 11, 20), Decimal("12.345678"), "EUR", 5120, 77),
        AdResult("8wku2", date(2026, 11, 21), Decimal("9.87"), "EUR", 4388, 64),
        AdResult("8yn7m", date(2026, 11, 21), Decimal("0.15"), "EUR", 210, 2),
    ]


def test_a_long_range_is_asked_seven_days_at_a_time(replay: Replay, ads: XInstallation) -> None:
    _account(replay)
    replay.on("GET", STATS, answer(200, "ads/stats_empty.json"))
    rows = ad_reporting(ads).read_ad_results(
        AD_ACCOUNT, date(2026, 11, 1), date(2026, 11, 10), ["8wku2"]
    )
    assert rows == []  # an empty day (null metrics) gives no row
    windows = [
        (r.url.params["start_time"], r.url.params["end_time"]) for r in replay.sent("GET", STATS)
    ]
    assert windows == [
        ("2026-10-31T23:00:00Z", "2026-11-07T23:00:00Z"),
        ("2026-11-07T23:00:00Z", "2026-11-10T23:00:00Z"),
    ]
    assert replay.sent("GET", f"{BASE}/campaigns") == []


def test_the_rate_limit_waits_until_xs_reset(replay: Replay, ads: XInstallation) -> None:
    _account(replay)
    replay.on("GET", STATS, answer(429, "error_rate_limit.json", headers={"Retry-After": "900"}))
    with pytest.raises(RetryableError) as caught:
        ad_reporting(ads).read_ad_results(
            AD_ACCOUNT, date(2026, 11, 20), date(2026, 11, 21), ["8wku2"]
        )
    assert caught.value.retry_after == 900.0


def test_a_refused_token_needs_reconnection(replay: Replay, ads: XInstallation) -> None:
    replay.on("GET", BASE, answer(401, "ads/error_unauthorized.json"))
    with pytest.raises(CredentialError):
        ad_reporting(ads).read_ad_results(AD_ACCOUNT, date(2026, 11, 20), date(2026, 11, 21))


def test_without_ads_keys_nothing_is_sent(replay: Replay, x: XInstallation) -> None:
    with pytest.raises(PermanentError, match=r"OAuth 1\.0a") as caught:
        ad_reporting(x).read_ad_results(AD_ACCOUNT, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.code == "ads_keys"
    assert replay.requests == []

"""X's Ads API: daily campaign results, signed with OAuth 1.0a, spend in micros."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    BoostRequest,
    BudgetKind,
    Capability,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
    ad_reporting,
    boosting,
)
from orchestre.connectors.x import XConnector, XInstallation
from tests.connectors.x.conftest import APP, FakeTime, Replay, answer

AD_ACCOUNT = "18ce54d4x5t"
BASE = f"/12/accounts/{AD_ACCOUNT}"
STATS = f"/12/stats/accounts/{AD_ACCOUNT}"
TWEET = "1458284157922156544"
START = datetime(2026, 11, 27, 9, 0, 0, 120000, tzinfo=UTC)
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


def _boost_answers(replay: Replay) -> None:
    replay.on("GET", f"{BASE}/funding_instruments", answer(200, "ads/funding_instruments_two.json"))
    replay.on("GET", "/12/targeting_criteria/locations", answer(200, "ads/location_fr.json"))
    replay.on("POST", f"{BASE}/campaigns", answer(200, "ads/campaign_created.json"))
    replay.on("POST", f"{BASE}/line_items", answer(200, "ads/line_item_created.json"))
    replay.on("POST", f"{BASE}/targeting_criteria", answer(200, "ads/targeting_created.json"))
    replay.on("POST", f"{BASE}/promoted_tweets", answer(200, "ads/promoted_tweet_created.json"))


def _request(**changes: object) -> BoostRequest:
    asked = BoostRequest(
        post_external_id=TWEET,
        ad_account_id=AD_ACCOUNT,
        budget=Decimal("25.50"),
        currency="EUR",
        days=3,
        start=START,
        countries=("FR",),
    )
    return replace(asked, **changes)  # type: ignore[arg-type]


def test_a_promoted_post_is_paused_with_its_budget_in_micros(
    replay: Replay, ads: XInstallation
) -> None:
    assert Capability.BOOST_POST in XConnector().capabilities
    _boost_answers(replay)
    ref = boosting(ads).boost_post(_request())
    (campaign,) = replay.sent("POST", f"{BASE}/campaigns")
    asked = campaign.url.params
    assert asked["funding_instrument_id"] == "lygyi"  # the one able to fund, in euros
    assert asked["entity_status"] == "PAUSED"
    assert asked["daily_budget_amount_local_micro"] == "25500000"
    assert asked["total_budget_amount_local_micro"] == "25500000"
    (line_item,) = replay.sent("POST", f"{BASE}/line_items")
    item = line_item.url.params
    assert (item["campaign_id"], item["objective"]) == ("hwtbm", "ENGAGEMENTS")
    assert (item["start_time"], item["end_time"]) == (
        "2026-11-27T09:00:00Z",
        "2026-11-30T09:00:00Z",
    )
    (criterion,) = replay.sent("POST", f"{BASE}/targeting_criteria")
    assert criterion.url.params["targeting_value"] == "f3bfc7dcc928977f"
    (promoted,) = replay.sent("POST", f"{BASE}/promoted_tweets")
    assert promoted.url.params["tweet_ids"] == TWEET
    assert promoted.headers["Authorization"].startswith("OAuth ")
    assert ref.external_campaign_id == "hwtbm"
    assert not ref.active
    assert ref.parts == {"line_item": "i3hdr", "promoted_tweet": "1gp8a5"}


def test_a_daily_boost_runs_when_asked(replay: Replay, ads: XInstallation) -> None:
    _boost_answers(replay)
    ref = boosting(ads).boost_post(_request(budget_kind=BudgetKind.DAILY, activate=True))
    asked = replay.sent("POST", f"{BASE}/campaigns")[0].url.params
    assert asked["daily_budget_amount_local_micro"] == "25500000"
    assert asked["total_budget_amount_local_micro"] == "76500000"
    assert asked["entity_status"] == "ACTIVE"
    assert ref.active


def test_a_boost_x_cannot_pay_or_place_creates_nothing(replay: Replay, ads: XInstallation) -> None:
    _boost_answers(replay)
    with pytest.raises(PermanentError, match=r"no funding instrument in USD \(it pays in EUR\)"):
        boosting(ads).boost_post(_request(currency="USD"))
    replay.routes[("GET", "/12/targeting_criteria/locations")] = [
        answer(200, "ads/location_none.json")
    ]
    with pytest.raises(PermanentError, match="country ZZ"):
        boosting(ads).boost_post(_request(countries=("ZZ",)))
    with pytest.raises(PermanentError, match="country"):
        boosting(ads).boost_post(_request(countries=()))
    assert [r for r in replay.requests if r.method == "POST"] == []

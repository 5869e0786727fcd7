"""TikTok's API for Business: daily campaign results of an advertiser."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
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
from orchestre.connectors.tiktok import TikTokConnector, TikTokInstallation
from tests.connectors.tiktok.conftest import APP, Replay

BUSINESS = "business-api.tiktok.com"
REPORT = f"{BUSINESS}/open_api/v1.3/report/integrated/get/"
INFO = f"{BUSINESS}/open_api/v1.3/advertiser/info/"
ADVERTISER = "7012345678901234567"


@pytest.fixture
def ads(connector: TikTokConnector, replay: Replay) -> TikTokInstallation:
    account = AccountRef(
        network="tiktok",
        external_id="-000YH0Xr9yjfVUP3wENf1ZDG8_HpRQG9kk0",
        credentials=Credentials(
            access_token="act.login-kit", extra={"ads_access_token": "business-token-1"}
        ),
    )
    installation = connector.open(account, transport=replay.transport, app=APP)
    assert isinstance(installation, TikTokInstallation)
    return installation


def test_two_pages_of_daily_rows_without_the_empty_day(
    replay: Replay, ads: TikTokInstallation
) -> None:
    assert Capability.AD_REPORTING in TikTokConnector().capabilities
    replay.json("GET", INFO, "ads_advertiser_info")
    replay.json("GET", REPORT, "ads_report_page1")
    replay.json("GET", REPORT, "ads_report_page2")
    rows = ad_reporting(ads).read_ad_results(ADVERTISER, date(2026, 11, 20), date(2026, 11, 21))
    first, second = replay.sent("GET", REPORT)
    assert first.headers["Access-Token"] == "business-token-1"
    assert "Authorization" not in first.headers
    asked = first.url.params
    assert (asked["data_level"], asked["report_type"]) == ("AUCTION_CAMPAIGN", "BASIC")
    assert json.loads(asked["dimensions"]) == ["campaign_id", "stat_time_day"]
    assert json.loads(asked["metrics"]) == ["spend", "impressions", "clicks", "conversion"]
    assert (asked["start_date"], asked["end_date"]) == ("2026-11-20", "2026-11-21")
    assert (asked["page"], second.url.params["page"]) == ("1", "2")
    assert rows == [
        AdResult(
            "1781234567890123",
            date(2026, 11, 20),
            Decimal("15.72"),
            "EUR",
            9814,
            133,
            Decimal(6),
            attribution="ad_group_setting",
        ),
        AdResult(
            "1789876543210987",
            date(2026, 11, 21),
            Decimal("3.1"),
            "EUR",
            1200,
            9,
            attribution="ad_group_setting",
        ),
    ]


def test_named_campaigns_are_filtered_and_long_ranges_split(
    replay: Replay, ads: TikTokInstallation
) -> None:
    replay.json("GET", INFO, "ads_advertiser_info")
    replay.json("GET", REPORT, "ads_report_empty")
    rows = ad_reporting(ads).read_ad_results(
        ADVERTISER, date(2026, 10, 1), date(2026, 11, 9), ["1789876543210987"]
    )
    assert rows == []
    sent = replay.sent("GET", REPORT)
    assert [(r.url.params["start_date"], r.url.params["end_date"]) for r in sent] == [
        ("2026-10-01", "2026-10-30"),
        ("2026-10-31", "2026-11-09"),
    ]
    (rule,) = json.loads(sent[0].url.params["filtering"])
    assert (rule["field_name"], rule["filter_type"]) == ("campaign_ids", "IN")
    assert json.loads(rule["filter_value"]) == ["1789876543210987"]


def test_a_rate_limit_is_retried_after_tiktoks_window(
    replay: Replay, ads: TikTokInstallation
) -> None:
    replay.json("GET", INFO, "ads_advertiser_info")
    replay.json("GET", REPORT, "ads_rate_limited")
    with pytest.raises(RetryableError) as caught:
        ad_reporting(ads).read_ad_results(ADVERTISER, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.retry_after == 60.0


def test_an_expired_business_token_needs_reconnection(
    replay: Replay, ads: TikTokInstallation
) -> None:
    replay.json("GET", INFO, "ads_token_expired")
    with pytest.raises(CredentialError) as caught:
        ad_reporting(ads).read_ad_results(ADVERTISER, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.definitive


def test_a_refusal_carries_tiktoks_message(replay: Replay, ads: TikTokInstallation) -> None:
    refusal = {"code": 40001, "message": "No permission to operate advertiser", "data": {}}
    replay.on("GET", INFO, httpx.Response(200, json=refusal))
    with pytest.raises(PermanentError, match="No permission") as caught:
        ad_reporting(ads).read_ad_results(ADVERTISER, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.code == "40001"


def test_without_a_business_token_nothing_is_sent(
    replay: Replay, tiktok: TikTokInstallation
) -> None:
    with pytest.raises(PermanentError) as caught:
        ad_reporting(tiktok).read_ad_results(ADVERTISER, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.code == "ads_keys"
    assert replay.requests == []

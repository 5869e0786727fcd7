"""LinkedIn's adAnalytics finder: daily campaign results of an ad account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest

from orchestre.connectors.base import (
    AdResult,
    Capability,
    CredentialError,
    RetryableError,
    ad_reporting,
    boosting,
)
from orchestre.connectors.linkedin import LinkedInConnector, LinkedInInstallation
from tests.connectors.linkedin.conftest import Replay, answer

ACCOUNT = "/rest/adAccounts/507404993"
ANALYTICS = "/rest/adAnalytics"


def test_linkedin_reads_ad_results_and_boosts(page: LinkedInInstallation) -> None:
    assert Capability.AD_REPORTING in LinkedInConnector().capabilities
    assert Capability.BOOST_POST in LinkedInConnector().capabilities
    assert boosting(page, network="linkedin") is page


def test_daily_rows_in_the_accounts_currency(replay: Replay, page: LinkedInInstallation) -> None:
    replay.on("GET", ACCOUNT, answer(200, "ads/ad_account.json"))
    replay.on("GET", ANALYTICS, answer(200, "ads/analytics.json"))
    rows = ad_reporting(page).read_ad_results(
        "urn:li:sponsoredAccount:507404993",
        date(2026, 11, 20),
        date(2026, 11, 21),
        ["312093874"],
    )
    (sent,) = replay.sent("GET", ANALYTICS)
    asked = unquote(sent.url.query.decode())
    assert "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY" in asked
    assert "dateRange=(start:(year:2026,month:11,day:20),end:(year:2026,month:11,day:21))" in asked
    assert "accounts=List(urn:li:sponsoredAccount:507404993)" in asked
    assert "campaigns=List(urn:li:sponsoredCampaign:312093874)" in asked
    assert "costInLocalCurrency" in asked
    assert sent.headers["LinkedIn-Version"]
    assert rows == [
        AdResult(
            "312093874",
            date(2026, 11, 20),
            Decimal("22.4"),
            "EUR",
            impressions=4710,
            clicks=55,
            revenue=Decimal(0),
            attribution="conversion_rule_windows",
        ),
        AdResult(
            "312093874",
            date(2026, 11, 21),
            Decimal("19.8371428571428571"),  # LinkedIn's own digits, kept
            "EUR",
            impressions=4133,
            clicks=62,
            conversions=Decimal(3),
            revenue=Decimal("96.5"),
            attribution="conversion_rule_windows",
        ),
    ]


def test_an_empty_day_gives_no_row(replay: Replay, page: LinkedInInstallation) -> None:
    replay.on("GET", ACCOUNT, answer(200, "ads/ad_account.json"))
    replay.on("GET", ANALYTICS, answer(200, "ads/analytics_empty.json"))
    assert (
        ad_reporting(page).read_ad_results("507404993", date(2026, 11, 22), date(2026, 11, 22))
        == []
    )
    (sent,) = replay.sent("GET", ANALYTICS)
    assert "campaigns=" not in str(sent.url)


def test_the_daily_limit_waits_for_retry_after(replay: Replay, page: LinkedInInstallation) -> None:
    replay.on("GET", ACCOUNT, answer(200, "ads/ad_account.json"))
    replay.on(
        "GET", ANALYTICS, answer(429, "error_rate_limit.json", headers={"Retry-After": "120"})
    )
    with pytest.raises(RetryableError) as caught:
        ad_reporting(page).read_ad_results("507404993", date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.retry_after == 120.0


def test_an_expired_token_needs_reconnection(replay: Replay, page: LinkedInInstallation) -> None:
    replay.on("GET", ACCOUNT, answer(401, "error_unauthorized.json"))
    with pytest.raises(CredentialError) as caught:
        ad_reporting(page).read_ad_results("507404993", date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.definitive

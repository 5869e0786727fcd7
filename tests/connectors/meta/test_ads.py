"""Meta's Marketing API through the Facebook channel: daily campaign results and boosts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
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
from orchestre.connectors.meta import FacebookConnector
from orchestre.connectors.meta.ads import minor_units
from orchestre.connectors.meta.graph import GRAPH_VERSION
from tests.connectors.meta.conftest import Replay, form, graph_error, payload, query
from tests.connectors.meta.test_facebook import PAGE, _open

V = f"/{GRAPH_VERSION}"
ACT = "act_1029384756"
INSIGHTS = f"{V}/{ACT}/insights"
START = datetime(2026, 11, 27, 9, 0, 0, 345678, tzinfo=UTC)


def test_facebook_declares_ad_reporting_and_boosts() -> None:
    assert {Capability.AD_REPORTING, Capability.BOOST_POST} <= FacebookConnector().capabilities


def test_daily_results_over_two_pages_in_exact_money(replay: Replay) -> None:
    replay.on(
        "GET",
        INSIGHTS,
        payload("ads/insights_page1.json"),
        payload("ads/insights_page2.json"),
    )
    rows = ad_reporting(_open(replay)).read_ad_results(
        "1029384756", date(2026, 11, 20), date(2026, 11, 21)
    )
    first, second = replay.sent("GET", INSIGHTS)
    asked = query(first)
    assert (asked["level"], asked["time_increment"]) == ("campaign", "1")
    assert json.loads(asked["time_range"]) == {"since": "2026-11-20", "until": "2026-11-21"}
    assert json.loads(asked["action_attribution_windows"]) == ["7d_click", "1d_view"]
    assert {"spend", "impressions", "clicks", "actions", "action_values"} <= set(
        asked["fields"].split(",")
    )
    assert "after" not in asked
    assert query(second)["after"] == "MQZDZD"
    assert rows == [
        AdResult(
            "120210000000001",
            date(2026, 11, 20),
            Decimal("41.07"),
            "EUR",
            impressions=8120,
            clicks=214,
            # three purchases (not nine: the same purchases under three names) and a lead
            conversions=Decimal(4),
            revenue=Decimal("127.4"),
            attribution="7d_click,1d_view",
        ),
        AdResult(
            "120210000000001",
            date(2026, 11, 21),
            Decimal("38.9"),
            "EUR",
            impressions=7455,
            clicks=180,
            attribution="7d_click,1d_view",
        ),
        AdResult(
            "120210000000002",
            date(2026, 11, 21),
            Decimal("0.01"),
            "EUR",
            impressions=3,
            conversions=Decimal(2),
            attribution="7d_click,1d_view",
        ),
    ]


def test_only_the_asked_campaigns_are_filtered_for(replay: Replay) -> None:
    replay.on("GET", INSIGHTS, payload("ads/insights_empty.json"))
    rows = ad_reporting(_open(replay)).read_ad_results(
        ACT, date(2026, 11, 22), date(2026, 11, 22), ["120210000000001"]
    )
    assert rows == []
    assert json.loads(query(replay.one("GET", INSIGHTS))["filtering"]) == [
        {"field": "campaign.id", "operator": "IN", "value": ["120210000000001"]}
    ]


def test_the_ads_rate_limit_says_how_long_to_wait(replay: Replay) -> None:
    usage = json.dumps(
        {"1029384756": [{"type": "ads_insights", "estimated_time_to_regain_access": 5}]}
    )
    replay.on(
        "GET",
        INSIGHTS,
        httpx.Response(
            400,
            json=payload("ads/ads_rate_limit.json"),
            headers={"X-Business-Use-Case-Usage": usage},
        ),
    )
    with pytest.raises(RetryableError) as caught:
        ad_reporting(_open(replay)).read_ad_results(ACT, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.retry_after == 300.0


def test_an_expired_token_needs_reconnection(replay: Replay) -> None:
    replay.on("GET", INSIGHTS, graph_error("token_expired"))
    with pytest.raises(CredentialError) as caught:
        ad_reporting(_open(replay)).read_ad_results(ACT, date(2026, 11, 20), date(2026, 11, 21))
    assert caught.value.definitive


def test_an_operator_ads_token_is_used_for_the_marketing_api(replay: Replay) -> None:
    replay.on("GET", INSIGHTS, payload("ads/insights_empty.json"))
    account = AccountRef(
        network="facebook",
        external_id=PAGE,
        credentials=Credentials(
            access_token="EAApage", extra={"page_id": PAGE, "ads_access_token": "EAAsystemuser"}
        ),
    )
    installation = FacebookConnector().open(account, transport=replay.transport)
    ad_reporting(installation).read_ad_results(ACT, date(2026, 11, 20), date(2026, 11, 20))
    assert replay.one("GET", INSIGHTS).headers["Authorization"] == "Bearer EAAsystemuser"


def _boost(replay: Replay) -> None:
    replay.on("POST", f"{V}/{ACT}/campaigns", payload("ads/campaign_created.json"))
    replay.on("POST", f"{V}/{ACT}/adsets", payload("ads/adset_created.json"))
    replay.on("POST", f"{V}/{ACT}/adcreatives", payload("ads/creative_created.json"))
    replay.on("POST", f"{V}/{ACT}/ads", payload("ads/ad_created.json"))


def test_a_boost_is_paused_unless_asked_with_a_lifetime_budget_in_cents(replay: Replay) -> None:
    _boost(replay)
    ref = boosting(_open(replay)).boost_post(
        BoostRequest(
            post_external_id="9988776655",
            ad_account_id="1029384756",
            budget=Decimal("25.50"),
            currency="EUR",
            days=3,
            start=START,
            countries=("FR", "BE"),
        )
    )
    campaign = form(replay.one("POST", f"{V}/{ACT}/campaigns"))
    ad_set = form(replay.one("POST", f"{V}/{ACT}/adsets"))
    creative = form(replay.one("POST", f"{V}/{ACT}/adcreatives"))
    ad = form(replay.one("POST", f"{V}/{ACT}/ads"))
    assert campaign["status"] == ad_set["status"] == ad["status"] == "PAUSED"
    assert ad_set["lifetime_budget"] == "2550"
    assert "daily_budget" not in ad_set
    assert ad_set["campaign_id"] == "120210000000777"
    assert ad_set["start_time"] == "2026-11-27T09:00:00+00:00"
    assert ad_set["end_time"] == "2026-11-30T09:00:00+00:00"
    assert (ad_set["optimization_goal"], ad_set["destination_type"]) == (
        "POST_ENGAGEMENT",
        "ON_POST",
    )
    assert campaign["objective"] == "OUTCOME_ENGAGEMENT"
    assert campaign["is_adset_budget_sharing_enabled"] == "false"
    assert json.loads(ad_set["targeting"]) == {"geo_locations": {"countries": ["FR", "BE"]}}
    assert creative["object_story_id"] == f"{PAGE}_9988776655"
    assert json.loads(ad["creative"]) == {"creative_id": "120210000000779"}
    assert ref.external_campaign_id == "120210000000777"
    assert not ref.active
    assert ref.ends_at == START + timedelta(days=3)
    assert ref.parts == {
        "ad_set": "120210000000778",
        "creative": "120210000000779",
        "ad": "120210000000780",
    }


def test_an_activated_daily_boost_runs(replay: Replay) -> None:
    _boost(replay)
    ref = boosting(_open(replay)).boost_post(
        BoostRequest(
            post_external_id=f"{PAGE}_9988776655",
            ad_account_id=ACT,
            budget=Decimal(1500),
            currency="JPY",
            days=1,
            start=START,
            budget_kind=BudgetKind.DAILY,
            activate=True,
            countries=("JP",),
        )
    )
    ad_set = form(replay.one("POST", f"{V}/{ACT}/adsets"))
    assert ad_set["daily_budget"] == "1500"  # yen have no cents
    assert ad_set["status"] == "ACTIVE"
    assert form(replay.one("POST", f"{V}/{ACT}/adcreatives"))["object_story_id"] == (
        f"{PAGE}_9988776655"
    )
    assert ref.active


def test_a_boost_without_a_country_or_with_fractions_of_a_cent_is_refused(
    replay: Replay,
) -> None:
    request = BoostRequest("9988776655", ACT, Decimal(10), "EUR", 2, START)
    with pytest.raises(PermanentError, match="country"):
        boosting(_open(replay)).boost_post(request)
    with pytest.raises(PermanentError, match=r"steps of 0\.01 EUR"):
        minor_units(Decimal("10.005"), "EUR", network="facebook")
    assert minor_units(Decimal("10.5"), "usd", network="facebook") == 1050
    assert replay.requests == []

"""A TikTok boost is a Spark Ad: the creator's authorization code, the post it opens, a
campaign, an ad group with the budget, schedule and countries, and the ad; replayed on the
API for Business's documented answers."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    BoostRequest,
    BudgetKind,
    Capability,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
    boosting,
)
from orchestre.connectors.tiktok import TikTokConnector, TikTokInstallation
from tests.connectors.tiktok.conftest import APP, Replay

B = "business-api.tiktok.com/open_api/v1.3"
ADVERTISER = "7012345678901234567"
ITEM = "7311234567890123456"
CODE = "#OPkzAgCh1E5n0yEzjyk9VEpQnCp0Kd4FeSXs2i3KNBhpQI8sdRiZs7Zq2yJ4RJXo="
START = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


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


def _answers(replay: Replay) -> None:
    replay.json("GET", f"{B}/advertiser/info/", "ads_advertiser_info")
    replay.json("GET", f"{B}/tool/region/", "ads_regions")
    replay.json("POST", f"{B}/tt_video/authorize/", "ads_spark_authorized")
    replay.json("GET", f"{B}/tt_video/info/", "ads_spark_info")
    replay.json("POST", f"{B}/campaign/create/", "ads_campaign_created")
    replay.json("POST", f"{B}/adgroup/create/", "ads_adgroup_created")
    replay.json("POST", f"{B}/ad/create/", "ads_ad_created")


def _request(**changes: Any) -> BoostRequest:
    asked = BoostRequest(
        post_external_id=ITEM,
        ad_account_id=ADVERTISER,
        budget=Decimal("25.50"),
        currency="EUR",
        days=3,
        start=START,
        countries=("FR", "BE"),
        name="Orchestre boost",
        authorization_code=CODE,
    )
    return replace(asked, **changes)


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def _creates(replay: Replay) -> list[str]:
    return [r.url.path for r in replay.requests if r.url.path.endswith("/create/")]


def test_a_spark_ad_is_made_disabled_with_its_budget_schedule_and_countries(
    replay: Replay, ads: TikTokInstallation, caplog: pytest.LogCaptureFixture
) -> None:
    assert Capability.BOOST_POST in TikTokConnector().capabilities
    _answers(replay)
    caplog.set_level(logging.DEBUG)
    ref = boosting(ads).boost_post(_request())
    (authorize,) = replay.sent("POST", f"{B}/tt_video/authorize/")
    assert _body(authorize) == {"advertiser_id": ADVERTISER, "auth_code": CODE}
    assert authorize.headers["Access-Token"] == "business-token-1"
    (info,) = replay.sent("GET", f"{B}/tt_video/info/")
    assert info.url.params["auth_code"] == CODE
    (region,) = replay.sent("GET", f"{B}/tool/region/")
    assert json.loads(region.url.params["placements"]) == ["PLACEMENT_TIKTOK"]
    campaign = _body(replay.sent("POST", f"{B}/campaign/create/")[0])
    assert (campaign["objective_type"], campaign["operation_status"]) == ("REACH", "DISABLE")
    group = _body(replay.sent("POST", f"{B}/adgroup/create/")[0])
    assert group["campaign_id"] == "1818181818181818181"
    assert group["placements"] == ["PLACEMENT_TIKTOK"]
    assert group["location_ids"] == ["3017382", "2802361"]
    assert (group["budget_mode"], group["budget"]) == ("BUDGET_MODE_TOTAL", 25.5)
    assert (group["schedule_start_time"], group["schedule_end_time"]) == (
        "2026-12-01 08:30:00",
        "2026-12-04 08:30:00",
    )
    assert group["operation_status"] == "DISABLE"
    ad = _body(replay.sent("POST", f"{B}/ad/create/")[0])
    assert ad["adgroup_id"] == "1818181818181818282"
    assert ad["creatives"] == [
        {
            "ad_name": "Orchestre boost",
            "ad_format": "SINGLE_VIDEO",
            "identity_type": "AUTH_CODE",
            "identity_id": "7a3c1e0f-5b2d-5c61-9e4f-0b8d2a7c6e13",
            "tiktok_item_id": ITEM,
        }
    ]
    assert ref.external_campaign_id == "1818181818181818181"
    assert not ref.active
    assert ref.ends_at == datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    assert ref.parts == {"adgroup": "1818181818181818282", "ad": "1818181818181818383"}
    assert CODE not in caplog.text
    assert CODE not in repr(_request())


def test_a_daily_boost_runs_when_asked_and_an_applied_code_goes_on(
    replay: Replay, ads: TikTokInstallation
) -> None:
    _answers(replay)
    replay.routes[("POST", f"{B}/tt_video/authorize/")] = []
    replay.json("POST", f"{B}/tt_video/authorize/", "ads_spark_already_authorized")
    ref = boosting(ads).boost_post(
        _request(budget=Decimal(40), budget_kind=BudgetKind.DAILY, activate=True)
    )
    group = _body(replay.sent("POST", f"{B}/adgroup/create/")[0])
    assert (group["budget_mode"], group["budget"]) == ("BUDGET_MODE_DAY", 40.0)
    assert group["operation_status"] == "ENABLE"
    assert ref.active


def test_a_boost_tiktok_cannot_make_creates_nothing(
    replay: Replay, ads: TikTokInstallation
) -> None:
    _answers(replay)
    with pytest.raises(PermanentError, match="authorization code") as missing:
        boosting(ads).boost_post(_request(authorization_code=" "))
    assert missing.value.code == "authorization_code"
    with pytest.raises(PermanentError, match="another TikTok post") as other:
        boosting(ads).boost_post(_request(post_external_id="7300000000000000000"))
    assert other.value.code == "authorization_code"
    with pytest.raises(PermanentError, match="pays in EUR, not USD"):
        boosting(ads).boost_post(_request(currency="USD"))
    with pytest.raises(PermanentError, match="in JP for this advertiser"):
        boosting(ads).boost_post(_request(countries=("FR", "JP")))
    with pytest.raises(PermanentError, match="at least one country"):
        boosting(ads).boost_post(_request(countries=()))
    with pytest.raises(PermanentError, match="whole cents"):
        boosting(ads).boost_post(_request(budget=Decimal("1.001")))
    replay.routes[("POST", f"{B}/tt_video/authorize/")] = []
    replay.json("POST", f"{B}/tt_video/authorize/", "ads_spark_code_invalid")
    with pytest.raises(PermanentError, match="Invalid auth code"):
        boosting(ads).boost_post(_request())
    assert _creates(replay) == []


def test_tiktoks_refusal_keeps_its_reason(replay: Replay, ads: TikTokInstallation) -> None:
    _answers(replay)
    replay.routes[("POST", f"{B}/adgroup/create/")] = []
    replay.json("POST", f"{B}/adgroup/create/", "ads_budget_too_low")
    with pytest.raises(PermanentError, match=r"at least 50\.00 EUR"):
        boosting(ads).boost_post(_request(budget=Decimal(10)))


def test_a_create_without_an_answer_is_ambiguous(replay: Replay, ads: TikTokInstallation) -> None:
    _answers(replay)
    replay.routes[("POST", f"{B}/campaign/create/")] = [httpx.ReadTimeout]
    with pytest.raises(AmbiguousError):
        boosting(ads).boost_post(_request())
    assert replay.sent("POST", f"{B}/adgroup/create/") == []


def test_limits_and_refused_tokens(replay: Replay, ads: TikTokInstallation) -> None:
    _answers(replay)
    replay.routes[("GET", f"{B}/advertiser/info/")] = []
    replay.json("GET", f"{B}/advertiser/info/", "ads_rate_limited", **{"Retry-After": "30"})
    with pytest.raises(RetryableError) as slow:
        boosting(ads).boost_post(_request())
    assert slow.value.retry_after == 30.0
    replay.routes[("GET", f"{B}/advertiser/info/")] = []
    replay.json("GET", f"{B}/advertiser/info/", "ads_token_expired")
    with pytest.raises(CredentialError) as refused:
        boosting(ads).boost_post(_request())
    assert refused.value.definitive
    assert _creates(replay) == []


def test_a_photo_post_runs_as_a_carousel_spark_ad(replay: Replay, ads: TikTokInstallation) -> None:
    _answers(replay)
    replay.routes[("GET", f"{B}/tt_video/info/")] = []
    replay.json("GET", f"{B}/tt_video/info/", "ads_spark_info_photos")
    boosting(ads).boost_post(_request())
    ad = _body(replay.sent("POST", f"{B}/ad/create/")[0])
    assert ad["creatives"][0]["ad_format"] == "CAROUSEL_ADS"

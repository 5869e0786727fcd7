"""Sponsoring an existing LinkedIn post: campaign group, campaign with geo URNs looked up
by the typeahead finder, creative referencing the post; replayed on LinkedIn's documented
answers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

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
from orchestre.connectors.linkedin import LinkedInConnector, LinkedInInstallation
from tests.connectors.linkedin.conftest import (
    APP,
    ORG,
    PAYLOADS,
    POST,
    FakeTime,
    Replay,
    answer,
)

BASE = "/rest/adAccounts/507404993"
TYPEAHEAD = "/rest/adTargetingEntities"
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def created(name: str) -> httpx.Response:
    recorded = json.loads((PAYLOADS / "ads" / name).read_text(encoding="utf-8"))
    return httpx.Response(recorded["status"], headers=recorded["headers"])


def _answers(replay: Replay) -> None:
    replay.on("GET", BASE, answer(200, "ads/ad_account.json"))
    replay.on(
        "GET",
        TYPEAHEAD,
        answer(200, "ads/geo_typeahead_france.json"),
        answer(200, "ads/geo_typeahead_belgium.json"),
    )
    replay.on("POST", f"{BASE}/adCampaignGroups", created("campaign_group_created.json"))
    replay.on("POST", f"{BASE}/adCampaigns", created("campaign_created.json"))
    replay.on("POST", f"{BASE}/creatives", created("creative_created.json"))


def _request(**changes: Any) -> BoostRequest:
    asked = BoostRequest(
        post_external_id=POST,
        ad_account_id="urn:li:sponsoredAccount:507404993",
        budget=Decimal("150.50"),
        currency="EUR",
        days=3,
        start=START,
        countries=("FR", "BE"),
        name="Orchestre boost",
    )
    return replace(asked, **changes)


def _posted(replay: Replay) -> list[str]:
    return [r.url.path for r in replay.requests if r.method == "POST"]


def test_a_sponsored_post_is_paused_with_its_budget_and_countries(
    replay: Replay, page: LinkedInInstallation
) -> None:
    assert Capability.BOOST_POST in LinkedInConnector().capabilities
    _answers(replay)
    ref = boosting(page).boost_post(_request())
    lookups = replay.sent("GET", TYPEAHEAD)
    assert [unquote(r.url.query.decode()) for r in lookups] == [
        "q=typeahead&facet=urn:li:adTargetingFacet:locations&query=France"
        "&queryVersion=QUERY_USES_URNS",
        "q=typeahead&facet=urn:li:adTargetingFacet:locations&query=Belgium"
        "&queryVersion=QUERY_USES_URNS",
    ]
    (group,) = replay.sent("POST", f"{BASE}/adCampaignGroups")
    assert replay.body(group)["runSchedule"] == {"start": 1796112000000, "end": 1796371200000}
    assert group.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert group.headers["LinkedIn-Version"]
    (campaign,) = replay.sent("POST", f"{BASE}/adCampaigns")
    sent = replay.body(campaign)
    assert sent["campaignGroup"] == "urn:li:sponsoredCampaignGroup:635137195"
    assert sent["account"] == "urn:li:sponsoredAccount:507404993"
    assert (sent["type"], sent["objectiveType"], sent["status"]) == (
        "SPONSORED_UPDATES",
        "ENGAGEMENT",
        "PAUSED",
    )
    assert sent["totalBudget"] == {"amount": "150.50", "currencyCode": "EUR"}
    assert "dailyBudget" not in sent
    assert sent["targetingCriteria"] == {
        "include": {
            "and": [
                {
                    "or": {
                        "urn:li:adTargetingFacet:locations": [
                            "urn:li:geo:105015875",
                            "urn:li:geo:100565514",
                        ]
                    }
                }
            ]
        }
    }
    (creative,) = replay.sent("POST", f"{BASE}/creatives")
    assert replay.body(creative) == {
        "campaign": "urn:li:sponsoredCampaign:301431474",
        "content": {"reference": POST},
        "intendedStatus": "ACTIVE",
    }
    assert ref.external_campaign_id == "301431474"
    assert ref.ad_account_id == "507404993"
    assert not ref.active
    assert ref.ends_at == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert ref.parts == {"campaign_group": "635137195", "creative": "1048576"}


def test_a_daily_budget_runs_when_asked(replay: Replay, page: LinkedInInstallation) -> None:
    _answers(replay)
    ref = boosting(page).boost_post(
        _request(budget=Decimal(20), budget_kind=BudgetKind.DAILY, activate=True, countries=("FR",))
    )
    sent = replay.body(replay.sent("POST", f"{BASE}/adCampaigns")[0])
    assert sent["dailyBudget"] == {"amount": "20.00", "currencyCode": "EUR"}
    assert sent["status"] == "ACTIVE"
    assert ref.active


def test_a_boost_linkedin_cannot_pay_or_place_creates_nothing(
    replay: Replay, page: LinkedInInstallation
) -> None:
    _answers(replay)
    with pytest.raises(PermanentError, match="pays in EUR, not USD"):
        boosting(page).boost_post(_request(currency="USD"))
    with pytest.raises(PermanentError, match="whole cents"):
        boosting(page).boost_post(_request(budget=Decimal("10.005")))
    with pytest.raises(PermanentError, match="at least one country"):
        boosting(page).boost_post(_request(countries=()))
    with pytest.raises(PermanentError, match="country ZZ"):
        boosting(page).boost_post(_request(countries=("ZZ",)))
    replay.routes[("GET", TYPEAHEAD)] = [answer(200, "ads/geo_typeahead_none.json")]
    with pytest.raises(PermanentError, match="country FR"):
        boosting(page).boost_post(_request(countries=("FR",)))
    with pytest.raises(PermanentError, match="organization's post"):
        boosting(page).boost_post(_request(post_external_id="7134853264311816192"))
    assert _posted(replay) == []


def test_linkedins_refusal_is_said_with_its_reason(
    replay: Replay, page: LinkedInInstallation
) -> None:
    _answers(replay)
    replay.routes[("POST", f"{BASE}/adCampaigns")] = [
        answer(400, "ads/error_campaign_invalid.json")
    ]
    with pytest.raises(PermanentError, match=r"Total budget must be at least 100\.00 EUR"):
        boosting(page).boost_post(_request(budget=Decimal(50)))
    assert _posted(replay) == [f"{BASE}/adCampaignGroups", f"{BASE}/adCampaigns"]


def test_a_timeout_after_the_campaign_was_sent_is_ambiguous(
    replay: Replay, page: LinkedInInstallation
) -> None:
    _answers(replay)

    def silent(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    replay.routes[("POST", f"{BASE}/adCampaigns")] = [silent]
    with pytest.raises(AmbiguousError):
        boosting(page).boost_post(_request())
    assert replay.sent("POST", f"{BASE}/creatives") == []


def test_limits_and_refused_tokens(replay: Replay, page: LinkedInInstallation) -> None:
    _answers(replay)
    replay.routes[("GET", BASE)] = [
        answer(429, "error_rate_limit.json", headers={"Retry-After": "300"})
    ]
    with pytest.raises(RetryableError) as slow:
        boosting(page).boost_post(_request())
    assert slow.value.retry_after == 300.0
    replay.routes[("GET", BASE)] = [answer(401, "error_unauthorized.json")]
    with pytest.raises(CredentialError) as refused:
        boosting(page).boost_post(_request())
    assert refused.value.definitive
    assert _posted(replay) == []


def test_the_ads_token_is_used_when_the_channel_has_one(
    replay: Replay, fake_time: FakeTime
) -> None:
    account = AccountRef(
        network="linkedin",
        external_id=ORG,
        credentials=Credentials(access_token="page-token", extra={"ads_access_token": "ads-tok"}),
    )
    installation = LinkedInConnector(sleep=fake_time.sleep, monotonic=fake_time.monotonic).open(
        account, transport=replay.transport, app=APP
    )
    _answers(replay)
    boosting(installation).boost_post(_request(countries=("FR",)))
    assert {r.headers["Authorization"] for r in replay.requests} == {"Bearer ads-tok"}


def test_an_existing_campaign_group_and_another_objective_when_asked(
    replay: Replay, page: LinkedInInstallation
) -> None:
    _answers(replay)
    options = {"campaign_group": "urn:li:sponsoredCampaignGroup:600001", "objective": "video_views"}
    ref = boosting(page).boost_post(_request(options=options))
    assert replay.sent("POST", f"{BASE}/adCampaignGroups") == []
    sent = replay.body(replay.sent("POST", f"{BASE}/adCampaigns")[0])
    assert sent["campaignGroup"] == "urn:li:sponsoredCampaignGroup:600001"
    assert (sent["objectiveType"], sent["optimizationTargetType"]) == (
        "VIDEO_VIEWS",
        "MAX_VIDEO_VIEW",
    )
    assert ref.parts["campaign_group"] == "600001"


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"audience": "x"}, "no boost option audience on linkedin"),
        ({"objective": "LEAD_GENERATION"}, "objective is one of"),
        ({"campaign_group": "my group"}, "campaign group is its number"),
    ],
)
def test_options_linkedin_does_not_take_create_nothing(
    replay: Replay, page: LinkedInInstallation, options: dict[str, str], said: str
) -> None:
    _answers(replay)
    with pytest.raises(PermanentError, match=said) as refused:
        boosting(page).boost_post(_request(options=options))
    assert refused.value.code == "options"
    assert replay.requests == []

"""LinkedIn Marketing API: sponsor an existing organization post (a boost).

Four steps on the versioned `/rest/` API, with the ad account's URN:

1. `GET /rest/adAccounts/{id}`: its currency; a boost in another currency is refused
   before anything is made (LinkedIn budgets are in the account's currency).
2. The asked countries as geo URNs, each looked up with the documented typeahead
   finder, `GET /rest/adTargetingEntities?q=typeahead&facet=urn:li:adTargetingFacet:
   locations&query={English name}&queryVersion=QUERY_USES_URNS`: the entity whose name is
   the country's (else the first one that is not a region, "Texas, United States").
3. `POST /rest/adAccounts/{id}/adCampaignGroups` (a group of its own, `ACTIVE`, with the
   boost's run schedule; or the existing group named by the option `campaign_group`), then
   `POST /rest/adAccounts/{id}/adCampaigns`: type `SPONSORED_UPDATES`, objective
   `ENGAGEMENT` (or the option `objective`: `BRAND_AWARENESS`, `VIDEO_VIEWS`,
   `WEBSITE_VISITS`) with LinkedIn's automated bid for it (`MAX_CLICK`, ..., no
   `unitCost`), a `dailyBudget` or `totalBudget` as `{amount, currencyCode}` with the
   amount a decimal string, the `runSchedule` in epoch milliseconds, the countries in
   `targetingCriteria` (`urn:li:adTargetingFacet:locations`), `politicalIntent
   NOT_POLITICAL`, `PAUSED` unless the request says to activate.
4. `POST /rest/adAccounts/{id}/creatives` with `content.reference` = the post's
   `urn:li:share:` / `urn:li:ugcPost:` URN and `intendedStatus ACTIVE`, so it goes to
   LinkedIn's review at once; the paused campaign keeps it from spending.

Created ids come from the `x-linkedin-id` (or `x-restli-id`) header, percent-encoded URNs
or bare numbers. A POST that times out after it was sent is an `AmbiguousError` (the
campaign may exist). Writing needs the `rw_ads` scope on the token (`ads_access_token`
among the channel's ad secrets, else the channel's own token).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import httpx
from babel import Locale
from babel.numbers import get_territory_currencies

from orchestre.connectors.base import (
    BoostRef,
    BoostRequest,
    BudgetKind,
    PermanentError,
    refuse_options,
)
from orchestre.connectors.linkedin.ads import LinkedInAds
from orchestre.connectors.linkedin.wire import NETWORK, call, encode, json_of

ACCOUNT = "urn:li:sponsoredAccount:"
CAMPAIGN = "urn:li:sponsoredCampaign:"
GROUP = "urn:li:sponsoredCampaignGroup:"
CREATIVE = "urn:li:sponsoredCreative:"
LOCATIONS = "urn:li:adTargetingFacet:locations"
POSTS = ("urn:li:share:", "urn:li:ugcPost:")
OBJECTIVE = "ENGAGEMENT"
# The objectives of sponsored content from an existing post, with LinkedIn's automated
# bid (maximum delivery) for each.
OBJECTIVES = {
    "BRAND_AWARENESS": "MAX_IMPRESSION",
    "ENGAGEMENT": "MAX_CLICK",
    "VIDEO_VIEWS": "MAX_VIDEO_VIEW",
    "WEBSITE_VISITS": "MAX_CLICK",
}
OPTIONS = ("campaign_group", "objective")
CENT = Decimal("0.01")
_ENGLISH = Locale("en")


def _ms(at: datetime) -> int:
    return int(at.astimezone(UTC).timestamp() * 1000)


def _created(response: httpx.Response, prefix: str) -> str:
    """The id of what a POST created: `x-linkedin-id` / `x-restli-id`, a URN or a number."""
    raw = response.headers.get("x-linkedin-id") or response.headers.get("x-restli-id")
    raw = raw or json_of(response).get("id")
    if raw is None or str(raw) == "":
        raise PermanentError("LinkedIn's answer names nothing created.", network=NETWORK)
    return unquote(str(raw)).removeprefix(prefix)


def _money(request: BoostRequest, currency: str) -> dict[str, str]:
    amount = request.budget
    if amount != amount.quantize(CENT) or amount <= 0:
        raise PermanentError(
            f"A budget of {amount} {request.currency} cannot be spent on LinkedIn "
            "(whole cents only).",
            network=NETWORK,
            code="budget",
        )
    return {"amount": format(amount.quantize(CENT), "f"), "currencyCode": currency}


class LinkedInBoost(LinkedInAds):
    """Sponsored content from an existing post, mixed into the LinkedIn installation."""

    def boost_post(self, request: BoostRequest) -> BoostRef:
        _sponsorable(request)
        post = request.post_external_id
        account = request.ad_account_id.removeprefix(ACCOUNT)
        client = self._ads_client()
        base = f"/rest/adAccounts/{account}"
        currency = str(json_of(call(client, "GET", base)).get("currency") or "")
        if currency and currency != request.currency.upper():
            raise PermanentError(
                f"This LinkedIn ad account pays in {currency}, not {request.currency.upper()}.",
                network=NETWORK,
                code="currency",
            )
        money = _money(request, currency or request.currency.upper())
        geos = [self._geo(client, country) for country in request.countries]
        ends_at = request.end
        schedule = {"start": _ms(request.start), "end": _ms(ends_at)}
        name = (request.name or f"Boost {post}")[:100]
        urn = ACCOUNT + account
        group = request.options.get("campaign_group", "").strip().removeprefix(GROUP)
        if not group:
            group = _created(
                call(
                    client,
                    "POST",
                    f"{base}/adCampaignGroups",
                    json={
                        "account": urn,
                        "name": name,
                        "runSchedule": schedule,
                        "status": "ACTIVE",
                    },
                ),
                GROUP,
            )
        campaign = _created(
            call(
                client,
                "POST",
                f"{base}/adCampaigns",
                json=_campaign(request, urn, GROUP + group, name, schedule, money, geos),
            ),
            CAMPAIGN,
        )
        creative = _created(
            call(
                client,
                "POST",
                f"{base}/creatives",
                json={
                    "campaign": CAMPAIGN + campaign,
                    "content": {"reference": post},
                    "intendedStatus": "ACTIVE",
                },
            ),
            CREATIVE,
        )
        return BoostRef(
            external_campaign_id=campaign,
            ad_account_id=account,
            active=request.activate,
            ends_at=ends_at,
            parts={"campaign_group": group, "creative": creative},
        )

    def _geo(self, client: httpx.Client, country: str) -> str:
        code = country.upper()
        name = _ENGLISH.territories.get(code)
        if not name or not get_territory_currencies(code):  # "ZZ", "EU": no country
            raise PermanentError(
                f"LinkedIn does not target the country {country}.",
                network=NETWORK,
                code="targeting",
            )
        query = (
            f"q=typeahead&facet={encode(LOCATIONS)}&query={encode(name)}"
            "&queryVersion=QUERY_USES_URNS"
        )
        body = json_of(call(client, "GET", f"/rest/adTargetingEntities?{query}"))
        found = [e for e in body.get("elements") or () if isinstance(e, Mapping) and e.get("urn")]
        for entity in found:
            if str(entity.get("name") or "").casefold() == name.casefold():
                return str(entity["urn"])
        for entity in found:
            if "," not in str(entity.get("name") or ""):
                return str(entity["urn"])
        raise PermanentError(
            f"LinkedIn does not target the country {country}.", network=NETWORK, code="targeting"
        )


def _sponsorable(request: BoostRequest) -> None:
    """An organization's post, at least one country and options LinkedIn takes, or nothing
    is asked of it."""
    refuse_options(request, OPTIONS, network=NETWORK)
    objective = request.options.get("objective", OBJECTIVE).upper()
    if objective not in OBJECTIVES:
        raise PermanentError(
            f"A LinkedIn boost's objective is one of {', '.join(sorted(OBJECTIVES))}.",
            network=NETWORK,
            code="options",
        )
    group = request.options.get("campaign_group", "").strip().removeprefix(GROUP)
    if group and not group.isdigit():
        raise PermanentError(
            "A LinkedIn campaign group is its number or urn:li:sponsoredCampaignGroup:….",
            network=NETWORK,
            code="options",
        )
    if not request.post_external_id.startswith(POSTS):
        raise PermanentError(
            "LinkedIn sponsors an organization's post (urn:li:share: or urn:li:ugcPost:).",
            network=NETWORK,
            code="post",
        )
    if not request.countries:
        raise PermanentError(
            "LinkedIn needs at least one country to show a sponsored post in.",
            network=NETWORK,
            code="targeting",
        )


def _campaign(
    request: BoostRequest,
    account: str,
    group: str,
    name: str,
    schedule: dict[str, int],
    money: dict[str, str],
    geos: list[str],
) -> dict[str, Any]:
    budget = "dailyBudget" if request.budget_kind is BudgetKind.DAILY else "totalBudget"
    objective = request.options.get("objective", OBJECTIVE).upper()
    return {
        "account": account,
        "campaignGroup": group,
        "name": name,
        "type": "SPONSORED_UPDATES",
        "objectiveType": objective,
        "costType": "CPM",
        "optimizationTargetType": OBJECTIVES[objective],
        "creativeSelection": "OPTIMIZED",
        "audienceExpansionEnabled": False,
        "offsiteDeliveryEnabled": False,
        "politicalIntent": "NOT_POLITICAL",
        "locale": {"country": "US", "language": "en"},
        budget: money,
        "runSchedule": schedule,
        "targetingCriteria": {"include": {"and": [{"or": {LOCATIONS: geos}}]}},
        "status": "ACTIVE" if request.activate else "PAUSED",
    }

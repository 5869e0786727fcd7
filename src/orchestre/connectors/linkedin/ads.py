"""LinkedIn Marketing API: daily results of an ad account's campaigns (adAnalytics).

`GET /rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY` with a Rest.li
`dateRange`, the `accounts` (and `campaigns`) as URN lists, and the `fields` we read:
`costInLocalCurrency` (a decimal string in the ad account's currency), `impressions`,
`clicks`, `externalWebsiteConversions`, `conversionValueInLocalCurrency`, `dateRange`,
`pivotValues` (the `urn:li:sponsoredCampaign:` of the row). The finder does not page
(LinkedIn caps an answer at 15,000 rows; a campaign-day is one row, far below that);
days are the ad account's; the currency is the ad account's (`GET /rest/adAccounts/{id}`).
Conversions are counted over each conversion rule's own windows (30-day click and
7-day view unless the advertiser changed them). Needs the `r_ads_reporting` scope: on the
token given as the channel's `ads_access_token` ad secret, else on the channel's own token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from orchestre.connectors.base import AccountRef, AdResult, exact_amount
from orchestre.connectors.linkedin.wire import API_BASE, HEADERS, call, encode, json_of
from orchestre.connectors.oauth import bearer_client

ACCOUNT = "urn:li:sponsoredAccount:"
CAMPAIGN = "urn:li:sponsoredCampaign:"
FIELDS = (
    "costInLocalCurrency,impressions,clicks,externalWebsiteConversions,"
    "conversionValueInLocalCurrency,dateRange,pivotValues"
)
ATTRIBUTION = "conversion_rule_windows"


def _id(value: str, prefix: str) -> str:
    return value.removeprefix(prefix)


def _restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


def _day(value: Any) -> date:
    return date(int(value["year"]), int(value["month"]), int(value["day"]))


class LinkedInAds:
    """The adAnalytics finder, mixed into the LinkedIn installation (`_client`)."""

    _client: httpx.Client
    _account: AccountRef
    _transport: httpx.BaseTransport | None

    _ads: httpx.Client | None = None

    def _ads_client(self) -> httpx.Client:
        """The client of the ads token when the channel has one (Marketing API scopes
        `r_ads_reporting`, `rw_ads`), else the channel's own; made once per installation."""
        token = self._account.credentials.extra.get("ads_access_token")
        if not token:
            return self._client
        if self._ads is None:
            self._ads = bearer_client(
                token, base_url=API_BASE, transport=self._transport, headers=HEADERS
            )
        return self._ads

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        account = _id(ad_account_id, ACCOUNT)
        client = self._ads_client()
        currency = str(
            json_of(call(client, "GET", f"/rest/adAccounts/{account}")).get("currency") or ""
        )
        query = (
            "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
            f"&dateRange=(start:{_restli_date(since)},end:{_restli_date(until)})"
            f"&accounts=List({encode(ACCOUNT + account)})"
        )
        if campaign_ids:
            urns = ",".join(encode(CAMPAIGN + _id(c, CAMPAIGN)) for c in campaign_ids)
            query += f"&campaigns=List({urns})"
        query += f"&fields={FIELDS}"
        body = json_of(call(client, "GET", f"/rest/adAnalytics?{query}"))
        rows: list[AdResult] = []
        for element in body.get("elements") or ():
            pivots = element.get("pivotValues") if isinstance(element, dict) else None
            if not pivots:
                continue
            value = element.get("conversionValueInLocalCurrency")
            rows.append(
                AdResult(
                    external_campaign_id=_id(str(pivots[0]), CAMPAIGN),
                    day=_day(element["dateRange"]["start"]),
                    spend=exact_amount(element.get("costInLocalCurrency")),
                    currency=currency,
                    impressions=int(element.get("impressions") or 0),
                    clicks=int(element.get("clicks") or 0),
                    conversions=Decimal(int(element.get("externalWebsiteConversions") or 0)),
                    revenue=None if value is None else exact_amount(value),
                    attribution=ATTRIBUTION,
                )
            )
        rows.sort(key=lambda r: (r.day, r.external_campaign_id))
        return rows

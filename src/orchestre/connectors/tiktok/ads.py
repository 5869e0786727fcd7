"""TikTok API for Business (Marketing API v1.3): daily results of an advertiser's campaigns.

The Business API is a separate authorization from the Login Kit token a TikTok channel
holds: the advertiser's long-term Business API token travels in
`Credentials.extra["ads_access_token"]` and goes in the `Access-Token` header (no
"Bearer"). Without it, reading is a `PermanentError` saying so.

Reading: the advertiser's currency (`GET /open_api/v1.3/advertiser/info/`), then
`GET /open_api/v1.3/report/integrated/get/` with `report_type=BASIC`,
`data_level=AUCTION_CAMPAIGN`, `dimensions=["campaign_id","stat_time_day"]`, `metrics`
`spend, impressions, clicks, conversion`, at most 30 days per request and pages of
1,000 rows (`page_info.total_page`). `spend` is a decimal string in the advertiser's
currency, `stat_time_day` the advertiser's day ("2026-11-20 00:00:00"); a day without
delivery (zero spend and impressions) gives no row. Conversions are the ad groups'
optimization events counted with their own attribution settings; TikTok gives no value.

Every answer is `{"code", "message", "request_id", "data"}` with HTTP 200: code 0 is
success, 40100 a rate limit (TikTok's QPS window; a minute when no `Retry-After`),
40102/40104/40105 an expired, missing or revoked token, 5xxxx a passing fault, anything
else a refusal with TikTok's message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import httpx

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    CredentialError,
    PermanentError,
    RetryableError,
    exact_amount,
)
from orchestre.connectors.http import make_client, retry_after_seconds, send
from orchestre.connectors.tiktok.wire import NETWORK, RATE_WINDOW_SECONDS

BUSINESS_BASE = "https://business-api.tiktok.com"
REPORT = "/open_api/v1.3/report/integrated/get/"
ADVERTISER = "/open_api/v1.3/advertiser/info/"
METRICS = ("spend", "impressions", "clicks", "conversion")
RATE_LIMIT_CODES = frozenset({40100})
CREDENTIAL_CODES = frozenset({40102, 40104, 40105})
PAGE_SIZE = 1000
WINDOW_DAYS = 30
ATTRIBUTION = "ad_group_setting"


def business_client(account: AccountRef, transport: httpx.BaseTransport | None) -> httpx.Client:
    token = account.credentials.extra.get("ads_access_token")
    if not token:
        raise PermanentError(
            "TikTok's ad reports need the advertiser's Business API token "
            "(ads_access_token) on this channel.",
            network=NETWORK,
            code="ads_keys",
        )
    return make_client(base_url=BUSINESS_BASE, transport=transport, headers={"Access-Token": token})


def business_call(
    client: httpx.Client,
    path: str,
    params: dict[str, Any],
    *,
    method: str = "GET",
    idempotent: bool | None = None,
) -> dict[str, Any]:
    """One call to the Business API (a GET's parameters in the query, a POST's as its JSON
    body): its `data`, or the typed error its `code` means."""
    if method == "GET":
        query = {k: v if isinstance(v, str | int) else json.dumps(v) for k, v in params.items()}
        response = send(client, "GET", path, network=NETWORK, params=query)
    else:
        response = send(client, method, path, network=NETWORK, json=params, idempotent=idempotent)
    try:
        body = response.json()
    except ValueError as exc:
        raise RetryableError(
            "TikTok answered something that is not JSON.", network=NETWORK
        ) from exc
    code = int(body.get("code", -1)) if isinstance(body, dict) else -1
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    if code == 0:
        data = body.get("data")
        return data if isinstance(data, dict) else {}
    if code in RATE_LIMIT_CODES:
        raise RetryableError(
            f"TikTok asks us to slow down: {message}",
            retry_after=retry_after_seconds(response) or RATE_WINDOW_SECONDS,
            network=NETWORK,
        )
    if code in CREDENTIAL_CODES:
        raise CredentialError(
            f"TikTok refused the advertiser's token: {message}", definitive=True, network=NETWORK
        )
    if code >= 50000:
        raise RetryableError(f"TikTok had a temporary problem: {message}", network=NETWORK)
    raise PermanentError(message or "TikTok refused the request.", network=NETWORK, code=str(code))


def _windows(since: date, until: date) -> Iterator[tuple[date, date]]:
    start = since
    while start <= until:
        end = min(start + timedelta(days=WINDOW_DAYS - 1), until)
        yield start, end
        start = end + timedelta(days=1)


class TikTokAds:
    """The Business API reports, mixed into the TikTok installation (`_account`, `_transport`)."""

    _account: AccountRef
    _transport: httpx.BaseTransport | None

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        with business_client(self._account, self._transport) as client:
            info = business_call(
                client, ADVERTISER, {"advertiser_ids": [ad_account_id], "fields": ["currency"]}
            )
            advertisers = info.get("list") or [{}]
            currency = str(advertisers[0].get("currency") or "")
            rows: list[AdResult] = []
            for first, last in _windows(since, until):
                rows.extend(
                    self._report(client, ad_account_id, first, last, campaign_ids, currency)
                )
        rows.sort(key=lambda r: (r.day, r.external_campaign_id))
        return rows

    def _report(
        self,
        client: httpx.Client,
        advertiser: str,
        first: date,
        last: date,
        campaign_ids: Sequence[str],
        currency: str,
    ) -> Iterator[AdResult]:
        params: dict[str, Any] = {
            "advertiser_id": advertiser,
            "report_type": "BASIC",
            "data_level": "AUCTION_CAMPAIGN",
            "dimensions": ["campaign_id", "stat_time_day"],
            "metrics": list(METRICS),
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
            "page_size": PAGE_SIZE,
        }
        if campaign_ids:
            params["filtering"] = [
                {
                    "field_name": "campaign_ids",
                    "filter_type": "IN",
                    "filter_value": json.dumps(list(campaign_ids)),
                }
            ]
        page = 1
        while True:
            data = business_call(client, REPORT, {**params, "page": page})
            for row in data.get("list") or ():
                dimensions, metrics = row.get("dimensions") or {}, row.get("metrics") or {}
                spend = exact_amount(metrics.get("spend"))
                impressions = int(exact_amount(metrics.get("impressions")))
                if not spend and not impressions:
                    continue
                yield AdResult(
                    external_campaign_id=str(dimensions["campaign_id"]),
                    day=date.fromisoformat(str(dimensions["stat_time_day"])[:10]),
                    spend=spend,
                    currency=currency,
                    impressions=impressions,
                    clicks=int(exact_amount(metrics.get("clicks"))),
                    conversions=exact_amount(metrics.get("conversion")),
                    attribution=ATTRIBUTION,
                )
            total = int((data.get("page_info") or {}).get("total_page") or 1)
            if page >= total:
                return
            page += 1

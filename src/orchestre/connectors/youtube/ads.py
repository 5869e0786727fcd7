"""Google Ads API for a YouTube channel's campaigns: daily results by GAQL searchStream.

`POST https://googleads.googleapis.com/v21/customers/{id}/googleAds:searchStream` with a
GAQL query over `campaign`:
`customer.currency_code, campaign.id, segments.date, metrics.cost_micros, impressions,
clicks, conversions, conversions_value` between two dates (the customer's days, in its
time zone). The answer is a JSON array of batches, each with `results`; the stream is
the whole answer (no page token). `costMicros` is millionths of the customer's currency;
`conversions` and `conversionsValue` are fractional (data-driven attribution) and are
read as exact decimals; conversions are counted with each conversion action's own
windows. Without named campaigns, the YouTube ones are read (`advertising_channel_type`
VIDEO or DEMAND_GEN).

Calls need the operator's developer token (`Credentials.extra["ads_developer_token"]`),
optionally a manager account (`ads_login_customer_id`), and an OAuth token with the
`adwords` scope: `ads_access_token` when given, else the channel's own. Errors are
Google's `{"error": {"code", "status", "details": [GoogleAdsFailure]}}`: 401 / an
`authenticationError` need reconnection, 429 / `quotaError` wait the failure's
`retryDelay`, 5xx are passing, others are refusals with Google's message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    CredentialError,
    PermanentError,
    RetryableError,
    exact_amount,
    from_micros,
)
from orchestre.connectors.http import make_client, retry_after_seconds, transport_error
from orchestre.connectors.youtube.wire import NETWORK

ADS_BASE = "https://googleads.googleapis.com"
ADS_VERSION = "v21"
ATTRIBUTION = "conversion_action_windows"
YOUTUBE_CHANNELS = ("VIDEO", "DEMAND_GEN")


def gaql(since: date, until: date, campaign_ids: Sequence[str]) -> str:
    # GAQL, not SQL; only dates and integers are put in.
    query = (
        "SELECT customer.currency_code, campaign.id, segments.date, metrics.cost_micros, "  # noqa: S608
        "metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value "
        f"FROM campaign WHERE segments.date BETWEEN '{since.isoformat()}' "
        f"AND '{until.isoformat()}'"
    )
    if campaign_ids:
        ids = ", ".join(str(int(c)) for c in campaign_ids)
        return f"{query} AND campaign.id IN ({ids})"
    kinds = ", ".join(f"'{k}'" for k in YOUTUBE_CHANNELS)
    return f"{query} AND campaign.advertising_channel_type IN ({kinds})"


def ads_client(account: AccountRef, transport: httpx.BaseTransport | None) -> httpx.Client:
    extra = account.credentials.extra
    developer = extra.get("ads_developer_token")
    if not developer:
        raise PermanentError(
            "Google Ads needs the operator's developer token (ads_developer_token) on this "
            "channel to read YouTube campaigns.",
            network=NETWORK,
            code="ads_keys",
        )
    token = extra.get("ads_access_token") or account.credentials.access_token
    headers = {"Authorization": f"Bearer {token}", "developer-token": developer}
    if extra.get("ads_login_customer_id"):
        headers["login-customer-id"] = extra["ads_login_customer_id"].replace("-", "")
    return make_client(base_url=ADS_BASE, transport=transport, headers=headers)


def _seconds(value: Any) -> float | None:
    """A protobuf Duration in JSON ("86400s")."""
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


def _failure(body: Any) -> tuple[str, str, float | None]:
    """Google's message, the first GoogleAdsFailure error kind, and its retry delay."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", "", None
    message = str(error.get("message") or "")
    for detail in error.get("details") or ():
        for item in detail.get("errors") or () if isinstance(detail, dict) else ():
            kinds = list((item.get("errorCode") or {}).keys())
            delay = (item.get("details") or {}).get("quotaErrorDetails", {}).get("retryDelay")
            return str(item.get("message") or message), kinds[0] if kinds else "", _seconds(delay)
    return message, "", None


def raise_for_google_ads(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    message, kind, delay = _failure(body)
    message = message or f"Google Ads answered {status}."
    if status == 401 or kind == "authenticationError":
        raise CredentialError(
            f"Google Ads refused the account's token: {message}", definitive=True, network=NETWORK
        )
    if status == 429 or kind == "quotaError":
        raise RetryableError(
            f"Google Ads asks us to slow down: {message}",
            retry_after=delay or retry_after_seconds(response),
            network=NETWORK,
        )
    if status >= 500:
        raise RetryableError(
            f"Google Ads had a temporary problem: {message}",
            retry_after=retry_after_seconds(response),
            network=NETWORK,
        )
    raise PermanentError(message, network=NETWORK, code=kind or str(status))


def _rows(batches: Any) -> Iterator[AdResult]:
    for batch in batches if isinstance(batches, list) else ():
        for result in batch.get("results") or ():
            metrics = result.get("metrics") or {}
            value = metrics.get("conversionsValue")
            yield AdResult(
                external_campaign_id=str(result["campaign"]["id"]),
                day=date.fromisoformat(str(result["segments"]["date"])),
                spend=from_micros(metrics.get("costMicros")),
                currency=str((result.get("customer") or {}).get("currencyCode") or ""),
                impressions=int(exact_amount(metrics.get("impressions"))),
                clicks=int(exact_amount(metrics.get("clicks"))),
                conversions=exact_amount(metrics.get("conversions")),
                revenue=None if value is None else exact_amount(value),
                attribution=ATTRIBUTION,
            )


class GoogleAds:
    """searchStream, mixed into the YouTube installation (`_account`, `_transport`)."""

    _account: AccountRef
    _transport: httpx.BaseTransport | None

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        customer = ad_account_id.replace("-", "")
        with ads_client(self._account, self._transport) as client:
            try:
                response = client.post(
                    f"/{ADS_VERSION}/customers/{customer}/googleAds:searchStream",
                    json={"query": gaql(since, until, campaign_ids)},
                )
            except httpx.HTTPError as exc:
                # A read: a timeout after sending changes nothing.
                raise transport_error(exc, network=NETWORK, idempotent=True) from exc
            raise_for_google_ads(response)
            batches = json.loads(response.content, parse_float=Decimal)
        rows = list(_rows(batches))
        rows.sort(key=lambda r: (r.day, r.external_campaign_id))
        return rows

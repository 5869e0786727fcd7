"""X Ads API (v12): daily results of an ad account's campaigns.

The Ads API lives on `ads-api.x.com` and is signed with OAuth 1.0a: the operator's Ads
API consumer key and secret and the advertiser's access token and secret travel in
`Credentials.extra` (`ads_consumer_key`, `ads_consumer_secret`, `ads_token`,
`ads_token_secret`); without them reading is a `PermanentError` saying so.

Reading: the account (`GET /12/accounts/{id}`, its `timezone`), its currency (the first
funding instrument's), the campaigns when none are named (`GET /12/accounts/{id}/campaigns`,
pages by `cursor` / `next_cursor`), then `GET /12/stats/accounts/{id}` with
`entity=CAMPAIGN`, up to 20 `entity_ids`, `granularity=DAY`, `metric_groups=BILLING,
ENGAGEMENT`, `placement=ALL_ON_TWITTER` and a window of at most 7 days starting and ending
at midnight in the account's time zone. Each metric is a list with one value per day
(null for a day without delivery); `billed_charge_local_micro` is the spend in millionths
of the account's currency. X reports no conversions in these groups.

Boost: a promoted post, paid by the account's first funding instrument in the asked
currency: a campaign (daily cap and total budget in micros, exact), an `ENGAGEMENTS`
line item of `PROMOTED_TWEETS` from now for the asked days, a `LOCATION` targeting
criterion per country (its key looked up in `targeting_criteria/locations`), and the
promoted post; all `PAUSED` unless the request says to activate.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from authlib.oauth1.rfc5849.client_auth import ClientAuth

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    BoostRef,
    BoostRequest,
    BudgetKind,
    PermanentError,
    from_micros,
    refuse_options,
)
from orchestre.connectors.http import make_client
from orchestre.connectors.x.wire import NETWORK, call

ADS_BASE = "https://ads-api.x.com"
VERSION = "12"
KEYS = ("ads_consumer_key", "ads_consumer_secret", "ads_token", "ads_token_secret")
ENTITY_IDS_MAX = 20
WINDOW_DAYS = 7
PAGE_SIZE = 1000


class OAuth1(httpx.Auth):
    """OAuth 1.0a HMAC-SHA1 signing (RFC 5849) of each request, by Authlib's signer."""

    def __init__(self, consumer_key: str, consumer_secret: str, token: str, secret: str) -> None:
        self._signer = ClientAuth(consumer_key, consumer_secret, token=token, token_secret=secret)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self._signer.prepare(
            request.method, str(request.url), dict(request.headers), request.content
        )
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def ads_client(account: AccountRef, transport: httpx.BaseTransport | None) -> httpx.Client:
    extra = account.credentials.extra
    missing = [k for k in KEYS if not extra.get(k)]
    if missing:
        raise PermanentError(
            "X's Ads API is signed with OAuth 1.0a: give this channel its Ads API keys "
            f"({', '.join(missing)}).",
            network=NETWORK,
            code="ads_keys",
        )
    client = make_client(base_url=ADS_BASE, transport=transport)
    client.auth = OAuth1(*(extra[k] for k in KEYS))
    return client


def _windows(since: date, until: date) -> Iterator[tuple[date, date]]:
    """Consecutive windows of at most 7 days, `end` exclusive."""
    start = since
    while start <= until:
        end = min(start + timedelta(days=WINDOW_DAYS), until + timedelta(days=1))
        yield start, end
        start = end


def _midnight(day: date, zone: ZoneInfo) -> str:
    at = datetime.combine(day, time(0), zone).astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _series(metrics: dict[str, Any], name: str, length: int) -> list[Any]:
    values = metrics.get(name)
    return list(values) if isinstance(values, list) else [None] * length


class XAds:
    """The Ads API calls, mixed into the X installation (`_account`, `_transport`)."""

    _account: AccountRef
    _transport: httpx.BaseTransport | None

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        with ads_client(self._account, self._transport) as client:
            base = f"/{VERSION}/accounts/{ad_account_id}"
            account = call(client, "GET", base).get("data") or {}
            zone = ZoneInfo(str(account.get("timezone") or "UTC"))
            currency = self._currency(client, base)
            ids = list(campaign_ids) or list(self._campaigns(client, base))
            rows: list[AdResult] = []
            for start in range(0, len(ids), ENTITY_IDS_MAX):
                chunk = ids[start : start + ENTITY_IDS_MAX]
                for first, end in _windows(since, until):
                    rows.extend(
                        self._stats(client, ad_account_id, chunk, first, end, zone, currency)
                    )
        rows.sort(key=lambda r: (r.day, r.external_campaign_id))
        return rows

    def _currency(self, client: httpx.Client, base: str) -> str:
        body = call(client, "GET", f"{base}/funding_instruments")
        for instrument in body.get("data") or ():
            if isinstance(instrument, dict) and instrument.get("currency"):
                return str(instrument["currency"])
        return ""

    def _campaigns(self, client: httpx.Client, base: str) -> Iterator[str]:
        params: dict[str, Any] = {"count": PAGE_SIZE}
        while True:
            body = call(client, "GET", f"{base}/campaigns", params=params)
            for campaign in body.get("data") or ():
                if isinstance(campaign, dict) and campaign.get("id"):
                    yield str(campaign["id"])
            cursor = body.get("next_cursor")
            if not cursor:
                return
            params = {**params, "cursor": cursor}

    def _stats(
        self,
        client: httpx.Client,
        ad_account_id: str,
        ids: Sequence[str],
        first: date,
        end: date,
        zone: ZoneInfo,
        currency: str,
    ) -> Iterator[AdResult]:
        body = call(
            client,
            "GET",
            f"/{VERSION}/stats/accounts/{ad_account_id}",
            params={
                "entity": "CAMPAIGN",
                "entity_ids": ",".join(ids),
                "start_time": _midnight(first, zone),
                "end_time": _midnight(end, zone),
                "granularity": "DAY",
                "metric_groups": "BILLING,ENGAGEMENT",
                "placement": "ALL_ON_TWITTER",
            },
        )
        length = (end - first).days
        for entity in body.get("data") or ():
            for part in entity.get("id_data") or ():
                metrics = part.get("metrics") or {}
                spend = _series(metrics, "billed_charge_local_micro", length)
                impressions = _series(metrics, "impressions", length)
                clicks = _series(metrics, "clicks", length)
                for offset in range(length):
                    if spend[offset] is None and impressions[offset] is None:
                        continue  # no delivery that day
                    yield AdResult(
                        external_campaign_id=str(entity["id"]),
                        day=first + timedelta(days=offset),
                        spend=from_micros(spend[offset]),
                        currency=currency,
                        impressions=int(impressions[offset] or 0),
                        clicks=int(clicks[offset] or 0),
                        conversions=Decimal(0),
                        revenue=None,
                    )

    # Boost --------------------------------------------------------------------------------

    def boost_post(self, request: BoostRequest) -> BoostRef:
        refuse_options(request, (), network=NETWORK)
        if not request.countries:
            raise PermanentError(
                "X needs at least one country to show a promoted post in.",
                network=NETWORK,
                code="targeting",
            )
        with ads_client(self._account, self._transport) as client:
            base = f"/{VERSION}/accounts/{request.ad_account_id}"
            instrument = self._instrument(client, base, request.currency)
            locations = [self._location(client, c) for c in request.countries]
            daily, total = _budgets(request)
            status = "ACTIVE" if request.activate else "PAUSED"
            name = request.name or f"Boost {request.post_external_id}"
            ends_at = request.end
            campaign = self._create(
                client,
                f"{base}/campaigns",
                {
                    "funding_instrument_id": instrument,
                    "name": name,
                    "entity_status": status,
                    "daily_budget_amount_local_micro": daily,
                    "total_budget_amount_local_micro": total,
                },
            )
            line_item = self._create(
                client,
                f"{base}/line_items",
                {
                    "campaign_id": campaign,
                    "name": name,
                    "objective": "ENGAGEMENTS",
                    "product_type": "PROMOTED_TWEETS",
                    "placements": "ALL_ON_TWITTER",
                    "bid_strategy": "AUTO",
                    "start_time": _instant(request.start),
                    "end_time": _instant(ends_at),
                    "entity_status": status,
                },
            )
            for location in locations:
                self._create(
                    client,
                    f"{base}/targeting_criteria",
                    {
                        "line_item_id": line_item,
                        "targeting_type": "LOCATION",
                        "targeting_value": location,
                    },
                )
            promoted = self._create(
                client,
                f"{base}/promoted_tweets",
                {"line_item_id": line_item, "tweet_ids": request.post_external_id},
            )
        return BoostRef(
            external_campaign_id=campaign,
            ad_account_id=request.ad_account_id,
            active=request.activate,
            ends_at=ends_at,
            parts={"line_item": line_item, "promoted_tweet": promoted},
        )

    def _instrument(self, client: httpx.Client, base: str, currency: str) -> str:
        """The first funding instrument able to fund, in the boost's currency."""
        body = call(client, "GET", f"{base}/funding_instruments")
        found = [i for i in body.get("data") or () if isinstance(i, dict)]
        for instrument in found:
            if instrument.get("able_to_fund") and instrument.get("currency") == currency.upper():
                return str(instrument["id"])
        have = sorted({str(i.get("currency")) for i in found if i.get("able_to_fund")})
        raise PermanentError(
            f"This X ad account has no funding instrument in {currency.upper()}"
            + (f" (it pays in {', '.join(have)})." if have else "."),
            network=NETWORK,
            code="funding",
        )

    def _location(self, client: httpx.Client, country: str) -> str:
        body = call(
            client,
            "GET",
            f"/{VERSION}/targeting_criteria/locations",
            params={"location_type": "COUNTRIES", "country_code": country.upper()},
        )
        for location in body.get("data") or ():
            if isinstance(location, dict) and location.get("targeting_value"):
                return str(location["targeting_value"])
        raise PermanentError(
            f"X does not target the country {country}.", network=NETWORK, code="targeting"
        )

    def _create(self, client: httpx.Client, path: str, params: dict[str, Any]) -> str:
        body = call(client, "POST", path, params=params)
        data = body.get("data")
        if isinstance(data, list):
            data = data[0] if data else None
        if not isinstance(data, dict) or not data.get("id"):
            raise PermanentError("X's answer names nothing created.", network=NETWORK)
        return str(data["id"])


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _budgets(request: BoostRequest) -> tuple[int, int]:
    """The daily cap and the total, in micros: exactly, or a `PermanentError`."""
    micros = request.budget * 1_000_000
    if micros != micros.to_integral_value() or micros <= 0:
        raise PermanentError(
            f"A budget of {request.budget} {request.currency} cannot be spent on X.",
            network=NETWORK,
            code="budget",
        )
    amount = int(micros)
    if request.budget_kind is BudgetKind.DAILY:
        return amount, amount * request.days
    return amount, amount

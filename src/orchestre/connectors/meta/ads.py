"""Meta's Marketing API for a Facebook Page's channel: daily campaign results and boosts.

Results: `GET /act_{id}/insights` with `level=campaign`, `time_increment=1` and a
`time_range`, fields `campaign_id, spend, impressions, clicks, actions, action_values,
account_currency`, conversions counted over `action_attribution_windows` 7-day click and
1-day view (Meta's default). `spend` and the action values are decimal strings in the
ad account's currency, days are the ad account's days (its time zone); pages follow
`paging.cursors.after` while `paging.next` is present. Conversions are the purchases
(the first of `omni_purchase`, `purchase`, `offsite_conversion.fb_pixel_purchase`) plus
the leads (`lead`, else `offsite_conversion.fb_pixel_lead`); revenue is the purchases'
`action_values`.

Boost: an existing Page post promoted as one campaign (objective `OUTCOME_ENGAGEMENT`),
one ad set (`POST_ENGAGEMENT` on the post; the budget, daily or lifetime, in the
currency's minimum unit and not shared at the campaign level; a start and an end time,
whole seconds; the asked countries), one creative (`object_story_id` `{page}_{post}`)
and one ad; all `PAUSED` unless the request says to activate.

Marketing API calls need a user or system-user token with `ads_read` (`ads_management`
to boost): `Credentials.extra["ads_access_token"]` when the operator gives one, else
the Page's own token. Errors are the Graph's (`graph.py`): code 17 and 80000-80099
(the ads insights business use case) are rate limits with Meta's waiting time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    AppCredentials,
    BoostRef,
    BoostRequest,
    BudgetKind,
    PermanentError,
    exact_amount,
    refuse_options,
)
from orchestre.connectors.meta.graph import Graph

ATTRIBUTION_WINDOWS = ("7d_click", "1d_view")
INSIGHT_FIELDS = (
    "campaign_id,spend,impressions,clicks,actions,action_values,account_currency,"
    "date_start,date_stop"
)
PURCHASES = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")
LEADS = ("lead", "offsite_conversion.fb_pixel_lead")
PAGE_SIZE = 500
# Currencies Meta counts in whole units (offset 1); every other one in hundredths.
WHOLE_UNIT_CURRENCIES = frozenset(
    {"CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"}
)


def ads_graph(
    account: AccountRef, transport: httpx.BaseTransport | None, app: AppCredentials | None
) -> Graph | None:
    """A Graph client on the operator's ads token, when the account carries one."""
    token = account.credentials.extra.get("ads_access_token")
    if not token:
        return None
    return Graph(
        token,
        network=account.network,
        transport=transport,
        app_secret=app.client_secret if app else None,
    )


def act(ad_account_id: str) -> str:
    """`act_<id>`, however the id was written."""
    return ad_account_id if ad_account_id.startswith("act_") else f"act_{ad_account_id}"


def _first(actions: Any, kinds: Sequence[str]) -> Decimal | None:
    by_type = {
        str(a.get("action_type")): a.get("value") for a in actions or () if isinstance(a, dict)
    }
    for kind in kinds:
        if kind in by_type:
            return exact_amount(by_type[kind])
    return None


def insight_row(row: Mapping[str, Any]) -> AdResult:
    """One campaign-day of the insights answer."""
    purchases = _first(row.get("actions"), PURCHASES)
    leads = _first(row.get("actions"), LEADS)
    conversions = (purchases or Decimal(0)) + (leads or Decimal(0))
    return AdResult(
        external_campaign_id=str(row["campaign_id"]),
        day=date.fromisoformat(str(row["date_start"])),
        spend=exact_amount(row.get("spend")),
        currency=str(row.get("account_currency") or ""),
        impressions=int(exact_amount(row.get("impressions"))),
        clicks=int(exact_amount(row.get("clicks"))),
        conversions=conversions,
        revenue=_first(row.get("action_values"), PURCHASES),
        attribution=",".join(ATTRIBUTION_WINDOWS),
    )


def minor_units(amount: Decimal, currency: str, *, network: str) -> int:
    """The budget in the currency's minimum unit, exactly, or a `PermanentError`."""
    offset = 1 if currency.upper() in WHOLE_UNIT_CURRENCIES else 100
    units = amount * offset
    if units != units.to_integral_value() or units <= 0:
        raise PermanentError(
            f"A budget of {amount} {currency} cannot be spent on {network}: "
            f"it must be a positive amount in steps of {Decimal(1) / offset} {currency}.",
            network=network,
            code="budget",
        )
    return int(units)


class MetaAds:
    """The Marketing API calls, mixed into the Facebook installation (`_graph`, `_page`)."""

    _graph: Graph
    _ads: Graph | None
    _page: str

    def _ads_client(self) -> Graph:
        return self._ads or self._graph

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        return list(self._insights(ad_account_id, since, until, campaign_ids))

    def _insights(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str]
    ) -> Iterator[AdResult]:
        params: dict[str, Any] = {
            "level": "campaign",
            "time_increment": 1,
            "time_range": {"since": since.isoformat(), "until": until.isoformat()},
            "fields": INSIGHT_FIELDS,
            "action_attribution_windows": list(ATTRIBUTION_WINDOWS),
            "limit": PAGE_SIZE,
        }
        if campaign_ids:
            params["filtering"] = [
                {"field": "campaign.id", "operator": "IN", "value": list(campaign_ids)}
            ]
        graph = self._ads_client()
        while True:
            answer = graph.get(f"/{act(ad_account_id)}/insights", params)
            for row in answer.get("data") or ():
                if isinstance(row, dict) and row.get("campaign_id"):
                    yield insight_row(row)
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params = {**params, "after": after}

    def boost_post(self, request: BoostRequest) -> BoostRef:
        graph = self._ads_client()
        network = graph.network
        refuse_options(request, (), network=network)
        if not request.countries:
            raise PermanentError(
                f"{network} needs at least one country to show a boosted post in.",
                network=network,
                code="targeting",
            )
        budget = minor_units(request.budget, request.currency, network=network)
        status = "ACTIVE" if request.activate else "PAUSED"
        name = request.name or f"Boost {request.post_external_id}"
        account = f"/{act(request.ad_account_id)}"
        ends_at = request.end
        campaign = graph.post(
            f"{account}/campaigns",
            {
                "name": name,
                "objective": "OUTCOME_ENGAGEMENT",
                "status": status,
                "special_ad_categories": [],
                # The budget is the ad set's, not shared at the campaign level.
                "is_adset_budget_sharing_enabled": False,
            },
        )
        budget_field = (
            "daily_budget" if request.budget_kind is BudgetKind.DAILY else "lifetime_budget"
        )
        ad_set = graph.post(
            f"{account}/adsets",
            {
                "name": name,
                "campaign_id": campaign["id"],
                budget_field: budget,
                "billing_event": "IMPRESSIONS",
                "optimization_goal": "POST_ENGAGEMENT",
                "destination_type": "ON_POST",
                "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
                "start_time": request.start.replace(microsecond=0).isoformat(),
                "end_time": ends_at.replace(microsecond=0).isoformat(),
                "targeting": {"geo_locations": {"countries": list(request.countries)}},
                "status": status,
            },
        )
        story = request.post_external_id
        if "_" not in story:
            story = f"{self._page}_{story}"
        creative = graph.post(f"{account}/adcreatives", {"name": name, "object_story_id": story})
        ad = graph.post(
            f"{account}/ads",
            {
                "name": name,
                "adset_id": ad_set["id"],
                "creative": {"creative_id": creative["id"]},
                "status": status,
            },
        )
        return BoostRef(
            external_campaign_id=str(campaign["id"]),
            ad_account_id=request.ad_account_id,
            active=request.activate,
            ends_at=ends_at,
            parts={
                "ad_set": str(ad_set["id"]),
                "creative": str(creative["id"]),
                "ad": str(ad["id"]),
            },
        )

"""TikTok API for Business v1.3: a Spark Ad from an organic post (a boost).

A Spark Ad runs the creator's own post, under their account, with its likes and comments.
The creator allows it in the TikTok app (the post's Ad settings, "Generate code"): that
authorization code is what the boost needs (`BoostRequest.authorization_code`). It is a
secret: it travels only in the calls below, never in a log or an error message.

1. `POST /open_api/v1.3/tt_video/authorize/` {advertiser_id, auth_code}: the post is
   authorised for the advertiser (a code already applied to this advertiser answers an
   error that is not a refusal: it goes on).
2. `GET /open_api/v1.3/tt_video/info/?advertiser_id&auth_code`: the post (`item_info.
   item_id`, which must be the boosted post) and the creator's identity (`user_info.
   identity_id`, `identity_type`, `AUTH_CODE`).
3. `GET /open_api/v1.3/tool/region/` (placement TikTok, objective `REACH`, `TO_COUNTRY`):
   the `location_id` of each asked country, by its `region_code`.
4. `POST /campaign/create/` (objective `REACH`, the budget on the ad group), `POST
   /adgroup/create/` (placement `PLACEMENT_TIKTOK`, `location_ids`, `BUDGET_MODE_DAY` or
   `BUDGET_MODE_TOTAL` in the advertiser's currency, `SCHEDULE_START_END` in UTC+0 as
   "YYYY-MM-DD HH:MM:SS", `REACH` billed by `CPM`, no bid), `POST /ad/create/` (one
   creative: `identity_type` `AUTH_CODE`, `identity_id`, `tiktok_item_id`, `SINGLE_VIDEO`,
   or `CAROUSEL_ADS` for a photo post).
   Each is `DISABLE`d unless the request says to activate.

A create that times out after it was sent is an `AmbiguousError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from orchestre.connectors.base import (
    BoostRef,
    BoostRequest,
    BudgetKind,
    PermanentError,
    refuse_options,
)
from orchestre.connectors.tiktok.ads import ADVERTISER, TikTokAds, business_call, business_client
from orchestre.connectors.tiktok.wire import NETWORK

V = "/open_api/v1.3"
AUTHORIZE = f"{V}/tt_video/authorize/"
INFO = f"{V}/tt_video/info/"
REGIONS = f"{V}/tool/region/"
CAMPAIGN = f"{V}/campaign/create/"
ADGROUP = f"{V}/adgroup/create/"
AD = f"{V}/ad/create/"
OBJECTIVE = "REACH"
CENT = Decimal("0.01")
# "The auth code has been authorized" (40001-type answers): applying it again is harmless.
ALREADY_AUTHORIZED = ("already", "authorized")


@dataclass(frozen=True)
class SparkPost:
    """The authorised post: the creator's identity, the post, the ad format it runs as."""

    identity: str
    item: str
    ad_format: str


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class TikTokBoost(TikTokAds):
    """Spark Ads, mixed into the TikTok installation (`_account`, `_transport`)."""

    def boost_post(self, request: BoostRequest) -> BoostRef:
        refuse_options(request, (), network=NETWORK)
        code = request.authorization_code.strip()
        if not code:
            raise PermanentError(
                "A TikTok boost is a Spark Ad: give the authorization code the creator "
                "generated for this post in the TikTok app (Ad settings).",
                network=NETWORK,
                code="authorization_code",
            )
        if not request.countries:
            raise PermanentError(
                "TikTok needs at least one country to show a Spark Ad in.",
                network=NETWORK,
                code="targeting",
            )
        budget = request.budget
        if budget != budget.quantize(CENT) or budget <= 0:
            raise PermanentError(
                f"A budget of {budget} {request.currency} cannot be spent on TikTok "
                "(whole cents only).",
                network=NETWORK,
                code="budget",
            )
        advertiser = request.ad_account_id
        with business_client(self._account, self._transport) as client:
            self._currency_is(client, advertiser, request.currency.upper())
            locations = self._locations(client, advertiser, request.countries)
            post = self._authorize(client, advertiser, code, request.post_external_id)
            return self._create(client, request, post, locations)

    def _currency_is(self, client: httpx.Client, advertiser: str, currency: str) -> None:
        info = business_call(
            client, ADVERTISER, {"advertiser_ids": [advertiser], "fields": ["currency"]}
        )
        found = str(((info.get("list") or [{}])[0]).get("currency") or "")
        if found and found != currency:
            raise PermanentError(
                f"This TikTok advertiser pays in {found}, not {currency}.",
                network=NETWORK,
                code="currency",
            )

    def _locations(
        self, client: httpx.Client, advertiser: str, countries: tuple[str, ...]
    ) -> list[str]:
        data = business_call(
            client,
            REGIONS,
            {
                "advertiser_id": advertiser,
                "placements": ["PLACEMENT_TIKTOK"],
                "objective_type": OBJECTIVE,
                "level_range": "TO_COUNTRY",
            },
        )
        by_code = {
            str(r.get("region_code") or "").upper(): str(r["location_id"])
            for r in data.get("region_info") or ()
            if isinstance(r, dict) and r.get("location_id")
        }
        missing = [c for c in countries if c.upper() not in by_code]
        if missing:
            raise PermanentError(
                f"TikTok does not show ads in {', '.join(missing)} for this advertiser.",
                network=NETWORK,
                code="targeting",
            )
        return [by_code[c.upper()] for c in countries]

    def _authorize(self, client: httpx.Client, advertiser: str, code: str, post: str) -> SparkPost:
        try:
            business_call(
                client,
                AUTHORIZE,
                {"advertiser_id": advertiser, "auth_code": code},
                method="POST",
                idempotent=True,  # applying a code twice authorises nothing more
            )
        except PermanentError as exc:
            if not all(word in exc.message.lower() for word in ALREADY_AUTHORIZED):
                raise
        data = business_call(client, INFO, {"advertiser_id": advertiser, "auth_code": code})
        info = data.get("item_info") or {}
        item = str(info.get("item_id") or "")
        user = data.get("user_info") or {}
        identity = str(user.get("identity_id") or "")
        if not item or not identity:
            raise PermanentError(
                "TikTok did not say which post this authorization code opens.", network=NETWORK
            )
        if item != post:
            raise PermanentError(
                "This authorization code is for another TikTok post: ask the creator for the "
                "code of this one.",
                network=NETWORK,
                code="authorization_code",
            )
        # A photo post runs as a carousel Spark Ad, a video as a single video.
        form = "CAROUSEL_ADS" if info.get("item_type") == "CAROUSEL" else "SINGLE_VIDEO"
        return SparkPost(identity, item, form)

    def _create(
        self,
        client: httpx.Client,
        request: BoostRequest,
        post: SparkPost,
        locations: list[str],
    ) -> BoostRef:
        advertiser = request.ad_account_id
        status = "ENABLE" if request.activate else "DISABLE"
        name = (request.name or f"Boost {post.item}")[:100]
        campaign = self._made(
            client,
            CAMPAIGN,
            "campaign_id",
            {
                "advertiser_id": advertiser,
                "campaign_name": name,
                "objective_type": OBJECTIVE,
                "budget_mode": "BUDGET_MODE_INFINITE",
                "operation_status": status,
            },
        )
        adgroup = self._made(
            client, ADGROUP, "adgroup_id", _adgroup(request, campaign, name, locations, status)
        )
        body = business_call(
            client,
            AD,
            {
                "advertiser_id": advertiser,
                "adgroup_id": adgroup,
                "operation_status": status,
                "creatives": [
                    {
                        "ad_name": name,
                        "ad_format": post.ad_format,
                        "identity_type": "AUTH_CODE",
                        "identity_id": post.identity,
                        "tiktok_item_id": post.item,
                    }
                ],
            },
            method="POST",
        )
        ads = [str(a) for a in body.get("ad_ids") or ()]
        if not ads:
            raise PermanentError("TikTok's answer names no ad created.", network=NETWORK)
        return BoostRef(
            external_campaign_id=campaign,
            ad_account_id=advertiser,
            active=request.activate,
            ends_at=request.end,
            parts={"adgroup": adgroup, "ad": ads[0]},
        )

    def _made(self, client: httpx.Client, path: str, key: str, params: dict[str, Any]) -> str:
        data = business_call(client, path, params, method="POST")
        made = data.get(key)
        if not made:
            raise PermanentError(f"TikTok's answer names no {key}.", network=NETWORK)
        return str(made)


def _adgroup(
    request: BoostRequest, campaign: str, name: str, locations: list[str], status: str
) -> dict[str, Any]:
    """The ad group: where (TikTok, the countries), how much, when, billed by reach."""
    daily = request.budget_kind is BudgetKind.DAILY
    return {
        "advertiser_id": request.ad_account_id,
        "campaign_id": campaign,
        "adgroup_name": name,
        "placement_type": "PLACEMENT_TYPE_NORMAL",
        "placements": ["PLACEMENT_TIKTOK"],
        "location_ids": locations,
        "budget_mode": "BUDGET_MODE_DAY" if daily else "BUDGET_MODE_TOTAL",
        "budget": float(request.budget),
        "schedule_type": "SCHEDULE_START_END",
        "schedule_start_time": _when(request.start),
        "schedule_end_time": _when(request.end),
        "optimization_goal": "REACH",
        "billing_event": "CPM",
        "bid_type": "BID_TYPE_NO_BID",
        "pacing": "PACING_MODE_SMOOTH",
        "operation_status": status,
    }

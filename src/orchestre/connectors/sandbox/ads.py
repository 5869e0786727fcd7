"""The sandbox's ad platform: seeded daily campaign results and boosts of its posts.

Every ad account has two standing campaigns (`<ad account>-1` and `-2`) and one more per
boost. A campaign-day's figures come from the network's seed, the ad account, the
campaign and the day only, so reading a day twice gives the same row; about one day in
ten a campaign does not deliver (no row), and no row is given after the network's
today or, for a boost, before its start or after its end. Money is in euros unless a
boost named another currency, exact to the cent.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from orchestre.connectors.base import (
    AdResult,
    BoostRef,
    BoostRequest,
    BudgetKind,
    PermanentError,
    refuse_options,
)
from orchestre.connectors.sandbox import audience
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.connectors.sandbox.refusals import NETWORK

CURRENCY = "EUR"
ATTRIBUTION = "7d_click,1d_view"
STANDING = ("1", "2")
DARK_DAY_RATE = 0.1


@dataclass(frozen=True)
class _Boost:
    ref: BoostRef
    currency: str
    starts: date


class AdDesk:
    """The boosts one sandbox network made; reading needs no state beyond them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._boosts: dict[str, _Boost] = {}

    def boosts_of(self, ad_account_id: str) -> list[_Boost]:
        with self._lock:
            return [b for b in self._boosts.values() if b.ref.ad_account_id == ad_account_id]

    def boost(self, campaign_id: str) -> _Boost | None:
        with self._lock:
            return self._boosts.get(campaign_id)

    def add(self, boost: _Boost) -> None:
        with self._lock:
            self._boosts[boost.ref.external_campaign_id] = boost

    def count(self) -> int:
        with self._lock:
            return len(self._boosts)


_desks: weakref.WeakKeyDictionary[SandboxNetwork, AdDesk] = weakref.WeakKeyDictionary()
_desks_lock = threading.Lock()


def desk_of(network: SandboxNetwork) -> AdDesk:
    with _desks_lock:
        desk = _desks.get(network)
        if desk is None:
            desk = _desks[network] = AdDesk()
        return desk


def day_result(
    seed: int, ad_account_id: str, campaign_id: str, day: date, currency: str = CURRENCY
) -> AdResult | None:
    """The seeded figures of one campaign-day, or None on a day it did not deliver."""
    rng = audience.rng_for(seed, "ads", ad_account_id, campaign_id, day.isoformat())
    if rng.random() < DARK_DAY_RATE:
        return None
    impressions = rng.randint(800, 12_000)
    clicks = int(impressions * rng.uniform(0.005, 0.03))
    conversions = rng.randint(0, max(clicks // 12, 0))
    basket = Decimal(rng.randint(1_500, 9_000)) / 100
    return AdResult(
        external_campaign_id=campaign_id,
        day=day,
        spend=Decimal(rng.randint(500, 6_000)) / 100,
        currency=currency,
        impressions=impressions,
        clicks=clicks,
        conversions=Decimal(conversions),
        revenue=basket * conversions,
        attribution=ATTRIBUTION,
    )


class SandboxAds:
    """Ad reporting and boosts, mixed into the sandbox installation."""

    _sandbox: SandboxNetwork
    _id: str

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        now = self._sandbox.enter(self._id, write=False)
        desk = desk_of(self._sandbox)
        ids = list(campaign_ids) or [
            *(f"{ad_account_id}-{n}" for n in STANDING),
            *(b.ref.external_campaign_id for b in desk.boosts_of(ad_account_id)),
        ]
        last = min(until, now.date())
        rows: list[AdResult] = []
        for campaign in ids:
            boost = desk.boost(campaign)
            first, end = since, last
            currency = CURRENCY
            if boost is not None:
                first = max(first, boost.starts)
                end = min(end, boost.ref.ends_at.date())
                currency = boost.currency
            day = first
            while day <= end:
                row = day_result(self._sandbox.seed, ad_account_id, campaign, day, currency)
                if row is not None:
                    rows.append(row)
                day += timedelta(days=1)
        rows.sort(key=lambda r: (r.day, r.external_campaign_id))
        return rows

    def boost_post(self, request: BoostRequest) -> BoostRef:
        refuse_options(request, (), network=NETWORK)
        self._sandbox.enter(self._id, write=True)
        self._sandbox.check_own_post(self._id, request.post_external_id)
        if request.budget <= 0 or request.days <= 0:
            raise PermanentError(
                "The sandbox needs a positive budget and at least one day to boost a post.",
                network=NETWORK,
                code="budget",
            )
        desk = desk_of(self._sandbox)
        ends_at: datetime = request.end
        ref = BoostRef(
            external_campaign_id=f"{request.ad_account_id}-boost-{desk.count() + 1}",
            ad_account_id=request.ad_account_id,
            active=request.activate,
            ends_at=ends_at,
            parts={"post": request.post_external_id},
        )
        desk.add(_Boost(ref, request.currency.upper(), request.start.date()))
        return ref


# Over HTTP (`server.py`, `remote.py`) ---------------------------------------------------------


def result_to_json(row: AdResult) -> dict[str, Any]:
    return {
        "campaign": row.external_campaign_id,
        "day": row.day.isoformat(),
        "spend": str(row.spend),
        "currency": row.currency,
        "impressions": row.impressions,
        "clicks": row.clicks,
        "conversions": str(row.conversions),
        "revenue": None if row.revenue is None else str(row.revenue),
        "attribution": row.attribution,
    }


def result_from_json(body: dict[str, Any]) -> AdResult:
    revenue = body.get("revenue")
    return AdResult(
        external_campaign_id=str(body["campaign"]),
        day=date.fromisoformat(str(body["day"])),
        spend=Decimal(str(body["spend"])),
        currency=str(body["currency"]),
        impressions=int(body["impressions"]),
        clicks=int(body["clicks"]),
        conversions=Decimal(str(body["conversions"])),
        revenue=None if revenue is None else Decimal(str(revenue)),
        attribution=str(body.get("attribution") or ""),
    )


def boost_request_to_json(request: BoostRequest) -> dict[str, Any]:
    return {
        "post_id": request.post_external_id,
        "ad_account_id": request.ad_account_id,
        "budget": str(request.budget),
        "currency": request.currency,
        "days": request.days,
        "start": request.start.isoformat(),
        "ends_at": request.end.isoformat(),
        "budget_kind": request.budget_kind.value,
        "activate": request.activate,
        "name": request.name,
        "countries": list(request.countries),
        "options": dict(request.options),
    }


def boost_request_from_json(body: dict[str, Any]) -> BoostRequest:
    return BoostRequest(
        post_external_id=str(body["post_id"]),
        ad_account_id=str(body["ad_account_id"]),
        budget=Decimal(str(body["budget"])),
        currency=str(body["currency"]),
        days=int(body["days"]),
        start=datetime.fromisoformat(str(body["start"])),
        ends_at=datetime.fromisoformat(str(body["ends_at"])) if body.get("ends_at") else None,
        budget_kind=BudgetKind(str(body.get("budget_kind") or "lifetime")),
        activate=bool(body.get("activate")),
        name=str(body.get("name") or ""),
        countries=tuple(str(c) for c in body.get("countries") or ()),
        options={str(k): str(v) for k, v in (body.get("options") or {}).items()},
    )


def boost_ref_to_json(ref: BoostRef) -> dict[str, Any]:
    return {
        "campaign": ref.external_campaign_id,
        "ad_account_id": ref.ad_account_id,
        "active": ref.active,
        "ends_at": ref.ends_at.isoformat(),
        "parts": dict(ref.parts),
    }


def boost_ref_from_json(body: dict[str, Any]) -> BoostRef:
    return BoostRef(
        external_campaign_id=str(body["campaign"]),
        ad_account_id=str(body["ad_account_id"]),
        active=bool(body["active"]),
        ends_at=datetime.fromisoformat(str(body["ends_at"])),
        parts={str(k): str(v) for k, v in (body.get("parts") or {}).items()},
    )

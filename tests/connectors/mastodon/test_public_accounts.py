"""Reading a competitor's public Mastodon account: lookup by acct (an unknown one refused
as not_found), its statuses with counters and formats, paging by max_id, boosts left out."""

from __future__ import annotations

import copy

import httpx
import pytest

from orchestre.connectors.base import (
    Capability,
    PermanentError,
    PublicAccount,
    PublicFormat,
    RetryableError,
    public_reading,
)
from orchestre.connectors.mastodon import MastodonConnector, MastodonInstallation
from orchestre.connectors.mastodon.public import account_from
from tests.connectors.mastodon.conftest import ReplayedInstance, payload

STATUSES = "/api/v1/accounts/110477/statuses"


def test_lookup_and_statuses(lumiere: MastodonInstallation, instance: ReplayedInstance) -> None:
    assert Capability.READ_PUBLIC_ACCOUNTS in MastodonConnector.capabilities
    instance.json("GET", "/api/v1/accounts/lookup", payload("account_lookup.json"))
    instance.json("GET", STATUSES, payload("account_statuses.json"))
    reader = public_reading(lumiere, network="mastodon")

    found = reader.lookup_account("@lampes@design.example")
    assert instance.requests[-1].url.params["acct"] == "lampes@design.example"
    assert (found.external_id, found.handle, found.display_name) == (
        "110477",
        "lampes@design.example",
        "Lampes & Cie",
    )
    assert (found.followers, found.following, found.posts_count) == (5230, 311, 1890)

    posts = reader.read_account_posts(found, limit=40)
    sent = instance.sent("GET", STATUSES)[0].url.params
    assert (sent["exclude_reblogs"], sent["limit"]) == ("true", "40")
    assert [p.format for p in posts] == [
        PublicFormat.VIDEO,
        PublicFormat.CAROUSEL,
        PublicFormat.IMAGE,
        PublicFormat.LINK,
        PublicFormat.VIDEO,  # a gifv
        PublicFormat.TEXT,
    ]
    first = posts[0]
    assert (first.likes, first.reposts, first.replies, first.quotes) == (88, 12, 4, 1)
    assert first.views is None  # not public on Mastodon
    assert posts[4].quotes is None  # a server that does not count quotes
    assert first.text == "Notre atelier en vidéo"
    assert first.url == "https://design.example/@lampes/112300000000000005"
    assert first.created_at.isoformat() == "2030-03-14T17:20:00+00:00"


def test_pages_by_max_id_and_leaves_boosts_out(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    statuses = payload("account_statuses.json")
    boost = copy.deepcopy(statuses[0])
    boost["id"], boost["reblog"] = "112300000000000009", copy.deepcopy(statuses[1])
    link = f'<https://social.example{STATUSES}?max_id={statuses[1]["id"]}>; rel="next"'
    instance.json("GET", STATUSES, [boost, *statuses[:2]], headers={"Link": link})
    instance.json("GET", STATUSES, statuses[2:4])
    reader = public_reading(lumiere)
    account = _account()
    posts = reader.read_account_posts(account, limit=5)
    pages = instance.sent("GET", STATUSES)
    assert [p.url.params["limit"] for p in pages] == ["5", "3"]
    assert pages[1].url.params["max_id"] == statuses[1]["id"]
    assert [p.external_id for p in posts] == [s["id"] for s in statuses[:4]]


def test_unknown_account_and_rate_limit(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    reader = public_reading(lumiere)
    instance.json("GET", "/api/v1/accounts/lookup", payload("error_404.json"), status=404)
    with pytest.raises(PermanentError) as unknown:
        reader.lookup_account("nobody@nowhere.example")
    assert unknown.value.code == "not_found"
    assert "nobody@nowhere.example" in unknown.value.reason
    instance.routes.clear()
    instance.on(
        "GET",
        "/api/v1/accounts/lookup",
        httpx.Response(429, json=payload("error_429.json"), headers={"Retry-After": "30"}),
    )
    with pytest.raises(RetryableError):
        reader.lookup_account("lampes@design.example")


def _account() -> PublicAccount:
    return account_from(payload("account_lookup.json"), "social.example")

"""/workspaces/{id}/analytics/links and /link-clicks: making short links, reading the counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics import links
from orchestre.analytics.links_repository import Resolved
from orchestre.kit.clock import FrozenClock
from orchestre.models import TrackedLink
from tests.analytics.links_world import BASE, Shop, client_with_links, make_shop
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    yield from client_with_links(app)


@pytest.fixture
def shop(db: Session) -> Shop:
    return make_shop(db)


def _url(shop: Shop, tail: str = "links") -> str:
    return f"/api/v1/workspaces/{shop.workspace.id}/analytics/{tail}"


def _click(db: Session, link: TrackedLink, at: datetime, *, bot: bool = False) -> None:
    found = Resolved(link.id, link.workspace_id, link.target_url, link.publication_id)
    links.repository.add_click(db, found, bot=bot, referrer_host=None, at=at)


def test_create_a_link_for_a_variant(web: TestClient, db: Session, shop: Shop) -> None:
    variant = shop.variant()
    response = web.post(
        _url(shop),
        json={
            "url": "https://shop.example.com/new?utm_source=bio#size",
            "variant_id": str(variant.id),
            "utm_content": "story-sticker",
        },
        headers=bearer(shop.token),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["short_url"] == f"http://127.0.0.1:8000/l/{body['code']}"
    assert body["source_url"] == "https://shop.example.com/new?utm_source=bio#size"
    assert body["target_url"] == (
        "https://shop.example.com/new?utm_source=bio&utm_medium=social"
        "&utm_campaign=soldes-ete&utm_content=story-sticker#size"
    )
    assert body["utm"] == {
        "utm_source": "bio",
        "utm_medium": "social",
        "utm_campaign": "soldes-ete",
        "utm_content": "story-sticker",
    }
    assert (body["post_id"], body["variant_id"], body["channel_id"], body["campaign_id"]) == (
        str(variant.post_id),
        str(variant.id),
        str(shop.channel.id),
        str(shop.campaign.id),
    )
    assert body["clicks"] == 0
    assert body["publication_id"] is None
    got = web.get(_url(shop, f"links/{body['id']}"), headers=bearer(shop.token))
    assert got.json() == body


@pytest.mark.parametrize(
    ("payload", "field", "rule"),
    [
        ({"url": "javascript:alert(1)"}, "url", "scheme"),
        ({"url": "ftp://files.example.com/x"}, "url", "scheme"),
        ({"url": "https://google.com@evil.example/"}, "url", "credentials"),
        ({"url": "https://a.example.com/", "utm_source": ""}, "utm_source", "string_too_short"),
        ({"url": "https://a.example.com/", "extra": 1}, "extra", "extra_forbidden"),
    ],
)
def test_refused_links_say_why(
    web: TestClient, db: Session, shop: Shop, payload: dict[str, object], field: str, rule: str
) -> None:
    response = web.post(_url(shop), json=payload, headers=bearer(shop.token))
    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [(field, rule)]
    assert db.scalars(select(TrackedLink)).all() == []


def test_a_channel_that_is_not_the_variant_s_is_refused(
    web: TestClient, db: Session, shop: Shop
) -> None:
    variant = shop.variant()
    other = make_channel(db, shop.workspace)
    response = web.post(
        _url(shop),
        json={
            "url": "https://a.example.com/",
            "variant_id": str(variant.id),
            "channel_id": str(other.id),
        },
        headers=bearer(shop.token),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "variant_channel"


def test_another_workspace_s_rows_are_not_found(web: TestClient, db: Session, shop: Shop) -> None:
    elsewhere = make_shop(db)
    theirs = elsewhere.variant()
    for field, value in (
        ("variant_id", theirs.id),
        ("channel_id", elsewhere.channel.id),
        ("campaign_id", elsewhere.campaign.id),
    ):
        response = web.post(
            _url(shop),
            json={"url": "https://a.example.com/", field: str(value)},
            headers=bearer(shop.token),
        )
        assert response.status_code == 404, field
    made = web.post(
        _url(elsewhere), json={"url": "https://a.example.com/"}, headers=bearer(elsewhere.token)
    ).json()
    assert web.get(_url(shop, f"links/{made['id']}"), headers=bearer(shop.token)).status_code == 404


def test_who_may_make_and_read_links(web: TestClient, db: Session, shop: Shop) -> None:
    for role, can_make in (
        ("analyst", True),
        ("social_media_manager", True),
        ("community_manager", False),
        ("content_creator", False),
    ):
        token = make_token(db, shop.workspace, make_member(db, shop.workspace, role))
        made = web.post(_url(shop), json={"url": "https://a.example.com/"}, headers=bearer(token))
        assert made.status_code == (201 if can_make else 403), role
        assert web.get(_url(shop), headers=bearer(token)).status_code == 200
    stranger = make_workspace(db)
    outsider = make_token(db, stranger, make_member(db, stranger, "owner"))
    assert web.get(_url(shop), headers=bearer(outsider)).status_code == 404


def test_list_with_counts_and_filters(
    web: TestClient, db: Session, shop: Shop, clock: FrozenClock
) -> None:
    one, two = (
        shop.variant("https://shop.example.com/a"),
        shop.variant("https://shop.example.com/b"),
    )
    for variant in (one, two):
        links.track_variant_links(
            db, variant=variant, channel=shop.channel, publication_id=None, base_url=BASE
        )
        clock.advance(seconds=1)
    link_a = db.scalars(select(TrackedLink).where(TrackedLink.variant_id == one.id)).one()
    for _ in range(3):
        _click(db, link_a, clock.now())
    _click(db, link_a, clock.now(), bot=True)
    page = web.get(_url(shop), params={"limit": 1}, headers=bearer(shop.token)).json()
    assert [item["variant_id"] for item in page["items"]] == [str(two.id)]  # newest first
    rest = web.get(
        _url(shop), params={"cursor": page["next_cursor"]}, headers=bearer(shop.token)
    ).json()
    assert [(i["variant_id"], i["clicks"]) for i in rest["items"]] == [(str(one.id), 3)]
    assert rest["next_cursor"] is None
    only = web.get(_url(shop), params={"variant_id": str(one.id)}, headers=bearer(shop.token))
    assert [i["code"] for i in only.json()["items"]] == [link_a.code]
    bad = web.get(_url(shop), params={"cursor": "garbage"}, headers=bearer(shop.token))
    assert bad.status_code == 422


def test_clicks_per_variant_and_per_channel(
    web: TestClient, db: Session, shop: Shop, clock: FrozenClock
) -> None:
    mastodon = make_channel(db, shop.workspace, network="mastodon")
    on_linkedin = shop.variant("https://shop.example.com/a")
    on_mastodon = shop.variant("https://shop.example.com/a", channel=mastodon)
    made = {}
    for variant, channel in ((on_linkedin, shop.channel), (on_mastodon, mastodon)):
        links.track_variant_links(
            db, variant=variant, channel=channel, publication_id=None, base_url=BASE
        )
        made[variant.id] = db.scalars(
            select(TrackedLink).where(TrackedLink.variant_id == variant.id)
        ).one()
    yesterday = clock.now() - timedelta(days=1)
    for _ in range(4):
        _click(db, made[on_linkedin.id], yesterday)
    _click(db, made[on_linkedin.id], yesterday, bot=True)
    _click(db, made[on_mastodon.id], yesterday)
    # Today is not in "last_7_days" (which ends yesterday): not counted.
    _click(db, made[on_mastodon.id], clock.now())

    def counts(group_by: str) -> dict[str | None, tuple[int, int]]:
        response = web.get(
            _url(shop, "link-clicks"),
            params={"group_by": group_by, "period": "last_7_days"},
            headers=bearer(shop.token),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["clicks"], body["bot_clicks"]) == (5, 1)
        return {row["key"]: (row["clicks"], row["bot_clicks"]) for row in body["rows"]}

    assert counts("variant") == {str(on_linkedin.id): (4, 1), str(on_mastodon.id): (1, 0)}
    assert counts("channel") == {str(shop.channel.id): (4, 1), str(mastodon.id): (1, 0)}
    assert counts("campaign") == {str(shop.campaign.id): (5, 1)}
    assert list(counts("link")) == [str(made[on_linkedin.id].id), str(made[on_mastodon.id].id)]


def test_clicks_per_local_day_across_the_change_to_summer_time(
    web: TestClient, db: Session, shop: Shop, clock: FrozenClock
) -> None:
    # Paris moves to summer time on Sunday 31 March 2030 at 02:00 (01:00 UTC).
    clock.advance(seconds=(datetime(2030, 4, 2, 8, tzinfo=UTC) - clock.now()).total_seconds())
    variant = shop.variant("https://shop.example.com/a")
    links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=None, base_url=BASE
    )
    link = db.scalars(select(TrackedLink).where(TrackedLink.variant_id == variant.id)).one()
    for instant in (
        datetime(2030, 3, 29, 23, 0, tzinfo=UTC),  # 30 Mar 00:00 in Paris (winter time)
        datetime(2030, 3, 30, 22, 59, tzinfo=UTC),  # 30 Mar 23:59 in Paris
        datetime(2030, 3, 30, 23, 0, tzinfo=UTC),  # 31 Mar 00:00 in Paris
        datetime(2030, 3, 31, 21, 59, tzinfo=UTC),  # 31 Mar 23:59 (summer time)
        datetime(2030, 3, 31, 22, 0, tzinfo=UTC),  # 1 Apr 00:00 in Paris
    ):
        _click(db, link, instant)
    response = web.get(
        _url(shop, "link-clicks"),
        params={"group_by": "day", "period": "custom", "start": "2030-03-30", "end": "2030-04-01"},
        headers=bearer(shop.token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["timezone"], body["first_day"], body["last_day"]) == (
        "Europe/Paris",
        "2030-03-30",
        "2030-04-01",
    )
    assert [(r["key"], r["clicks"]) for r in body["rows"]] == [
        ("2030-03-30", 2),
        ("2030-03-31", 2),
        ("2030-04-01", 1),
    ]


@pytest.mark.parametrize(
    "params",
    [{"group_by": "hour"}, {"period": "forever"}, {"period": "custom", "start": "2030-03-01"}],
)
def test_bad_click_queries_are_refused(web: TestClient, shop: Shop, params: dict[str, str]) -> None:
    response = web.get(_url(shop, "link-clicks"), params=params, headers=bearer(shop.token))
    assert response.status_code == 422, response.text
    assert response.json()["errors"]

"""GET /l/{code}: the public redirector sends people on and counts their clicks only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics import links
from orchestre.kit.clock import FrozenClock
from orchestre.models import LinkClick, PublicationStats, TrackedLink
from orchestre.models.publication import Publication
from tests.analytics.links_world import BASE, BROWSER, Shop, client_with_links, make_shop


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    yield from client_with_links(app)


@pytest.fixture
def shop(db: Session) -> Shop:
    return make_shop(db)


def _tracked(db: Session, shop: Shop, clock: FrozenClock) -> tuple[TrackedLink, Publication]:
    variant = shop.variant("Soldes : https://shop.example.com/sale?ref=home#top")
    publication = shop.published(variant, clock.now())
    links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=publication.id, base_url=BASE
    )
    link = db.scalars(select(TrackedLink).where(TrackedLink.variant_id == variant.id)).one()
    return link, publication


def _counts(db: Session, link: TrackedLink, publication: Publication) -> tuple[int, int]:
    db.expire_all()
    stats = db.get(PublicationStats, publication.id)
    fresh = db.get(TrackedLink, link.id)
    assert stats is not None
    assert fresh is not None
    return fresh.clicks, stats.link_clicks


def _clicks(db: Session, link: TrackedLink) -> list[LinkClick]:
    return list(
        db.scalars(select(LinkClick).where(LinkClick.link_id == link.id).order_by(LinkClick.id))
    )


def test_a_person_s_click_is_sent_on_and_counted(
    web: TestClient, db: Session, shop: Shop, clock: FrozenClock
) -> None:
    link, publication = _tracked(db, shop, clock)
    response = web.get(
        f"/l/{link.code}",
        headers={
            "User-Agent": BROWSER,
            "Referer": "https://www.linkedin.com/feed/update/urn:li:activity:1/?trk=x",
        },
        follow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["location"] == link.target_url
    assert "no-store" in response.headers["cache-control"]
    assert "set-cookie" not in response.headers
    assert _counts(db, link, publication) == (1, 1)
    (click,) = _clicks(db, link)
    assert (click.bot, click.referrer_host, click.workspace_id) == (
        False,
        "www.linkedin.com",
        shop.workspace.id,
    )
    assert click.clicked_at == clock.now()


def test_robots_heads_and_prefetches_are_sent_on_but_not_counted(
    web: TestClient, db: Session, shop: Shop, clock: FrozenClock
) -> None:
    link, publication = _tracked(db, shop, clock)
    url = f"/l/{link.code}"
    answers = [
        web.get(url, headers={"User-Agent": "LinkedInBot/1.0"}, follow_redirects=False),
        web.get(url, headers={"User-Agent": "curl/8.5.0"}, follow_redirects=False),
        web.get(url, headers={"User-Agent": ""}, follow_redirects=False),
        web.head(url, headers={"User-Agent": BROWSER}, follow_redirects=False),
        web.get(
            url,
            headers={"User-Agent": BROWSER, "Sec-Purpose": "prefetch"},
            follow_redirects=False,
        ),
    ]
    assert [a.status_code for a in answers] == [302] * 5
    assert {a.headers["location"] for a in answers} == {link.target_url}
    assert _counts(db, link, publication) == (0, 0)
    assert [c.bot for c in _clicks(db, link)] == [True] * 5
    web.get(url, headers={"User-Agent": BROWSER}, follow_redirects=False)
    web.get(url, headers={"User-Agent": BROWSER}, follow_redirects=False)
    assert _counts(db, link, publication) == (2, 2)
    assert sorted(c.bot for c in _clicks(db, link)) == [False, False] + [True] * 5
    # What a stats row made after these clicks starts from.
    assert links.link_clicks_of(db, publication.id) == 2


def test_a_hand_made_link_counts_without_a_publication(
    web: TestClient, db: Session, shop: Shop
) -> None:
    response = web.post(
        f"/api/v1/workspaces/{shop.workspace.id}/analytics/links",
        json={"url": "https://shop.example.com/bio"},
        headers={"Authorization": f"Bearer {shop.token}"},
    )
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    answer = web.get(f"/l/{code}", headers={"User-Agent": BROWSER}, follow_redirects=False)
    assert answer.headers["location"] == ("https://shop.example.com/bio?utm_medium=social")
    db.expire_all()
    link = db.scalars(select(TrackedLink).where(TrackedLink.code == code)).one()
    assert link.clicks == 1


@pytest.mark.parametrize("code", ["Zz9Zz9Zz", "abc", "not-a-code", "a" * 40])
def test_an_unknown_code_is_a_404_page(web: TestClient, code: str) -> None:
    page = web.get(f"/l/{code}", headers={"Accept": "text/html", "User-Agent": BROWSER})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert "set-cookie" not in page.headers
    as_json = web.get(f"/l/{code}", headers={"User-Agent": BROWSER})
    assert as_json.status_code == 404
    assert as_json.json()["code"] == "link_not_found"
    assert as_json.json()["detail"].startswith("This short link does not exist.")


def test_a_french_reader_gets_the_404_in_french(web: TestClient) -> None:
    page = web.get(
        "/l/Zz9Zz9Zz", headers={"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9"}
    )
    assert page.status_code == 404
    assert "Page introuvable" in page.text


def test_a_click_that_cannot_be_recorded_still_goes_through(
    web: TestClient, db: Session, shop: Shop, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    link, publication = _tracked(db, shop, clock)

    def busy(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO link_clicks", {}, Exception("database is locked"))

    monkeypatch.setattr(links.repository, "add_click", busy)
    response = web.get(f"/l/{link.code}", headers={"User-Agent": BROWSER}, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == link.target_url
    assert _counts(db, link, publication) == (0, 0)

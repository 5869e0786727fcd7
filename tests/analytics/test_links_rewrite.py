"""track_variant_links: the addresses of a variant become tracked short links at send time,
the same ones on every attempt of a publication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics import links
from orchestre.analytics.links_urls import utm_of
from orchestre.errors import Conflict
from orchestre.kit.clock import FrozenClock
from orchestre.models import TrackedLink
from tests.analytics.links_world import BASE, Shop, make_shop
from tests.factories import make_channel


@pytest.fixture
def shop(db: Session) -> Shop:
    return make_shop(db)


def _links(db: Session, shop: Shop) -> list[TrackedLink]:
    return list(
        db.scalars(
            select(TrackedLink)
            .where(TrackedLink.workspace_id == shop.workspace.id)
            .order_by(TrackedLink.source_url)
        )
    )


def _code(short: str) -> str:
    assert short.startswith(BASE + "/l/"), short
    return short.removeprefix(BASE + "/l/")


def test_each_address_becomes_a_short_link_with_utm_tags(
    db: Session, shop: Shop, clock: FrozenClock
) -> None:
    variant = shop.variant(
        "Soldes ! https://shop.example.com/sale?ref=home#top et http://blog.example.com/post.",
        link_url="https://shop.example.com/sale?ref=home#top",
    )
    publication = shop.published(variant, clock.now())
    text, link_url = links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=publication.id, base_url=BASE
    )
    made = _links(db, shop)
    assert [link.source_url for link in made] == [
        "http://blog.example.com/post",
        "https://shop.example.com/sale?ref=home#top",
    ]
    blog, sale = made
    assert text == f"Soldes ! {BASE}/l/{sale.code} et {BASE}/l/{blog.code}."
    # The same address in the text and as the link is one short link.
    assert link_url == f"{BASE}/l/{sale.code}"
    assert sale.target_url == (
        "https://shop.example.com/sale?ref=home&utm_source=linkedin&utm_medium=social"
        f"&utm_campaign=soldes-ete&utm_content={variant.id}#top"
    )
    assert sale.utm == utm_of(sale.target_url)
    for link in made:
        assert (link.post_id, link.variant_id, link.channel_id, link.campaign_id) == (
            variant.post_id,
            variant.id,
            shop.channel.id,
            shop.campaign.id,
        )
        assert link.publication_id == publication.id
        assert link.clicks == 0
    # The variant itself keeps the addresses as written.
    assert "https://shop.example.com/sale" in variant.text


def test_a_retry_gets_the_same_text(db: Session, shop: Shop, clock: FrozenClock) -> None:
    variant = shop.variant("Voir https://shop.example.com/a et https://shop.example.com/b")
    publication = shop.published(variant, clock.now())
    first = links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=publication.id, base_url=BASE
    )
    # Renaming the campaign between two attempts changes no code: the look-up is by the
    # address as written, not by its tagged target.
    shop.campaign.utm_campaign = "renamed"
    db.flush()
    again = links.track_variant_links(
        db,
        variant=variant,
        channel=shop.channel,
        publication_id=publication.id,
        base_url=BASE + "/",
    )
    assert again == first
    assert len(_links(db, shop)) == 2


def test_another_publication_of_the_variant_gets_its_own_codes(
    db: Session, shop: Shop, clock: FrozenClock
) -> None:
    variant = shop.variant("Chaque lundi : https://shop.example.com/weekly")
    monday = shop.published(variant, clock.now())
    next_monday = shop.published(variant, clock.now() + timedelta(days=7), occurrence=1)
    one, _ = links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=monday.id, base_url=BASE
    )
    two, _ = links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=next_monday.id, base_url=BASE
    )
    assert one != two
    assert {link.publication_id for link in _links(db, shop)} == {monday.id, next_monday.id}


def test_what_is_left_as_written(db: Session, shop: Shop) -> None:
    ours = f"{BASE}/l/Ab3dE9xZ"
    text = (
        f"Déjà court : {ours} ; sans schéma : shop.example.com/x ; "
        "avec identifiants : https://google.com@evil.example.com/login"
    )
    variant = shop.variant(text, link_url=ours.upper().replace("/L/", "/l/"), campaign=False)
    out_text, out_link = links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=None, base_url=BASE
    )
    assert out_text == text
    assert out_link == variant.link_url
    assert _links(db, shop) == []


def test_a_workspace_that_does_not_track_links_sends_the_text_as_written(
    db: Session, shop: Shop
) -> None:
    variant = shop.variant("https://shop.example.com/a", link_url="https://shop.example.com/b")
    assert links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=None, base_url=BASE, enabled=False
    ) == (variant.text, variant.link_url)
    assert _links(db, shop) == []


def test_without_a_campaign_there_is_no_utm_campaign(db: Session, shop: Shop) -> None:
    other = make_channel(db, shop.workspace, network="mastodon")
    variant = shop.variant("https://shop.example.com/a", channel=other, campaign=False)
    links.track_variant_links(
        db, variant=variant, channel=other, publication_id=None, base_url=BASE
    )
    (link,) = _links(db, shop)
    assert link.utm == {
        "utm_source": "mastodon",
        "utm_medium": "social",
        "utm_content": str(variant.id),
    }
    assert link.campaign_id is None


def test_codes_are_unique_a_collision_draws_again(
    db: Session, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter(["Taken001", "Taken001", "Fresh002", "Taken001"] + ["Taken001"] * 5)
    monkeypatch.setattr(links, "new_code", lambda: next(draws))
    first = shop.variant("https://shop.example.com/a")
    links.track_variant_links(
        db, variant=first, channel=shop.channel, publication_id=None, base_url=BASE
    )
    second = shop.variant("https://shop.example.com/b")
    text, _ = links.track_variant_links(
        db, variant=second, channel=shop.channel, publication_id=None, base_url=BASE
    )
    assert _code(text) == "Fresh002"
    # Every draw taken: a clear error, not a broken unique constraint.
    third = shop.variant("https://shop.example.com/c")
    with pytest.raises(Conflict):
        links.track_variant_links(
            db, variant=third, channel=shop.channel, publication_id=None, base_url=BASE
        )


def test_a_text_the_short_links_would_make_too_long_goes_out_as_written(
    db: Session, shop: Shop
) -> None:
    bluesky = make_channel(db, shop.workspace, network="bluesky")
    # 300 graphemes is Bluesky's limit: the short link is longer than this address.
    text = "a" * 283 + " https://ex.co/p"
    assert len(text) == 299
    variant = shop.variant(text, link_url="https://ex.co/p", channel=bluesky)
    out_text, out_link = links.track_variant_links(
        db, variant=variant, channel=bluesky, publication_id=None, base_url=BASE
    )
    assert out_text == text
    # The link card is no text: it is still tracked.
    (link,) = _links(db, shop)
    assert out_link == f"{BASE}/l/{link.code}"
    # With room to spare, the same address is replaced.
    roomy = shop.variant("Voir https://ex.co/p", channel=bluesky)
    roomy_text, _ = links.track_variant_links(
        db, variant=roomy, channel=bluesky, publication_id=None, base_url=BASE
    )
    assert roomy_text.startswith(f"Voir {BASE}/l/")


def test_a_first_comment_gets_the_same_short_links(
    db: Session, shop: Shop, clock: FrozenClock
) -> None:
    variant = shop.variant("Voir https://shop.example.com/a")
    publication = shop.published(variant, clock.now())
    text, _ = links.track_variant_links(
        db, variant=variant, channel=shop.channel, publication_id=publication.id, base_url=BASE
    )
    comment = links.track_text(
        db,
        variant=variant,
        channel=shop.channel,
        publication_id=publication.id,
        base_url=BASE,
        text="Le lien : https://shop.example.com/a et https://shop.example.com/b",
    )
    a, b = _links(db, shop)
    assert text == f"Voir {BASE}/l/{a.code}"
    assert comment == f"Le lien : {BASE}/l/{a.code} et {BASE}/l/{b.code}"
    assert b.publication_id == publication.id

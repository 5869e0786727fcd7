"""Reconciling by content: after an ambiguous publish on a network that keeps no idempotency
key, the engine looks for the post among the account's posts since the attempt, and
publishes again only when it is certainly not there (ADR 0009)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    DraftPost,
    Installation,
    PermanentError,
    PublishedRef,
)
from orchestre.models import Channel, VariantState
from orchestre.models.publication import PublicationState
from orchestre.publishing.sending import send
from tests.publishing.conftest import World
from tests.publishing.test_engine import DiesAfterSending, Killed

P = PublicationState
S = VariantState
TEXT = "Nouvelle collection d'automne — à découvrir"


@pytest.fixture
def keyless(world: World) -> World:
    """The sandbox as X, LinkedIn or Meta: no lookup by our reference."""
    world.sandbox.faults.unverifiable_refs = True
    return world


def _posts_with_text(world: World, text: str) -> int:
    own = world.sandbox.list_posts(world.channel.external_id, world.clock.now() - timedelta(days=1))
    return sum(1 for post in own.posts if post.text == text)


def _until_settled(world: World, rounds: int = 20) -> list[str]:
    """Run each retry when it falls due, until the publication leaves the queue."""
    outcomes: list[str] = []
    for _ in range(rounds):
        world.later(minutes=61)
        done = world.run_due()
        outcomes += done
        if done and done[-1] != "retry":
            break
    return outcomes


def test_an_ambiguous_publish_found_by_its_content_is_published_once(keyless: World) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.sandbox.time_out_next()  # the post is made, the answer lost
    assert keyless.run_due() == ["retry"]
    assert keyless.publication(variant).last_error_kind == "ambiguous"

    keyless.later(minutes=1)
    assert keyless.run_due() == ["published"]
    publication = keyless.publication(variant)
    [on_network] = keyless.sandbox.list_posts(
        keyless.channel.external_id, publication.due_at - timedelta(hours=1)
    ).posts
    assert publication.external_id == on_network.external_id
    assert publication.uncertain is False
    assert variant.state == S.PUBLISHED
    assert _posts_with_text(keyless, TEXT) == 1

    keyless.later(hours=2)
    assert keyless.run_due() == []  # nothing left to send, nothing sent twice
    assert _posts_with_text(keyless, TEXT) == 1


def test_an_ambiguous_publish_that_never_landed_is_published_again_once(keyless: World) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))  # nothing made
    assert keyless.run_due() == ["retry"]
    assert _posts_with_text(keyless, TEXT) == 0

    keyless.later(minutes=1)
    assert keyless.run_due() == ["published"]
    assert keyless.publication(variant).state == P.PUBLISHED
    assert _posts_with_text(keyless, TEXT) == 1


def test_an_incomplete_listing_never_publishes_again_and_ends_with_a_person(
    keyless: World,
) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))
    assert keyless.run_due() == ["retry"]
    # Others post on the account meanwhile, and the listing shows only the newest one.
    account = keyless.channel.external_id
    for text in ("Un autre message", "Encore un autre"):
        keyless.sandbox.publish(account, DraftPost(text=text, client_ref=text))
    keyless.sandbox.faults.listing_limit = 1

    outcomes = _until_settled(keyless)
    assert set(outcomes[:-1]) == {"retry"}
    assert outcomes[-1] == "needs_attention"
    publication = keyless.publication(variant)
    assert publication.state == P.NEEDS_ATTENTION
    assert publication.last_error_kind == "ambiguous"
    assert "could not all be read" in (publication.last_error or "")
    assert _posts_with_text(keyless, TEXT) == 0  # unsure, so never a second try


def test_a_post_too_fresh_to_be_listed_is_waited_for_not_doubled(keyless: World) -> None:
    keyless.sandbox.faults.listing_delay_seconds = 20 * 60  # longer than the clock margin
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    first_attempt = keyless.clock.now()
    keyless.sandbox.time_out_next()
    assert keyless.run_due() == ["retry"]

    keyless.later(minutes=1)
    assert keyless.run_due() == ["retry"]  # not listed yet: unsure
    publication = keyless.publication(variant)
    assert publication.not_before is not None
    assert publication.not_before >= first_attempt + timedelta(minutes=20)
    # The window stays on the attempt that may have landed, not on the lookup.
    assert publication.sending_started_at == first_attempt

    keyless.clock.advance(seconds=(publication.not_before - keyless.clock.now()).total_seconds())
    assert keyless.run_due() == ["published"]
    assert _posts_with_text(keyless, TEXT) == 1


def test_the_same_words_posted_before_the_attempt_are_not_taken_for_it(keyless: World) -> None:
    account = keyless.channel.external_id
    keyless.sandbox.publish(account, DraftPost(text=TEXT, client_ref="last-year"))
    keyless.later(hours=3)
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))
    assert keyless.run_due() == ["retry"]

    keyless.later(minutes=1)
    assert keyless.run_due() == ["published"]
    assert _posts_with_text(keyless, TEXT) == 2  # the old one, and ours once
    assert keyless.publication(variant).external_id != "last-year"


def test_a_worker_killed_mid_send_is_reconciled_by_content(keyless: World) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    [claim] = keyless.claim()
    keyless.ctx.gateway = DiesAfterSending(keyless)
    with pytest.raises(Killed):
        send(keyless.db, keyless.ctx, claim.publication_id, claim.token)
    assert keyless.publication(variant).state == P.SENDING

    keyless.ctx.gateway = keyless.gateway
    keyless.later(seconds=keyless.policy.send_lease.total_seconds() + 1)
    assert keyless.run_due() == ["published"]
    assert _posts_with_text(keyless, TEXT) == 1


class CannotList:
    """A network that can neither be asked by reference nor list the account's posts."""

    def __init__(self, world: World) -> None:
        self.world = world

    def open(self, session: object, channel: Channel) -> Installation:
        inner = self.world.gateway.open(self.world.db, channel)

        class Blind:
            def __getattr__(self, name: str) -> object:
                return getattr(inner, name)

            def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
                raise PermanentError("no listing", network="sandbox", code="unverifiable")

        return Blind()  # type: ignore[return-value]


def test_a_network_that_cannot_list_holds_the_post_for_a_person_at_once(keyless: World) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.ctx.gateway = CannotList(keyless)
    keyless.sandbox.time_out_next()
    assert keyless.run_due() == ["retry"]
    keyless.later(minutes=1)
    assert keyless.run_due() == ["needs_attention"]
    publication = keyless.publication(variant)
    assert publication.last_error_kind == "unverifiable"
    assert "no listing" in (publication.last_error or "")
    assert _posts_with_text(keyless, TEXT) == 1  # the first attempt landed; never a second


class RefusesDuplicates:
    """The network lists nothing yet refuses the new copy as a duplicate of one it has."""

    def __init__(self, world: World) -> None:
        self.world = world

    def open(self, session: object, channel: Channel) -> Installation:
        inner = self.world.gateway.open(self.world.db, channel)

        class Duplicate:
            def __getattr__(self, name: str) -> object:
                return getattr(inner, name)

            def publish(self, draft: DraftPost) -> PublishedRef:
                raise PermanentError("Duplicate content.", network="sandbox", code="duplicate")

        return Duplicate()  # type: ignore[return-value]


def test_a_duplicate_refusal_after_looking_is_held_for_a_person_not_failed(
    keyless: World,
) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))
    assert keyless.run_due() == ["retry"]
    keyless.ctx.gateway = RefusesDuplicates(keyless)
    keyless.later(minutes=1)
    assert keyless.run_due() == ["needs_attention"]
    publication = keyless.publication(variant)
    assert publication.state == P.NEEDS_ATTENTION
    assert "Duplicate content." in (publication.last_error or "")


def test_a_duplicate_refusal_on_a_first_attempt_is_a_failure(keyless: World) -> None:
    variant = keyless.schedule(TEXT)
    keyless.later(minutes=5)
    keyless.ctx.gateway = RefusesDuplicates(keyless)
    assert keyless.run_due() == ["failed"]
    assert keyless.publication(variant).last_error_kind == "permanent"

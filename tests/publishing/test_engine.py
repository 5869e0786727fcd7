"""The engine end to end on an in-process sandbox: claim, send, record, exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from orchestre.connectors.base import (
    AccountRef,
    CredentialError,
    DraftPost,
    Installation,
    PermanentError,
    PublishedRef,
    RetryableError,
)
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.models import Channel, ChannelStatus, Notification, PublishingPause, VariantState
from orchestre.models.publication import PublicationState
from orchestre.publishing.sending import send
from tests.publishing.conftest import World

P = PublicationState
S = VariantState


def test_nothing_is_claimed_before_it_is_due(world: World) -> None:
    world.schedule()
    assert world.claim() == []
    world.later(minutes=5)
    assert len(world.claim()) == 1


def test_a_due_publication_is_published_once_and_the_variant_says_where(world: World) -> None:
    variant = world.schedule("Nouvelle collection")
    world.later(minutes=5)
    assert world.run_due() == ["published"]
    publication = world.publication(variant)
    assert publication.state == P.PUBLISHED
    assert publication.external_id
    assert publication.external_url
    world.db.refresh(variant)
    assert variant.state == S.PUBLISHED
    assert variant.external_id == publication.external_id
    assert world.posts_on_network(variant) == 1
    world.later(minutes=30)
    assert world.run_due() == []  # nothing left to send


def test_a_live_claim_is_not_claimed_twice_and_a_lapsed_one_is_taken_over(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    [first] = world.claim("w1")
    assert world.claim("w2") == []
    world.later(seconds=world.policy.claim_lease.total_seconds() + 1)
    [second] = world.claim("w2")
    assert second.publication_id == first.publication_id
    assert second.token != first.token
    assert send(world.db, world.ctx, first.publication_id, first.token) == "fenced"
    assert send(world.db, world.ctx, second.publication_id, second.token) == "published"
    assert world.posts_on_network(variant) == 1


class Killed(BaseException):
    """The worker process dies (kill -9) right after the network accepted the post."""


class DiesAfterSending:
    def __init__(self, world: World) -> None:
        self.world = world

    def open(self, session: object, channel: Channel) -> Installation:
        inner = SandboxConnector(self.world.sandbox).open(
            AccountRef(channel.network, channel.external_id, channel.handle)
        )

        class Dying:
            def __getattr__(self, name: str) -> object:
                return getattr(inner, name)

            def publish(self, draft: DraftPost) -> PublishedRef:
                inner.publish(draft)
                raise Killed

        return Dying()  # type: ignore[return-value]


def test_a_worker_killed_after_the_request_left_is_reconciled_not_repeated(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    [claim] = world.claim()
    world.ctx.gateway = DiesAfterSending(world)
    with pytest.raises(Killed):
        send(world.db, world.ctx, claim.publication_id, claim.token)
    assert world.publication(variant).state == P.SENDING
    assert world.posts_on_network(variant) == 1
    world.ctx.gateway = world.gateway
    world.later(seconds=world.policy.send_lease.total_seconds() + 1)
    assert world.run_due() == ["published"]
    assert world.publication(variant).uncertain is False
    assert world.posts_on_network(variant) == 1  # found by its key, not published again


def test_an_ambiguous_timeout_is_looked_up_before_any_retry(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.sandbox.time_out_next()
    assert world.run_due() == ["retry"]
    publication = world.publication(variant)
    assert publication.state == P.SCHEDULED
    assert publication.uncertain
    assert publication.last_error_kind == "ambiguous"
    assert publication.not_before is not None
    assert publication.not_before >= world.clock.now() + timedelta(
        seconds=world.policy.reconcile_delay
    )
    world.later(seconds=(publication.not_before - world.clock.now()).total_seconds() - 1)
    assert world.run_due() == []
    world.later(seconds=1)
    assert world.run_due() == ["published"]
    assert world.posts_on_network(variant) == 1


def test_a_retryable_failure_waits_at_least_retry_after_then_publishes(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.sandbox.fail_next(RetryableError("slow down", retry_after=90, network="sandbox"))
    assert world.run_due() == ["retry"]
    publication = world.publication(variant)
    assert publication.not_before == world.clock.now() + timedelta(seconds=90)
    assert publication.uncertain is False
    world.db.refresh(variant)
    assert variant.state == S.SCHEDULED  # back on the calendar, still locked by review rules
    world.later(seconds=89)
    assert world.run_due() == []
    world.later(seconds=2)
    assert world.run_due() == ["published"]
    assert world.posts_on_network(variant) == 1


def test_a_refusal_fails_with_the_networks_reason_and_tells_the_team(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.sandbox.fail_next(PermanentError("Duplicate content.", network="sandbox"))
    assert world.run_due() == ["failed"]
    publication = world.publication(variant)
    assert publication.state == P.FAILED
    assert publication.last_error == "Duplicate content."
    world.db.refresh(variant)
    assert variant.state == S.FAILED
    assert variant.last_error == "Duplicate content."
    notes = world.db.scalars(select(Notification).where(Notification.user_id == world.owner.id))
    [note] = [n for n in notes if n.kind == "publication_failed"]
    assert note.payload["reason"] == "Duplicate content."
    assert note.payload["handle"] == world.channel.handle
    assert world.posts_on_network(variant) == 0


def test_revoked_credentials_hold_the_post_and_ask_for_reconnection(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.sandbox.fail_next(CredentialError("Token revoked.", definitive=True, network="sandbox"))
    assert world.run_due() == ["needs_attention"]
    assert world.publication(variant).state == P.NEEDS_ATTENTION
    world.db.refresh(world.channel)
    assert world.channel.status == ChannelStatus.NEEDS_RECONNECTION


def test_a_transient_credential_failure_is_retried_and_keeps_the_channel(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.sandbox.fail_next(CredentialError("Refresh timed out.", definitive=False))
    assert world.run_due() == ["retry"]
    world.db.refresh(world.channel)
    assert world.channel.status == ChannelStatus.CONNECTED
    assert world.publication(variant).state == P.SCHEDULED


def test_attempts_run_out_into_a_failure(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    errors = [RetryableError("down", network="sandbox")] * world.policy.max_attempts
    world.sandbox.fail_next(*errors)
    outcomes = []
    for _ in range(world.policy.max_attempts):
        outcomes += world.run_due()
        world.later(seconds=world.policy.max_delay + 1)
    assert outcomes[-1] == "failed"
    assert outcomes.count("retry") == world.policy.max_attempts - 1
    assert world.publication(variant).attempts == world.policy.max_attempts
    assert world.posts_on_network(variant) == 0


def test_a_paused_workspace_or_channel_publishes_nothing_until_resumed(world: World) -> None:
    variant = world.schedule()
    pause = PublishingPause(workspace_id=world.workspace.id, scope="workspace")
    world.db.add(pause)
    world.db.flush()
    world.later(minutes=10)
    assert world.run_due() == []
    world.db.delete(pause)
    channel_pause = PublishingPause(
        workspace_id=world.workspace.id, channel_id=world.channel.id, scope=str(world.channel.id)
    )
    world.db.add(channel_pause)
    world.db.flush()
    assert world.run_due() == []
    world.db.delete(channel_pause)
    world.db.flush()
    assert world.run_due() == ["published"]
    assert world.posts_on_network(variant) == 1


def test_a_pause_between_claim_and_send_releases_the_claim(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    [claim] = world.claim()
    world.db.add(PublishingPause(workspace_id=world.workspace.id, scope="workspace"))
    world.db.flush()
    assert send(world.db, world.ctx, claim.publication_id, claim.token) == "paused"
    assert world.publication(variant).state == P.SCHEDULED
    assert world.posts_on_network(variant) == 0


def test_a_post_missed_while_workers_were_down_waits_for_a_person(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5, hours=world.policy.max_lateness.total_seconds() / 3600 + 1)
    assert world.run_due() == []
    publication = world.publication(variant)
    assert publication.state == P.NEEDS_ATTENTION
    assert publication.last_error_kind == "missed"
    assert "no worker was running" in (publication.last_error or "")
    assert world.posts_on_network(variant) == 0


def test_a_variant_edited_after_planning_is_not_published(world: World) -> None:
    variant = world.schedule()
    variant.state = S.DRAFT.value  # an edit sent it back to draft
    world.db.flush()
    world.later(minutes=5)
    assert world.run_due() == ["cancelled"]
    assert world.publication(variant).state == P.CANCELLED
    assert world.posts_on_network(variant) == 0


def test_a_disconnected_channel_needs_attention(world: World) -> None:
    variant = world.schedule()
    world.channel.status = ChannelStatus.NEEDS_RECONNECTION.value
    world.channel.status_reason = "Token revoked on the network."
    world.db.flush()
    world.later(minutes=5)
    assert world.run_due() == ["needs_attention"]
    assert world.publication(variant).last_error == "Token revoked on the network."


class RefreshUnavailable:
    def open(self, session: object, channel: Channel) -> Installation:
        raise RetryableError("The token endpoint timed out.", retry_after=60)


def test_a_token_refresh_that_cannot_be_done_now_waits_without_spending_an_attempt(
    world: World,
) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.ctx.gateway = RefreshUnavailable()
    assert world.run_due() == ["retry"]
    publication = world.publication(variant)
    assert publication.state == P.SCHEDULED
    assert publication.attempts == 0
    assert publication.not_before == world.clock.now() + timedelta(seconds=60)
    world.db.refresh(world.channel)
    assert world.channel.status == ChannelStatus.CONNECTED


class Unverifiable:
    """A network that cannot look a post up by our reference (X, YouTube, Meta...)."""

    def __init__(self, world: World) -> None:
        self.world = world

    def open(self, session: object, channel: Channel) -> Installation:
        inner = SandboxConnector(self.world.sandbox).open(
            AccountRef(channel.network, channel.external_id, channel.handle)
        )

        class CannotLook:
            def __getattr__(self, name: str) -> object:
                return getattr(inner, name)

            def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
                raise PermanentError("cannot look", network="x", code="unverifiable")

            def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
                raise PermanentError("cannot list", network="x", code="unverifiable")

        return CannotLook()  # type: ignore[return-value]


def test_after_a_timeout_on_a_network_that_cannot_be_asked_a_person_decides(
    world: World,
) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.ctx.gateway = Unverifiable(world)
    world.sandbox.time_out_next()
    assert world.run_due() == ["retry"]
    world.later(minutes=5)
    assert world.run_due() == ["needs_attention"]
    publication = world.publication(variant)
    assert publication.state == P.NEEDS_ATTENTION
    assert publication.last_error_kind == "unverifiable"
    assert "Look at the account" in (publication.last_error or "")
    assert world.posts_on_network(variant) == 1  # the first attempt landed; never a second


class TakenOverDuringTheCall:
    """While our request is out, our lease lapses and another worker takes the row over."""

    def __init__(self, world: World) -> None:
        self.world = world

    def open(self, session: object, channel: Channel) -> Installation:
        world = self.world

        class Slow:
            def publish(self, draft: DraftPost) -> PublishedRef:
                from sqlalchemy import update

                from orchestre.models import Publication

                # Another worker's write: through the connection, unseen by our session.
                world.db.connection().execute(
                    update(Publication)
                    .where(Publication.client_ref == draft.client_ref)
                    .values(claim_token="someone-else", state="sending")
                )
                raise RetryableError("slow down", network="sandbox")

        return Slow()  # type: ignore[return-value]


def test_a_failure_after_a_take_over_is_not_recorded_over_the_new_holder(world: World) -> None:
    variant = world.schedule()
    world.later(minutes=5)
    world.ctx.gateway = TakenOverDuringTheCall(world)
    assert world.run_due() == ["fenced"]
    publication = world.publication(variant)
    assert publication.claim_token == "someone-else"
    assert publication.state == P.SENDING  # the new holder decides; we did not reschedule it

"""Several claims sent by one job: one transaction before the calls and one after, each
publication's fate its own, and no call started so late that its lease could lapse."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from orchestre.models import MediaAsset, PostVariant, VariantMedia, VariantState
from orchestre.models.publication import PublicationState
from orchestre.publishing import sending
from orchestre.publishing.policy import EnginePolicy
from orchestre.publishing.sending import send_many
from orchestre.publishing.tasks import SEND, SEND_MANY
from orchestre.publishing.ticker import tick
from orchestre.worker.queue import Job, bind_dispatcher
from tests.publishing.conftest import World

P = PublicationState


def _claims(world: World) -> list[tuple[uuid.UUID, str]]:
    return [(claim.publication_id, claim.token) for claim in world.claim()]


def test_a_job_sends_several_claims_with_one_commit_before_the_calls(world: World) -> None:
    variants = [world.schedule(f"Message {n}") for n in range(5)]
    world.db.commit()
    world.later(minutes=5)
    claims = _claims(world)
    commits: list[int] = []

    def count(_session: Session) -> None:
        commits.append(1)

    event.listen(world.db, "after_commit", count)
    try:
        outcomes = send_many(world.db, world.ctx, claims)
    finally:
        event.remove(world.db, "after_commit", count)
    assert len(commits) == 1  # the `sending` marks; the caller commits the outcomes
    world.db.commit()
    assert outcomes == ["published"] * 5
    for variant in variants:
        publication = world.publication(variant)
        assert publication.state == P.PUBLISHED
        assert publication.uncertain is False
        assert world.posts_on_network(variant) == 1


def test_each_claim_keeps_its_own_outcome(world: World) -> None:
    sent = world.schedule("Part")
    cancelled = world.schedule("Annulé")
    world.db.commit()
    world.later(minutes=5)
    claims = _claims(world)
    cancelled.state = VariantState.DRAFT.value  # unscheduled after the claim
    world.db.commit()
    outcomes = dict(
        zip([c[0] for c in claims], send_many(world.db, world.ctx, claims), strict=True)
    )
    world.db.commit()
    assert outcomes[world.publication(sent).id] == "published"
    assert outcomes[world.publication(cancelled).id] == "cancelled"
    assert world.posts_on_network(cancelled) == 0
    # A claim another worker took over is fenced, whatever its neighbours did.
    assert send_many(world.db, world.ctx, claims) == ["fenced", "fenced"]


def test_a_call_that_would_start_after_half_its_lease_is_not_made(world: World) -> None:
    variant = world.schedule("Trop tard")
    world.db.commit()
    world.later(minutes=5)
    # A send lease of zero: every call would start after its deadline.
    world.ctx.policy = replace(world.policy, send_lease=timedelta(0))
    assert send_many(world.db, world.ctx, _claims(world)) == ["postponed"]
    world.db.commit()
    publication = world.publication(variant)
    assert publication.state == P.SCHEDULED
    assert publication.uncertain is False  # nothing was asked: no lookup needed
    assert publication.attempts == 0
    assert world.posts_on_network(variant) == 0
    world.db.refresh(variant)
    assert variant.state == VariantState.SCHEDULED
    world.ctx.policy = world.policy
    assert world.run_due() == ["published"]
    world.db.commit()
    assert world.posts_on_network(variant) == 1


def test_an_outcome_that_cannot_be_recorded_loses_no_other(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = world.schedule("Bon")
    bad = world.schedule("Mauvais")
    world.db.commit()
    world.later(minutes=5)
    bad_id = world.publication(bad).id
    record = sending._record

    def failing(session: Session, ctx: sending.SendContext, publication, *args, **kwargs):  # type: ignore[no-untyped-def]
        if publication.id == bad_id:
            raise RuntimeError("disk full")
        return record(session, ctx, publication, *args, **kwargs)

    monkeypatch.setattr(sending, "_record", failing)
    claims = _claims(world)
    outcomes = dict(
        zip([c[0] for c in claims], send_many(world.db, world.ctx, claims), strict=True)
    )
    world.db.commit()
    assert outcomes[world.publication(good).id] == "published"
    assert outcomes[bad_id] == "unrecorded"
    assert world.publication(good).state == P.PUBLISHED
    # The unrecorded one stays `sending` and uncertain: once its lease lapses, the next
    # holder finds it on the network instead of sending it again.
    assert world.publication(bad).state == P.SENDING
    assert world.publication(bad).uncertain is True
    monkeypatch.setattr(sending, "_record", record)
    world.later(minutes=20)
    assert world.run_due() == ["published"]
    world.db.commit()
    assert world.posts_on_network(bad) == 1
    assert world.posts_on_network(good) == 1


class _Recorder:
    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def dispatch(self, jobs: list[Job]) -> None:
        self.jobs.extend(jobs)


def _with_media(world: World, variant: PostVariant) -> None:
    media = MediaAsset(
        workspace_id=world.workspace.id,
        filename="photo.png",
        kind="image",
        content_type="image/png",
        size_bytes=10,
        width=1,
        height=1,
        sha256="0" * 64,
        storage_key=f"{world.workspace.id}/{uuid.uuid4()}.png",
    )
    world.db.add(media)
    world.db.flush()
    world.db.add(VariantMedia(variant_id=variant.id, media_id=media.id))


def test_the_ticker_groups_claims_and_sends_media_alone(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    for n in range(5):
        world.schedule(f"Texte {n}")
    photo = world.schedule("Avec une photo")
    _with_media(world, photo)
    world.db.commit()
    world.later(minutes=5)
    recorder = _Recorder()
    bind_dispatcher(session_factory, recorder)
    try:
        policy = EnginePolicy(send_batch=2)
        assert tick(session_factory, policy, now=world.clock.now()) == 6
    finally:
        bind_dispatcher(session_factory, None)
    grouped = [job for job in recorder.jobs if job.name == SEND_MANY]
    alone = [job for job in recorder.jobs if job.name == SEND]
    assert [len(job.kwargs["claims"]) for job in grouped] == [2, 2, 1]
    assert [job.kwargs["publication_id"] for job in alone] == [str(world.publication(photo).id)]

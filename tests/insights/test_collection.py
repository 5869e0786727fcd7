"""Collecting our published posts' metrics from the sandbox, stage by stage, and every
failure kind leaving the job standing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import seal
from orchestre.config import Settings
from orchestre.connectors.base import (
    Capability,
    Credentials,
    Installation,
    MetricSample,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.registry import Registry
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.insights.collection import (
    CLAIM_LEASE,
    MAX_FAILURES,
    RETRY_BASE,
    STAGES,
    ChannelOpener,
    claim_due,
    collect_due,
    stage_of,
)
from orchestre.kit.keys import secret_box
from orchestre.models import ChannelStatus
from orchestre.models.insights import PostMetricSample
from tests.insights.conftest import World


def test_stage_of_an_age() -> None:
    assert stage_of(timedelta(minutes=5)) == 0
    assert stage_of(timedelta(hours=1)) == 0
    assert stage_of(timedelta(hours=5)) == 0
    assert stage_of(timedelta(hours=30)) == 2
    assert stage_of(timedelta(days=30)) == len(STAGES) - 1


def test_a_post_is_measured_at_each_stage_and_its_totals_grow(world: World) -> None:
    publication = world.publish_now(link="https://example.com/a")
    published_at = publication.published_at
    assert published_at is not None
    report = world.collect()
    assert report.scheduled == 1
    assert report.measured == 0  # nothing before the first hour
    assert world.collection(publication).next_at == published_at + STAGES[0]
    for stage, offset in enumerate(STAGES):
        world.move_to(published_at + offset)
        report = world.collect()
        assert report.measured == 1, stage
    collection = world.collection(publication)
    assert collection.done
    assert collection.last_error is None
    samples = world.samples(publication)
    assert {s.stage for s in samples} == set(range(len(STAGES)))
    assert {s.metric for s in samples} >= {
        "impressions",
        "likes",
        "reposts",
        "comments",
        "clicks",
        "followers",
    }
    assert all(s.channel_id == world.channel.id for s in samples)
    impressions = [s.value for s in samples if s.metric == "impressions"]
    assert impressions == sorted(impressions)
    assert impressions[-1] > impressions[0] > 0
    assert [s.measured_at - published_at for s in samples if s.metric == "likes"] == list(STAGES)
    # Done: later runs ask nothing more.
    world.later(days=3)
    world.opener.opened.clear()
    assert world.collect().measured == 0
    assert world.opener.opened == []


def test_a_late_run_counts_for_the_post_s_real_age(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    world.later(hours=30)  # the job did not run for 30 hours
    assert world.collect().measured == 1
    assert {s.stage for s in world.samples(publication)} == {2}
    collection = world.collection(publication)
    assert collection.stage == 3
    assert collection.next_at == publication.published_at + STAGES[3]  # type: ignore[operator]


def test_a_post_published_long_ago_is_measured_once_at_its_last_stage(world: World) -> None:
    publication = world.publish_now()
    world.later(days=STAGES[-1].days + 10)  # the collection job is new: the post is old
    report = world.collect()
    assert report.scheduled == 1
    assert report.measured == 1
    assert {s.stage for s in world.samples(publication)} == {len(STAGES) - 1}
    assert world.collection(publication).done


def test_a_network_without_metrics_is_not_asked(world: World) -> None:
    publication = world.publish_now()
    world.opener.capabilities_of["sandbox"] = frozenset(Capability) - {Capability.READ_METRICS}
    world.later(hours=1)
    report = world.collect()
    assert report.ended == 1
    assert world.opener.opened == []
    collection = world.collection(publication)
    assert collection.done
    assert collection.last_error == "sandbox does not report post metrics."


def test_rate_limited_waits_for_retry_after_and_other_channels_go_on(world: World) -> None:
    other = world.add_channel()
    limited = world.publish_now()
    fine = world.publish_now(channel=other)
    world.collect()
    world.later(hours=1)

    def rate_limited(installation: Installation) -> Installation:
        if installation.account.external_id == world.channel.external_id:
            raise RetryableError("Too many requests", retry_after=5400, network="sandbox")
        return installation

    world.opener.wrap = rate_limited
    report = world.collect()
    assert report.measured == 1
    assert report.postponed == 1
    assert world.samples(limited) == []
    assert len(world.samples(fine)) > 0
    waiting = world.collection(limited)
    assert waiting.failures == 1
    assert waiting.last_error == "Too many requests"
    assert waiting.next_at == world.clock.now() + timedelta(seconds=5400)
    # Once the network answers again, the stage is measured (late, for its real age).
    world.opener.wrap = None
    world.later(seconds=5400)
    assert world.collect().measured == 1
    assert world.collection(limited).failures == 0
    assert {s.stage for s in world.samples(limited)} == {0}


def test_retryable_failures_back_off_then_give_the_stage_up(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    world.later(hours=1)
    world.opener.wrap = _raising(RetryableError("The sandbox is down", network="sandbox"))
    delays = []
    for _ in range(MAX_FAILURES - 1):
        world.collect()
        collection = world.collection(publication)
        delays.append(collection.next_at - world.clock.now())
        world.move_to(collection.next_at)
    assert delays == [RETRY_BASE * 2**i for i in range(MAX_FAILURES - 1)]
    world.collect()  # the last failure: this stage is given up, the next one waits its turn
    collection = world.collection(publication)
    assert collection.failures == 0
    assert collection.stage == stage_of(world.clock.now() - publication.published_at) + 1  # type: ignore[operator]
    assert not collection.done
    assert world.samples(publication) == []


def test_a_revoked_account_marks_the_channel_and_the_job_goes_on(world: World) -> None:
    other = world.add_channel()
    revoked = world.publish_now()
    fine = world.publish_now(channel=other)
    world.collect()
    world.sandbox.revoke(world.channel.external_id)
    world.later(hours=1)
    report = world.collect()
    assert report.needs_reconnection == 1
    assert report.measured == 1
    world.db.refresh(world.channel)
    assert world.channel.status == ChannelStatus.NEEDS_RECONNECTION.value
    assert "revoked" in (world.channel.status_reason or "")
    waiting = world.collection(revoked)
    assert not waiting.done
    assert waiting.next_at > world.clock.now()
    assert len(world.samples(fine)) > 0
    # While it needs reconnection, its posts wait without asking the network.
    world.move_to(waiting.next_at)
    world.opener.opened.clear()
    assert world.collect().postponed == 1
    assert world.channel.external_id not in world.opener.opened


def test_a_post_deleted_on_the_network_ends_its_schedule(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    assert publication.external_id is not None
    world.sandbox.delete_post(world.channel.external_id, publication.external_id)
    world.later(hours=1)
    assert world.collect().ended == 1
    assert world.collection(publication).done


def test_a_connector_bug_rolls_back_that_channel_only(world: World) -> None:
    other = world.add_channel()
    broken = world.publish_now()
    fine = world.publish_now(channel=other)
    world.collect()
    world.later(hours=1)

    class Garbage:
        def __init__(self, inner: Installation) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def read_metrics(self, ids: list[str]) -> list[MetricSample]:
            good = self.inner.read_metrics(ids)
            return [*good, MetricSample(ids[0], "likes", "not a number", good[0].at)]  # type: ignore[arg-type]

    def wrap(installation: Installation) -> Installation:
        if installation.account.external_id == world.channel.external_id:
            return Garbage(installation)  # type: ignore[return-value]
        return installation

    world.opener.wrap = wrap
    world.collect()
    assert world.samples(broken) == []
    # Rolled back to its claim: tried again once the lease is over.
    assert world.collection(broken).next_at == world.clock.now() + CLAIM_LEASE
    assert len(world.samples(fine)) > 0


def test_a_permanent_refusal_is_retried_later_not_fatal(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    world.later(hours=1)
    world.opener.wrap = _raising(PermanentError("Metrics are off for this account"))
    report = world.collect()
    assert report.postponed == 1
    collection = world.collection(publication)
    assert collection.last_error == "Metrics are off for this account"
    assert collection.next_at == world.clock.now() + RETRY_BASE


def _access(world: World, settings: Settings) -> NetworkAccess:
    registry = Registry(points=[])
    registry.register(SandboxConnector(world.sandbox))
    return NetworkAccess(
        registry=registry, box=secret_box(settings), public_url="http://testserver", environ={}
    )


def test_through_open_channel_with_stored_credentials(world: World, settings: Settings) -> None:
    access = _access(world, settings)
    seal(access.box, world.channel, Credentials(access_token="sandbox-access"), None)
    publication = world.publish_now()
    world.later(hours=1)
    report = collect_due(world.db, ChannelOpener(access), clock=world.clock.now)
    assert report.measured == 1
    assert world.db.scalars(
        select(PostMetricSample.metric).where(PostMetricSample.publication_id == publication.id)
    ).all()


def test_a_refused_refresh_marks_the_channel_through_open_channel(
    world: World, settings: Settings
) -> None:
    access = _access(world, settings)
    expired = Credentials(
        access_token="old", refresh_token="r", expires_at=world.clock.now() - timedelta(hours=1)
    )
    seal(access.box, world.channel, expired, None)
    publication = world.publish_now()
    world.sandbox.revoke(world.channel.external_id)
    world.later(hours=1)
    report = collect_due(world.db, ChannelOpener(access), clock=world.clock.now)
    assert report.needs_reconnection == 1
    world.db.refresh(world.channel)
    assert world.channel.status == ChannelStatus.NEEDS_RECONNECTION.value
    assert not world.collection(publication).done


def _raising(error: Exception):  # type: ignore[no-untyped-def]
    def wrap(installation: Installation) -> Installation:
        raise error

    return wrap


def test_what_one_run_claimed_another_leaves_until_the_lease_is_over(world: World) -> None:
    publication = world.publish_now()
    world.collect()
    world.later(hours=1)
    claimed = claim_due(world.db, world.clock.now(), 10)  # a run that then died
    assert [d.collection.publication_id for d in claimed[world.channel.id]] == [publication.id]
    assert world.collect().measured == 0
    world.later(seconds=CLAIM_LEASE.total_seconds())
    assert world.collect().measured == 1
    assert {s.stage for s in world.samples(publication)} == {0}

"""Channel metrics: followers and profile visits per channel every period, staggered, with
the post metrics collection's failure rules; the loop that runs them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics.channel_metrics import (
    EVERY,
    FIRST_WITHIN,
    ChannelReport,
    collect_channels,
    next_slot,
    phase,
    schedule_new,
)
from orchestre.config import Settings
from orchestre.connectors.base import (
    Capability,
    CredentialError,
    Installation,
    Metric,
    RetryableError,
)
from orchestre.insights.collection import (
    MAX_FAILURES,
    RETRY_BASE,
    WAIT_FOR_RECONNECTION,
    ChannelOpener,
)
from orchestre.insights.runtime import ChannelMetricsLoop, start_channel_metrics
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, ChannelStatus
from orchestre.models.analytics import ChannelMetricSample, ChannelMetricSchedule
from tests.insights.conftest import World, build_world


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return build_world(db, clock)


def collect(world: World) -> ChannelReport:
    return collect_channels(world.db, world.opener, clock=world.clock.now)


def schedule(world: World) -> ChannelMetricSchedule:
    world.db.expire_all()
    row = world.db.get(ChannelMetricSchedule, world.channel.id)
    assert row is not None
    return row


def samples(world: World) -> list[tuple[str, float]]:
    rows = world.db.scalars(
        select(ChannelMetricSample)
        .where(ChannelMetricSample.channel_id == world.channel.id)
        .order_by(ChannelMetricSample.measured_at, ChannelMetricSample.metric)
    )
    return [(r.metric, r.value) for r in rows]


def first_measurement(world: World) -> ChannelReport:
    assert collect(world).scheduled == 1
    world.move_to(schedule(world).next_at)
    return collect(world)


def raising(error: Exception):  # type: ignore[no-untyped-def]
    def wrap(installation: Installation) -> Installation:
        raise error

    return wrap


def test_channels_are_staggered_across_the_period() -> None:
    ids = [uuid.UUID(int=n * 7_919_113_331) for n in range(1, 50)]
    phases = {phase(i, EVERY) for i in ids}
    assert len(phases) == len(ids)
    assert all(timedelta(0) <= p < EVERY for p in phases)
    # Over a period, the channels' slots spread over hours, not a single instant.
    start = datetime(2030, 1, 1, tzinfo=UTC)
    slots = sorted(next_slot(i, start, EVERY) for i in ids)
    assert slots[-1] - slots[0] > EVERY / 2
    for i in ids[:5]:
        slot = next_slot(i, start, EVERY)
        assert start < slot <= start + EVERY
        assert next_slot(i, slot, EVERY) == slot + EVERY  # the channel keeps its phase


def test_a_channel_is_measured_within_the_hour_then_every_period(world: World) -> None:
    now = world.clock.now()
    assert collect(world).scheduled == 1
    first = schedule(world).next_at
    assert now < first < now + FIRST_WITHIN
    assert collect(world).measured == 0  # not due yet
    world.move_to(first)
    report = collect(world)
    assert (report.measured, report.samples) == (1, 2)
    assert [m for m, _ in samples(world)] == [Metric.PROFILE_VISITS, Metric.FOLLOWERS]
    followers = dict(samples(world))[Metric.FOLLOWERS]
    assert followers == world.sandbox.profile(world.channel.external_id).followers
    row = schedule(world)
    assert row.next_at == next_slot(world.channel.id, first, EVERY)
    assert first < row.next_at <= first + EVERY  # its own slot from now on
    assert (row.failures, row.last_error, row.last_collected_at) == (0, None, first)
    # The next period: followers again; the same day's visits are not stored twice.
    world.move_to(row.next_at)
    report = collect(world)
    assert report.measured == 1
    assert [m for m, _ in samples(world)].count(Metric.FOLLOWERS) == 2
    same_day = world.clock.now().date() == first.date()
    assert [m for m, _ in samples(world)].count(Metric.PROFILE_VISITS) == (1 if same_day else 2)


def test_rate_limited_waits_as_the_network_says_then_gives_the_period_up(world: World) -> None:
    collect(world)
    world.move_to(schedule(world).next_at)
    world.opener.wrap = raising(RetryableError("Slow down", retry_after=5_400))
    report = collect(world)
    assert report.postponed == 1
    row = schedule(world)
    assert row.next_at == world.clock.now() + timedelta(seconds=5_400)  # more than 15 min
    assert (row.failures, row.last_error) == (1, "Slow down")
    world.opener.wrap = raising(RetryableError("Down"))
    for failures in range(2, MAX_FAILURES):
        world.move_to(schedule(world).next_at)
        collect(world)
        row = schedule(world)
        assert row.failures == failures
        assert row.next_at == world.clock.now() + RETRY_BASE * 2 ** (failures - 1)
    world.move_to(schedule(world).next_at)
    collect(world)
    row = schedule(world)
    assert row.failures == 0  # this period is given up; the next one tries afresh
    assert row.next_at == next_slot(world.channel.id, world.clock.now(), EVERY)
    assert samples(world) == []


def test_a_refused_token_marks_the_channel_and_it_waits(world: World) -> None:
    collect(world)
    world.move_to(schedule(world).next_at)
    world.opener.wrap = raising(CredentialError("Token revoked", definitive=True))
    report = collect(world)
    assert report.needs_reconnection == 1
    assert schedule(world).next_at == world.clock.now() + WAIT_FOR_RECONNECTION
    world.db.refresh(world.channel)
    assert world.channel.status == ChannelStatus.NEEDS_RECONNECTION.value
    world.opener.wrap = None
    world.move_to(schedule(world).next_at)
    assert collect(world).measured == 0  # still waiting for a person to reconnect it
    assert samples(world) == []


def test_a_network_without_metrics_is_not_asked(world: World) -> None:
    world.opener.capabilities_of["sandbox"] = frozenset(Capability) - {Capability.READ_METRICS}
    report = first_measurement(world)
    assert (report.skipped, report.measured) == (1, 0)
    assert world.opener.opened == []
    assert schedule(world).last_error == "sandbox does not report account metrics."


def test_a_disconnected_channel_gets_no_schedule(world: World) -> None:
    world.channel.status = ChannelStatus.DISCONNECTED.value
    world.db.flush()
    assert collect(world).scheduled == 0
    assert world.db.get(ChannelMetricSchedule, world.channel.id) is None


def test_the_loop_runs_in_its_own_session(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    world.db.commit()
    loop = ChannelMetricsLoop(
        session_factory, world.opener, period=timedelta(hours=3), clock=world.clock.now
    )
    assert loop.run_once().scheduled == 1
    world.move_to(schedule(world).next_at)
    assert loop.run_once().measured == 1
    assert loop.runs == 2
    row = schedule(world)
    assert row.next_at == next_slot(world.channel.id, world.clock.now(), timedelta(hours=3))


def test_start_channel_metrics_takes_the_setting(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    settings.channel_metrics_every_hours = 12
    loop = start_channel_metrics(settings, session_factory)
    try:
        assert isinstance(loop._opener, ChannelOpener)
        assert loop._period == timedelta(hours=12)
    finally:
        loop.stop()


def test_a_channel_whose_phase_is_zero_waits_for_the_next_round(db: Session, world: World) -> None:
    # One channel id in 3,600 falls on the hour's first second: it is scheduled a second
    # later, not measured in the round that scheduled it.
    channel = Channel(
        id=uuid.UUID(int=3600 * 123_457),
        workspace_id=world.workspace.id,
        network="sandbox",
        external_id="acct-phase-zero",
        handle="@phase0",
        display_name="Phase zero",
    )
    db.add(channel)
    db.flush()
    assert phase(channel.id, FIRST_WITHIN) == timedelta(0)
    now = world.clock.now()
    assert schedule_new(db, now, EVERY) == 2  # with the world's own channel
    row = db.get(ChannelMetricSchedule, channel.id)
    assert row is not None
    assert row.next_at == now + timedelta(seconds=1)

"""The sandbox's figures beyond engagement: saves, a video's views, watch time and
completion, and an account's profile visits per day."""

from __future__ import annotations

import itertools
from datetime import timedelta

from orchestre.connectors.base import DraftPost, Installation, MediaRef, Metric
from orchestre.connectors.sandbox import SandboxNetwork
from orchestre.connectors.sandbox.connector import SandboxInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.sandbox.test_server import remote, server_url  # noqa: F401

CLIP = MediaRef(uri="file:///clips/fournil.mp4", content_type="video/mp4")


def _metrics(brand: Installation, external_id: str) -> dict[str, float]:
    return {s.metric: s.value for s in brand.read_metrics([external_id])}


def test_a_video_is_watched_and_its_figures_hold_together(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    ref = brand.publish(DraftPost(text="Le fournil en vidéo", media=(CLIP,)))
    seen = []
    for _ in range(8):
        sandbox_clock.advance(hours=3)
        seen.append(_metrics(brand, ref.external_id))
    for before, after in itertools.pairwise(seen):
        for name in ("impressions", "saves", "video_views", "watch_time"):
            assert after[name] >= before[name], name
    last = seen[-1]
    assert 0 < last["video_views"] < last["impressions"]
    assert 0 < last["saves"] < last["impressions"]
    assert 0.2 < last["completion"] < 0.8
    # Watch time is views x an average time watched of a 12-150 s video.
    average = last["watch_time"] / last["video_views"]
    assert 12 * 0.2 < average < 150 * 0.8


def test_a_post_without_video_has_no_video_figures(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    ref = brand.publish(DraftPost(text="Bonjour"))
    sandbox_clock.advance(hours=5)
    values = _metrics(brand, ref.external_id)
    assert values["saves"] >= 0
    assert not set(values) & {"video_views", "watch_time", "completion"}


def test_the_account_gives_followers_now_and_yesterdays_profile_visits(
    sandbox_clock: FrozenClock, sandbox: SandboxNetwork, brand: SandboxInstallation
) -> None:
    sandbox_clock.advance(days=3)
    first = {s.metric: s for s in brand.read_account_metrics()}
    assert set(first) == {Metric.FOLLOWERS, Metric.PROFILE_VISITS}
    midnight = sandbox_clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    assert first[Metric.FOLLOWERS].at == sandbox_clock.now()
    assert first[Metric.PROFILE_VISITS].at == midnight
    assert 0 < first[Metric.PROFILE_VISITS].value < first[Metric.FOLLOWERS].value
    sandbox_clock.advance(hours=4)  # the same day: the same visits, said at the same instant
    again = {s.metric: s for s in brand.read_account_metrics()}
    assert again[Metric.PROFILE_VISITS] == first[Metric.PROFILE_VISITS]
    sandbox_clock.advance(days=1)
    later = {s.metric: s for s in brand.read_account_metrics()}
    assert later[Metric.PROFILE_VISITS].at == midnight + timedelta(days=1)
    sandbox_clock.advance(hours=10)  # still the same day: yesterday's visits stand
    assert brand.read_account_metrics()[1] == later[Metric.PROFILE_VISITS]


def test_a_remote_sandbox_says_the_same_account_figures(
    sandbox_clock: FrozenClock,
    sandbox: SandboxNetwork,
    remote: Installation,  # noqa: F811
) -> None:
    sandbox_clock.advance(days=2)
    figures = {s.metric: s for s in remote.read_account_metrics()}
    local = {s.metric: s for s in sandbox.metrics("acct-remote", ["acct-remote"])}
    assert figures == local
    assert set(figures) == {Metric.FOLLOWERS, Metric.PROFILE_VISITS}

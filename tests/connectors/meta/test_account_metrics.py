"""Account figures on Instagram and Facebook: followers now, and profile visits over the
last whole day (UTC), said at the end of that day; video watch time on Facebook."""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestre.connectors.base import Metric
from orchestre.connectors.meta.graph import GRAPH_VERSION
from orchestre.kit.clock import FrozenClock
from tests.connectors.meta.conftest import FakeTime, Replay, graph_error, payload, query
from tests.connectors.meta.test_facebook import PAGE
from tests.connectors.meta.test_facebook import _open as open_facebook
from tests.connectors.meta.test_instagram import IG
from tests.connectors.meta.test_instagram import _open as open_instagram

V = f"/{GRAPH_VERSION}"
VIDEO = "323790578640877"


def _midnight(clock: FrozenClock) -> datetime:
    return clock.now().replace(hour=0, minute=0, second=0, microsecond=0)


def test_instagram_followers_and_yesterdays_profile_visits(
    replay: Replay, fake_time: FakeTime, clock: FrozenClock
) -> None:
    replay.on("GET", f"{V}/{IG}", payload("instagram/account.json"))
    replay.on("GET", f"{V}/{IG}/insights", payload("instagram/account_profile_views.json"))
    samples = open_instagram(replay, fake_time).read_account_metrics()
    midnight = _midnight(clock)
    asked = query(replay.one("GET", f"{V}/{IG}/insights"))
    assert asked["metric"] == "profile_views"
    assert (asked["period"], asked["metric_type"]) == ("day", "total_value")
    assert int(asked["since"]) == int((midnight - timedelta(days=1)).timestamp())
    assert int(asked["until"]) == int(midnight.timestamp())
    assert [(s.external_id, s.metric, s.value, s.at) for s in samples] == [
        (IG, Metric.FOLLOWERS, 5120, clock.now()),
        (IG, Metric.PROFILE_VISITS, 134, midnight),
    ]


def test_instagram_insights_refused_leave_only_the_followers(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("GET", f"{V}/{IG}", payload("instagram/account.json"))
    replay.on("GET", f"{V}/{IG}/insights", graph_error("permission_missing"))
    samples = open_instagram(replay, fake_time).read_account_metrics()
    assert [(s.metric, s.value) for s in samples] == [(Metric.FOLLOWERS, 5120)]


def test_facebook_followers_and_yesterdays_page_views(replay: Replay, clock: FrozenClock) -> None:
    replay.on("GET", f"{V}/{PAGE}", payload("facebook/page.json"))
    replay.on("GET", f"{V}/{PAGE}/insights", payload("facebook/page_views.json"))
    samples = open_facebook(replay).read_account_metrics()
    asked = query(replay.one("GET", f"{V}/{PAGE}/insights"))
    assert (asked["metric"], asked["period"]) == ("page_views_total", "day")
    assert "metric_type" not in asked
    assert [(s.metric, s.value, s.at) for s in samples] == [
        (Metric.FOLLOWERS, 1840, clock.now()),
        (Metric.PROFILE_VISITS, 41, _midnight(clock)),
    ]


def test_a_facebook_video_gives_its_views_watch_time_and_completion(
    replay: Replay, clock: FrozenClock
) -> None:
    replay.on("GET", f"{V}/{VIDEO}", payload("facebook/video_counts.json"))
    replay.on("GET", f"{V}/{VIDEO}/video_insights", payload("facebook/video_insights.json"))
    samples = open_facebook(replay).read_metrics([VIDEO])
    assert query(replay.one("GET", f"{V}/{VIDEO}/video_insights"))["metric"] == (
        "total_video_views,total_video_view_total_time,total_video_avg_time_watched"
    )
    assert {s.metric: s.value for s in samples} == {
        Metric.LIKES: 96,
        Metric.COMMENTS: 14,
        Metric.VIDEO_VIEWS: 890,
        Metric.WATCH_TIME: 9256,  # seconds
        Metric.COMPLETION: 0.26,  # 10.4 s watched on average of 40 s
    }
    assert replay.sent("GET", f"{V}/{VIDEO}/insights") == []  # no post insights for a video
    assert all(s.at == clock.now() for s in samples)


def test_a_facebook_video_without_insights_keeps_its_counts_only(replay: Replay) -> None:
    replay.on("GET", f"{V}/{VIDEO}", payload("facebook/video_counts.json"))
    replay.on("GET", f"{V}/{VIDEO}/video_insights", graph_error("invalid_parameter"))
    replay.on("GET", f"{V}/404", graph_error("object_missing"))
    values = {s.metric: s.value for s in open_facebook(replay).read_metrics([VIDEO, "404"])}
    assert values == {Metric.LIKES: 96, Metric.COMMENTS: 14}


def test_completion_is_not_made_up_without_a_length() -> None:
    from orchestre.connectors.meta.facebook import _video_values

    insights = {"total_video_avg_time_watched": 12_000.0}
    assert _video_values(insights, None) == {}
    assert _video_values(insights, 0) == {}
    assert _video_values(insights, 10) == {Metric.COMPLETION: 1.0}  # replays: at most all

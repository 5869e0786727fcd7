"""Google's error shapes as typed errors, and when the daily quota comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.youtube import YouTubeInstallation
from orchestre.connectors.youtube.wire import seconds_until_quota_reset
from orchestre.kit.clock import FrozenClock
from tests.connectors.youtube.conftest import API, Replay

VIDEOS = f"{API}/videos"


def test_a_spent_quota_waits_until_midnight_in_california(
    youtube: YouTubeInstallation, replay: Replay, clock: FrozenClock
) -> None:
    # 09:00 UTC on 15 March 2030 is 02:00 in Los Angeles (summer time since the 10th):
    # the quota comes back at 07:00 UTC on the 16th.
    replay.json("GET", VIDEOS, "error_quota_exceeded", 403)
    with pytest.raises(RetryableError) as spent:
        youtube.read_metrics(["dQw4w9WgXcQ"])
    assert spent.value.retry_after == 22 * 3600
    assert "midnight Pacific" in spent.value.message


@pytest.mark.parametrize(
    ("now", "hours"),
    [
        (datetime(2030, 1, 15, 9, 0, tzinfo=UTC), 23),  # 01:00 PST; midnight is 08:00 UTC
        (datetime(2030, 1, 16, 7, 59, tzinfo=UTC), 1 / 60),  # 23:59 PST
        # 01:00 PST on 10 March, a 23-hour day (summer time from 02:00)
        (datetime(2030, 3, 10, 9, 0, tzinfo=UTC), 22),
        # 00:30 PDT on 3 November, a 25-hour day (winter time from 02:00)
        (datetime(2030, 11, 3, 7, 30, tzinfo=UTC), 24.5),
    ],
)
def test_the_quota_reset_follows_pacific_time_and_its_summer_time(
    now: datetime, hours: float
) -> None:
    assert seconds_until_quota_reset(now) == pytest.approx(hours * 3600)


def test_a_rate_limit_is_retryable_after_the_header(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", VIDEOS, "error_rate_limit_exceeded", 403, **{"Retry-After": "30"})
    with pytest.raises(RetryableError) as limited:
        youtube.read_metrics(["dQw4w9WgXcQ"])
    assert limited.value.retry_after == 30


def test_a_429_with_a_reset_date_is_retryable_until_then(
    youtube: YouTubeInstallation, replay: Replay, clock: FrozenClock
) -> None:
    reset = (clock.now() + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    replay.json("GET", VIDEOS, "error_rate_limit_exceeded", 429, **{"Retry-After": reset})
    with pytest.raises(RetryableError) as limited:
        youtube.read_metrics(["dQw4w9WgXcQ"])
    assert limited.value.retry_after == 90


def test_a_server_error_and_a_connect_error_are_retryable(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", VIDEOS, "error_backend_error", 503)
    with pytest.raises(RetryableError):
        youtube.read_metrics(["dQw4w9WgXcQ"])
    replay.routes[("GET", VIDEOS)] = [httpx.ConnectError]
    with pytest.raises(RetryableError):
        youtube.read_metrics(["dQw4w9WgXcQ"])


def test_a_refusal_is_permanent_with_youtubes_reason(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("POST", f"{API}/videos/rate", "error_forbidden", 403)
    with pytest.raises(PermanentError) as refused:
        youtube.like("dQw4w9WgXcQ")
    assert refused.value.code == "forbidden"
    assert "not properly authorized" in refused.value.reason


def test_a_comment_whose_answer_is_lost_is_ambiguous(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.on("POST", f"{API}/commentThreads", httpx.ReadTimeout)
    with pytest.raises(AmbiguousError) as pending:
        youtube.reply("dQw4w9WgXcQ", "Merci !", client_ref="reply-3")
    assert pending.value.client_ref == "reply-3"


def test_metrics_read_the_statistics_of_up_to_fifty_videos_a_request(
    youtube: YouTubeInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.json("GET", VIDEOS, "videos_statistics")
    ids = ["dQw4w9WgXcQ"] + [f"video{i:06d}" for i in range(50)]
    samples = youtube.read_metrics(ids)
    sent = replay.sent("GET", VIDEOS)
    assert len(sent) == 2
    assert sent[0].url.params["part"] == "statistics"
    assert sent[0].url.params["id"] == ",".join(ids[:50])
    assert sent[1].url.params["id"] == ids[50]
    assert {(s.external_id, s.metric, s.value) for s in samples} == {
        ("dQw4w9WgXcQ", "video_views", 30211),
        ("dQw4w9WgXcQ", "likes", 1520),
        ("dQw4w9WgXcQ", "comments", 87),
    }
    assert all(s.at == clock.now() for s in samples)


def test_search_finds_videos_and_skips_channels(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", f"{API}/search", "search")
    page = youtube.search("défilé printemps", cursor="CAQQAA", limit=80)
    sent = replay.sent("GET", f"{API}/search")[0]
    assert dict(sent.url.params) == {
        "part": "snippet",
        "type": "video",
        "q": "défilé printemps",
        "order": "date",
        "maxResults": "50",
        "pageToken": "CAQQAA",
    }
    assert [p.external_id for p in page.items] == ["Ks-_Mh1QhMc"]
    found = page.items[0]
    assert found.author_handle == "Maison Rivale"
    assert found.text == "Défilé printemps 2030\nLe défilé complet."
    assert found.url == "https://www.youtube.com/watch?v=Ks-_Mh1QhMc"
    assert found.created_at == datetime(2030, 3, 14, 18, 0, tzinfo=UTC)
    assert (page.next_cursor, page.has_more) == ("CAUQAA", True)

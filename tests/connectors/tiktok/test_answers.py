"""TikTok's error envelope as typed errors, chunk planning, and video counts."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    DraftPost,
    MediaRef,
    Metric,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.tiktok import ChunkRules, TikTokInstallation, plan_chunks
from orchestre.connectors.tiktok.upload import MB
from orchestre.kit.clock import FrozenClock
from tests.connectors.tiktok.conftest import API, Replay

QUERY = f"{API}/v2/video/query/"


def test_a_rate_limit_waits_until_the_reset_header(
    tiktok: TikTokInstallation, replay: Replay, clock: FrozenClock
) -> None:
    reset = int((clock.now() + timedelta(seconds=42)).timestamp())
    replay.json(
        "POST", QUERY, "error_rate_limit_exceeded", status=429, **{"X-RateLimit-Reset": str(reset)}
    )
    with pytest.raises(RetryableError) as limited:
        tiktok.read_metrics(["7301527392845892870"])
    assert limited.value.retry_after == 42


def test_a_rate_limit_without_headers_waits_tiktoks_one_minute_window(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.json("POST", QUERY, "error_rate_limit_exceeded", status=429)
    with pytest.raises(RetryableError) as limited:
        tiktok.read_metrics(["7301527392845892870"])
    assert limited.value.retry_after == 60


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("spam_risk_too_many_posts", "number of posts TikTok allows in a day"),
        ("spam_risk_user_banned_from_posting", "banned from posting"),
        ("privacy_level_option_mismatch", "privacy level is not one this account offers"),
        ("unaudited_client_can_only_post_to_private_accounts", "not audited yet"),
    ],
)
def test_a_refused_post_is_permanent_with_a_reason_a_person_can_act_on(
    tiktok: TikTokInstallation, replay: Replay, code: str, says: str
) -> None:
    replay.json("POST", QUERY, f"error_{code}", status=403)
    with pytest.raises(PermanentError) as refused:
        tiktok.read_metrics(["7301527392845892870"])
    assert refused.value.code == code
    assert says in refused.value.reason


def test_a_refusal_inside_an_http_200_is_still_a_refusal(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.json("POST", QUERY, "error_spam_risk_too_many_posts", status=200)
    with pytest.raises(PermanentError):
        tiktok.read_metrics(["7301527392845892870"])


def test_a_server_error_is_retryable(tiktok: TikTokInstallation, replay: Replay) -> None:
    replay.json("POST", QUERY, "error_internal_error", status=500)
    with pytest.raises(RetryableError):
        tiktok.read_metrics(["7301527392845892870"])
    replay.routes[("POST", QUERY)] = [httpx.Response(502, text="Bad Gateway")]
    with pytest.raises(RetryableError):
        tiktok.read_metrics(["7301527392845892870"])


def test_a_connect_error_is_retryable_and_a_lost_post_answer_ambiguous(
    tiktok: TikTokInstallation, replay: Replay
) -> None:
    replay.on("POST", QUERY, httpx.ConnectError)
    with pytest.raises(RetryableError):
        tiktok.read_metrics(["7301527392845892870"])
    replay.routes[("POST", f"{API}/v2/post/publish/content/init/")] = [httpx.WriteTimeout]
    replay.json("POST", f"{API}/v2/post/publish/creator_info/query/", "creator_info")
    draft = DraftPost(
        text="x",
        media=[MediaRef("https://media.lumiere.example/1.jpg", "image/jpeg")],
        options={"privacy_level": "SELF_ONLY"},
        client_ref="post-7",
    )
    with pytest.raises(AmbiguousError):
        tiktok.publish(draft)


def test_metrics_ask_for_the_counts_of_the_videos_in_batches_of_twenty(
    tiktok: TikTokInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.json("POST", QUERY, "video_query")
    ids = ["7301527392845892870", "7299911234567890123"] + [
        f"70000000000000000{i:02d}" for i in range(20)
    ]
    samples = tiktok.read_metrics(ids)
    sent = replay.sent("POST", QUERY)
    assert len(sent) == 2
    assert sent[0].url.params["fields"] == "id,like_count,comment_count,share_count,view_count"
    assert json.loads(sent[0].content) == {"filters": {"video_ids": ids[:20]}}
    assert json.loads(sent[1].content) == {"filters": {"video_ids": ids[20:]}}
    first = {s.metric: s.value for s in samples if s.external_id == "7301527392845892870"}
    assert first == {
        Metric.LIKES: 1520,
        Metric.COMMENTS: 87,
        Metric.REPOSTS: 41,
        Metric.VIDEO_VIEWS: 30211,
    }
    assert all(s.at == clock.now() for s in samples)


@pytest.mark.parametrize("size", [1, 3 * MB, 5 * MB, 63 * MB, 64 * MB])
def test_a_video_up_to_64_mb_goes_in_one_chunk(size: int) -> None:
    plan = plan_chunks(size)
    assert (plan.chunk_size, plan.total_chunk_count) == (size, 1)
    assert plan.ranges() == [(0, size - 1)]


@pytest.mark.parametrize("size", [64 * MB + 1, 100 * MB, 999 * MB + 7, 4 * 1024 * MB])
def test_a_larger_video_follows_tiktoks_chunk_rules(size: int) -> None:
    plan = plan_chunks(size)
    spans = plan.ranges()
    assert plan.total_chunk_count == size // plan.chunk_size
    assert 5 * MB <= plan.chunk_size <= 64 * MB
    assert 1 <= len(spans) <= 1000
    assert spans[0][0] == 0
    assert spans[-1][1] == size - 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans))
    assert all(last - first + 1 == plan.chunk_size for first, last in spans[:-1])
    assert plan.chunk_size <= spans[-1][1] - spans[-1][0] + 1 <= 128 * MB


def test_an_enormous_video_gets_bigger_chunks_to_stay_under_a_thousand() -> None:
    plan = plan_chunks(20 * 1024 * MB)
    assert plan.total_chunk_count <= 1000
    assert plan.chunk_size > ChunkRules().preferred_chunk
    with pytest.raises(PermanentError):
        plan_chunks(0)

"""Reading X: the profile, mentions and replies oldest first after a cursor, search, metrics,
likes and hidden replies, as the requests X documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.connectors.base import InteractionKind, Metric, PermanentError
from orchestre.connectors.x import XInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.x.conftest import Replay, answer


def test_profile_reads_the_handle_and_followers(x: XInstallation, replay: Replay) -> None:
    replay.on("GET", "/2/users/me", answer(200, "users_me.json"))
    profile = x.profile()
    assert dict(replay.requests[0].url.params) == {
        "user.fields": "public_metrics,profile_image_url"
    }
    assert profile.external_id == "2244994945"
    assert profile.handle == "atelierlumiere"
    assert profile.display_name == "Atelier Lumière"
    assert profile.followers == 4821
    assert profile.url == "https://x.com/atelierlumiere"


def test_mentions_read_every_page_and_come_back_oldest_first(
    x: XInstallation, replay: Replay
) -> None:
    replay.on(
        "GET",
        "/2/users/2244994945/mentions",
        answer(200, "mentions_newest.json"),
        answer(200, "mentions_oldest.json"),
    )
    page = x.read_mentions(cursor="1460323737035677600", limit=2)

    first, second = replay.requests
    assert first.url.params["since_id"] == "1460323737035677600"
    assert first.url.params["max_results"] == "100"
    assert "author_id" in first.url.params["expansions"]
    assert "pagination_token" not in first.url.params
    assert second.url.params["pagination_token"] == "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"
    assert [i.external_id for i in page.items] == ["1460323737035677698", "1460323737035677699"]
    oldest = page.items[0]
    assert oldest.kind == InteractionKind.MENTION
    assert oldest.author_handle == "lea_m"
    assert oldest.author_name == "Léa"
    assert oldest.language is None  # X's "und"
    assert oldest.created_at == datetime(2030, 3, 15, 7, 55, tzinfo=UTC)
    assert oldest.url == "https://x.com/lea_m/status/1460323737035677698"
    assert page.items[1].language == "en"
    assert page.has_more is True
    assert page.next_cursor == "1460323737035677699"


def test_no_new_mentions_keeps_the_cursor(x: XInstallation, replay: Replay) -> None:
    replay.on(
        "GET", "/2/users/2244994945/mentions", answer(200, json={"meta": {"result_count": 0}})
    )
    page = x.read_mentions(cursor="1460323737035677700")
    assert page.items == []
    assert page.next_cursor == "1460323737035677700"
    assert page.has_more is False


def test_comments_on_a_post_come_from_its_conversation(x: XInstallation, replay: Replay) -> None:
    replay.on("GET", "/2/tweets/search/recent", answer(200, "search_conversation.json"))
    page = x.read_comments("1445880548472328192")

    params = replay.requests[0].url.params
    assert params["query"] == "conversation_id:1445880548472328192 is:reply"
    assert "since_id" not in params
    question, answer_ = page.items
    assert question.kind == InteractionKind.COMMENT
    assert question.post_external_id == "1445880548472328192"
    assert question.parent_external_id is None
    assert question.own is False
    assert answer_.kind == InteractionKind.REPLY
    assert answer_.parent_external_id == "1445880548472328201"
    assert answer_.own is True
    assert page.next_cursor == "1445880548472328203"


def test_comments_on_all_posts_are_replies_to_the_handle(x: XInstallation, replay: Replay) -> None:
    replay.on("GET", "/2/tweets/search/recent", answer(200, "search_conversation.json"))
    x.read_comments(cursor="1445880548472328100", limit=1)
    params = replay.requests[0].url.params
    assert params["query"] == "to:atelierlumiere is:reply"
    assert params["since_id"] == "1445880548472328100"


def test_search_is_newest_first_with_x_next_token(x: XInstallation, replay: Replay) -> None:
    replay.on("GET", "/2/tweets/search/recent", answer(200, "search_recent.json"))
    page = x.search("luminaire lyon", cursor="abc", limit=5)
    params = replay.requests[0].url.params
    assert params["query"] == "luminaire lyon"
    assert params["max_results"] == "10"  # X's minimum
    assert params["next_token"] == "abc"
    (post,) = page.items
    assert post.author_handle == "nina_lyon"
    assert post.language == "fr"
    assert post.metrics[Metric.LIKES] == 11
    assert post.metrics[Metric.REPOSTS] == 3  # 2 reposts and 1 quote
    assert page.next_cursor == "b26v89c19zqg8o3fo7gesq314yb9l2l4ptqy"
    assert page.has_more is True


def test_metrics_map_public_metrics_and_leave_unknown_posts_out(
    x: XInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on("GET", "/2/tweets", answer(200, "tweets_metrics.json"))
    samples = x.read_metrics(["1445880548472328192", "1445880548472300000"])
    params = replay.requests[0].url.params
    assert params["ids"] == "1445880548472328192,1445880548472300000"
    assert params["tweet.fields"] == "public_metrics"
    values = {s.metric: s.value for s in samples}
    assert values == {
        Metric.IMPRESSIONS: 5230,
        Metric.LIKES: 87,
        Metric.REPOSTS: 15,
        Metric.COMMENTS: 4,
        Metric.SAVES: 6,
    }
    assert {s.external_id for s in samples} == {"1445880548472328192"}
    assert {s.at for s in samples} == {clock.now()}


def test_a_video_post_gives_its_views_and_nothing_is_made_up_for_a_photo(
    x: XInstallation, replay: Replay
) -> None:
    replay.on("GET", "/2/tweets", answer(200, "tweets_metrics_video.json"))
    samples = x.read_metrics(["1460323737035677698", "1460323737035677699"])
    params = replay.requests[0].url.params
    assert params["expansions"] == "attachments.media_keys"
    assert params["media.fields"] == "type,public_metrics"
    views = {s.external_id: s.value for s in samples if s.metric == Metric.VIDEO_VIEWS}
    assert views == {"1460323737035677698": 1337}  # the photo post has none, not 0
    assert not {s.metric for s in samples} & {Metric.WATCH_TIME, Metric.COMPLETION}


def test_like_is_sent_as_the_account(x: XInstallation, replay: Replay) -> None:
    replay.on("POST", "/2/users/2244994945/likes", answer(200, "liked.json"))
    x.like("1712345678901234567")
    assert replay.body(replay.requests[0]) == {"tweet_id": "1712345678901234567"}


def test_hide_and_show_a_reply(x: XInstallation, replay: Replay) -> None:
    replay.on("PUT", "/2/tweets/1445880548472328201/hidden", answer(200, "hidden.json"))
    x.hide_comment("1445880548472328201")
    x.hide_comment("1445880548472328201", hidden=False)
    assert [replay.body(r) for r in replay.requests] == [{"hidden": True}, {"hidden": False}]


def test_hiding_an_unknown_reply_is_permanent(x: XInstallation, replay: Replay) -> None:
    replay.on("PUT", "/2/tweets/1445880548472300000/hidden", answer(200, "error_not_found.json"))
    with pytest.raises(PermanentError, match="Could not find tweet"):
        x.hide_comment("1445880548472300000")

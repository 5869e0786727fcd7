"""Instagram connector: containers, the 24-hour limit, comments, insights and hashtags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    AppCredentials,
    CredentialError,
    Credentials,
    DraftPost,
    InteractionKind,
    MediaRef,
    Metric,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.meta import InstagramConnector, Poller
from orchestre.connectors.meta.graph import GRAPH_VERSION
from orchestre.connectors.meta.instagram import InstagramInstallation
from orchestre.connectors.oauth import start_authorization
from orchestre.kit.clock import FrozenClock
from tests.connectors.meta.conftest import FakeTime, Replay, form, graph_error, payload, query

V = f"/{GRAPH_VERSION}"
IG = "17841405822304914"
CONTAINER = "17889455560051444"
MEDIA = "17920238422030506"
PAGE_TOKEN = "EAApagetokenlumiere"
APP = AppCredentials(
    "1234567890", "app-secret-xyz", "https://orchestre.example/oauth/callback/instagram"
)
IMAGE = MediaRef("https://media.example/croissant.jpg", "image/jpeg", alt_text="Un croissant doré")
VIDEO = MediaRef("https://media.example/fournil.mp4", "video/mp4")


def _open(replay: Replay, fake_time: FakeTime) -> InstagramInstallation:
    account = AccountRef(
        network="instagram",
        external_id=IG,
        handle="boulangerie.lumiere",
        credentials=Credentials(access_token=PAGE_TOKEN, extra={"page_id": "1122334455"}),
    )
    poller = Poller(sleep=fake_time.sleep, monotonic=fake_time.monotonic, interval=2, deadline=30)
    installation = InstagramConnector(poller).open(account, transport=replay.transport)
    assert isinstance(installation, InstagramInstallation)
    return installation


def _quota(replay: Replay, name: str = "publishing_limit") -> None:
    replay.on("GET", f"{V}/{IG}/content_publishing_limit", payload(f"instagram/{name}.json"))


def _publishable(replay: Replay, container: str = CONTAINER) -> None:
    replay.on("GET", f"{V}/{container}", payload("instagram/status_finished.json"))
    replay.on("POST", f"{V}/{IG}/media_publish", payload("instagram/media_published.json"))
    replay.on("GET", f"{V}/{MEDIA}", payload("instagram/media.json"))


# Connecting -------------------------------------------------------------------------------


def test_the_login_asks_for_the_instagram_scopes() -> None:
    start = start_authorization(InstagramConnector.oauth2, APP, state="s")
    scopes = parse_qs(urlparse(start.url).query)["scope"][0].split(",")
    assert {
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "pages_show_list",
    } <= set(scopes)


def test_accounts_are_the_instagram_accounts_behind_the_pages(replay: Replay) -> None:
    replay.on("POST", f"{V}/oauth/access_token", payload("facebook/long_lived_token.json"))
    replay.on("GET", f"{V}/me/accounts", payload("instagram/me_accounts.json"))
    replay.on("GET", f"{V}/1122334455", payload("instagram/page_with_instagram.json"))
    replay.on("GET", f"{V}/6677889900", payload("instagram/page_without_instagram.json"))
    found = InstagramConnector().accounts(
        Credentials("EAAshort"), app=APP, transport=replay.transport
    )
    assert form(replay.one("POST", f"{V}/oauth/access_token"))["grant_type"] == "fb_exchange_token"
    lookup = replay.one("GET", f"{V}/1122334455")
    assert lookup.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert query(lookup)["fields"].startswith("instagram_business_account{")
    assert len(found) == 1
    profile, credentials = found[0]
    assert (profile.external_id, profile.handle, profile.followers) == (
        IG,
        "boulangerie.lumiere",
        5120,
    )
    assert profile.url == "https://www.instagram.com/boulangerie.lumiere/"
    assert credentials.access_token == PAGE_TOKEN
    assert credentials.extra == {"page_id": "1122334455", "instagram_user_id": IG}


def test_the_page_token_needs_no_refresh(replay: Replay, fake_time: FakeTime) -> None:
    assert _open(replay, fake_time).refresh_credentials().access_token == PAGE_TOKEN
    assert replay.requests == []


def test_profile(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/{IG}", payload("instagram/account.json"))
    assert _open(replay, fake_time).profile().followers == 5120


# Publishing -------------------------------------------------------------------------------


def test_an_image_post_checks_the_quota_then_creates_waits_and_publishes(
    replay: Replay, fake_time: FakeTime
) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    _publishable(replay)
    replay.on("POST", f"{V}/{MEDIA}/comments", payload("instagram/comment_created.json"))
    ref = _open(replay, fake_time).publish(
        DraftPost(
            text="Le croissant du jour #boulangerie",
            media=[IMAGE],
            first_comment="Ouvert dès 7 h",
            client_ref="r1",
        )
    )
    paths = [(r.method, r.url.path) for r in replay.requests]
    assert paths == [
        ("GET", f"{V}/{IG}/content_publishing_limit"),
        ("POST", f"{V}/{IG}/media"),
        ("GET", f"{V}/{CONTAINER}"),
        ("POST", f"{V}/{IG}/media_publish"),
        ("GET", f"{V}/{MEDIA}"),
        ("POST", f"{V}/{MEDIA}/comments"),
    ]
    assert query(replay.requests[0])["fields"] == "quota_usage,config"
    assert form(replay.requests[1]) == {
        "caption": "Le croissant du jour #boulangerie",
        "image_url": "https://media.example/croissant.jpg",
        "alt_text": "Un croissant doré",
    }
    assert query(replay.requests[2])["fields"] == "status_code,status"
    assert form(replay.requests[3]) == {"creation_id": CONTAINER}
    assert query(replay.requests[4])["fields"] == "id,permalink,timestamp"
    assert form(replay.requests[5]) == {"message": "Ouvert dès 7 h"}
    assert all(r.headers["authorization"] == f"Bearer {PAGE_TOKEN}" for r in replay.requests)
    assert ref.external_id == MEDIA
    assert ref.url == "https://www.instagram.com/p/C4xYzAbCdEf/"
    assert ref.published_at == datetime(2030, 3, 15, 9, 0, 5, tzinfo=UTC)
    assert ref.first_comment_id == "17870913679156914"
    assert fake_time.sleeps == []


def test_a_live_post_whose_permalink_cannot_be_read_is_still_published(
    replay: Replay, fake_time: FakeTime
) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    replay.on("GET", f"{V}/{CONTAINER}", payload("instagram/status_finished.json"))
    replay.on("POST", f"{V}/{IG}/media_publish", payload("instagram/media_published.json"))
    replay.on("GET", f"{V}/{MEDIA}", httpx.Response(503, text="Service Unavailable"))
    ref = _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE]))
    assert (ref.external_id, ref.url) == (MEDIA, None)


def test_a_reel_is_polled_until_processed(replay: Replay, fake_time: FakeTime) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    replay.on(
        "GET",
        f"{V}/{CONTAINER}",
        payload("instagram/status_in_progress.json"),
        payload("instagram/status_in_progress.json"),
        payload("instagram/status_finished.json"),
    )
    replay.on("POST", f"{V}/{IG}/media_publish", payload("instagram/media_published.json"))
    replay.on("GET", f"{V}/{MEDIA}", payload("instagram/media.json"))
    _open(replay, fake_time).publish(
        DraftPost(
            text="Au fournil",
            media=[VIDEO],
            options={"cover_url": "https://media.example/cover.jpg", "share_to_feed": False},
        )
    )
    assert form(replay.one("POST", f"{V}/{IG}/media")) == {
        "media_type": "REELS",
        "video_url": "https://media.example/fournil.mp4",
        "caption": "Au fournil",
        "share_to_feed": "false",
        "cover_url": "https://media.example/cover.jpg",
    }
    assert fake_time.sleeps == [2, 2]
    assert len(replay.sent("GET", f"{V}/{CONTAINER}")) == 3


def test_a_single_video_in_the_feed_is_a_reel(replay: Replay, fake_time: FakeTime) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    _publishable(replay)
    _open(replay, fake_time).publish(
        DraftPost(text="Au fournil", media=[VIDEO], options={"format": "feed"})
    )
    assert form(replay.one("POST", f"{V}/{IG}/media"))["media_type"] == "REELS"


def test_a_story_takes_no_caption_and_no_first_comment(replay: Replay, fake_time: FakeTime) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    _publishable(replay)
    ref = _open(replay, fake_time).publish(
        DraftPost(text="ignored", media=[IMAGE], first_comment="x", options={"format": "story"})
    )
    assert form(replay.one("POST", f"{V}/{IG}/media")) == {
        "media_type": "STORIES",
        "image_url": "https://media.example/croissant.jpg",
        "alt_text": "Un croissant doré",
    }
    assert ref.first_comment_id is None
    assert replay.sent("POST", f"{V}/{MEDIA}/comments") == []


def test_a_carousel_creates_its_items_then_the_album(replay: Replay, fake_time: FakeTime) -> None:
    _quota(replay)
    replay.on(
        "POST",
        f"{V}/{IG}/media",
        payload("instagram/carousel_item_1.json"),
        payload("instagram/carousel_item_2.json"),
        payload("instagram/container.json"),
    )
    for item in ("17889455560051001", "17889455560051002"):
        replay.on("GET", f"{V}/{item}", payload("instagram/status_finished.json"))
    _publishable(replay)
    _open(replay, fake_time).publish(DraftPost(text="Deux façons", media=[IMAGE, VIDEO]))
    created = [form(r) for r in replay.sent("POST", f"{V}/{IG}/media")]
    assert created == [
        {
            "is_carousel_item": "true",
            "image_url": "https://media.example/croissant.jpg",
            "alt_text": "Un croissant doré",
        },
        {
            "is_carousel_item": "true",
            "video_url": "https://media.example/fournil.mp4",
            "media_type": "VIDEO",
        },
        {
            "media_type": "CAROUSEL",
            "children": "17889455560051001,17889455560051002",
            "caption": "Deux façons",
        },
    ]


def test_a_container_in_error_is_permanent_and_nothing_is_published(
    replay: Replay, fake_time: FakeTime
) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    replay.on("GET", f"{V}/{CONTAINER}", payload("instagram/status_error.json"))
    with pytest.raises(PermanentError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[VIDEO]))
    assert "The video format is not supported" in caught.value.reason
    assert replay.sent("POST", f"{V}/{IG}/media_publish") == []


def test_local_files_are_refused_before_any_request(
    replay: Replay, fake_time: FakeTime, tmp_path: Path
) -> None:
    picture = tmp_path / "croissant.jpg"
    picture.write_bytes(b"jpeg")
    with pytest.raises(PermanentError) as caught:
        _open(replay, fake_time).publish(
            DraftPost(text="x", media=[MediaRef(picture.as_uri(), "image/jpeg")])
        )
    assert "public https address" in caught.value.reason
    assert "croissant.jpg" in caught.value.reason
    assert replay.requests == []


def test_a_post_without_media_is_refused(replay: Replay, fake_time: FakeTime) -> None:
    with pytest.raises(PermanentError, match="image or a video"):
        _open(replay, fake_time).publish(DraftPost(text="Juste du texte"))


def test_a_reached_daily_limit_waits_until_the_oldest_post_leaves_the_window(
    replay: Replay, fake_time: FakeTime, clock: FrozenClock
) -> None:
    _quota(replay, "publishing_limit_reached")
    replay.on("GET", f"{V}/{IG}/media", payload("instagram/media_in_window.json"))
    with pytest.raises(RetryableError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE]))
    # The oldest post of the last 24 hours went out at 10:15 yesterday.
    assert caught.value.retry_after == 75 * 60
    assert "limit of 100 posts" in caught.value.message
    assert "24 hours is reached" in caught.value.message
    assert "2030-03-15 10:15 UTC" in caught.value.message
    since = int(query(replay.one("GET", f"{V}/{IG}/media"))["since"])
    assert since == int(clock.now().timestamp()) - 86400
    assert replay.sent("POST", f"{V}/{IG}/media") == []


def test_a_timeout_on_media_publish_is_ambiguous(replay: Replay, fake_time: FakeTime) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    replay.on("GET", f"{V}/{CONTAINER}", payload("instagram/status_finished.json"))
    replay.on("POST", f"{V}/{IG}/media_publish", timeout)
    with pytest.raises(AmbiguousError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE], client_ref="ref-7"))
    assert caught.value.client_ref == "ref-7"


def test_a_lost_media_publish_answer_is_settled_by_the_container(
    replay: Replay, fake_time: FakeTime
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", payload("instagram/container.json"))
    replay.on(
        "GET",
        f"{V}/{CONTAINER}",
        payload("instagram/status_finished.json"),
        payload("instagram/status_published.json"),
    )
    replay.on("POST", f"{V}/{IG}/media_publish", timeout)
    replay.on("GET", f"{V}/{IG}/media", payload("instagram/recent_media.json"))
    replay.on("GET", f"{V}/{MEDIA}", payload("instagram/media.json"))
    ref = _open(replay, fake_time).publish(DraftPost(text="Le croissant du jour", media=[IMAGE]))
    assert ref.external_id == MEDIA
    assert query(replay.sent("GET", f"{V}/{CONTAINER}")[1])["fields"] == "status_code"


def test_an_earlier_attempt_cannot_be_looked_up(replay: Replay, fake_time: FakeTime) -> None:
    with pytest.raises(PermanentError) as caught:
        _open(replay, fake_time).find_by_client_ref("ref-7")
    assert caught.value.code == "unverifiable"


def test_a_timeout_creating_a_container_is_only_retryable(
    replay: Replay, fake_time: FakeTime
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", timeout)
    with pytest.raises(RetryableError):
        _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE]))


def test_an_expired_token_on_publish_needs_reconnection(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("GET", f"{V}/{IG}/content_publishing_limit", graph_error("token_expired"))
    with pytest.raises(CredentialError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE]))
    assert caught.value.definitive


def test_a_rejected_container_is_permanent_with_metas_reason(
    replay: Replay, fake_time: FakeTime
) -> None:
    _quota(replay)
    replay.on("POST", f"{V}/{IG}/media", graph_error("invalid_parameter"))
    with pytest.raises(PermanentError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE]))
    assert caught.value.reason == "(#100) The parameter url is required"


def test_a_rate_limited_publish_waits(replay: Replay, fake_time: FakeTime) -> None:
    usage = (
        '{"17841405822304914":[{"type":"instagram","call_count":100,"total_cputime":1,'
        '"total_time":1,"estimated_time_to_regain_access":12}]}'
    )
    _quota(replay)
    replay.on(
        "POST",
        f"{V}/{IG}/media",
        graph_error("buc_rate_limit", **{"X-Business-Use-Case-Usage": usage}),
    )
    with pytest.raises(RetryableError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[IMAGE]))
    assert caught.value.retry_after == 720


def test_a_server_error_and_a_connect_error_are_retryable(
    replay: Replay, fake_time: FakeTime
) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    replay.on(
        "GET",
        f"{V}/{IG}/content_publishing_limit",
        httpx.Response(503, text="Service Unavailable"),
        refused,
    )
    installation = _open(replay, fake_time)
    for _ in range(2):
        with pytest.raises(RetryableError):
            installation.publish(DraftPost(text="x", media=[IMAGE]))


# Conversation -----------------------------------------------------------------------------


def test_reply_to_a_comment_uses_replies(replay: Replay, fake_time: FakeTime) -> None:
    comment = "17858893269000001"
    replay.on("GET", f"{V}/{comment}", graph_error("nonexisting_field"))
    replay.on("POST", f"{V}/{comment}/replies", payload("instagram/comment_created.json"))
    ref = _open(replay, fake_time).reply(comment, "@camille.m merci !")
    assert query(replay.one("GET", f"{V}/{comment}"))["fields"] == "id,media_type"
    assert form(replay.one("POST", f"{V}/{comment}/replies")) == {"message": "@camille.m merci !"}
    assert ref.external_id == "17870913679156914"


def test_reply_to_a_post_is_a_comment(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/{MEDIA}", payload("instagram/media_type.json"))
    replay.on("POST", f"{V}/{MEDIA}/comments", payload("instagram/comment_created.json"))
    _open(replay, fake_time).reply(MEDIA, "Merci à tous !")
    assert form(replay.one("POST", f"{V}/{MEDIA}/comments")) == {"message": "Merci à tous !"}


def test_hide_and_delete_comments(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/17858893269000002", payload("instagram/success.json"))
    replay.on("DELETE", f"{V}/17858893269000002", payload("instagram/success.json"))
    replay.on("DELETE", f"{V}/17858893269000009", graph_error("object_missing"))
    installation = _open(replay, fake_time)
    installation.hide_comment("17858893269000002")
    installation.hide_comment("17858893269000002", hidden=False)
    installation.delete_comment("17858893269000002")
    installation.delete_comment("17858893269000009")  # already gone: success
    assert [form(r)["hide"] for r in replay.sent("POST", f"{V}/17858893269000002")] == [
        "true",
        "false",
    ]


def test_read_comments_flattens_replies_oldest_first(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/{MEDIA}/comments", payload("instagram/comments.json"))
    page = _open(replay, fake_time).read_comments(MEDIA, limit=2)
    params = query(replay.requests[0])
    assert params["limit"] == "2"
    assert "replies{" in params["fields"]
    spam, question, answer = page.items
    assert [spam.external_id, question.external_id, answer.external_id] == [
        "17858893269000002",
        "17858893269000001",
        "17858893269000003",
    ]
    assert spam.hidden
    assert question.kind is InteractionKind.COMMENT
    assert question.author_handle == "camille.m"
    assert answer.kind is InteractionKind.REPLY
    assert answer.parent_external_id == "17858893269000001"
    assert answer.own
    assert not question.own
    assert page.next_cursor == "QVFIUnpw"
    assert page.has_more


def test_mentions_are_the_media_the_account_is_tagged_in(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("GET", f"{V}/{IG}/tags", payload("instagram/tags.json"))
    page = _open(replay, fake_time).read_mentions(cursor="QVFIUmE")
    assert query(replay.requests[0])["after"] == "QVFIUmE"
    assert [m.author_handle for m in page.items] == ["ines.b", "julien.d"]
    assert all(m.kind is InteractionKind.MENTION for m in page.items)
    assert page.items[0].url == "https://www.instagram.com/p/C6aaaaaaaaa/"
    assert page.next_cursor == "QVFIUmH"


# Metrics and search -----------------------------------------------------------------------


def test_metrics_of_an_image_post(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/{MEDIA}", payload("instagram/media_fields_image.json"))
    replay.on("GET", f"{V}/{MEDIA}/insights", payload("instagram/insights_feed.json"))
    samples = _open(replay, fake_time).read_metrics([MEDIA])
    assert query(replay.one("GET", f"{V}/{MEDIA}/insights"))["metric"] == (
        "reach,likes,comments,saved,shares,views"
    )
    assert {s.metric: s.value for s in samples} == {
        Metric.REACH: 3100,
        Metric.LIKES: 241,
        Metric.COMMENTS: 18,
        Metric.SAVES: 37,
        Metric.REPOSTS: 12,
        Metric.IMPRESSIONS: 4520,
    }


def test_metrics_of_a_reel_count_views_as_video_views(replay: Replay, fake_time: FakeTime) -> None:
    reel = "17920238422030507"
    replay.on("GET", f"{V}/{reel}", payload("instagram/media_fields_reel.json"))
    replay.on("GET", f"{V}/{reel}/insights", payload("instagram/insights_reel.json"))
    values = {s.metric: s.value for s in _open(replay, fake_time).read_metrics([reel])}
    assert query(replay.one("GET", f"{V}/{reel}/insights"))["metric"] == (
        "reach,likes,comments,saved,shares,views,ig_reels_video_view_total_time"
    )
    assert values == {
        Metric.REACH: 12000,
        Metric.VIDEO_VIEWS: 20500,
        Metric.LIKES: 900,
        Metric.COMMENTS: 31,
        Metric.WATCH_TIME: 143_500,  # seconds, from milliseconds
    }
    # Instagram gives no video length: the share watched is not available, not zero.
    assert Metric.COMPLETION not in values


def test_metrics_without_insights_keep_the_counts_and_unknown_ids_are_left_out(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("GET", f"{V}/{MEDIA}", payload("instagram/media_fields_image.json"))
    replay.on(
        "GET",
        f"{V}/{MEDIA}/insights",
        httpx.Response(400, json=payload("instagram/not_enough_viewers.json")),
    )
    replay.on("GET", f"{V}/404", graph_error("object_missing"))
    samples = _open(replay, fake_time).read_metrics([MEDIA, "404"])
    assert {(s.external_id, s.metric, s.value) for s in samples} == {
        (MEDIA, Metric.LIKES, 240),
        (MEDIA, Metric.COMMENTS, 18),
    }


def test_search_is_hashtag_search(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/ig_hashtag_search", payload("instagram/hashtag_search.json"))
    replay.on(
        "GET", f"{V}/17843853986012965/recent_media", payload("instagram/hashtag_recent_media.json")
    )
    page = _open(replay, fake_time).search("#croissant", limit=20)
    assert query(replay.one("GET", f"{V}/ig_hashtag_search")) == {"user_id": IG, "q": "croissant"}
    recent = query(replay.one("GET", f"{V}/17843853986012965/recent_media"))
    assert recent["user_id"] == IG
    assert recent["limit"] == "20"
    assert [p.external_id for p in page.items] == ["18011111111111111", "18022222222222222"]
    assert page.items[0].metrics == {Metric.LIKES: 14, Metric.COMMENTS: 2}
    assert page.items[0].url == "https://www.instagram.com/p/C5aaaaaaaaa/"
    assert page.next_cursor == "QVFIUmV4"
    assert page.has_more


def test_search_takes_one_hashtag(replay: Replay, fake_time: FakeTime) -> None:
    with pytest.raises(PermanentError, match="one hashtag"):
        _open(replay, fake_time).search("pain au chocolat")
    assert replay.requests == []

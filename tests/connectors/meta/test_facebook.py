"""Facebook Pages connector: the requests we send and what we make of Meta's answers."""

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
    Capability,
    CredentialError,
    Credentials,
    DraftPost,
    InteractionKind,
    MediaRef,
    Metric,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.meta import FacebookConnector
from orchestre.connectors.meta.facebook import FacebookInstallation
from orchestre.connectors.meta.graph import GRAPH_VERSION
from orchestre.connectors.oauth import UsesOAuth2, exchange_code, start_authorization
from orchestre.kit.clock import FrozenClock
from tests.connectors.meta.conftest import Replay, form, graph_error, payload, query

V = f"/{GRAPH_VERSION}"
PAGE = "1122334455"
POST = "1122334455_9988776655"
PAGE_TOKEN = "EAApagetokenlumiere"
APP = AppCredentials(
    "1234567890", "app-secret-xyz", "https://orchestre.example/oauth/callback/facebook"
)


def _open(replay: Replay, app: AppCredentials | None = None) -> FacebookInstallation:
    account = AccountRef(
        network="facebook",
        external_id=PAGE,
        handle="boulangerielumiere",
        credentials=Credentials(access_token=PAGE_TOKEN, extra={"page_id": PAGE}),
    )
    installation = FacebookConnector().open(account, transport=replay.transport, app=app)
    assert isinstance(installation, FacebookInstallation)
    return installation


def _published(replay: Replay, lookup: str = "facebook/post.json", object_id: str = POST) -> None:
    replay.on("GET", f"{V}/{object_id}", payload(lookup))


# Connecting -------------------------------------------------------------------------------


def test_the_login_address_asks_for_the_page_scopes() -> None:
    connector = FacebookConnector()
    assert isinstance(connector, UsesOAuth2)
    start = start_authorization(connector.oauth2, APP, state="st4te")
    url = urlparse(start.url)
    assert f"{url.netloc}{url.path}" == f"www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["scope"] == (
        "pages_show_list,pages_manage_posts,pages_read_engagement,"
        "pages_manage_engagement,pages_read_user_content"
    )
    assert params["client_id"] == APP.client_id
    assert params["redirect_uri"] == APP.redirect_uri
    assert params["state"] == "st4te"


def test_the_code_is_traded_at_the_graph_token_endpoint(replay: Replay) -> None:
    replay.on(
        "POST",
        f"{V}/oauth/access_token",
        {"access_token": "EAAshort", "token_type": "bearer", "expires_in": 3600},
    )
    credentials = exchange_code(
        FacebookConnector.oauth2, APP, "the-code", network="facebook", transport=replay.transport
    )
    assert credentials.access_token == "EAAshort"
    sent = form(replay.requests[0])
    assert sent["code"] == "the-code"
    assert sent["client_secret"] == APP.client_secret
    assert sent["redirect_uri"] == APP.redirect_uri


def test_pages_trades_a_long_lived_token_then_lists_page_tokens(replay: Replay) -> None:
    replay.on("POST", f"{V}/oauth/access_token", payload("facebook/long_lived_token.json"))
    replay.on("GET", f"{V}/me/accounts", payload("facebook/me_accounts.json"))
    pages = FacebookConnector().pages(
        Credentials(access_token="EAAshort"), app=APP, transport=replay.transport
    )
    exchange = replay.one("POST", f"{V}/oauth/access_token")
    assert form(exchange) == {
        "grant_type": "fb_exchange_token",
        "client_id": APP.client_id,
        "client_secret": APP.client_secret,
        "fb_exchange_token": "EAAshort",
    }
    assert "client_secret" not in str(exchange.url)
    listing = replay.one("GET", f"{V}/me/accounts")
    assert listing.headers["authorization"] == "Bearer EAAlonglivedusertoken"
    assert "access_token" in query(listing)["fields"]
    assert [(p.external_id, p.display_name, p.followers) for p, _ in pages] == [
        (PAGE, "Boulangerie Lumière", 1840),
        ("6677889900", "Atelier Orchestre", 210),
    ]
    profile, credentials = pages[0]
    assert profile.handle == "boulangerielumiere"
    assert credentials.access_token == PAGE_TOKEN
    assert credentials.expires_at is None  # Page tokens from a long-lived token never expire
    assert credentials.extra["page_id"] == PAGE


def test_accounts_is_pages_for_the_channel_flow(replay: Replay) -> None:
    replay.on("POST", f"{V}/oauth/access_token", payload("facebook/long_lived_token.json"))
    replay.on("GET", f"{V}/me/accounts", payload("facebook/me_accounts.json"))
    found = FacebookConnector().accounts(
        Credentials("EAAshort"), base_url=None, transport=replay.transport, app=APP
    )
    assert [c.access_token for _, c in found] == [PAGE_TOKEN, "EAApagetokenatelier"]


def test_without_the_app_the_user_token_is_used_as_it_is(replay: Replay) -> None:
    replay.on("GET", f"{V}/me/accounts", payload("facebook/me_accounts.json"))
    FacebookConnector().accounts(Credentials("EAAshort"), transport=replay.transport)
    assert replay.one("GET", f"{V}/me/accounts").headers["authorization"] == "Bearer EAAshort"


def test_a_refused_user_token_is_definitive(replay: Replay) -> None:
    replay.on("POST", f"{V}/oauth/access_token", graph_error("token_expired"))
    with pytest.raises(CredentialError) as caught:
        FacebookConnector().pages(Credentials("EAAshort"), app=APP, transport=replay.transport)
    assert caught.value.definitive


def test_a_token_endpoint_outage_is_retryable_not_a_reconnection(replay: Replay) -> None:
    replay.on("POST", f"{V}/oauth/access_token", graph_error("transient", status=503))
    with pytest.raises(RetryableError):
        FacebookConnector().pages(Credentials("EAAshort"), app=APP, transport=replay.transport)


def test_a_page_token_needs_no_refresh(replay: Replay) -> None:
    installation = _open(replay, app=APP)
    assert installation.refresh_credentials().access_token == PAGE_TOKEN
    assert replay.requests == []


def test_profile_reads_the_page(replay: Replay) -> None:
    replay.on("GET", f"{V}/{PAGE}", payload("facebook/page.json"))
    profile = _open(replay).profile()
    assert (profile.external_id, profile.handle, profile.followers) == (
        PAGE,
        "boulangerielumiere",
        1840,
    )


# Publishing -------------------------------------------------------------------------------


def test_a_text_post_with_a_link_goes_to_the_page_feed(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/feed", payload("facebook/feed_post.json"))
    _published(replay)
    ref = _open(replay, app=APP).publish(
        DraftPost(
            text="Nouveau pain au levain", link="https://lumiere.example/levain", client_ref="r1"
        )
    )
    sent = replay.one("POST", f"{V}/{PAGE}/feed")
    assert sent.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert "appsecret_proof" in query(sent)
    assert form(sent) == {
        "message": "Nouveau pain au levain",
        "link": "https://lumiere.example/levain",
    }
    assert ref.external_id == POST
    assert ref.url == "https://www.facebook.com/boulangerielumiere/posts/pfbid02abc"
    assert ref.published_at == datetime(2030, 3, 15, 9, 0, 2, tzinfo=UTC)
    assert ref.client_ref == "r1"
    assert query(replay.one("GET", f"{V}/{POST}"))["fields"] == "id,permalink_url,created_time"


def test_a_live_post_whose_address_cannot_be_read_is_still_published(
    replay: Replay, clock: FrozenClock
) -> None:
    replay.on("POST", f"{V}/{PAGE}/feed", payload("facebook/feed_post.json"))
    replay.on("GET", f"{V}/{POST}", graph_error("page_rate_limit"))
    ref = _open(replay).publish(DraftPost(text="Bonjour"))
    assert ref.external_id == POST
    assert ref.url is None
    assert ref.published_at == clock.now()


def test_one_photo_by_address_is_a_photos_post(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/photos", payload("facebook/photo.json"))
    _published(replay)
    image = MediaRef("https://media.example/croissant.jpg", "image/jpeg", alt_text="Un croissant")
    ref = _open(replay).publish(DraftPost(text="Le croissant du jour", media=[image]))
    assert form(replay.one("POST", f"{V}/{PAGE}/photos")) == {
        "caption": "Le croissant du jour",
        "alt_text_custom": "Un croissant",
        "url": "https://media.example/croissant.jpg",
    }
    assert ref.external_id == POST  # the feed post, not the photo


def test_one_photo_from_a_local_file_is_uploaded_as_source(replay: Replay, tmp_path: Path) -> None:
    picture = tmp_path / "croissant.jpg"
    picture.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg bytes")
    replay.on("POST", f"{V}/{PAGE}/photos", payload("facebook/photo.json"))
    _published(replay)
    _open(replay).publish(
        DraftPost(text="Le croissant du jour", media=[MediaRef(picture.as_uri(), "image/jpeg")])
    )
    sent = replay.one("POST", f"{V}/{PAGE}/photos")
    assert sent.headers["content-type"].startswith("multipart/form-data")
    body = sent.content
    assert b'name="source"; filename="croissant.jpg"' in body
    assert b"fake jpeg bytes" in body
    assert b'name="caption"' in body


def test_several_photos_are_uploaded_unpublished_then_attached(replay: Replay) -> None:
    replay.on(
        "POST",
        f"{V}/{PAGE}/photos",
        payload("facebook/unpublished_photo_1.json"),
        payload("facebook/unpublished_photo_2.json"),
    )
    replay.on("POST", f"{V}/{PAGE}/feed", payload("facebook/feed_post.json"))
    _published(replay)
    images = [MediaRef(f"https://media.example/{n}.jpg", "image/jpeg") for n in ("a", "b")]
    ref = _open(replay).publish(
        DraftPost(text="Deux pains", media=images, link="https://lumiere.example")
    )
    uploads = replay.sent("POST", f"{V}/{PAGE}/photos")
    assert [form(u) for u in uploads] == [
        {"published": "false", "url": "https://media.example/a.jpg"},
        {"published": "false", "url": "https://media.example/b.jpg"},
    ]
    feed = form(replay.one("POST", f"{V}/{PAGE}/feed"))
    assert feed["message"] == "Deux pains\n\nhttps://lumiere.example"
    assert feed["attached_media"] == '[{"media_fbid":"5544330001"},{"media_fbid":"5544330002"}]'
    assert ref.external_id == POST


def test_a_video_is_uploaded_to_the_video_host(replay: Replay, tmp_path: Path) -> None:
    clip = tmp_path / "fournil.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42 fake video")
    replay.on("POST", f"{V}/{PAGE}/videos", payload("facebook/video.json"))
    _published(replay, "facebook/video_lookup.json", "7766554433")
    ref = _open(replay).publish(
        DraftPost(
            text="Au fournil à 4 h",
            media=[MediaRef(str(clip), "video/mp4")],
            options={"title": "Le fournil"},
        )
    )
    sent = replay.one("POST", f"{V}/{PAGE}/videos")
    assert sent.url.host == "graph-video.facebook.com"
    assert b'name="description"' in sent.content
    assert b"Le fournil" in sent.content
    assert b'filename="fournil.mp4"' in sent.content
    assert ref.external_id == "7766554433"
    assert ref.url == "https://www.facebook.com/boulangerielumiere/videos/7766554433/"


def test_a_video_by_address_is_sent_as_file_url(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/videos", payload("facebook/video.json"))
    _published(replay, "facebook/video_lookup.json", "7766554433")
    _open(replay).publish(
        DraftPost(text="Vidéo", media=[MediaRef("https://media.example/v.mp4", "video/mp4")])
    )
    assert (
        form(replay.one("POST", f"{V}/{PAGE}/videos"))["file_url"] == "https://media.example/v.mp4"
    )


def test_a_video_with_a_photo_is_refused_before_any_request(replay: Replay) -> None:
    media = [
        MediaRef("https://media.example/v.mp4", "video/mp4"),
        MediaRef("https://media.example/a.jpg", "image/jpeg"),
    ]
    with pytest.raises(PermanentError, match="one video"):
        _open(replay).publish(DraftPost(text="x", media=media))
    assert replay.requests == []


def test_media_at_a_plain_http_address_is_refused(replay: Replay) -> None:
    with pytest.raises(PermanentError, match="not http"):
        _open(replay).publish(
            DraftPost(text="x", media=[MediaRef("http://media.example/a.jpg", "image/jpeg")])
        )


def test_the_first_comment_follows_the_post(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/feed", payload("facebook/feed_post.json"))
    _published(replay)
    replay.on("POST", f"{V}/{POST}/comments", payload("facebook/comment_created.json"))
    ref = _open(replay).publish(DraftPost(text="Bonjour", first_comment="Horaires en commentaire"))
    assert form(replay.one("POST", f"{V}/{POST}/comments")) == {
        "message": "Horaires en commentaire"
    }
    assert ref.first_comment_id == "9988776655_1010101010"


def test_a_failed_first_comment_does_not_fail_a_live_post(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/feed", payload("facebook/feed_post.json"))
    _published(replay)
    replay.on("POST", f"{V}/{POST}/comments", graph_error("blocked"))
    ref = _open(replay).publish(DraftPost(text="Bonjour", first_comment="Horaires"))
    assert ref.external_id == POST
    assert ref.first_comment_id is None


def _reel(replay: Replay) -> None:
    replay.on(
        "POST",
        f"{V}/{PAGE}/video_reels",
        payload("facebook/reel_start.json"),
        payload("facebook/success.json"),
    )
    replay.on(
        "POST", f"/video-upload/{GRAPH_VERSION}/1234567890123", payload("facebook/success.json")
    )
    _published(replay, "facebook/reel_lookup.json", "1234567890123")


def test_a_reel_from_a_file_starts_uploads_and_finishes(replay: Replay, tmp_path: Path) -> None:
    clip = tmp_path / "reel.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42 vertical video")
    _reel(replay)
    ref = _open(replay).publish(
        DraftPost(
            text="Le pétrissage",
            media=[MediaRef(clip.as_uri(), "video/mp4")],
            options={"format": "reel"},
            client_ref="reel-1",
        )
    )
    start, finish = replay.sent("POST", f"{V}/{PAGE}/video_reels")
    assert form(start) == {"upload_phase": "start"}
    upload = replay.one("POST", f"/video-upload/{GRAPH_VERSION}/1234567890123")
    assert upload.url.host == "rupload.facebook.com"
    assert upload.headers["authorization"] == f"OAuth {PAGE_TOKEN}"
    assert upload.headers["offset"] == "0"
    assert upload.headers["file_size"] == str(clip.stat().st_size)
    assert upload.content == clip.read_bytes()
    assert form(finish) == {
        "upload_phase": "finish",
        "video_id": "1234567890123",
        "video_state": "PUBLISHED",
        "description": "Le pétrissage",
    }
    assert ref.external_id == "1234567890123"
    assert ref.url == "https://www.facebook.com/reel/1234567890123/"


def test_a_reel_by_address_is_fetched_by_meta(replay: Replay) -> None:
    _reel(replay)
    _open(replay).publish(
        DraftPost(
            text="x",
            media=[MediaRef("https://media.example/reel.mp4", "video/mp4")],
            options={"format": "reel"},
        )
    )
    upload = replay.one("POST", f"/video-upload/{GRAPH_VERSION}/1234567890123")
    assert upload.headers["file_url"] == "https://media.example/reel.mp4"
    assert upload.content == b""


def test_a_timeout_finishing_a_reel_is_ambiguous(replay: Replay) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    replay.on("POST", f"{V}/{PAGE}/video_reels", payload("facebook/reel_start.json"), timeout)
    replay.on(
        "POST", f"/video-upload/{GRAPH_VERSION}/1234567890123", payload("facebook/success.json")
    )
    with pytest.raises(AmbiguousError) as caught:
        _open(replay).publish(
            DraftPost(
                text="x",
                media=[MediaRef("https://media.example/reel.mp4", "video/mp4")],
                options={"format": "reel"},
                client_ref="reel-2",
            )
        )
    assert caught.value.client_ref == "reel-2"


def test_a_reel_is_one_video_and_stories_are_refused(replay: Replay) -> None:
    image = MediaRef("https://media.example/a.jpg", "image/jpeg")
    with pytest.raises(PermanentError, match="one video"):
        _open(replay).publish(DraftPost(text="x", media=[image], options={"format": "reel"}))
    with pytest.raises(PermanentError, match="not storys"):
        _open(replay).publish(DraftPost(text="x", media=[image], options={"format": "story"}))
    assert replay.requests == []


# Error shapes on publish ------------------------------------------------------------------


def test_publish_rate_limited_waits_what_meta_says(replay: Replay) -> None:
    usage = (
        '{"1122334455":[{"type":"pages","call_count":100,"total_cputime":3,'
        '"total_time":4,"estimated_time_to_regain_access":5}]}'
    )
    replay.on(
        "POST",
        f"{V}/{PAGE}/feed",
        graph_error("page_rate_limit", **{"X-Business-Use-Case-Usage": usage}),
    )
    with pytest.raises(RetryableError) as caught:
        _open(replay).publish(DraftPost(text="Bonjour"))
    assert caught.value.retry_after == 300


def test_publish_with_an_expired_page_token_needs_reconnection(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/feed", graph_error("token_expired"))
    with pytest.raises(CredentialError) as caught:
        _open(replay).publish(DraftPost(text="Bonjour"))
    assert caught.value.definitive
    assert PAGE_TOKEN not in caught.value.message


def test_rejected_content_is_permanent_with_metas_reason(replay: Replay) -> None:
    replay.on("POST", f"{V}/{PAGE}/feed", graph_error("duplicate"))
    with pytest.raises(PermanentError) as caught:
        _open(replay).publish(DraftPost(text="Bonjour"))
    assert caught.value.reason == "(#506) Duplicate status message"


def test_a_server_error_on_publish_is_retryable(replay: Replay) -> None:
    replay.on(
        "POST",
        f"{V}/{PAGE}/feed",
        httpx.Response(500, json={"error": {"message": "Internal", "code": 1}}),
    )
    with pytest.raises(RetryableError):
        _open(replay).publish(DraftPost(text="Bonjour"))


def test_a_timeout_after_sending_the_post_is_ambiguous(replay: Replay) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    replay.on("POST", f"{V}/{PAGE}/feed", timeout)
    with pytest.raises(AmbiguousError) as caught:
        _open(replay).publish(DraftPost(text="Bonjour", client_ref="ref-42"))
    assert caught.value.client_ref == "ref-42"


def test_an_earlier_attempt_cannot_be_looked_up(replay: Replay) -> None:
    with pytest.raises(PermanentError) as caught:
        _open(replay).find_by_client_ref("ref-42")
    assert caught.value.code == "unverifiable"
    assert "check the Page" in caught.value.reason


def test_a_connect_error_on_publish_is_retryable(replay: Replay) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    replay.on("POST", f"{V}/{PAGE}/feed", refused)
    with pytest.raises(RetryableError):
        _open(replay).publish(DraftPost(text="Bonjour"))


# Conversation -----------------------------------------------------------------------------


def test_reply_is_a_comment_on_the_parent(replay: Replay, clock: FrozenClock) -> None:
    replay.on(
        "POST", f"{V}/9988776655_2000000001/comments", payload("facebook/comment_created.json")
    )
    ref = _open(replay).reply("9988776655_2000000001", "Merci !", client_ref="c1")
    assert form(replay.requests[0]) == {"message": "Merci !"}
    assert ref.external_id == "9988776655_1010101010"
    assert ref.published_at == clock.now()


def test_hide_and_show_a_comment(replay: Replay) -> None:
    replay.on("POST", f"{V}/9988776655_2000000003", payload("facebook/success.json"))
    installation = _open(replay)
    installation.hide_comment("9988776655_2000000003")
    installation.hide_comment("9988776655_2000000003", hidden=False)
    assert [form(r)["is_hidden"] for r in replay.requests] == ["true", "false"]


def test_delete_post_and_comment_and_an_already_deleted_one(replay: Replay) -> None:
    replay.on("DELETE", f"{V}/{POST}", payload("facebook/success.json"))
    replay.on("DELETE", f"{V}/9988776655_2000000003", graph_error("object_missing"))
    installation = _open(replay)
    installation.delete_post(POST)
    installation.delete_comment("9988776655_2000000003")  # already gone: success
    assert [r.method for r in replay.requests] == ["DELETE", "DELETE"]


def test_deleting_someone_elses_post_is_refused(replay: Replay) -> None:
    replay.on("DELETE", f"{V}/{POST}", graph_error("invalid_parameter"))
    with pytest.raises(PermanentError):
        _open(replay).delete_post(POST)


def test_like(replay: Replay) -> None:
    replay.on("POST", f"{V}/{POST}/likes", payload("facebook/success.json"))
    _open(replay).like(POST)
    assert replay.one("POST", f"{V}/{POST}/likes").method == "POST"


def test_read_comments_oldest_first_with_replies_and_a_cursor(replay: Replay) -> None:
    replay.on("GET", f"{V}/{POST}/comments", payload("facebook/comments.json"))
    page = _open(replay).read_comments(POST, cursor="WTI5dGJXVnVkRG94", limit=3)
    params = query(replay.requests[0])
    assert params["after"] == "WTI5dGJXVnVkRG94"
    assert params["limit"] == "3"
    assert params["filter"] == "stream"
    assert params["order"] == "chronological"
    assert [i.external_id for i in page.items] == [
        "9988776655_2000000001",
        "9988776655_2000000003",
        "9988776655_2000000002",
    ]
    first, spam, answer = page.items
    assert first.kind is InteractionKind.COMMENT
    assert first.author_name == "Camille Martin"
    assert first.post_external_id == POST
    assert spam.hidden
    assert answer.kind is InteractionKind.REPLY
    assert answer.parent_external_id == "9988776655_2000000001"
    assert answer.own
    assert not first.own
    assert page.next_cursor == "WTI5dGJXVnVkRG96"
    assert page.has_more


def test_mentions_are_the_posts_that_tag_the_page(replay: Replay) -> None:
    replay.on("GET", f"{V}/{PAGE}/tagged", payload("facebook/tagged.json"))
    page = _open(replay).read_mentions(limit=2)
    params = query(replay.requests[0])
    assert params["limit"] == "2"
    assert params["fields"] == "id,message,created_time,from{id,name},permalink_url"
    older, newer = page.items
    assert older.kind is InteractionKind.MENTION
    assert older.author_name == "Atelier Voisin"
    assert newer.author_id == ""  # Facebook hides who wrote a person's post
    assert newer.post_external_id == "8800000001_4400000002"
    assert page.next_cursor == "QVFIUmF"
    assert page.has_more


def test_read_metrics_combines_insights_and_counts(replay: Replay, clock: FrozenClock) -> None:
    replay.on("GET", f"{V}/{POST}", payload("facebook/post_counts.json"))
    replay.on("GET", f"{V}/{POST}/insights", payload("facebook/insights.json"))
    replay.on("GET", f"{V}/1122334455_404", graph_error("object_missing"))
    samples = _open(replay).read_metrics([POST, "1122334455_404"])
    assert query(replay.one("GET", f"{V}/{POST}/insights"))["metric"] == (
        "post_impressions,post_impressions_unique,post_clicks"
    )
    values = {s.metric: s.value for s in samples}
    assert values == {
        Metric.IMPRESSIONS: 2310,
        Metric.REACH: 1502,
        Metric.CLICKS: 88,
        Metric.LIKES: 57,
        Metric.COMMENTS: 12,
        Metric.REPOSTS: 4,
    }
    assert {s.external_id for s in samples} == {POST}
    assert all(s.at == clock.now() for s in samples)


def test_metrics_without_insights_still_give_counts(replay: Replay) -> None:
    replay.on("GET", f"{V}/{POST}", payload("facebook/post_counts.json"))
    replay.on("GET", f"{V}/{POST}/insights", graph_error("invalid_parameter"))
    values = {s.metric: s.value for s in _open(replay).read_metrics([POST])}
    assert values == {Metric.LIKES: 57, Metric.COMMENTS: 12, Metric.REPOSTS: 4}


def test_capabilities_are_what_is_implemented() -> None:
    capabilities = FacebookConnector().capabilities
    assert Capability.PUBLISH_THREAD not in capabilities
    assert Capability.SEARCH_POSTS not in capabilities
    assert {Capability.PUBLISH_VIDEO, Capability.FIRST_COMMENT, Capability.LIKE} <= capabilities

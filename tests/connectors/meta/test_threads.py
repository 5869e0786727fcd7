"""Threads connector: tokens that are traded and renewed, containers, threads of replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from orchestre.connectors.meta import Poller, ThreadsConnector
from orchestre.connectors.meta.threads import ThreadsInstallation
from orchestre.connectors.oauth import exchange_code, start_authorization
from orchestre.kit.clock import FrozenClock
from tests.connectors.meta.conftest import FakeTime, Replay, form, graph_error, payload, query

V = "/v1.0"
USER = "25432198765432100"
CONTAINER = "17890012345678901"
POST = "18050012345678901"
TOKEN = "THQVJlonglivedtoken"
APP = AppCredentials(
    "990602627938098", "threads-secret", "https://orchestre.example/oauth/callback/threads"
)
IMAGE = MediaRef("https://media.example/levain.jpg", "image/jpeg", alt_text="Un pain au levain")
VIDEO = MediaRef("https://media.example/fournil.mp4", "video/mp4")


def _open(replay: Replay, fake_time: FakeTime) -> ThreadsInstallation:
    account = AccountRef(
        network="threads",
        external_id=USER,
        handle="boulangerie.lumiere",
        credentials=Credentials(access_token=TOKEN, extra={"user_id": USER}),
    )
    poller = Poller(sleep=fake_time.sleep, monotonic=fake_time.monotonic, interval=3, deadline=60)
    if ("GET", f"{V}/{USER}/threads_publishing_limit") not in replay.routes:
        replay.on(
            "GET", f"{V}/{USER}/threads_publishing_limit", payload("threads/publishing_limit.json")
        )
    installation = ThreadsConnector(poller).open(account, transport=replay.transport, app=APP)
    assert isinstance(installation, ThreadsInstallation)
    return installation


def _publishes(replay: Replay) -> None:
    replay.on("POST", f"{V}/{USER}/threads_publish", payload("threads/published.json"))
    replay.on("GET", f"{V}/{POST}", payload("threads/post.json"))


# Tokens -----------------------------------------------------------------------------------


def test_the_authorization_address_asks_for_the_threads_scopes() -> None:
    start = start_authorization(ThreadsConnector.oauth2, APP, state="s")
    url = urlparse(start.url)
    assert f"{url.netloc}{url.path}" == "threads.net/oauth/authorize"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["scope"].split(",")[:5] == [
        "threads_basic",
        "threads_content_publish",
        "threads_manage_replies",
        "threads_read_replies",
        "threads_manage_insights",
    ]
    assert "code_challenge" not in params
    assert start.code_verifier is None


def test_the_code_is_traded_for_a_token_and_the_user_id(replay: Replay) -> None:
    replay.on("POST", "/oauth/access_token", payload("threads/short_lived_token.json"))
    short = exchange_code(
        ThreadsConnector.oauth2, APP, "the-code", network="threads", transport=replay.transport
    )
    sent = replay.requests[0]
    assert sent.url.host == "graph.threads.net"
    assert form(sent)["grant_type"] == "authorization_code"
    assert short.access_token == "THQVJshortlivedtoken"
    assert short.extra["user_id"] == USER


def test_the_short_token_is_traded_for_a_60_day_one(replay: Replay, clock: FrozenClock) -> None:
    replay.on("GET", "/access_token", payload("threads/long_lived_token.json"))
    short = Credentials(access_token="THQVJshortlivedtoken", extra={"user_id": USER})
    credentials = ThreadsConnector().long_lived(APP, short, transport=replay.transport)
    assert query(replay.requests[0]) == {
        "grant_type": "th_exchange_token",
        "client_secret": "threads-secret",
        "access_token": "THQVJshortlivedtoken",
    }
    assert replay.requests[0].url.host == "graph.threads.net"
    assert credentials.access_token == TOKEN
    assert credentials.expires_at == clock.now() + timedelta(seconds=5183944)
    assert credentials.extra["user_id"] == USER


def test_accounts_is_the_profile_with_a_long_lived_token(replay: Replay) -> None:
    replay.on("GET", "/access_token", payload("threads/long_lived_token.json"))
    replay.on("GET", f"{V}/me", payload("threads/me.json"))
    replay.on("GET", f"{V}/{USER}/threads_insights", payload("threads/followers.json"))
    short = Credentials(access_token="THQVJshortlivedtoken", extra={"user_id": USER})
    found = ThreadsConnector().accounts(short, base_url=None, transport=replay.transport, app=APP)
    assert len(found) == 1
    profile, credentials = found[0]
    assert (profile.external_id, profile.handle) == (USER, "boulangerie.lumiere")
    assert credentials.access_token == TOKEN
    assert replay.one("GET", f"{V}/me").headers["authorization"] == f"Bearer {TOKEN}"


def test_refresh_renews_the_long_lived_token(
    replay: Replay, fake_time: FakeTime, clock: FrozenClock
) -> None:
    replay.on("GET", "/refresh_access_token", payload("threads/refreshed_token.json"))
    credentials = _open(replay, fake_time).refresh_credentials()
    assert query(replay.requests[0]) == {"grant_type": "th_refresh_token", "access_token": TOKEN}
    assert credentials.access_token == "THQVJrefreshedtoken"
    assert credentials.expires_at == clock.now() + timedelta(seconds=5183944)
    assert credentials.extra["user_id"] == USER


def test_a_refused_refresh_is_definitive(replay: Replay, fake_time: FakeTime) -> None:
    replay.on(
        "GET",
        "/refresh_access_token",
        httpx.Response(400, json=payload("threads/session_expired.json")),
    )
    with pytest.raises(CredentialError) as caught:
        _open(replay, fake_time).refresh_credentials()
    assert caught.value.definitive
    assert TOKEN not in caught.value.message


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, text="Service Unavailable"),
        httpx.Response(500, json=payload("graph/transient.json")),
    ],
)
def test_a_refresh_during_an_outage_is_retryable_not_definitive(
    replay: Replay, fake_time: FakeTime, answer: httpx.Response
) -> None:
    replay.on("GET", "/refresh_access_token", answer)
    with pytest.raises(RetryableError):
        _open(replay, fake_time).refresh_credentials()


def test_a_refresh_that_times_out_is_retryable(replay: Replay, fake_time: FakeTime) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    replay.on("GET", "/refresh_access_token", timeout)
    with pytest.raises(RetryableError):
        _open(replay, fake_time).refresh_credentials()


def test_profile_with_followers(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/me", payload("threads/me.json"))
    replay.on("GET", f"{V}/{USER}/threads_insights", payload("threads/followers.json"))
    profile = _open(replay, fake_time).profile()
    assert (profile.handle, profile.followers) == ("boulangerie.lumiere", 842)
    assert profile.url == "https://www.threads.net/@boulangerie.lumiere"


# Publishing -------------------------------------------------------------------------------


def test_a_text_post_with_a_link(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    _publishes(replay)
    ref = _open(replay, fake_time).publish(
        DraftPost(text="Le levain est prêt", link="https://lumiere.example/levain", client_ref="r1")
    )
    assert [(r.method, r.url.path) for r in replay.requests] == [
        ("GET", f"{V}/{USER}/threads_publishing_limit"),
        ("POST", f"{V}/{USER}/threads"),
        ("POST", f"{V}/{USER}/threads_publish"),
        ("GET", f"{V}/{POST}"),
    ]
    assert query(replay.requests[0])["fields"] == "quota_usage,config"
    assert replay.requests[1].url.host == "graph.threads.net"
    assert replay.requests[1].headers["authorization"] == f"Bearer {TOKEN}"
    assert form(replay.requests[1]) == {
        "text": "Le levain est prêt",
        "media_type": "TEXT",
        "link_attachment": "https://lumiere.example/levain",
    }
    assert form(replay.requests[2]) == {"creation_id": CONTAINER}
    assert ref.external_id == POST
    assert ref.url == "https://www.threads.net/@boulangerie.lumiere/post/DAbCdEfGhIj"
    assert ref.published_at == datetime(2030, 3, 15, 9, 0, 3, tzinfo=UTC)
    assert ref.client_ref == "r1"


def test_a_live_post_whose_permalink_cannot_be_read_is_still_published(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    replay.on("POST", f"{V}/{USER}/threads_publish", payload("threads/published.json"))
    replay.on("GET", f"{V}/{POST}", graph_error("transient", status=500))
    ref = _open(replay, fake_time).publish(DraftPost(text="Bonjour"))
    assert (ref.external_id, ref.url) == (POST, None)


def test_an_image_post_waits_for_its_container(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    replay.on("GET", f"{V}/{CONTAINER}", payload("threads/status_finished.json"))
    _publishes(replay)
    _open(replay, fake_time).publish(DraftPost(text="Le levain", media=[IMAGE]))
    assert form(replay.one("POST", f"{V}/{USER}/threads")) == {
        "text": "Le levain",
        "media_type": "IMAGE",
        "image_url": "https://media.example/levain.jpg",
        "alt_text": "Un pain au levain",
    }
    assert query(replay.one("GET", f"{V}/{CONTAINER}"))["fields"] == "status,error_message"
    assert fake_time.sleeps == []


def test_a_video_is_polled_until_finished(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    replay.on(
        "GET",
        f"{V}/{CONTAINER}",
        payload("threads/status_in_progress.json"),
        payload("threads/status_finished.json"),
    )
    _publishes(replay)
    _open(replay, fake_time).publish(DraftPost(text="Au fournil", media=[VIDEO]))
    assert form(replay.one("POST", f"{V}/{USER}/threads"))["video_url"] == (
        "https://media.example/fournil.mp4"
    )
    assert fake_time.sleeps == [3]


def test_a_video_that_fails_processing_is_permanent(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    replay.on("GET", f"{V}/{CONTAINER}", payload("threads/status_error.json"))
    with pytest.raises(PermanentError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", media=[VIDEO]))
    assert "FAILED_DOWNLOADING_VIDEO" in caught.value.reason
    assert replay.sent("POST", f"{V}/{USER}/threads_publish") == []


def test_a_video_still_processing_at_the_deadline_is_retryable(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    replay.on("GET", f"{V}/{CONTAINER}", payload("threads/status_in_progress.json"))
    with pytest.raises(RetryableError):
        _open(replay, fake_time).publish(DraftPost(text="x", media=[VIDEO]))
    assert sum(fake_time.sleeps) == 60
    assert replay.sent("POST", f"{V}/{USER}/threads_publish") == []


def test_a_carousel(replay: Replay, fake_time: FakeTime) -> None:
    replay.on(
        "POST",
        f"{V}/{USER}/threads",
        payload("threads/carousel_item_1.json"),
        payload("threads/carousel_item_2.json"),
        payload("threads/container.json"),
    )
    for item in ("17890012345670001", "17890012345670002", CONTAINER):
        replay.on("GET", f"{V}/{item}", payload("threads/status_finished.json"))
    _publishes(replay)
    _open(replay, fake_time).publish(DraftPost(text="Deux pains", media=[IMAGE, VIDEO]))
    assert [form(r) for r in replay.sent("POST", f"{V}/{USER}/threads")] == [
        {
            "media_type": "IMAGE",
            "image_url": "https://media.example/levain.jpg",
            "alt_text": "Un pain au levain",
            "is_carousel_item": "true",
        },
        {
            "media_type": "VIDEO",
            "video_url": "https://media.example/fournil.mp4",
            "is_carousel_item": "true",
        },
        {
            "text": "Deux pains",
            "media_type": "CAROUSEL",
            "children": "17890012345670001,17890012345670002",
        },
    ]


def test_a_thread_chains_its_parts_and_the_first_comment_answers_the_post(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on(
        "POST",
        f"{V}/{USER}/threads",
        payload("threads/container.json"),
        payload("threads/part_container.json"),
        payload("threads/part_container.json"),
    )
    replay.on(
        "POST",
        f"{V}/{USER}/threads_publish",
        payload("threads/published.json"),
        payload("threads/part_published.json"),
        {"id": "18050012345678903"},
    )
    replay.on("GET", f"{V}/{POST}", payload("threads/post.json"))
    replay.on("GET", f"{V}/18050012345678902", payload("threads/part.json"))
    replay.on("GET", f"{V}/18050012345678903", {"id": "18050012345678903"})
    ref = _open(replay, fake_time).publish(
        DraftPost(text="1/2 Notre levain", thread=["2/2 a vingt ans"], first_comment="Merci !")
    )
    created = [form(r) for r in replay.sent("POST", f"{V}/{USER}/threads")]
    assert "reply_to_id" not in created[0]
    assert created[1] == {"text": "2/2 a vingt ans", "reply_to_id": POST, "media_type": "TEXT"}
    assert created[2] == {"text": "Merci !", "reply_to_id": POST, "media_type": "TEXT"}
    assert [p.external_id for p in ref.parts] == ["18050012345678902"]
    assert ref.parts[0].url == "https://www.threads.net/@boulangerie.lumiere/post/DAbCdEfGhIk"
    assert ref.first_comment_id == "18050012345678903"


def test_a_failed_thread_part_keeps_the_live_post(replay: Replay, fake_time: FakeTime) -> None:
    replay.on(
        "POST",
        f"{V}/{USER}/threads",
        payload("threads/container.json"),
        graph_error("invalid_parameter"),
    )
    _publishes(replay)
    ref = _open(replay, fake_time).publish(DraftPost(text="1/3", thread=["2/3", "3/3"]))
    assert ref.external_id == POST
    assert ref.parts == ()
    assert len(replay.sent("POST", f"{V}/{USER}/threads")) == 2  # 3/3 is not tried


def test_a_reached_daily_limit_waits_for_the_oldest_post_to_leave_the_window(
    replay: Replay, fake_time: FakeTime, clock: FrozenClock
) -> None:
    replay.on(
        "GET",
        f"{V}/{USER}/threads_publishing_limit",
        payload("threads/publishing_limit_reached.json"),
    )
    replay.on("GET", f"{V}/{USER}/threads", payload("threads/threads_in_window.json"))
    with pytest.raises(RetryableError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="Encore un"))
    assert "The Threads limit of 250 posts" in caught.value.message
    assert "2030-03-15 09:30 UTC" in caught.value.message
    assert caught.value.retry_after == 30 * 60
    assert replay.sent("POST", f"{V}/{USER}/threads") == []


def test_local_files_are_refused(replay: Replay, fake_time: FakeTime) -> None:
    with pytest.raises(PermanentError, match="public https address"):
        _open(replay, fake_time).publish(
            DraftPost(text="x", media=[MediaRef("/srv/media/levain.jpg", "image/jpeg")])
        )
    assert replay.requests == []


def _lost_publish(replay: Replay, status: str) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    replay.on("POST", f"{V}/{USER}/threads_publish", timeout)
    replay.on("GET", f"{V}/{CONTAINER}", payload(f"threads/status_{status}.json"))


def test_a_lost_answer_to_threads_publish_is_ambiguous_while_unpublished(
    replay: Replay, fake_time: FakeTime
) -> None:
    _lost_publish(replay, "finished")
    with pytest.raises(AmbiguousError) as caught:
        _open(replay, fake_time).publish(DraftPost(text="x", client_ref="ref-9"))
    assert caught.value.client_ref == "ref-9"
    assert query(replay.one("GET", f"{V}/{CONTAINER}"))["fields"] == "status"


def test_a_lost_answer_is_settled_when_the_container_was_published(
    replay: Replay, fake_time: FakeTime
) -> None:
    _lost_publish(replay, "published")
    replay.on("GET", f"{V}/{USER}/threads", payload("threads/recent_threads.json"))
    replay.on("GET", f"{V}/{POST}", payload("threads/post.json"))
    ref = _open(replay, fake_time).publish(DraftPost(text="Le levain est prêt", client_ref="r"))
    assert ref.external_id == POST  # the newest post with the same text
    assert query(replay.one("GET", f"{V}/{USER}/threads"))["fields"] == "id,text"


def test_an_earlier_attempt_cannot_be_looked_up(replay: Replay, fake_time: FakeTime) -> None:
    with pytest.raises(PermanentError) as caught:
        _open(replay, fake_time).find_by_client_ref("ref-9")
    assert caught.value.code == "unverifiable"
    assert replay.requests == []


def test_publish_error_shapes(replay: Replay, fake_time: FakeTime) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    usage = '{"25432198765432100":[{"type":"threads","estimated_time_to_regain_access":3}]}'
    replay.on(
        "POST",
        f"{V}/{USER}/threads",
        graph_error("app_rate_limit", **{"X-Business-Use-Case-Usage": usage}),
        httpx.Response(400, json=payload("threads/session_expired.json")),
        graph_error("blocked"),
        httpx.Response(500, text="oops"),
        refused,
    )
    installation = _open(replay, fake_time)
    draft = DraftPost(text="Bonjour")
    with pytest.raises(RetryableError) as limited:
        installation.publish(draft)
    assert limited.value.retry_after == 180
    with pytest.raises(CredentialError) as expired:
        installation.publish(draft)
    assert expired.value.definitive
    with pytest.raises(PermanentError) as blocked:
        installation.publish(draft)
    assert "temporarily blocked" in blocked.value.reason
    with pytest.raises(RetryableError):
        installation.publish(draft)
    with pytest.raises(RetryableError):
        installation.publish(draft)


# Conversation -----------------------------------------------------------------------------


def test_reply_is_a_container_replying_to_the_parent(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/{USER}/threads", payload("threads/container.json"))
    _publishes(replay)
    ref = _open(replay, fake_time).reply(
        "18060000000000001", "Oui, de 7 h à 13 h !", client_ref="c"
    )
    assert form(replay.one("POST", f"{V}/{USER}/threads")) == {
        "text": "Oui, de 7 h à 13 h !",
        "reply_to_id": "18060000000000001",
        "media_type": "TEXT",
    }
    assert ref.external_id == POST


def test_hide_and_show_a_reply(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("POST", f"{V}/18060000000000003/manage_reply", payload("threads/success.json"))
    installation = _open(replay, fake_time)
    installation.hide_comment("18060000000000003")
    installation.hide_comment("18060000000000003", hidden=False)
    assert [form(r)["hide"] for r in replay.requests] == ["true", "false"]


def test_delete_post_and_an_already_deleted_one(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("DELETE", f"{V}/{POST}", payload("threads/deleted.json"))
    replay.on("DELETE", f"{V}/18050000000000404", graph_error("object_missing"))
    installation = _open(replay, fake_time)
    installation.delete_post(POST)
    installation.delete_post("18050000000000404")
    assert len(replay.requests) == 2


def test_read_comments_is_the_whole_conversation_oldest_first(
    replay: Replay, fake_time: FakeTime
) -> None:
    replay.on("GET", f"{V}/{POST}/conversation", payload("threads/conversation.json"))
    page = _open(replay, fake_time).read_comments(POST, cursor="QVFIUmJ", limit=25)
    params = query(replay.requests[0])
    assert params["reverse"] == "false"
    assert params["after"] == "QVFIUmJ"
    assert params["limit"] == "25"
    question, spam, answer = page.items
    assert question.kind is InteractionKind.COMMENT
    assert question.parent_external_id is None
    assert question.author_handle == "camille.m"
    assert spam.hidden
    assert answer.kind is InteractionKind.REPLY
    assert answer.parent_external_id == "18060000000000001"
    assert answer.own
    assert not question.own
    assert page.next_cursor == "QVFIUmt"
    assert page.has_more


def test_read_mentions(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/{USER}/mentions", payload("threads/mentions.json"))
    page = _open(replay, fake_time).read_mentions(limit=10)
    assert query(replay.requests[0])["limit"] == "10"
    assert [m.author_handle for m in page.items] == ["ines.b", "julien.d"]
    assert all(m.kind is InteractionKind.MENTION for m in page.items)
    assert page.next_cursor == "QVFIUm2"
    assert not page.has_more


def test_metrics_fold_quotes_into_reposts(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/{POST}/insights", payload("threads/insights.json"))
    replay.on("GET", f"{V}/18050000000000404/insights", graph_error("object_missing"))
    samples = _open(replay, fake_time).read_metrics([POST, "18050000000000404"])
    assert query(replay.one("GET", f"{V}/{POST}/insights"))["metric"] == (
        "views,likes,replies,reposts,quotes"
    )
    assert {s.metric: s.value for s in samples} == {
        Metric.IMPRESSIONS: 1520,
        Metric.LIKES: 96,
        Metric.COMMENTS: 14,
        Metric.REPOSTS: 9,
    }
    assert {s.external_id for s in samples} == {POST}


def test_search_recent_posts_newest_first(replay: Replay, fake_time: FakeTime) -> None:
    replay.on("GET", f"{V}/keyword_search", payload("threads/keyword_search.json"))
    page = _open(replay, fake_time).search("levain", limit=5)
    params = query(replay.requests[0])
    assert (params["q"], params["search_type"], params["limit"]) == ("levain", "RECENT", "5")
    assert [p.author_handle for p in page.items] == ["marie.l", "paul.r"]
    assert page.next_cursor is None

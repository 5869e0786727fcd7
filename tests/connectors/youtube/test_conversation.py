"""Comments on our videos: read, answer, hide, delete; likes and deleting a video."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from orchestre.connectors.base import InteractionKind, PermanentError
from orchestre.connectors.youtube import YouTubeInstallation
from tests.connectors.youtube.conftest import API, CHANNEL, Replay

THREADS = f"{API}/commentThreads"
COMMENTS = f"{API}/comments"


def test_comments_of_a_video_come_with_their_replies_oldest_first(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", THREADS, "comment_threads")
    page = youtube.read_comments("dQw4w9WgXcQ", cursor="QURTSl9p", limit=20)
    sent = replay.sent("GET", THREADS)[0]
    assert dict(sent.url.params) == {
        "part": "snippet,replies",
        "maxResults": "20",
        "textFormat": "plainText",
        "order": "time",
        "videoId": "dQw4w9WgXcQ",
        "pageToken": "QURTSl9p",
    }
    assert [i.external_id for i in page.items] == [
        "UgyFan0commentAaABAg",
        "UgyFan0commentAaABAg.9zReplyLumiere01",
        "UgxSpam000commentAaABAg",
    ]
    fan, answer, spam = page.items
    assert fan.kind == InteractionKind.COMMENT
    assert (fan.author_id, fan.author_handle, fan.author_name) == (
        "UCcamille000000000000001",
        "@camille-m",
        "camille-m",
    )
    assert fan.text == "Magnifique, où trouver la veste ?"
    assert fan.created_at == datetime(2030, 3, 15, 9, 5, tzinfo=UTC)
    assert fan.post_external_id == "dQw4w9WgXcQ"
    assert fan.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgyFan0commentAaABAg"
    assert not fan.own
    assert answer.kind == InteractionKind.REPLY
    assert answer.parent_external_id == "UgyFan0commentAaABAg"
    assert answer.own
    assert spam.hidden
    assert page.next_cursor == "QURTSl9pMlVfT2ZsY2lfNW5yYkRwc0xhYmVsX3NpZ25hbA=="
    assert page.has_more


def test_comments_of_every_video_of_the_channel(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("GET", THREADS, "comment_threads")
    youtube.read_comments()
    params = replay.sent("GET", THREADS)[0].url.params
    assert params["allThreadsRelatedToChannelId"] == CHANNEL
    assert "videoId" not in params
    assert params["maxResults"] == "100"


def test_a_cursor_youtube_forgot_is_permanent(youtube: YouTubeInstallation, replay: Replay) -> None:
    replay.json("GET", THREADS, "error_invalid_page_token", 400)
    with pytest.raises(PermanentError) as refused:
        youtube.read_comments("dQw4w9WgXcQ", cursor="stale")
    assert refused.value.code == "invalidPageToken"


def test_answering_a_video_starts_a_thread(youtube: YouTubeInstallation, replay: Replay) -> None:
    replay.json("POST", THREADS, "comment_thread_inserted")
    ref = youtube.reply("dQw4w9WgXcQ", "Tous les looks sont en boutique 👗", client_ref="r-1")
    sent = replay.sent("POST", THREADS)[0]
    assert sent.url.params["part"] == "snippet"
    assert json.loads(sent.content) == {
        "snippet": {
            "videoId": "dQw4w9WgXcQ",
            "topLevelComment": {"snippet": {"textOriginal": "Tous les looks sont en boutique 👗"}},
        }
    }
    assert ref.external_id == "UgzL3k5lumiereThread01AaABAg"
    assert ref.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzL3k5lumiereThread01AaABAg"
    assert ref.client_ref == "r-1"


@pytest.mark.parametrize(
    "parent", ["UgyFan0commentAaABAg", "UgyFan0commentAaABAg.9zReplyLumiere01"]
)
def test_answering_a_comment_or_a_reply_goes_in_the_thread(
    youtube: YouTubeInstallation, replay: Replay, parent: str
) -> None:
    replay.json("POST", COMMENTS, "comment_inserted")
    ref = youtube.reply(parent, "Merci beaucoup !")
    assert json.loads(replay.sent("POST", COMMENTS)[0].content) == {
        "snippet": {"parentId": "UgyFan0commentAaABAg", "textOriginal": "Merci beaucoup !"}
    }
    assert ref.external_id == "UgyFan0commentAaABAg.9zReplyLumiere01"


@pytest.mark.parametrize(("hidden", "status"), [(True, "heldForReview"), (False, "published")])
def test_hiding_a_comment_holds_it_for_review(
    youtube: YouTubeInstallation, replay: Replay, hidden: bool, status: str
) -> None:
    replay.on("POST", f"{COMMENTS}/setModerationStatus", httpx.Response(204))
    youtube.hide_comment("UgxSpam000commentAaABAg", hidden)
    params = replay.sent("POST", f"{COMMENTS}/setModerationStatus")[0].url.params
    assert dict(params) == {"id": "UgxSpam000commentAaABAg", "moderationStatus": status}


def test_deleting_is_done_even_when_already_gone(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.on("DELETE", COMMENTS, httpx.Response(204))
    replay.json("DELETE", f"{API}/videos", "error_video_not_found", 404)
    youtube.delete_comment("UgxSpam000commentAaABAg")
    youtube.delete_post("dQw4w9WgXcQ")
    assert replay.sent("DELETE", COMMENTS)[0].url.params["id"] == "UgxSpam000commentAaABAg"
    assert replay.sent("DELETE", f"{API}/videos")[0].url.params["id"] == "dQw4w9WgXcQ"
    replay.routes[("DELETE", COMMENTS)] = [
        httpx.Response(
            404,
            json={
                "error": {"code": 404, "message": "gone", "errors": [{"reason": "commentNotFound"}]}
            },
        )
    ]
    youtube.delete_comment("UgxSpam000commentAaABAg")


def test_deleting_a_video_of_another_channel_is_refused(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.json("DELETE", f"{API}/videos", "error_forbidden", 403)
    with pytest.raises(PermanentError):
        youtube.delete_post("dQw4w9WgXcQ")


def test_liking_rates_a_video_and_refuses_a_comment(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    replay.on("POST", f"{API}/videos/rate", httpx.Response(204))
    youtube.like("dQw4w9WgXcQ")
    assert dict(replay.sent("POST", f"{API}/videos/rate")[0].url.params) == {
        "id": "dQw4w9WgXcQ",
        "rating": "like",
    }
    with pytest.raises(PermanentError, match="videos only"):
        youtube.like("UgyFan0commentAaABAg")

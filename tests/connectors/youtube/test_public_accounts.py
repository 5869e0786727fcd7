"""Reading a competitor's public YouTube channel: by handle (its subscribers, hidden ones
left unknown, its uploads playlist), its latest videos with views, likes and comments,
an unknown handle refused as not_found."""

from __future__ import annotations

import httpx
import pytest

from orchestre.connectors.base import (
    PermanentError,
    PublicAccount,
    PublicFormat,
    RetryableError,
    public_reading,
)
from orchestre.connectors.youtube import YouTubeInstallation
from tests.connectors.youtube.conftest import Replay, payload

API = "www.googleapis.com/youtube/v3"


def test_channel_and_videos(youtube: YouTubeInstallation, replay: Replay) -> None:
    replay.json("GET", f"{API}/channels", "channels_for_handle")
    replay.json("GET", f"{API}/playlistItems", "playlist_items_rival")
    replay.json("GET", f"{API}/videos", "videos_public")
    reader = public_reading(youtube, network="youtube")

    found = reader.lookup_account("maisonrivale")
    params = replay.sent("GET", f"{API}/channels")[0].url.params
    assert params["forHandle"] == "@maisonrivale"
    assert "statistics" in params["part"]
    assert (found.external_id, found.handle, found.display_name) == (
        "UCrIvAl0000000000000000A",
        "@maisonrivale",
        "Maison Rivale",
    )
    assert (found.followers, found.posts_count) == (48200, 340)
    assert found.extra["uploads"] == "UUrIvAl0000000000000000A"
    assert found.url == "https://www.youtube.com/@maisonrivale"

    posts = reader.read_account_posts(found, limit=3)
    listed = replay.sent("GET", f"{API}/playlistItems")[0].url.params
    assert (listed["playlistId"], listed["maxResults"]) == ("UUrIvAl0000000000000000A", "3")
    asked = replay.sent("GET", f"{API}/videos")[0].url.params
    assert asked["id"] == "rIvAlVid001,rIvAlVid002,rIvAlVid003"
    assert [p.external_id for p in posts] == ["rIvAlVid001", "rIvAlVid002", "rIvAlVid003"]
    assert {p.format for p in posts} == {PublicFormat.VIDEO}
    first = posts[0]
    assert (first.views, first.likes, first.replies, first.reposts, first.quotes) == (
        81020,
        2310,
        140,
        None,
        None,
    )
    assert posts[1].likes is None  # the owner hides its likes
    assert first.url == "https://www.youtube.com/watch?v=rIvAlVid001"


def test_hidden_subscribers_unknown_handle_and_quota(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    reader = public_reading(youtube)
    replay.json("GET", f"{API}/channels", "channels_for_handle_hidden")
    assert reader.lookup_account("@maisonrivale").followers is None
    replay.routes.clear()
    replay.json("GET", f"{API}/channels", "channels_for_handle_none")
    with pytest.raises(PermanentError) as unknown:
        reader.lookup_account("@nobody-here")
    assert unknown.value.code == "not_found"
    replay.routes.clear()
    replay.json("GET", f"{API}/channels", "error_quota_exceeded", status=403)
    with pytest.raises(RetryableError):
        reader.lookup_account("@maisonrivale")


def test_more_than_fifty_videos_are_asked_fifty_at_a_time(
    youtube: YouTubeInstallation, replay: Replay
) -> None:
    page = payload("playlist_items_rival")
    item = page["items"][0]
    page["items"] = [
        {
            **item,
            "contentDetails": {"videoId": f"v{n:03d}", "videoPublishedAt": "2030-03-01T00:00:00Z"},
        }
        for n in range(50)
    ]
    second = {
        **page,
        "items": [
            {**i, "contentDetails": {"videoId": "w" + i["contentDetails"]["videoId"]}}
            for i in page["items"][:20]
        ],
    }
    page["nextPageToken"] = "CDIQAA"
    replay.on(
        "GET",
        f"{API}/playlistItems",
        httpx.Response(200, json=page),
        httpx.Response(200, json=second),
    )
    replay.json("GET", f"{API}/videos", "videos_public")
    reader = public_reading(youtube)
    account = PublicAccount("UCrIvAl0000000000000000A", "@maisonrivale", extra={"uploads": "UUx"})
    reader.read_account_posts(account, limit=70)
    listed = replay.sent("GET", f"{API}/playlistItems")
    assert [r.url.params["maxResults"] for r in listed] == ["50", "20"]
    assert listed[1].url.params["pageToken"] == "CDIQAA"
    asked = [r.url.params["id"].count(",") + 1 for r in replay.sent("GET", f"{API}/videos")]
    assert asked == [50, 20]

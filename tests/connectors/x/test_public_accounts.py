"""Reading a competitor's public X account: the user by username with public_metrics (an
unknown name refused as not_found), its posts with their public metrics and formats, and
an access level that does not allow it said as such (403)."""

from __future__ import annotations

import pytest

from orchestre.connectors.base import (
    Capability,
    PermanentError,
    PublicFormat,
    RetryableError,
    public_reading,
)
from orchestre.connectors.x import XConnector, XInstallation
from tests.connectors.x.conftest import Replay, answer

BY_NAME = "/2/users/by/username/ceramiques_rivales"
TWEETS = "/2/users/783214/tweets"


def test_user_and_posts(x: XInstallation, replay: Replay) -> None:
    assert Capability.READ_PUBLIC_ACCOUNTS in XConnector.capabilities
    replay.on("GET", BY_NAME, answer(200, "users_by_username.json"))
    replay.on("GET", TWEETS, answer(200, "users_tweets_public.json"))
    reader = public_reading(x, network="x")

    found = reader.lookup_account("@ceramiques_rivales")
    assert replay.sent("GET", BY_NAME)[0].url.params["user.fields"].startswith("public_metrics")
    assert (found.external_id, found.handle, found.display_name) == (
        "783214",
        "ceramiques_rivales",
        "Céramiques Rivales",
    )
    assert (found.followers, found.following, found.posts_count) == (12840, 402, 3977)

    posts = reader.read_account_posts(found, limit=5)
    params = replay.sent("GET", TWEETS)[0].url.params
    assert params["exclude"] == "retweets,replies"
    assert params["max_results"] == "5"
    assert "public_metrics" in params["tweet.fields"]
    assert [p.format for p in posts] == [
        PublicFormat.VIDEO,
        PublicFormat.CAROUSEL,
        PublicFormat.LINK,
        PublicFormat.TEXT,
        PublicFormat.VIDEO,  # an animated GIF
    ]
    first = posts[0]
    assert (first.likes, first.reposts, first.replies, first.quotes, first.views) == (
        410,
        31,
        12,
        5,
        20480,
    )
    assert first.url == "https://x.com/ceramiques_rivales/status/1870000000000000005"
    assert len(replay.sent("GET", TWEETS)) == 1  # enough read: the next page is not asked


def test_unknown_user_access_level_and_rate_limit(x: XInstallation, replay: Replay) -> None:
    reader = public_reading(x)
    replay.on(
        "GET",
        "/2/users/by/username/nobody_here_42",
        answer(200, "users_by_username_not_found.json"),
    )
    with pytest.raises(PermanentError) as unknown:
        reader.lookup_account("nobody_here_42")
    assert unknown.value.code == "not_found"
    assert "nobody_here_42" in unknown.value.reason

    replay.on("GET", BY_NAME, answer(200, "users_by_username.json"))
    replay.on("GET", TWEETS, answer(403, "error_client_not_enrolled.json"))
    found = reader.lookup_account("ceramiques_rivales")
    with pytest.raises(PermanentError) as refused:
        reader.read_account_posts(found)
    assert refused.value.code == "access_level"
    assert "not available on this X access level" in refused.value.reason

    replay.routes.clear()
    replay.on("GET", BY_NAME, answer(429, "error_rate_limit.json", headers={"retry-after": "60"}))
    with pytest.raises(RetryableError):
        reader.lookup_account("ceramiques_rivales")

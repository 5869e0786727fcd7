"""The composer's JSON routes: live checks as each network counts, and adaptations."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import Campaign, EditorialLine
from tests.factories import make_channel
from tests.posts.conftest import Team, image_bytes, upload


def check(client: TestClient, team: Team, role: str = "owner", **body: Any) -> Any:
    return client.post(team.url("/compose/check"), json=body, headers=team.headers[role])


def adapt(client: TestClient, team: Team, role: str = "owner", **body: Any) -> Any:
    return client.post(team.url("/compose/adapt"), json=body, headers=team.headers[role])


LONG = "Notre café de printemps arrive demain. " * 9  # 351 characters


# --- check -------------------------------------------------------------------------------------


def test_a_text_too_long_for_x_shows_its_weighted_count_and_the_rule(
    client: TestClient, team: Team
) -> None:
    response = check(client, team, network="x", text=LONG + "☕ https://acme.fr/printemps")
    assert response.status_code == 200, response.text
    body = response.json()
    # 351 + emoji (2) + URL (23) + the space between them, as X weighs them.
    assert body["length"] == 351 + 2 + 1 + 23
    assert body["limit"] == 280
    assert body["ok"] is False
    assert body["counters"] == [
        {"unit": "weighted_characters", "length": 377, "limit": 280, "remaining": -97}
    ]
    [rule] = body["violations"]
    assert rule["network"] == "x"
    assert rule["rule"] == "text.length"
    assert (rule["field"], rule["limit"], rule["actual"]) == ("text", 280, 377)
    assert "Shorten it by 97 weighted characters" in rule["message"]


def test_bluesky_counts_graphemes_and_bytes(client: TestClient, team: Team) -> None:
    family = "👨‍👩‍👧‍👦"  # one grapheme, 25 bytes
    body = check(client, team, network="bluesky", text=family * 10).json()
    assert body["ok"] is True
    assert body["counters"] == [
        {"unit": "characters", "length": 10, "limit": 300, "remaining": 290},
        {"unit": "bytes", "length": 250, "limit": 3000, "remaining": 2750},
    ]
    too_many = check(client, team, network="bluesky", text=family * 130).json()
    assert [v["rule"] for v in too_many["violations"]] == ["text.bytes"]


def test_a_mastodon_channel_counts_against_its_instance_limit(
    client: TestClient, db: Session, team: Team
) -> None:
    channel = make_channel(db, team.ws, network="mastodon", handle="@acme@piaille.fr")
    # As the Mastodon connector keeps an instance's limits (GET /api/v2/instance).
    channel.settings = {"configuration": {"statuses": {"max_characters": 5000}}}
    db.flush()
    text = "a" * 600
    on_channel = check(client, team, channel_id=str(channel.id), text=text).json()
    assert (on_channel["ok"], on_channel["limit"], on_channel["length"]) == (True, 5000, 600)
    flat = make_channel(db, team.ws, network="mastodon", handle="@acme@mamot.fr")
    flat.settings = {"max_characters": 1000, "characters_reserved_per_url": 30}
    db.flush()
    linked = check(client, team, channel_id=str(flat.id), text="Voir https://acme.fr/x").json()
    assert (linked["limit"], linked["length"]) == (1000, 5 + 30)
    # Without the channel, the default instance limit (500) applies.
    default = check(client, team, network="mastodon", text=text).json()
    assert (default["ok"], default["limit"]) == (False, 500)
    # The content warning counts toward the same limit.
    warned = check(
        client,
        team,
        network="mastodon",
        text="a" * 450,
        options={"spoiler_text": "b" * 60},
    ).json()
    assert warned["length"] == 510
    assert warned["ok"] is False


def test_instagram_hashtags_youtube_title_and_the_editorial_line(
    client: TestClient, db: Session, team: Team
) -> None:
    tags = " ".join(f"#tag{i}" for i in range(33))
    body = check(client, team, network="instagram", text=f"Caption {tags}").json()
    [rule] = body["violations"]
    assert (rule["rule"], rule["limit"], rule["actual"]) == ("text.hashtags", 30, 33)

    youtube = check(client, team, network="youtube", text="Description", options={}).json()
    assert ("title", "title.required") in [(v["field"], v["rule"]) for v in youtube["violations"]]
    # As on a saved variant: a YouTube post needs its video.
    assert "media.count" in [v["rule"] for v in youtube["violations"]]
    assert youtube["counters"][0]["unit"] == "bytes"

    db.add(EditorialLine(workspace_id=team.ws.id, banned_words=["gratuit"]))
    db.flush()
    banned = check(client, team, network="linkedin", text="Café gratuit !").json()
    assert [(v["rule"], v["severity"]) for v in banned["violations"]] == [("banned_word", "error")]


def test_thread_parts_and_media_are_checked_too(
    client: TestClient, db: Session, team: Team
) -> None:
    media = upload(client, team, image_bytes(size=(400, 100))).json()
    body = check(
        client,
        team,
        network="instagram",
        text="Printemps",
        media_ids=[media["id"]],
    ).json()
    assert [v["rule"] for v in body["violations"]] != []
    assert all(v["field"].startswith("media") for v in body["violations"])

    thread = check(client, team, network="x", text="One.", thread=["Two.", "x" * 300]).json()
    assert [(v["field"], v["rule"]) for v in thread["violations"]] == [("thread[1]", "text.length")]


def test_check_needs_a_known_network_or_a_channel_of_the_workspace(
    client: TestClient, team: Team, other: Team
) -> None:
    assert check(client, team, text="Hi").status_code == 422
    assert check(client, team, network="myspace", text="Hi").status_code == 422
    foreign = check(client, team, channel_id=str(other.channels[0].id), text="Hi")
    assert foreign.status_code == 404
    sandbox = check(client, team, channel_id=str(team.channels[0].id), text="Hi").json()
    assert (sandbox["ok"], sandbox["length"], sandbox["limit"]) == (True, 2, None)
    wrong = check(client, team, network="mastodon", text="Hi", options={"max_characters": "big"})
    assert wrong.status_code == 422


def test_a_reviewer_may_check_but_not_adapt(client: TestClient, team: Team) -> None:
    assert check(client, team, "reviewer", network="x", text="Hi").status_code == 200
    refused = adapt(client, team, "reviewer", action="shorten", network="x", text="Hi")
    assert refused.status_code == 403


# --- adapt -------------------------------------------------------------------------------------


def test_split_into_an_x_thread(client: TestClient, team: Team) -> None:
    response = adapt(client, team, action="split_thread", network="x", text=LONG)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    assert body["text"].endswith(" 1/2")
    assert [p[-4:] for p in body["thread"]] == [" 2/2"]
    again = check(client, team, network="x", text=body["text"], thread=body["thread"]).json()
    assert again["ok"] is True


def test_shorten_and_hashtag_actions(client: TestClient, team: Team) -> None:
    short = adapt(client, team, action="shorten", network="bluesky", text=LONG).json()
    assert short["text"].endswith("demain.")
    assert len(short["text"]) <= 300

    moved = adapt(
        client,
        team,
        action="hashtags_to_first_comment",
        network="instagram",
        text="Notre #café arrive. #Printemps #Acme",
        first_comment="",
    ).json()
    assert (moved["text"], moved["first_comment"]) == (
        "Notre café arrive.",
        "#café #Printemps #Acme",
    )
    tags = " ".join(f"#t{i}" for i in range(32))
    trimmed = adapt(client, team, action="trim_hashtags", network="instagram", text=tags).json()
    assert trimmed["text"].split() == [f"#t{i}" for i in range(30)]
    refused = adapt(client, team, action="trim_hashtags", network="x", text=tags)
    assert refused.status_code == 422
    assert (
        adapt(client, team, action="trim_hashtags", network="x", text=tags, max_hashtags=2).json()[
            "text"
        ]
        == "#t0 #t1"
    )


def test_add_utm_from_a_campaign(client: TestClient, db: Session, team: Team) -> None:
    campaign = Campaign(workspace_id=team.ws.id, name="Soldes d'été", utm_campaign="soldes-ete")
    db.add(campaign)
    db.flush()
    body = adapt(
        client,
        team,
        action="add_utm",
        network="linkedin",
        text="Voir https://acme.fr/soldes?ref=1#haut",
        link_url="https://acme.fr/",
        campaign_id=str(campaign.id),
    ).json()
    assert body["text"] == (
        "Voir https://acme.fr/soldes?ref=1&utm_source=linkedin&utm_medium=social"
        "&utm_campaign=soldes-ete#haut"
    )
    assert body["link_url"] == (
        "https://acme.fr/?utm_source=linkedin&utm_medium=social&utm_campaign=soldes-ete"
    )
    named = adapt(
        client, team, action="add_utm", network="x", text="acme.fr", campaign="Été 2030"
    ).json()
    assert named["text"] == "acme.fr?utm_source=x&utm_medium=social&utm_campaign=ete-2030"
    assert adapt(client, team, action="add_utm", network="x", text="acme.fr").status_code == 422


def test_a_text_that_cannot_be_adapted_says_why(client: TestClient, team: Team) -> None:
    url = "https://acme.fr/" + "a" * 400
    response = adapt(client, team, action="split_thread", network="bluesky", text=f"Voir {url}")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "text"
    assert "cannot be cut" in error["message"]

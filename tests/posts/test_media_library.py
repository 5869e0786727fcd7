"""The media library: filing, tagging, searching, usage history and licence expiry."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import MediaAsset, VariantState
from orchestre.posts import media_library
from tests.posts.conftest import Team, create_post, image_bytes, set_states, upload


def add(client: TestClient, team: Team, size: tuple[int, int], name: str, **fields: Any) -> Any:
    asset = upload(client, team, image_bytes("PNG", size=size), name=name).json()
    if fields:
        response = client.patch(
            team.url(f"/media/{asset['id']}"), json=fields, headers=team.headers["owner"]
        )
        assert response.status_code == 200, response.text
        asset = response.json()
    return asset


def search(client: TestClient, team: Team, **params: Any) -> list[str]:
    response = client.get(team.url("/media"), params=params, headers=team.headers["analyst"])
    assert response.status_code == 200, response.text
    return sorted(item["filename"] for item in response.json()["items"])


def test_files_are_described_filed_and_tagged(client: TestClient, team: Team) -> None:
    asset = add(
        client,
        team,
        (300, 200),
        "IMG_0042.png",
        title="Vélo en ville",
        description="Campagne du printemps",
        folder=" /Printemps//Shooting/ ",
        tags=["#Été", "vélo", "été ", ""],
        licence_source="Stock agency",
        licensor="Jane Doe",
    )
    assert asset["title"] == "Vélo en ville"
    assert asset["folder"] == "Printemps/Shooting"
    assert asset["tags"] == ["été", "vélo"]
    assert asset["orientation"] == "landscape"
    assert (asset["licence_source"], asset["licensor"]) == ("Stock agency", "Jane Doe")
    assert asset["expiry"] is None
    assert "x" in asset["fits"]

    facets = client.get(team.url("/media-library/facets"), headers=team.headers["analyst"]).json()
    assert facets["folders"] == [{"folder": "Printemps/Shooting", "count": 1}]
    assert facets["tags"] == [{"tag": "vélo", "count": 1}, {"tag": "été", "count": 1}]

    comma = client.patch(
        team.url(f"/media/{asset['id']}"), json={"tags": ["a,b"]}, headers=team.headers["owner"]
    )
    assert comma.status_code == 422
    refused = client.patch(
        team.url(f"/media/{asset['id']}"), json={"title": "x"}, headers=team.headers["analyst"]
    )
    assert refused.status_code == 403


def test_search_by_text_tag_orientation_kind_folder(client: TestClient, team: Team) -> None:
    add(client, team, (300, 200), "wide.png", title="Vélo en VILLE", tags=["bike"], folder="A")
    add(client, team, (200, 300), "tall.png", description="Œuvre d'art", folder="A/B")
    add(client, team, (100, 100), "square.png", tags=["Bike", "logo"], folder="C")

    assert search(client, team, q="velo ville") == ["wide.png"]
    assert search(client, team, q="oeuvre") == ["tall.png"]
    assert search(client, team, q="TALL") == ["tall.png"]
    assert search(client, team, tag="BIKE") == ["square.png", "wide.png"]
    assert search(client, team, orientation="portrait") == ["tall.png"]
    assert search(client, team, orientation="square", tag="logo") == ["square.png"]
    assert search(client, team, folder="A") == ["tall.png", "wide.png"]
    assert search(client, team, folder="A/B") == ["tall.png"]
    assert search(client, team, kind="video") == []
    assert search(client, team, q="100%") == []
    assert search(client, team, network="x") == ["square.png", "tall.png", "wide.png"]
    bad = client.get(
        team.url("/media"), params={"network": "myspace"}, headers=team.headers["owner"]
    )
    assert bad.status_code == 422


def test_keyset_pages_have_no_gap_and_no_repeat(client: TestClient, team: Team) -> None:
    for index in range(5):
        add(client, team, (50 + index, 40), f"f{index}.png", tags=["series"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"tag": "series", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get(team.url("/media"), params=params, headers=team.headers["owner"]).json()
        seen += [item["filename"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"f{index}.png" for index in range(5)]
    assert len(set(seen)) == 5


def test_duration_filter_reads_the_measured_duration(
    client: TestClient, team: Team, db: Session
) -> None:
    short = add(client, team, (64, 64), "short.png")
    long = add(client, team, (64, 64), "long.png")
    for asset_id, seconds in ((short["id"], 4.0), (long["id"], 40.0)):
        row = db.get(MediaAsset, uuid.UUID(asset_id))
        assert row is not None
        row.duration_seconds = seconds
    db.flush()
    assert search(client, team, min_seconds=10) == ["long.png"]
    assert search(client, team, max_seconds=10) == ["short.png"]
    assert search(client, team, min_seconds=1, max_seconds=60) == ["long.png", "short.png"]
    reversed_range = client.get(
        team.url("/media"),
        params={"min_seconds": 9, "max_seconds": 3},
        headers=team.headers["owner"],
    )
    assert reversed_range.status_code == 422


def test_licence_expiry_states_and_filters(
    client: TestClient, team: Team, clock: FrozenClock
) -> None:
    now = clock.now()
    add(
        client, team, (64, 64), "over.png", licence_expires_at=(now - timedelta(days=1)).isoformat()
    )
    add(
        client, team, (64, 64), "soon.png", licence_expires_at=(now + timedelta(days=3)).isoformat()
    )
    later = add(
        client,
        team,
        (64, 64),
        "later.png",
        licence_expires_at=(now + timedelta(days=90)).isoformat(),
    )
    add(client, team, (64, 64), "free.png")
    assert search(client, team, expiry="expired") == ["over.png"]
    assert search(client, team, expiry="expiring") == ["soon.png"]
    assert search(client, team, expiry="valid") == ["free.png", "later.png"]
    assert later["expiry"] == "valid"

    clock.advance(days=80)
    assert search(client, team, expiry="expiring") == ["later.png"]
    cleared = client.patch(
        team.url(f"/media/{later['id']}"),
        json={"licence_expires_at": None},
        headers=team.headers["owner"],
    ).json()
    assert (cleared["licence_expires_at"], cleared["expiry"]) == (None, None)


def test_an_expired_licence_blocks_the_variant_that_uses_it(
    client: TestClient, team: Team, clock: FrozenClock
) -> None:
    soon = (clock.now() + timedelta(days=2)).isoformat()
    asset = add(client, team, (64, 64), "licensed.png", licence_expires_at=soon)
    channel = str(team.channels[0].id)
    post = create_post(
        client,
        team,
        channel_ids=[channel],
        variants=[{"channel_id": channel, "media_ids": [asset["id"]]}],
    )
    rules = [f["rule"] for f in post["variants"][0]["findings"]]
    assert "media.licence" not in rules

    clock.advance(days=3)
    again = client.get(team.url(f"/posts/{post['id']}"), headers=team.headers["owner"]).json()
    expired = [f for f in again["variants"][0]["findings"] if f["rule"] == "media.licence"]
    assert len(expired) == 1
    assert expired[0]["severity"] == "error"
    assert expired[0]["field"] == "media[0]"


def test_usage_history_lists_the_posts_that_used_a_file(
    client: TestClient, team: Team, other: Team
) -> None:
    asset = add(client, team, (64, 64), "used.png")
    channel = str(team.channels[1].id)
    post = create_post(
        client,
        team,
        title="Spring launch",
        channel_ids=[channel],
        variants=[{"channel_id": channel, "media_ids": [asset["id"]]}],
    )
    usage = client.get(team.url(f"/media/{asset['id']}/usage"), headers=team.headers["analyst"])
    assert usage.status_code == 200
    (item,) = usage.json()["items"]
    assert (item["post_id"], item["post_title"], item["state"]) == (
        post["id"],
        "Spring launch",
        "draft",
    )
    assert item["channel_handle"] == "@beta"
    foreign = client.get(other.url(f"/media/{asset['id']}/usage"), headers=other.headers["owner"])
    assert foreign.status_code == 404


def test_orientation_of() -> None:
    assert media_library.orientation_of(10, 20) == "portrait"
    assert media_library.orientation_of(20, 10) == "landscape"
    assert media_library.orientation_of(10, 10) == "square"
    assert media_library.orientation_of(None, 10) is None


def test_a_post_cannot_be_scheduled_past_a_licence(
    client: TestClient, team: Team, clock: FrozenClock, db: Session
) -> None:
    ends = clock.now() + timedelta(days=2)
    asset = add(client, team, (64, 64), "licensed.png", licence_expires_at=ends.isoformat())
    channel = str(team.channels[0].id)
    post = create_post(
        client,
        team,
        channel_ids=[channel],
        variants=[{"channel_id": channel, "media_ids": [asset["id"]]}],
    )
    set_states(db, post["id"], VariantState.APPROVED)
    url = team.url(f"/posts/{post['id']}/schedule")
    late = {"at": (clock.now() + timedelta(days=3)).isoformat()}
    refused = client.post(url, json=late, headers=team.headers["owner"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "media_licence_expired"
    assert "licensed.png" in refused.json()["detail"]
    early = {"at": (clock.now() + timedelta(days=1)).isoformat()}
    assert client.post(url, json=early, headers=team.headers["owner"]).status_code == 200

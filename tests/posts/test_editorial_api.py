"""The editorial line, content pillars and campaigns through the JSON API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import AuditEntry
from tests.posts.conftest import Team, create_post


def test_editorial_line_starts_empty_and_is_replaced_by_managers(
    client: TestClient, team: Team, db: Session
) -> None:
    url = team.url("/editorial-line")
    empty = client.get(url, headers=team.headers["analyst"])
    assert empty.status_code == 200
    assert empty.json()["banned_words"] == []
    assert empty.json()["banned_words_severity"] == "error"

    body = {
        "tone_notes": "Warm, never smug.",
        "banned_words": [" cheap ", "Cheap", "crap"],
        "banned_words_severity": "warning",
        "required_hashtags": ["Brand", "#brand"],
        "required_mentions": ["acme"],
        "required_severity": "error",
    }
    assert client.put(url, json=body, headers=team.headers["content_creator"]).status_code == 403
    saved = client.put(url, json=body, headers=team.headers["social_media_manager"])
    assert saved.status_code == 200, saved.text
    line = saved.json()
    assert line["banned_words"] == ["cheap", "crap"]
    assert line["required_hashtags"] == ["#Brand"]
    assert line["required_mentions"] == ["@acme"]
    assert client.get(url, headers=team.headers["owner"]).json()["tone_notes"] == body["tone_notes"]
    bad = client.put(url, json={"banned_words_severity": "fatal"}, headers=team.headers["owner"])
    assert bad.status_code == 422
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "editorial_line.update"))
    assert len(list(entries)) == 1


def test_pillar_shares_add_up_to_100_at_most(client: TestClient, team: Team) -> None:
    url = team.url("/pillars")
    owner = team.headers["owner"]
    tips = client.post(url, json={"name": "Tips", "target_share": 60}, headers=owner)
    assert tips.status_code == 201, tips.text
    over = client.post(url, json={"name": "News", "target_share": 50}, headers=owner)
    assert over.status_code == 422
    error = over.json()["errors"][0]
    assert (error["field"], error["limit"], error["actual"]) == ("target_share", 100, 110)
    assert "110 %" in over.json()["detail"]
    news = client.post(url, json={"name": "News", "target_share": 40}, headers=owner).json()
    raised = client.patch(f"{url}/{news['id']}", json={"target_share": 41}, headers=owner)
    assert raised.status_code == 422
    lowered = client.patch(
        f"{url}/{tips.json()['id']}", json={"target_share": 50, "color": "#AABBCC"}, headers=owner
    )
    assert lowered.json()["color"] == "#aabbcc"
    assert (
        client.patch(f"{url}/{news['id']}", json={"target_share": 50}, headers=owner).status_code
        == 200
    )


def test_pillar_names_are_unique_and_listing_pages(client: TestClient, team: Team) -> None:
    url = team.url("/pillars")
    owner = team.headers["owner"]
    for name in ("Culture", "Behind the scenes", "Advice"):
        assert client.post(url, json={"name": name}, headers=owner).status_code == 201
    duplicate = client.post(url, json={"name": "culture"}, headers=owner)
    assert duplicate.status_code == 409
    first = client.get(f"{url}?limit=2", headers=team.headers["analyst"]).json()
    assert [p["name"] for p in first["items"]] == ["Advice", "Behind the scenes"]
    rest = client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=owner).json()
    assert [p["name"] for p in rest["items"]] == ["Culture"]
    assert rest["next_cursor"] is None
    assert (
        client.post(url, json={"name": "X"}, headers=team.headers["content_creator"]).status_code
        == 403
    )


def test_deleting_a_pillar_or_campaign_keeps_its_posts(client: TestClient, team: Team) -> None:
    owner = team.headers["owner"]
    pillar = client.post(team.url("/pillars"), json={"name": "Tips"}, headers=owner).json()
    campaign = client.post(team.url("/campaigns"), json={"name": "Summer"}, headers=owner).json()
    post = create_post(client, team, pillar_id=pillar["id"], campaign_id=campaign["id"])
    assert client.delete(team.url(f"/pillars/{pillar['id']}"), headers=owner).status_code == 204
    assert client.delete(team.url(f"/campaigns/{campaign['id']}"), headers=owner).status_code == 204
    after = client.get(team.url(f"/posts/{post['id']}"), headers=owner).json()
    assert (after["pillar_id"], after["campaign_id"]) == (None, None)


def test_campaign_rules(client: TestClient, team: Team) -> None:
    url = team.url("/campaigns")
    smm = team.headers["social_media_manager"]
    created = client.post(
        url,
        json={
            "name": "Soldes d'été 2030",
            "starts_on": "2030-06-20",
            "ends_on": "2030-07-15",
            "budget": 1500,
            "currency": "EUR",
        },
        headers=smm,
    )
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["utm_campaign"] == "soldes-d-ete-2030"
    assert campaign["budget"] == 1500.0

    assert client.post(url, json={"name": "soldes d'été 2030"}, headers=smm).status_code == 409
    backwards = client.post(
        url, json={"name": "B", "starts_on": "2030-06-20", "ends_on": "2030-06-01"}, headers=smm
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "ends_on"
    assert client.post(url, json={"name": "C", "budget": -1}, headers=smm).status_code == 422
    assert (
        client.post(url, json={"name": "D", "utm_campaign": "Not A Slug"}, headers=smm).status_code
        == 422
    )
    assert (
        client.post(url, json={"name": "E"}, headers=team.headers["content_creator"]).status_code
        == 403
    )

    item = f"{url}/{campaign['id']}"
    moved = client.patch(item, json={"ends_on": "2030-06-01"}, headers=smm)
    assert moved.status_code == 422
    cleared = client.patch(item, json={"budget": None, "utm_campaign": "summer"}, headers=smm)
    assert cleared.status_code == 200
    assert (cleared.json()["budget"], cleared.json()["utm_campaign"]) == (None, "summer")
    listed = client.get(url, headers=team.headers["analyst"]).json()
    assert [c["id"] for c in listed["items"]] == [campaign["id"]]


def test_foreign_pillars_and_campaigns_are_not_found(
    client: TestClient, team: Team, other: Team
) -> None:
    owner = other.headers["owner"]
    pillar = client.post(other.url("/pillars"), json={"name": "Theirs"}, headers=owner).json()
    campaign = client.post(other.url("/campaigns"), json={"name": "Theirs"}, headers=owner).json()
    mine = team.headers["owner"]
    for path in (f"/pillars/{pillar['id']}", f"/campaigns/{campaign['id']}"):
        assert client.patch(team.url(path), json={"name": "x"}, headers=mine).status_code == 404
        assert client.delete(team.url(path), headers=mine).status_code == 404
    assert client.get(team.url(f"/campaigns/{campaign['id']}"), headers=mine).status_code == 404

"""Writing, reading, listing, editing and deleting posts through the JSON API."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import AuditEntry, VariantState
from tests.factories import make_channel
from tests.posts.conftest import Team, create_post, set_states


def test_a_post_gets_one_draft_variant_per_channel_with_the_base_text(
    client: TestClient, team: Team
) -> None:
    beta = team.channels[1]
    post = create_post(
        client,
        team,
        title="Spring",
        tags=["#Launch", "launch", "Promo "],
        variants=[
            {
                "channel_id": str(beta.id),
                "text": "Short one",
                "link_url": "https://example.com/spring",
            }
        ],
    )

    assert post["title"] == "Spring"
    assert post["tags"] == ["launch", "promo"]
    assert post["version"] == 1
    by_channel = {v["channel"]["handle"]: v for v in post["variants"]}
    assert by_channel["@alpha"]["text"] == "Hello #spring"
    assert by_channel["@beta"]["text"] == "Short one"
    assert by_channel["@beta"]["link_url"] == "https://example.com/spring"
    assert {v["state"] for v in post["variants"]} == {"draft"}
    assert all(v["findings"] == [] for v in post["variants"])

    fetched = client.get(team.url(f"/posts/{post['id']}"), headers=team.headers["analyst"])
    assert fetched.status_code == 200
    assert fetched.json()["variants"] == post["variants"]


def test_creating_records_an_audit_entry(client: TestClient, team: Team, db: Session) -> None:
    post = create_post(client, team)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_id == post["id"])).one()
    assert entry.action == "post.create"
    assert entry.before is None
    assert entry.after is not None
    assert len(entry.after["variants"]) == 2


def test_foreign_channel_campaign_pillar_or_media_look_missing(
    client: TestClient, team: Team, other: Team
) -> None:
    foreign_campaign = client.post(
        other.url("/campaigns"), json={"name": "Theirs"}, headers=other.headers["owner"]
    ).json()
    foreign_pillar = client.post(
        other.url("/pillars"), json={"name": "Theirs"}, headers=other.headers["owner"]
    ).json()
    cases = [
        {"base_text": "x", "channel_ids": [str(other.channels[0].id)]},
        {
            "base_text": "x",
            "channel_ids": [str(team.channels[0].id)],
            "campaign_id": foreign_campaign["id"],
        },
        {
            "base_text": "x",
            "channel_ids": [str(team.channels[0].id)],
            "pillar_id": foreign_pillar["id"],
        },
        {
            "base_text": "x",
            "channel_ids": [str(team.channels[0].id)],
            "variants": [
                {"channel_id": str(team.channels[0].id), "media_ids": [str(uuid.uuid4())]}
            ],
        },
    ]
    for body in cases:
        response = client.post(team.url("/posts"), json=body, headers=team.headers["owner"])
        assert response.status_code == 404, body
        assert response.headers["content-type"] == "application/problem+json"


def test_another_workspace_cannot_read_or_change_a_post(
    client: TestClient, team: Team, other: Team
) -> None:
    post = create_post(client, team)
    variant = post["variants"][0]["id"]
    for method, path, body in [
        ("GET", f"/posts/{post['id']}", None),
        ("PATCH", f"/posts/{post['id']}", {"version": 1, "title": "x"}),
        ("PATCH", f"/posts/{post['id']}/variants/{variant}", {"version": 1, "text": "x"}),
        ("DELETE", f"/posts/{post['id']}", None),
        ("POST", f"/posts/{post['id']}/schedule", {"at": "2031-01-01T10:00:00Z"}),
    ]:
        response = client.request(
            method, other.url(path), json=body, headers=other.headers["owner"]
        )
        assert response.status_code == 404, (method, path, response.text)
    # A token of the first workspace cannot reach the second one at all.
    response = client.get(other.url("/posts"), headers=team.headers["owner"])
    assert response.status_code == 404


def test_bad_input_is_refused_with_each_broken_rule(client: TestClient, team: Team) -> None:
    channel = str(team.channels[0].id)
    response = client.post(
        team.url("/posts"),
        json={
            "base_text": "x",
            "channel_ids": [channel],
            "surprise": True,
        },
        headers=team.headers["owner"],
    )
    assert response.status_code == 422
    assert any(e["field"] == "surprise" for e in response.json()["errors"])

    response = client.post(
        team.url("/posts"),
        json={
            "base_text": "x",
            "channel_ids": [channel, channel],
        },
        headers=team.headers["owner"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "unique"

    response = client.post(
        team.url("/posts"),
        json={
            "base_text": "x",
            "channel_ids": [channel],
            "variants": [{"channel_id": str(team.channels[1].id), "text": "y"}],
        },
        headers=team.headers["owner"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "variants[0].channel_id"

    response = client.post(
        team.url("/posts"),
        json={
            "base_text": "x",
            "channel_ids": [channel],
            "variants": [{"channel_id": channel, "link_url": "javascript:alert(1)"}],
        },
        headers=team.headers["owner"],
    )
    assert response.status_code == 422


def test_roles_that_cannot_write_are_forbidden(client: TestClient, team: Team) -> None:
    for role in ("reviewer", "analyst"):
        response = client.post(
            team.url("/posts"),
            json={
                "base_text": "x",
                "channel_ids": [str(team.channels[0].id)],
            },
            headers=team.headers[role],
        )
        assert response.status_code == 403, role


def test_a_stale_version_is_refused_and_nothing_changes(client: TestClient, team: Team) -> None:
    post = create_post(client, team)
    url = team.url(f"/posts/{post['id']}")
    first = client.patch(url, json={"version": 1, "title": "Mine"}, headers=team.headers["owner"])
    assert first.status_code == 200
    assert first.json()["version"] == 2

    stale = client.patch(
        url, json={"version": 1, "title": "Theirs"}, headers=team.headers["social_media_manager"]
    )
    assert stale.status_code == 409
    assert "someone else changed this post" in stale.json()["detail"].lower()
    assert "reload" in stale.json()["detail"].lower()
    assert client.get(url, headers=team.headers["owner"]).json()["title"] == "Mine"


def test_patch_changes_only_sent_fields_and_base_text_flows_into_untouched_variants(
    client: TestClient, team: Team
) -> None:
    beta = team.channels[1]
    post = create_post(
        client,
        team,
        internal_notes="keep me",
        variants=[{"channel_id": str(beta.id), "text": "Custom"}],
    )
    response = client.patch(
        team.url(f"/posts/{post['id']}"),
        json={"version": 1, "base_text": "New words", "tags": ["a"]},
        headers=team.headers["owner"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["internal_notes"] == "keep me"
    assert body["tags"] == ["a"]
    texts = {v["channel"]["handle"]: v["text"] for v in body["variants"]}
    assert texts == {"@alpha": "New words", "@beta": "Custom"}


def test_a_content_creator_edits_only_their_own_posts(client: TestClient, team: Team) -> None:
    mine = create_post(client, team, role="content_creator")
    theirs = create_post(client, team, role="social_media_manager")
    headers = team.headers["content_creator"]

    ok = client.patch(
        team.url(f"/posts/{mine['id']}"), json={"version": 1, "title": "Mine"}, headers=headers
    )
    assert ok.status_code == 200
    refused = client.patch(
        team.url(f"/posts/{theirs['id']}"), json={"version": 1, "title": "Hijack"}, headers=headers
    )
    assert refused.status_code == 403
    variant = theirs["variants"][0]["id"]
    refused = client.patch(
        team.url(f"/posts/{theirs['id']}/variants/{variant}"),
        json={"version": 1, "text": "Hijack"},
        headers=headers,
    )
    assert refused.status_code == 403
    # A social media manager edits anyone's post.
    ok = client.patch(
        team.url(f"/posts/{mine['id']}"),
        json={"version": 2, "title": "Edited"},
        headers=team.headers["social_media_manager"],
    )
    assert ok.status_code == 200


def test_channels_can_be_added_and_removed_but_not_the_last_one(
    client: TestClient, team: Team, db: Session
) -> None:
    gamma = make_channel(db, team.ws, handle="@gamma")
    post = create_post(client, team, channel_ids=[str(team.channels[0].id)])
    url = team.url(f"/posts/{post['id']}/variants")

    added = client.post(
        url,
        json={"version": 1, "channel_id": str(gamma.id), "text": "G"},
        headers=team.headers["owner"],
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert [v["channel"]["handle"] for v in body["variants"]] == ["@alpha", "@gamma"]
    assert body["variants"][1]["text"] == "G"

    again = client.post(
        url, json={"version": 2, "channel_id": str(gamma.id)}, headers=team.headers["owner"]
    )
    assert again.status_code == 409

    first, second = (v["id"] for v in body["variants"])
    removed = client.delete(f"{url}/{second}?version=2", headers=team.headers["owner"])
    assert removed.status_code == 200
    assert [v["id"] for v in removed.json()["variants"]] == [first]
    last = client.delete(f"{url}/{first}", headers=team.headers["owner"])
    assert last.status_code == 422
    assert "at least one channel" in last.json()["detail"]


def test_delete_rules(client: TestClient, team: Team, db: Session) -> None:
    own_draft = create_post(client, team, role="content_creator")
    creator = team.headers["content_creator"]
    assert client.delete(team.url(f"/posts/{own_draft['id']}"), headers=creator).status_code == 204
    assert client.get(team.url(f"/posts/{own_draft['id']}"), headers=creator).status_code == 404

    reviewed = create_post(client, team, role="content_creator")
    set_states(db, reviewed["id"], VariantState.APPROVED)
    response = client.delete(team.url(f"/posts/{reviewed['id']}"), headers=creator)
    assert response.status_code == 403
    assert "own drafts" in response.json()["detail"]

    someone_elses = create_post(client, team, role="social_media_manager")
    assert (
        client.delete(team.url(f"/posts/{someone_elses['id']}"), headers=creator).status_code == 403
    )
    assert (
        client.delete(
            team.url(f"/posts/{someone_elses['id']}"), headers=team.headers["social_media_manager"]
        ).status_code
        == 204
    )

    published = create_post(client, team)
    set_states(db, published["id"], VariantState.PUBLISHED)
    response = client.delete(team.url(f"/posts/{published['id']}"), headers=team.headers["owner"])
    assert response.status_code == 409
    assert "published" in response.json()["detail"]

"""Comments on drafts: @mentions notify members, strangers cannot be mentioned."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.approvals.comments import mentioned_emails
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry
from tests.approvals.conftest import Team, make_post, notifications
from tests.factories import make_user


def test_a_mention_by_email_or_id_notifies_the_member(
    client: TestClient, db: Session, team: Team
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    body = f"Can you check the visual, @{team.brand.user.email.upper()}? Thanks."
    response = client.post(
        team.url(f"/posts/{post.id}/comments"),
        headers=team.author.headers,
        json={"body": body, "mentions": [str(team.smm.id)]},
    )
    assert response.status_code == 201, response.text
    comment = response.json()
    assert comment["author_id"] == str(team.author.id)
    assert comment["author_name"] == team.author.user.name
    assert comment["mentioned_user_ids"] == [str(team.brand.id), str(team.smm.id)]
    for mentioned in (team.brand, team.smm):
        [note] = notifications(db, mentioned, "mention")
        assert note.payload["post_id"] == str(post.id)
        assert note.payload["comment_id"] == comment["id"]
        assert note.payload["excerpt"].startswith("Can you check the visual")
    assert notifications(db, team.author, "mention") == []


def test_only_members_can_be_mentioned(client: TestClient, db: Session, team: Team) -> None:
    stranger = make_user(db)
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    response = client.post(
        team.url(f"/posts/{post.id}/comments"),
        headers=team.author.headers,
        json={
            "body": f"Ask @{stranger.email} and @nobody@example.org",
            "mentions": [str(stranger.id), str(uuid.uuid4())],
        },
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["field"], e["actual"]) for e in errors][:2] == [
        ("body", stranger.email),
        ("body", "nobody@example.org"),
    ]
    assert [e["field"] for e in errors[2:]] == ["mentions", "mentions"]
    assert "not a member of this workspace" in errors[0]["message"]
    assert notifications(db, team.brand) == []
    listed = client.get(team.url(f"/posts/{post.id}/comments"), headers=team.author.headers)
    assert listed.json()["items"] == []


def test_comments_read_oldest_first_in_pages(
    client: TestClient, db: Session, team: Team, clock: FrozenClock
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    for n in range(3):
        client.post(
            team.url(f"/posts/{post.id}/comments"),
            headers=team.brand.headers,
            json={"body": f"Remark {n}"},
        )
        clock.advance(seconds=10)
    first = client.get(
        team.url(f"/posts/{post.id}/comments"), headers=team.analyst.headers, params={"limit": 2}
    ).json()
    assert [c["body"] for c in first["items"]] == ["Remark 0", "Remark 1"]
    rest = client.get(
        team.url(f"/posts/{post.id}/comments"),
        headers=team.analyst.headers,
        params={"limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [c["body"] for c in rest["items"]] == ["Remark 2"]
    assert rest["next_cursor"] is None


def test_readers_cannot_comment(client: TestClient, db: Session, team: Team) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    response = client.post(
        team.url(f"/posts/{post.id}/comments"), headers=team.analyst.headers, json={"body": "Nice"}
    )
    assert response.status_code == 403


def test_only_its_author_deletes_a_comment_and_both_are_audited(
    client: TestClient, db: Session, team: Team
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    created = client.post(
        team.url(f"/posts/{post.id}/comments"),
        headers=team.brand.headers,
        json={"body": "Too long?"},
    ).json()
    path = team.url(f"/posts/{post.id}/comments/{created['id']}")
    assert client.delete(path, headers=team.owner.headers).status_code == 403
    assert client.delete(path, headers=team.brand.headers).status_code == 204
    assert client.delete(path, headers=team.brand.headers).status_code == 404

    db.expire_all()
    entries = {
        e.action: e
        for e in db.scalars(select(AuditEntry).where(AuditEntry.entity_id == created["id"]))
    }
    assert entries["comment.created"].after is not None
    assert entries["comment.created"].after["body"] == "Too long?"
    assert entries["comment.deleted"].before is not None
    assert entries["comment.deleted"].before["body"] == "Too long?"
    assert entries["comment.deleted"].after is None


def test_mentions_are_read_from_the_text() -> None:
    text = "@Ana@Example.com and @bo.b+x@mail.example.co.uk, not me@example.com, @ana@example.com."
    assert mentioned_emails(text) == ["ana@example.com", "bo.b+x@mail.example.co.uk"]

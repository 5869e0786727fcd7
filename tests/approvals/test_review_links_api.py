"""Review links through the JSON API: made with a token shown once, listed with their use,
revoked; a foreign post is a 404 and a role without review_links.manage a 403."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import ReviewLink
from tests.approvals.conftest import Team, make_post
from tests.factories import make_workspace


def test_make_list_and_revoke_a_link(client: TestClient, db: Session, team: Team) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = client.post(
        team.url("/review-links"),
        headers=team.smm.headers,
        json={"post_ids": [str(post.id)], "reviewer_name": "Clara", "days": 3},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["url"].endswith("/review/" + body["token"])
    assert body["status"] == "active"
    stored = db.get(ReviewLink, uuid.UUID(body["id"]))
    assert stored is not None
    assert body["token"] not in stored.token_hash

    listed = client.get(team.url("/review-links"), headers=team.smm.headers).json()
    assert [(link["id"], link["post_ids"], "token" in link) for link in listed] == [
        (body["id"], [str(post.id)], False)
    ]
    gone = client.delete(team.url(f"/review-links/{body['id']}"), headers=team.smm.headers)
    assert gone.status_code == 204
    listed = client.get(team.url("/review-links"), headers=team.smm.headers).json()
    assert listed[0]["status"] == "revoked"


def test_a_foreign_post_is_not_found_and_a_writer_is_refused(
    client: TestClient, db: Session, team: Team
) -> None:
    other = make_workspace(db)
    foreign = make_post(db, other, team.author.user, [])
    answer = client.post(
        team.url("/review-links"),
        headers=team.smm.headers,
        json={"post_ids": [str(foreign.id)], "reviewer_name": "Clara"},
    )
    assert answer.status_code == 404
    mine = make_post(db, team.ws, team.author.user, team.channels)
    refused = client.post(
        team.url("/review-links"),
        headers=team.author.headers,
        json={"post_ids": [str(mine.id)], "reviewer_name": "Clara"},
    )
    assert refused.status_code == 403
    too_long = client.post(
        team.url("/review-links"),
        headers=team.smm.headers,
        json={"post_ids": [str(mine.id)], "reviewer_name": "Clara", "days": 91},
    )
    assert too_long.status_code == 422

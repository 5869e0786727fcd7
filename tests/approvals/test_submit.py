"""Who may submit a post for review, and what happens without review steps."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import ApprovalStep, AuditEntry
from tests.approvals.conftest import Team, decide, make_post, person, variant_states


def test_without_review_steps_a_submitted_post_is_approved_automatically(
    client: TestClient, db: Session, team: Team
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    response = client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    assert response.status_code == 200, response.text
    assert variant_states(db, post.id) == ["approved", "approved"]
    [decision] = response.json()["decisions"]
    assert decision["decision"] == "approved"
    assert decision["decided_by"] is None
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "post.approved"))
    assert entry.after["automatic"] is True
    assert entry.after["reason"] == "the workspace has no review steps"


def test_only_the_author_or_an_editor_of_any_post_submits(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    colleague = person(db, team.ws, "content_creator")
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    refused = client.post(team.url(f"/posts/{post.id}/submit"), headers=colleague.headers)
    assert refused.status_code == 403
    assert (
        client.post(team.url(f"/posts/{post.id}/submit"), headers=team.brand.headers).status_code
        == 403
    )
    by_manager = client.post(team.url(f"/posts/{post.id}/submit"), headers=team.smm.headers)
    assert by_manager.status_code == 200


def test_a_post_in_review_cannot_be_submitted_twice(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    again = client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    assert again.status_code == 409
    assert "already in review" in again.json()["detail"]


def test_a_post_with_a_blocking_problem_is_not_submitted(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels, text="   ")
    db.commit()
    response = client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert variant_states(db, post.id) == ["draft", "draft"]


def test_another_workspaces_post_is_not_found(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    from tests.factories import make_channel, make_workspace

    elsewhere = make_workspace(db)
    foreign = make_post(db, elsewhere, team.author.user, [make_channel(db, elsewhere)])
    db.commit()
    for method, tail in (("POST", "submit"), ("GET", "decisions"), ("GET", "comments")):
        response = client.request(
            method, team.url(f"/posts/{foreign.id}/{tail}"), headers=team.owner.headers
        )
        assert response.status_code == 404, (tail, response.text)
    decided = decide(client, team, foreign, team.owner)
    assert decided.status_code == 404

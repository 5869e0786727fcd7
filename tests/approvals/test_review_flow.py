"""Submitting a post and taking it through the review steps, as the people involved see it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import ApprovalStep, AuditEntry
from tests.approvals.conftest import Team, decide, make_post, notifications, variant_states


def _audit(db: Session, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_two_steps_three_people_take_a_post_to_approved(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()

    submitted = client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["in_review"] is True
    assert body["review_round"] == 1
    assert body["current_step"]["name"] == "Brand manager"
    assert variant_states(db, post.id) == ["in_review", "in_review"]
    # The brand manager (and the owner, who may decide any step) are asked; nobody else.
    assert len(notifications(db, team.brand, "review_requested")) == 1
    assert len(notifications(db, team.owner, "review_requested")) == 1
    assert notifications(db, team.smm) == []

    first = decide(client, team, post, team.brand, "approved", comment="On brand.")
    assert first.status_code == 201, first.text
    assert first.json()["current_step"]["name"] == "Social media manager"
    assert variant_states(db, post.id) == ["in_review", "in_review"]
    [asked] = notifications(db, team.smm, "review_requested")
    assert asked.payload["post_id"] == str(post.id)
    assert asked.payload["step_name"] == "Social media manager"

    second = decide(client, team, post, team.smm)
    assert second.status_code == 201, second.text
    assert second.json()["in_review"] is False
    assert second.json()["current_step"] is None
    assert variant_states(db, post.id) == ["approved", "approved"]
    [told] = notifications(db, team.author, "post_approved")
    assert told.payload["post_id"] == str(post.id)

    history = client.get(team.url(f"/posts/{post.id}/decisions"), headers=team.analyst.headers)
    assert history.status_code == 200
    decisions = history.json()["decisions"]
    assert [(d["step_name"], d["decision"], d["round"]) for d in decisions] == [
        ("Brand manager", "approved", 1),
        ("Social media manager", "approved", 1),
    ]
    assert decisions[0]["decided_by"] == str(team.brand.id)
    assert decisions[0]["decided_by_name"] == team.brand.user.name
    assert decisions[0]["comment"] == "On brand."
    assert decisions[0]["decided_at"].startswith("2030-03-15T09:00:00")


def test_each_step_of_the_flow_is_in_the_audit_log_with_before_and_after(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels[:1])
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    decide(client, team, post, team.brand)
    decide(client, team, post, team.smm)

    [submitted] = _audit(db, "post.submitted")
    assert submitted.entity_type == "post"
    assert submitted.entity_id == str(post.id)
    assert submitted.actor_user_id == team.author.id
    assert submitted.actor_token_id is not None
    assert list(submitted.before["variant_states"].values()) == ["draft"]
    assert list(submitted.after["variant_states"].values()) == ["in_review"]
    assert (submitted.before["review_round"], submitted.after["review_round"]) == (0, 1)
    steps = _audit(db, "post.step_approved")
    assert {e.actor_user_id for e in steps} == {team.brand.id, team.smm.id}
    assert all(e.after["decision"]["decision"] == "approved" for e in steps)
    [approved] = _audit(db, "post.approved")
    assert list(approved.before["variant_states"].values()) == ["in_review"]
    assert list(approved.after["variant_states"].values()) == ["approved"]


def test_the_author_cannot_approve_their_own_post(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    from tests.approvals.conftest import person

    writer = person(db, team.ws, "content_creator", "reviewer")
    post = make_post(db, team.ws, writer.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=writer.headers)

    refused = decide(client, team, post, writer)
    assert refused.status_code == 403
    assert "separation of duties" in refused.json()["detail"]
    assert variant_states(db, post.id) == ["in_review", "in_review"]
    # Not asked to review their own post, either.
    assert notifications(db, writer, "review_requested") == []


def test_an_owner_may_approve_their_own_post_and_decide_any_step(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.owner.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=team.owner.headers)
    for _ in two_steps:
        decided = decide(client, team, post, team.owner)
        assert decided.status_code == 201, decided.text
    assert variant_states(db, post.id) == ["approved", "approved"]


def test_a_decider_without_the_steps_role_is_refused(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)

    wrong_role = decide(client, team, post, team.smm)
    assert wrong_role.status_code == 403
    assert wrong_role.headers["content-type"] == "application/problem+json"
    assert "'Brand manager' is decided by a reviewer" in wrong_role.json()["detail"]
    no_permission = decide(client, team, post, team.analyst)
    assert no_permission.status_code == 403
    assert variant_states(db, post.id) == ["in_review", "in_review"]


def test_changes_requested_return_the_post_to_draft_until_submitted_again(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    decide(client, team, post, team.brand)

    silent = decide(client, team, post, team.smm, "changes_requested", comment="  ")
    assert silent.status_code == 422
    assert silent.json()["errors"][0]["field"] == "comment"

    changes = decide(client, team, post, team.smm, "changes_requested", comment="Add the link.")
    assert changes.status_code == 201, changes.text
    assert changes.json()["in_review"] is False
    assert variant_states(db, post.id) == ["draft", "draft"]
    [told] = notifications(db, team.author, "changes_requested")
    assert told.payload["comment"] == "Add the link."
    assert told.payload["step_name"] == "Social media manager"

    again = decide(client, team, post, team.brand)
    assert again.status_code == 409
    assert "submit it for review first" in again.json()["detail"]

    resubmitted = client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    assert resubmitted.status_code == 200
    # A new round starts again from the first step.
    assert resubmitted.json()["review_round"] == 2
    assert resubmitted.json()["current_step"]["name"] == "Brand manager"
    assert [d["round"] for d in resubmitted.json()["decisions"]] == [1, 1]


def test_deciding_an_approved_post_is_refused_with_the_reason(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    from orchestre.models import VariantState

    post = make_post(db, team.ws, team.author.user, team.channels, state=VariantState.APPROVED)
    db.commit()
    refused = decide(client, team, post, team.brand)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "This post is not in review: its variants are approved; "
        "only a post in review can be decided."
    )

"""Review steps: who sets them, what is refused, and what happens to posts already in review."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.approvals import service
from orchestre.models import ApprovalStep
from tests.approvals.conftest import Team, decide, make_post, notifications, variant_states

BRAND = {"name": "Brand manager", "role": "reviewer"}
SMM = {"name": "Social media manager", "role": "social_media_manager"}


def test_a_manager_sets_the_ordered_steps_and_members_read_them(
    client: TestClient, team: Team
) -> None:
    put = client.put(
        team.url("/approval-steps"), headers=team.smm.headers, json={"steps": [BRAND, SMM]}
    )
    assert put.status_code == 200, put.text
    assert [(s["position"], s["name"], s["role"]) for s in put.json()["steps"]] == [
        (0, "Brand manager", "reviewer"),
        (1, "Social media manager", "social_media_manager"),
    ]
    got = client.get(team.url("/approval-steps"), headers=team.analyst.headers)
    assert got.status_code == 200
    assert got.json() == put.json()

    reordered = client.put(
        team.url("/approval-steps"), headers=team.owner.headers, json={"steps": [SMM, BRAND]}
    )
    assert [s["name"] for s in reordered.json()["steps"]] == [
        "Social media manager",
        "Brand manager",
    ]
    # Kept steps keep their identity, so their approvals on posts in review still count.
    assert {s["id"] for s in reordered.json()["steps"]} == {s["id"] for s in put.json()["steps"]}


def test_only_workspace_managers_change_steps(client: TestClient, team: Team) -> None:
    for who in (team.author, team.brand, team.analyst):
        refused = client.put(
            team.url("/approval-steps"), headers=who.headers, json={"steps": [BRAND]}
        )
        assert refused.status_code == 403


def test_duplicate_names_and_unknown_roles_are_refused(client: TestClient, team: Team) -> None:
    duplicate = client.put(
        team.url("/approval-steps"),
        headers=team.owner.headers,
        json={"steps": [BRAND, {"name": "brand  manager", "role": "owner"}]},
    )
    assert duplicate.status_code == 422
    [error] = duplicate.json()["errors"]
    assert (error["field"], error["rule"]) == ("steps.1.name", "duplicate")

    unknown = client.put(
        team.url("/approval-steps"),
        headers=team.owner.headers,
        json={"steps": [{"name": "Legal", "role": "lawyer"}]},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "steps.0.role"
    assert client.get(team.url("/approval-steps"), headers=team.owner.headers).json() == {
        "steps": []
    }


def test_the_service_refuses_an_unknown_role_in_words(db: Session, team: Team) -> None:
    import pytest

    from orchestre.errors import Invalid

    with pytest.raises(Invalid) as caught:
        service.replace_steps(db, team.actor(db, team.owner), [service.StepSpec("Legal", "cfo")])
    assert "'cfo' is not a role" in caught.value.errors[0].message


def test_posts_in_review_continue_with_the_new_steps(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
    decide(client, team, post, team.brand)
    legal = {"name": "Legal", "role": "reviewer"}

    client.put(
        team.url("/approval-steps"), headers=team.owner.headers, json={"steps": [BRAND, legal]}
    )
    review = client.get(team.url(f"/posts/{post.id}/decisions"), headers=team.author.headers)
    # Brand manager's approval stands; the new Legal step is now the one to decide.
    assert review.json()["current_step"]["name"] == "Legal"
    assert len(notifications(db, team.brand, "review_requested")) == 2

    client.put(team.url("/approval-steps"), headers=team.owner.headers, json={"steps": [BRAND]})
    # Nothing is left to decide: the post is approved, and its author told so.
    assert variant_states(db, post.id) == ["approved", "approved"]
    assert len(notifications(db, team.author, "post_approved")) == 1


def test_changing_steps_is_in_the_audit_log(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    from sqlalchemy import select

    from orchestre.models import AuditEntry

    client.put(team.url("/approval-steps"), headers=team.owner.headers, json={"steps": [SMM]})
    db.expire_all()
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "approval_steps.replaced"))
    assert [s["name"] for s in entry.before["steps"]] == ["Brand manager", "Social media manager"]
    assert [s["name"] for s in entry.after["steps"]] == ["Social media manager"]

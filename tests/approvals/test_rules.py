"""The review rules on their own: the current step, and who may decide it."""

from __future__ import annotations

import uuid

import pytest

from orchestre.approvals.rules import current_step, refusal_to_decide
from orchestre.models import ApprovalDecision, ApprovalStep
from orchestre.workspaces.permissions import Actor, Role

WS = uuid.uuid4()
AUTHOR = uuid.uuid4()
BRAND = ApprovalStep(id=uuid.uuid4(), workspace_id=WS, position=0, name="Brand", role="reviewer")
SMM = ApprovalStep(
    id=uuid.uuid4(), workspace_id=WS, position=1, name="SMM", role="social_media_manager"
)


def _decision(step: ApprovalStep, round_: int, decision: str = "approved") -> ApprovalDecision:
    return ApprovalDecision(step_id=step.id, step_name=step.name, round=round_, decision=decision)


def _actor(*roles: Role, user_id: uuid.UUID | None = None) -> Actor:
    return Actor(user_id=user_id or uuid.uuid4(), workspace_id=WS, roles=frozenset(roles))


def test_the_current_step_is_the_first_not_approved_in_this_round() -> None:
    steps = [BRAND, SMM]
    assert current_step(steps, [], 1) is BRAND
    assert current_step(steps, [_decision(BRAND, 1)], 1) is SMM
    assert current_step(steps, [_decision(BRAND, 1), _decision(SMM, 1)], 1) is None
    # Approvals of an earlier round do not carry over after changes were requested.
    assert (
        current_step(steps, [_decision(BRAND, 1), _decision(SMM, 1, "changes_requested")], 2)
        is BRAND
    )
    assert current_step([], [], 1) is None


@pytest.mark.parametrize(
    ("roles", "step", "allowed"),
    [
        ((Role.REVIEWER,), BRAND, True),
        ((Role.REVIEWER,), SMM, False),
        ((Role.SOCIAL_MEDIA_MANAGER,), SMM, True),
        ((Role.SOCIAL_MEDIA_MANAGER,), BRAND, False),
        ((Role.OWNER,), SMM, True),
        ((Role.CONTENT_CREATOR,), BRAND, False),
        ((Role.ANALYST,), BRAND, False),
    ],
)
def test_who_may_decide_a_step(roles: tuple[Role, ...], step: ApprovalStep, allowed: bool) -> None:
    assert (refusal_to_decide(_actor(*roles), step, AUTHOR) is None) is allowed


def test_authors_may_not_approve_their_own_post_unless_owner() -> None:
    author = _actor(Role.REVIEWER, Role.CONTENT_CREATOR, user_id=AUTHOR)
    assert "separation of duties" in (refusal_to_decide(author, BRAND, AUTHOR) or "")
    # Asking for changes to one's own post is harmless.
    assert refusal_to_decide(author, BRAND, AUTHOR, "changes_requested") is None
    assert refusal_to_decide(_actor(Role.OWNER, user_id=AUTHOR), BRAND, AUTHOR) is None

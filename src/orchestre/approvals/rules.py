"""The rules of review as pure functions: which step is current, who may decide, valid input."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from orchestre.errors import FieldError, Invalid, TransitionRefused
from orchestre.models import ApprovalDecision, ApprovalStep, Post, PostVariant, VariantState
from orchestre.workspaces.permissions import Actor, Permission, Role

P = Permission
S = VariantState
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
Decision = Literal["approved", "changes_requested"]

MAX_STEPS = 10
MAX_STEP_NAME = 120
MAX_COMMENT = 5000


@dataclass(frozen=True)
class StepSpec:
    """One wanted review step, in order: its name and the role that decides it."""

    name: str
    role: str


def current_step(
    steps: Sequence[ApprovalStep], decisions: Sequence[ApprovalDecision], review_round: int
) -> ApprovalStep | None:
    """The first step without an approval in this round; None when all are approved."""
    approved = {d.step_id for d in decisions if d.round == review_round and d.decision == APPROVED}
    return next((step for step in steps if step.id not in approved), None)


def refusal_to_decide(
    actor: Actor, step: ApprovalStep, author_id: uuid.UUID | None, decision: str = APPROVED
) -> str | None:
    """Why this actor may not take this decision on this step, or None when they may."""
    if actor.has_role(Role.OWNER):
        return None
    if not actor.can(P.POSTS_APPROVE):
        return "Your role does not allow deciding review steps (posts.approve)."
    if not actor.has_role(Role(step.role)):
        return (
            f"The step '{step.name}' is decided by a {role_label(step.role)}, "
            "a role you do not hold in this workspace."
        )
    if decision == APPROVED and author_id == actor.user_id:
        return (
            "You wrote this post, so someone else must approve it (separation of duties); "
            "only an owner may approve their own post."
        )
    return None


@dataclass(frozen=True)
class ExternalReviewer:
    """Someone without an account deciding through a review link (approvals.review_links)."""

    link_id: uuid.UUID
    name: str
    email: str
    step_id: uuid.UUID | None  # the step the link was made to decide, if any
    granted_by: Actor | None  # who made the link, with the roles they hold today


ADVISORY_STEP_NAME = "Outside review"


def counts_for_step(
    reviewer: ExternalReviewer, step: ApprovalStep | None, post: Post, decision: str
) -> bool:
    """An external decision decides a step only when the link was made for that very step
    by someone who may, today, take this decision on this post; otherwise it advises."""
    return (
        step is not None
        and reviewer.step_id == step.id
        and reviewer.granted_by is not None
        and refusal_to_decide(reviewer.granted_by, step, post.created_by, decision) is None
    )


def role_label(role: str) -> str:
    return role.replace("_", " ")


def in_review(post: Post) -> list[PostVariant]:
    return [v for v in post.variants if v.state == S.IN_REVIEW.value]


def not_in_review(post: Post) -> TransitionRefused:
    states = sorted({v.state for v in post.variants})
    if not states:
        why = "it has no variant yet; add a channel and submit it for review"
    elif states == [S.DRAFT.value]:
        why = "it is a draft; submit it for review first"
    else:
        why = f"its variants are {', '.join(states)}; only a post in review can be decided"
    return TransitionRefused(f"This post is not in review: {why}.", code="not_in_review")


def states_of(post: Post) -> dict[str, str]:
    return {str(v.id): v.state for v in post.variants}


def step_dict(step: ApprovalStep | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {"id": str(step.id), "name": step.name, "role": step.role, "position": step.position}


def clean_steps(specs: Sequence[StepSpec]) -> list[StepSpec]:
    errors: list[FieldError] = []
    if len(specs) > MAX_STEPS:
        errors.append(
            FieldError(
                "steps",
                "max_items",
                f"At most {MAX_STEPS} review steps.",
                limit=MAX_STEPS,
                actual=len(specs),
            )
        )
    cleaned: list[StepSpec] = []
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        name = " ".join(spec.name.split())
        where = f"steps.{index}"
        if not name:
            errors.append(FieldError(f"{where}.name", "required", "Give each step a name."))
        elif len(name) > MAX_STEP_NAME:
            errors.append(
                FieldError(
                    f"{where}.name",
                    "max_length",
                    f"A step name has at most {MAX_STEP_NAME} characters.",
                    limit=MAX_STEP_NAME,
                    actual=len(name),
                )
            )
        elif name.casefold() in seen:
            errors.append(
                FieldError(
                    f"{where}.name",
                    "duplicate",
                    f"Two steps are named '{name}'; give each a distinct name.",
                    actual=name,
                )
            )
        seen.add(name.casefold())
        if spec.role not in Role._value2member_map_:
            choices = ", ".join(r.value for r in Role)
            errors.append(
                FieldError(
                    f"{where}.role",
                    "enum",
                    f"'{spec.role}' is not a role; choose one of {choices}.",
                    actual=spec.role,
                )
            )
        cleaned.append(StepSpec(name=name, role=spec.role))
    if errors:
        raise Invalid(
            "The review steps are not valid; see 'errors'.", code="invalid_steps", errors=errors
        )
    return cleaned


def check_comment(decision: str, comment: str) -> None:
    if decision == CHANGES_REQUESTED and not comment:
        raise Invalid(
            "Say what should change: a request for changes needs a comment.",
            code="comment_required",
            errors=[FieldError("comment", "required", "Write what the author should change.")],
        )
    check_comment_length("comment", comment)


def check_comment_length(field: str, text: str) -> None:
    """A comment, on a draft or with a decision, has at most MAX_COMMENT characters."""
    if len(text) > MAX_COMMENT:
        raise Invalid(
            "The comment is too long.",
            code="comment_too_long",
            errors=[
                FieldError(
                    field,
                    "max_length",
                    f"A comment has at most {MAX_COMMENT} characters.",
                    limit=MAX_COMMENT,
                    actual=len(text),
                )
            ],
        )


def excerpt(text: str, size: int = 140) -> str:
    """One line of at most `size` characters, for notifications and lists."""
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"

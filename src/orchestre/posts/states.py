"""The per-variant state machine: which moves are allowed, and why a move is refused."""

from __future__ import annotations

from orchestre.errors import TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.models import PostVariant, VariantState

S = VariantState

# Allowed moves. Anything else is refused with the reason below.
TRANSITIONS: dict[VariantState, frozenset[VariantState]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.APPROVED}),  # APPROVED only when no review step exists
    S.IN_REVIEW: frozenset({S.DRAFT, S.APPROVED}),  # changes requested / all steps approved
    S.APPROVED: frozenset({S.DRAFT, S.SCHEDULED}),  # edited (needs review again) / scheduled
    S.SCHEDULED: frozenset({S.APPROVED, S.DRAFT, S.PUBLISHING}),  # unscheduled / edited / due
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED, S.SCHEDULED}),  # ... / retry later
    S.FAILED: frozenset({S.SCHEDULED, S.DRAFT, S.PUBLISHING}),  # retry / rework / publish now
    S.PUBLISHED: frozenset(),
}

_WHY = {
    S.SCHEDULED: "only an approved variant can be scheduled; it must go through review first",
    S.APPROVED: "a variant is approved only by completing the workspace's review steps",
    S.IN_REVIEW: "only a draft can be submitted for review",
    S.PUBLISHING: "only a scheduled or failed variant can be published",
    S.PUBLISHED: "only a variant being published can be marked published",
    S.FAILED: "only a variant being published can fail",
    S.DRAFT: "a published or publishing variant cannot return to draft",
}


def can_move(current: VariantState, target: VariantState) -> bool:
    return target in TRANSITIONS[current]


def why_not(current: VariantState, target: VariantState) -> str | None:
    """The reason a move is refused, or None when it is allowed."""
    if can_move(current, target):
        return None
    return f"Cannot move from {current.value} to {target.value}: {_WHY[target]}."


def move(variant: PostVariant, target: VariantState) -> None:
    """Change a variant's state, or raise TransitionRefused saying which rule forbids it."""
    reason = why_not(VariantState(variant.state), target)
    if reason is not None:
        raise TransitionRefused(reason, code="transition_refused")
    variant.state = target.value
    variant.state_changed_at = utcnow()


EDITABLE_STATES = frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.FAILED})
# Content edits in these states void the review: the variant goes back to draft.
REVIEWED_STATES = frozenset({S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.FAILED})
# Already on the network, or on its way: the content is frozen.
LOCKED_STATES = frozenset({S.PUBLISHING, S.PUBLISHED})

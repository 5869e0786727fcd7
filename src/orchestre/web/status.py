"""The one status language: the states people see, and the one state a whole post shows."""

from __future__ import annotations

from orchestre.models import VariantState
from orchestre.posts.service import PostView

S = VariantState

# Every state a badge can show, in the order of the workflow (also the legend's order).
STATES = (
    "draft",
    "in_review",
    "approved",
    "scheduled",
    "publishing",
    "published",
    "failed",
    "paused",
)

# A post with variants in several states shows the one that needs attention first.
_ATTENTION = (S.FAILED, S.PUBLISHING, S.IN_REVIEW, S.DRAFT, S.APPROVED, S.SCHEDULED, S.PUBLISHED)


def post_status(view: PostView, paused: bool = False) -> str:
    states = {item.variant.state for item in view.variants}
    for state in _ATTENTION:
        if state.value in states:
            if state is S.SCHEDULED and paused:
                # Crisis mode holds scheduled posts: say so instead of promising a time.
                return "paused"
            return state.value
    return S.DRAFT.value

"""API models of the approvals domain: review steps, decisions, the queue, comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestre.workspaces.permissions import Role

# JSON carries ids and roles as strings; strict mode would refuse them, so these two
# fields accept their string form (and nothing else).
JsonUUID = Annotated[uuid.UUID, Field(strict=False)]
JsonRole = Annotated[Role, Field(strict=False)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ApprovalStepCreate(_Input):
    name: str = Field(min_length=1, max_length=120, examples=["Brand manager"])
    role: JsonRole = Field(description="The role a member must hold to decide this step.")


class ApprovalStepsUpdate(_Input):
    steps: list[ApprovalStepCreate] = Field(
        max_length=10,
        description="The ordered list that replaces the current one; an empty list "
        "means posts are approved as soon as they are submitted.",
    )


class ApprovalStep(_Output):
    id: uuid.UUID
    position: int
    name: str
    role: str


class ApprovalSteps(_Output):
    steps: list[ApprovalStep]


class DecisionCreate(_Input):
    decision: Literal["approved", "changes_requested"]
    comment: str = Field(
        default="",
        max_length=5000,
        description="Required when requesting changes: what the author should change.",
    )


class Decision(_Output):
    id: uuid.UUID
    step_id: uuid.UUID | None
    step_name: str
    round: int
    decision: str
    comment: str
    decided_by: uuid.UUID | None
    decided_by_name: str | None
    decided_at: datetime


class Review(_Output):
    post_id: uuid.UUID
    review_round: int
    in_review: bool
    current_step: ApprovalStep | None = Field(
        description="The step waiting for a decision; null when the post is not in review."
    )
    steps: list[ApprovalStep]
    decisions: list[Decision] = Field(description="Every decision, oldest first.")


class QueueItem(_Output):
    post_id: uuid.UUID
    title: str
    excerpt: str
    author_id: uuid.UUID | None
    author_name: str | None
    step_id: uuid.UUID
    step_name: str
    step_role: str
    review_round: int
    submitted_at: datetime


class QueuePage(_Output):
    items: list[QueueItem]
    next_cursor: str | None


class CommentCreate(_Input):
    body: str = Field(
        min_length=1,
        max_length=5000,
        description="Markdown-free text; '@someone@example.com' mentions a member.",
    )
    mentions: list[JsonUUID] = Field(
        default_factory=list,
        max_length=50,
        description="Members to mention by user id, in addition to those named in the body.",
    )


class Comment(_Output):
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    mentioned_user_ids: list[uuid.UUID]
    created_at: datetime


class CommentPage(_Output):
    items: list[Comment]
    next_cursor: str | None

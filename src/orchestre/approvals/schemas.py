"""API models of the approvals domain: review steps, decisions, the queue, comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, Lax, LaxUUID, OutputModel
from orchestre.workspaces.permissions import Role


class ApprovalStepCreate(InputModel):
    name: str = Field(min_length=1, max_length=120, examples=["Brand manager"])
    role: Lax[Role] = Field(description="The role a member must hold to decide this step.")


class ApprovalStepsUpdate(InputModel):
    steps: list[ApprovalStepCreate] = Field(
        max_length=10,
        description="The ordered list that replaces the current one; an empty list "
        "means posts are approved as soon as they are submitted.",
    )


class ApprovalStep(OutputModel):
    id: uuid.UUID
    position: int
    name: str
    role: str


class ApprovalSteps(OutputModel):
    steps: list[ApprovalStep]


class DecisionCreate(InputModel):
    decision: Literal["approved", "changes_requested"]
    comment: str = Field(
        default="",
        max_length=5000,
        description="Required when requesting changes: what the author should change.",
    )


class Decision(OutputModel):
    id: uuid.UUID
    step_id: uuid.UUID | None
    step_name: str
    round: int
    decision: str
    comment: str
    decided_by: uuid.UUID | None
    decided_by_name: str | None
    decided_at: datetime


class Review(OutputModel):
    post_id: uuid.UUID
    review_round: int
    in_review: bool
    current_step: ApprovalStep | None = Field(
        description="The step waiting for a decision; null when the post is not in review."
    )
    steps: list[ApprovalStep]
    decisions: list[Decision] = Field(description="Every decision, oldest first.")


class QueueItem(OutputModel):
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


class QueuePage(CursorPage[QueueItem]):
    pass


class CommentCreate(InputModel):
    body: str = Field(
        min_length=1,
        max_length=5000,
        description="Markdown-free text; '@someone@example.com' mentions a member.",
    )
    mentions: list[LaxUUID] = Field(
        default_factory=list,
        max_length=50,
        description="Members to mention by user id, in addition to those named in the body.",
    )


class Comment(OutputModel):
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    mentioned_user_ids: list[uuid.UUID]
    created_at: datetime


class CommentPage(CursorPage[Comment]):
    pass

"""JSON routes of the approvals domain: review steps, submit, decide, queue, comments."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from orchestre.apischema import problems
from orchestre.approvals import comments, service
from orchestre.approvals.rules import StepSpec
from orchestre.approvals.schemas import (
    ApprovalSteps,
    ApprovalStepsUpdate,
    Comment,
    CommentCreate,
    CommentPage,
    DecisionCreate,
    QueuePage,
    Review,
)
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery

router = APIRouter(tags=["approvals"])

WS = "/workspaces/{workspace_id}"
POST = WS + "/posts/{post_id}"


@router.get(WS + "/approval-steps", response_model=ApprovalSteps, responses=problems())
def get_steps(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> ApprovalSteps:
    """The workspace's review steps, in the order a post goes through them."""
    steps = service.list_steps(db, actor)
    return ApprovalSteps.model_validate({"steps": steps})


@router.put(WS + "/approval-steps", response_model=ApprovalSteps, responses=problems(422))
def put_steps(
    workspace_id: uuid.UUID, body: ApprovalStepsUpdate, actor: CurrentActor, db: DB
) -> ApprovalSteps:
    """Replace the ordered review steps. Posts already in review continue with the new
    steps: a step kept under the same name and role keeps its approvals, a new step must
    still be decided, and a post with nothing left to decide is approved."""
    specs = [StepSpec(name=s.name, role=s.role.value) for s in body.steps]
    steps = service.replace_steps(db, actor, specs)
    return ApprovalSteps.model_validate({"steps": steps})


@router.post(POST + "/submit", response_model=Review, responses=problems(409, 422))
def submit(workspace_id: uuid.UUID, post_id: uuid.UUID, actor: CurrentActor, db: DB) -> Review:
    """Send the post's draft variants for review (approved at once when there is no step)."""
    return Review.model_validate(service.submit(db, actor, post_id))


@router.post(
    POST + "/decisions",
    response_model=Review,
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, 422),
)
def decide(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    body: DecisionCreate,
    actor: CurrentActor,
    db: DB,
) -> Review:
    """Decide the post's current review step: approve it, or request changes with a comment."""
    review = service.decide(db, actor, post_id, body.decision, body.comment)
    return Review.model_validate(review)


@router.get(POST + "/decisions", response_model=Review, responses=problems())
def decisions(workspace_id: uuid.UUID, post_id: uuid.UUID, actor: CurrentActor, db: DB) -> Review:
    """Who decided what and when, and the step waiting for a decision."""
    return Review.model_validate(service.review_of(db, actor, post_id))


@router.get(WS + "/approvals/queue", response_model=QueuePage, responses=problems(422))
def queue(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> QueuePage:
    """Posts waiting for a decision you may take, oldest submission first."""
    page = service.queue_page(db, actor, cursor, limit)
    return QueuePage.model_validate(page)


@router.get(POST + "/comments", response_model=CommentPage, responses=problems(422))
def list_comments(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> CommentPage:
    """The post's comments, oldest first."""
    page = comments.list_comments(db, actor, post_id, cursor, limit)
    return CommentPage.model_validate(page)


@router.post(
    POST + "/comments",
    response_model=Comment,
    status_code=status.HTTP_201_CREATED,
    responses=problems(422),
)
def add_comment(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    body: CommentCreate,
    actor: CurrentActor,
    db: DB,
) -> Comment:
    """Comment on a post; '@member@example.com' in the text, or `mentions`, notifies them."""
    view = comments.add_comment(db, actor, post_id, body.body, body.mentions)
    return Comment.model_validate(view)


@router.delete(
    POST + "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(),
)
def delete_comment(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    comment_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
) -> Response:
    """Delete one of your own comments."""
    comments.delete_comment(db, actor, post_id, comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Approval use cases: review steps, submitting, deciding, the approval queue.

A post is *in review* while at least one of its variants is in review. Its current step
is the first configured step without an "approved" decision in the post's current
review round; a request for changes sends the post back to draft, and the next
submission starts a new round from the first step.

Changing the steps while posts are in review: those posts continue with the new list.
A step is kept (with its approvals) when a step of the same name and role remains;
new steps must still be decided; when nothing is left to decide, the post is approved
automatically. Comments on drafts live in `approvals.comments`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.approvals import repository as repo
from orchestre.approvals.rules import (
    ADVISORY_STEP_NAME,
    APPROVED,
    CHANGES_REQUESTED,
    check_comment,
    clean_steps,
    counts_for_step,
    current_step,
    excerpt,
    in_review,
    not_in_review,
    refusal_to_decide,
    states_of,
    step_dict,
)
from orchestre.approvals.rules import Decision as Decision  # re-exported for callers
from orchestre.approvals.rules import ExternalReviewer as ExternalReviewer  # re-exported
from orchestre.approvals.rules import StepSpec as StepSpec  # re-exported for callers
from orchestre.audit.service import record
from orchestre.errors import Forbidden, NotFound, TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, decode_cursor_or_invalid
from orchestre.models import ApprovalDecision, ApprovalStep, Post, PostVariant, VariantState
from orchestre.posts.service import assert_ready_for_review, load_post
from orchestre.posts.states import move
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission, Role, permissions_of

P = Permission
S = VariantState

AUTOMATIC_STEP_NAME = "No review steps"


@dataclass(frozen=True)
class DecisionView:
    id: uuid.UUID
    step_id: uuid.UUID | None
    step_name: str
    round: int
    decision: str
    comment: str
    decided_by: uuid.UUID | None
    decided_by_name: str | None
    decided_at: datetime
    # Through a review link: the reviewer's email, and whether the decision only advises.
    via_review_link: bool = False
    reviewer_email: str = ""
    advisory: bool = False


@dataclass(frozen=True)
class Review:
    """Where a post stands in review: the steps, the current one, and every decision."""

    post_id: uuid.UUID
    review_round: int
    in_review: bool
    current_step: ApprovalStep | None
    steps: list[ApprovalStep]
    decisions: list[DecisionView]


@dataclass(frozen=True)
class QueueItem:
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


# --- rules ------------------------------------------------------------------------


def deciders(
    session: Session, workspace_id: uuid.UUID, step: ApprovalStep, author_id: uuid.UUID | None
) -> set[uuid.UUID]:
    """Members who could decide this step on a post by this author (owners always can)."""
    found: set[uuid.UUID] = set()
    for user_id, role_names in repo.member_roles(session, workspace_id).items():
        roles = frozenset(Role(r) for r in role_names if r in Role._value2member_map_)
        holds_step = Role(step.role) in roles and P.POSTS_APPROVE in permissions_of(roles)
        if Role.OWNER in roles or (holds_step and user_id != author_id):
            found.add(user_id)
    return found


def _ask_deciders(session: Session, actor: Actor | None, post: Post, step: ApprovalStep) -> None:
    """Tell who can decide this step that a post waits for them (not the one acting)."""
    ws = post.workspace_id
    notify(
        session,
        ws,
        deciders(session, ws, step, post.created_by) - {_user_of(actor)},
        "review_requested",
        _post_payload(post, step_id=str(step.id), step_name=step.name, round=post.review_round),
    )


def _user_of(actor: Actor | None) -> uuid.UUID | None:
    """Who acts: None for a reviewer without an account, through a review link."""
    return actor.user_id if actor is not None else None


def _post_payload(post: Post, **extra: Any) -> dict[str, Any]:
    return {"post_id": str(post.id), "post_title": post.title, **extra}


# --- review steps -----------------------------------------------------------------


def list_steps(session: Session, actor: Actor) -> list[ApprovalStep]:
    actor.require(P.WORKSPACE_VIEW)
    return repo.list_steps(session, actor.workspace_id)


def replace_steps(session: Session, actor: Actor, specs: Sequence[StepSpec]) -> list[ApprovalStep]:
    """Set the workspace's ordered review steps; posts in review continue with the new list."""
    actor.require(P.WORKSPACE_MANAGE)
    cleaned = clean_steps(specs)
    ws = actor.workspace_id
    old = repo.list_steps(session, ws)
    before = {"steps": [step_dict(s) for s in old]}
    previous = _current_steps(session, ws, old)
    remaining = {(s.name, s.role): s for s in old}
    kept = [remaining.pop((c.name, c.role), None) for c in cleaned]
    repo.delete_steps(session, remaining.values())
    repo.park_steps(session, [s for s in kept if s is not None])
    steps: list[ApprovalStep] = []
    for position, (spec, existing) in enumerate(zip(cleaned, kept, strict=True)):
        if existing is None:
            existing = repo.add_step(session, ws, position, spec.name, spec.role)
        existing.position = position
        steps.append(existing)
    session.flush()
    record(
        session,
        actor,
        "approval_steps.replaced",
        "workspace",
        ws,
        before=before,
        after={"steps": [step_dict(s) for s in steps]},
    )
    _continue_reviews(session, actor, steps, previous)
    return steps


def _current_steps(
    session: Session, workspace_id: uuid.UUID, steps: Sequence[ApprovalStep]
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Post in review -> id of its current step, under these steps."""
    post_ids = list(repo.submitted_times(session, workspace_id))
    posts = {p.id: p for p in repo.posts_by_ids(session, workspace_id, post_ids)}
    by_post = _decisions_by_post(session, workspace_id, post_ids)
    out: dict[uuid.UUID, uuid.UUID | None] = {}
    for post_id, post in posts.items():
        step = current_step(steps, by_post[post_id], post.review_round)
        out[post_id] = step.id if step else None
    return out


def _continue_reviews(
    session: Session,
    actor: Actor,
    steps: Sequence[ApprovalStep],
    previous: dict[uuid.UUID, uuid.UUID | None],
) -> None:
    """After the steps changed: approve what has nothing left to decide, tell new deciders."""
    ws = actor.workspace_id
    posts = repo.posts_by_ids(session, ws, list(previous))
    by_post = _decisions_by_post(session, ws, list(previous))
    for post in posts:
        step = current_step(steps, by_post[post.id], post.review_round)
        if step is None:
            variants = repo.in_review_variants(session, ws, post.id)
            _approve(session, actor, post, variants, automatic="the review steps changed")
        elif step.id != previous.get(post.id):
            _ask_deciders(session, actor, post, step)


def _decisions_by_post(
    session: Session, workspace_id: uuid.UUID, post_ids: Sequence[uuid.UUID]
) -> defaultdict[uuid.UUID, list[ApprovalDecision]]:
    grouped: defaultdict[uuid.UUID, list[ApprovalDecision]] = defaultdict(list)
    for decision in repo.decisions_for(session, workspace_id, post_ids):
        grouped[decision.post_id].append(decision)
    return grouped


def _approve(
    session: Session,
    actor: Actor | None,
    post: Post,
    variants: Sequence[PostVariant],
    automatic: str | None = None,
) -> None:
    """Every variant in review becomes approved, and the author hears of it."""
    before = {str(v.id): v.state for v in variants}
    for variant in variants:
        move(variant, S.APPROVED)
    after: dict[str, Any] = {
        "variant_states": {str(v.id): v.state for v in variants},
        "review_round": post.review_round,
    }
    if automatic is not None:
        after.update(automatic=True, reason=automatic)
    record(
        session,
        actor,
        "post.approved",
        "post",
        post.id,
        before={"variant_states": before, "review_round": post.review_round},
        after=after,
        workspace_id=post.workspace_id,
    )
    if post.created_by is not None and post.created_by != _user_of(actor):
        notify(
            session,
            post.workspace_id,
            [post.created_by],
            "post_approved",
            _post_payload(post, round=post.review_round),
        )


# --- submit and decide ------------------------------------------------------------


def _lock(session: Session, actor: Actor, post_id: uuid.UUID) -> None:
    if not repo.lock_post(session, actor.workspace_id, post_id):
        raise NotFound("Post not found in this workspace.", code="post_not_found")


def submit(session: Session, actor: Actor, post_id: uuid.UUID) -> Review:
    """Send a post's draft variants for review, or approve them when there is no step."""
    actor.require(P.POSTS_SUBMIT)
    _lock(session, actor, post_id)
    post = load_post(session, actor, post_id)
    if post.created_by != actor.user_id and not actor.can(P.POSTS_EDIT_ANY):
        raise Forbidden(
            "Only the author of this post, or someone who may edit any post, "
            "can submit it for review.",
            code="not_post_author",
        )
    post = assert_ready_for_review(session, actor, post_id)
    if in_review(post):
        raise TransitionRefused(
            "This post is already in review; wait for the reviewers' "
            "decision before submitting it again.",
            code="already_in_review",
        )
    drafts = [v for v in post.variants if v.state == S.DRAFT.value]
    if not drafts:
        raise TransitionRefused(
            "Nothing to submit: no variant of this post is a draft. Edit "
            "the post to make a new draft first.",
            code="nothing_to_submit",
        )
    before = {"variant_states": states_of(post), "review_round": post.review_round}
    post.review_round += 1
    steps = repo.list_steps(session, actor.workspace_id)
    if not steps:
        repo.add_decision(
            session,
            ApprovalDecision(
                workspace_id=actor.workspace_id,
                post_id=post.id,
                step_id=None,
                step_name=AUTOMATIC_STEP_NAME,
                round=post.review_round,
                decision=APPROVED,
                comment="Approved automatically: the workspace has no review steps.",
                decided_by=None,
                decided_at=utcnow(),
            ),
        )
        _approve(session, actor, post, drafts, automatic="the workspace has no review steps")
    else:
        for variant in drafts:
            move(variant, S.IN_REVIEW)
        _ask_deciders(session, actor, post, steps[0])
    record(
        session,
        actor,
        "post.submitted",
        "post",
        post.id,
        before=before,
        after={"variant_states": states_of(post), "review_round": post.review_round},
    )
    session.flush()
    return _review(session, post)


def decide(
    session: Session, actor: Actor, post_id: uuid.UUID, decision: Decision, comment: str = ""
) -> Review:
    """Approve the post's current step, or request changes (which needs a comment)."""
    actor.require(P.POSTS_APPROVE)
    _lock(session, actor, post_id)
    post = load_post(session, actor, post_id)
    comment = comment.strip()
    check_comment(decision, comment)
    variants = in_review(post)
    if not variants:
        raise not_in_review(post)
    ws = actor.workspace_id
    steps = repo.list_steps(session, ws)
    decisions = repo.decisions_for(session, ws, [post.id])
    step = current_step(steps, decisions, post.review_round)
    if step is None:
        raise TransitionRefused(
            "Every review step of this post is already approved.", code="nothing_to_decide"
        )
    refusal = refusal_to_decide(actor, step, post.created_by, decision)
    if refusal is not None:
        raise Forbidden(refusal, code="not_your_step")
    before = {
        "variant_states": states_of(post),
        "review_round": post.review_round,
        "current_step": step_dict(step),
    }
    row = repo.add_decision(
        session,
        ApprovalDecision(
            workspace_id=ws,
            post_id=post.id,
            step_id=step.id,
            step_name=step.name,
            round=post.review_round,
            decision=decision,
            comment=comment,
            decided_by=actor.user_id,
            decided_at=utcnow(),
        ),
    )
    decided = {"step": step_dict(step), "decision": decision, "comment": comment}
    if decision == CHANGES_REQUESTED:
        _request_changes(session, actor, post, variants, step, comment)
        action, nxt = "post.changes_requested", None
    else:
        nxt = current_step(steps, [*decisions, row], post.review_round)
        if nxt is None:
            _approve(session, actor, post, variants)
        else:
            _ask_deciders(session, actor, post, nxt)
        action = "post.step_approved"
    record(
        session,
        actor,
        action,
        "post",
        post.id,
        before=before,
        after={
            "variant_states": states_of(post),
            "review_round": post.review_round,
            "current_step": step_dict(nxt),
            "decision": decided,
        },
    )
    session.flush()
    return _review(session, post)


def decide_external(
    session: Session,
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    reviewer: ExternalReviewer,
    decision: Decision,
    comment: str = "",
) -> bool:
    """Record a review link's decision in the post's history; True when it decided the
    current step (as `decide` would), False when it is advisory and changes nothing."""
    post = repo.post_with_variants(session, workspace_id, post_id, lock=True)
    if post is None:
        raise NotFound("Post not found in this workspace.", code="post_not_found")
    comment = comment.strip()
    check_comment(decision, comment)
    variants = in_review(post)
    steps = repo.list_steps(session, workspace_id)
    decisions = repo.decisions_for(session, workspace_id, [post.id])
    step = current_step(steps, decisions, post.review_round) if variants else None
    counted = counts_for_step(reviewer, step, post, decision)
    row = repo.add_decision(
        session,
        ApprovalDecision(
            workspace_id=workspace_id,
            post_id=post.id,
            step_id=step.id if counted and step is not None else None,
            step_name=step.name if step is not None else ADVISORY_STEP_NAME,
            round=post.review_round,
            decision=decision,
            comment=comment,
            decided_by=None,
            decided_at=utcnow(),
            review_link_id=reviewer.link_id,
            reviewer_name=reviewer.name,
            reviewer_email=reviewer.email,
            advisory=not counted,
        ),
    )
    decided = {
        "step": step_dict(step),
        "decision": decision,
        "comment": comment,
        "review_link_id": str(reviewer.link_id),
        "reviewer": reviewer.name,
        "advisory": not counted,
    }
    before = {"variant_states": states_of(post), "review_round": post.review_round}
    action = "post.advisory_decision"
    if counted and step is not None:
        if decision == CHANGES_REQUESTED:
            _request_changes(session, None, post, variants, step, comment)
            action = "post.changes_requested"
        else:
            nxt = current_step(steps, [*decisions, row], post.review_round)
            if nxt is None:
                _approve(session, None, post, variants)
            else:
                _ask_deciders(session, None, post, nxt)
            action = "post.step_approved"
    record(
        session,
        None,
        action,
        "post",
        post.id,
        before=before,
        after={"variant_states": states_of(post), "decision": decided},
        workspace_id=workspace_id,
    )
    session.flush()
    return counted


def _request_changes(
    session: Session,
    actor: Actor | None,
    post: Post,
    variants: Sequence[PostVariant],
    step: ApprovalStep,
    comment: str,
) -> None:
    for variant in variants:
        move(variant, S.DRAFT)
    if post.created_by is not None and post.created_by != _user_of(actor):
        notify(
            session,
            post.workspace_id,
            [post.created_by],
            "changes_requested",
            _post_payload(
                post,
                step_id=str(step.id),
                step_name=step.name,
                round=post.review_round,
                comment=excerpt(comment),
                decided_by=str(actor.user_id) if actor is not None else None,
            ),
        )


# --- reading ----------------------------------------------------------------------


def review_of(session: Session, actor: Actor, post_id: uuid.UUID) -> Review:
    """The decision history of a post and, while it is in review, its current step."""
    actor.require(P.POSTS_VIEW)
    return _review(session, load_post(session, actor, post_id))


def _review(session: Session, post: Post) -> Review:
    steps = repo.list_steps(session, post.workspace_id)
    decisions = repo.decisions_for(session, post.workspace_id, [post.id])
    names = repo.user_names(session, (d.decided_by for d in decisions))
    position: dict[uuid.UUID | None, int] = {step.id: step.position for step in steps}
    # Decisions taken within one clock tick still read in the order the steps go.
    ordered = sorted(
        decisions,
        key=lambda d: (
            d.round,
            d.decided_at,
            d.decision != APPROVED,
            position.get(d.step_id, len(steps)),
        ),
    )
    under_review = bool(in_review(post))
    views = [
        DecisionView(
            id=d.id,
            step_id=d.step_id,
            step_name=d.step_name,
            round=d.round,
            decision=d.decision,
            comment=d.comment,
            decided_by=d.decided_by,
            decided_by_name=(
                names.get(d.decided_by) if d.decided_by else (d.reviewer_name or None)
            ),
            decided_at=d.decided_at,
            via_review_link=d.review_link_id is not None,
            reviewer_email=d.reviewer_email,
            advisory=d.advisory,
        )
        for d in ordered
    ]
    return Review(
        post_id=post.id,
        review_round=post.review_round,
        in_review=under_review,
        current_step=current_step(steps, decisions, post.review_round) if under_review else None,
        steps=steps,
        decisions=views,
    )


def queue_for(session: Session, actor: Actor) -> list[QueueItem]:
    """Posts in review whose current step this actor may decide, oldest submission first."""
    actor.require(P.POSTS_VIEW)
    if not actor.can(P.POSTS_APPROVE):
        return []
    ws = actor.workspace_id
    submitted = repo.submitted_times(session, ws)
    posts = repo.posts_by_ids(session, ws, list(submitted))
    steps = repo.list_steps(session, ws)
    by_post = _decisions_by_post(session, ws, [p.id for p in posts])
    names = repo.user_names(session, (p.created_by for p in posts))
    items: list[QueueItem] = []
    for post in posts:
        step = current_step(steps, by_post[post.id], post.review_round)
        if step is None or refusal_to_decide(actor, step, post.created_by) is not None:
            continue
        items.append(
            QueueItem(
                post_id=post.id,
                title=post.title,
                excerpt=excerpt(post.base_text),
                author_id=post.created_by,
                author_name=names.get(post.created_by) if post.created_by else None,
                step_id=step.id,
                step_name=step.name,
                step_role=step.role,
                review_round=post.review_round,
                submitted_at=submitted[post.id] or post.updated_at,
            )
        )
    items.sort(key=lambda i: (i.submitted_at, i.post_id))
    return items


def queue_page(
    session: Session, actor: Actor, cursor: str | None = None, limit: int = 50
) -> Page[QueueItem]:
    after = decode_cursor_or_invalid(cursor)
    items = queue_for(session, actor)
    if after is not None:
        items = [i for i in items if (i.submitted_at, i.post_id) > after.position()]
    return Page.from_rows(items, limit, key=lambda item: (item.submitted_at, item.post_id))

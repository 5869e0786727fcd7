"""Review links: a signed, expiring address for a reviewer without an account.

A member with review_links.manage picks posts, names the reviewer, and gets an address
(`/review/<token>`, shown once). Through it the reviewer sees those posts and approves
them, requests changes or comments; each act lands in the post's approval history under
the reviewer's name, "via review link". Whether an approval decides a review step is
`rules.counts_for_step`: only for the step the link was made for, by someone who may
decide it. Any failure to open a link (unknown, altered, expired, revoked) is the same
404, so the answer tells a guesser nothing. See docs/review-links.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from orchestre.approvals import comments
from orchestre.approvals import repository as approvals_repo
from orchestre.approvals import review_links_repository as repo
from orchestre.approvals import service as approvals
from orchestre.approvals.review_links_tokens import LinkSigner
from orchestre.approvals.rules import refusal_to_decide
from orchestre.audit.service import record
from orchestre.errors import FieldError, Forbidden, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import constant_time_equals, token_hash
from orchestre.models import (
    ApprovalDecision,
    Channel,
    MediaAsset,
    Post,
    PostComment,
    PostVariant,
    ReviewLink,
)
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
DEFAULT_DAYS = 7
MAX_DAYS = 90
MAX_POSTS = 50
# An open is written down at most this often per link, so reloading is not an audit flood.
OPEN_RECORD_EVERY = timedelta(hours=1)
Status = Literal["active", "expired", "revoked"]
Act = Literal["approved", "changes_requested", "comment"]


@dataclass(frozen=True)
class LinkInput:
    post_ids: Sequence[uuid.UUID]
    reviewer_name: str
    reviewer_email: str = ""
    days: int = DEFAULT_DAYS
    allow_decisions: bool = True
    step_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Created:
    """A link just made: the token is in the address and is shown only this once."""

    link: ReviewLink
    token: str

    @property
    def path(self) -> str:
        return f"/review/{self.token}"


@dataclass(frozen=True)
class LinkView:
    """A link as the team sees it: who, which posts, until when, and its use."""

    link: ReviewLink
    status: Status
    post_ids: list[uuid.UUID]
    decisions: int
    comments: int


@dataclass(frozen=True)
class PublicVariant:
    variant: PostVariant
    channel: Channel
    media: tuple[MediaAsset, ...] = ()  # its files, in the variant's order


@dataclass(frozen=True)
class PublicPost:
    """What the reviewer sees of one post: its variants, and what they did on it."""

    post: Post
    variants: list[PublicVariant]
    decisions: list[ApprovalDecision] = field(default_factory=list)
    comments: list[PostComment] = field(default_factory=list)

    @property
    def in_review(self) -> bool:
        return any(v.variant.state == "in_review" for v in self.variants)


@dataclass(frozen=True)
class PublicReview:
    link: ReviewLink
    workspace_name: str
    posts: list[PublicPost]


def status_of(link: ReviewLink, now: datetime | None = None) -> Status:
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= (now or utcnow()) else "active"


# --- the team's side --------------------------------------------------------------------


def _clean(session: Session, actor: Actor, data: LinkInput) -> tuple[str, str, list[uuid.UUID]]:
    errors: list[FieldError] = []
    name = " ".join(data.reviewer_name.split())
    email = data.reviewer_email.strip()
    if not name:
        errors.append(FieldError("reviewer_name", "required", "Give the reviewer's name."))
    elif len(name) > 120:
        errors.append(
            FieldError("reviewer_name", "max_length", "A name has at most 120 characters.")
        )
    if email and ("@" not in email or len(email) > 254 or " " in email):
        errors.append(FieldError("reviewer_email", "email", "This is not an email address."))
    if not 1 <= data.days <= MAX_DAYS:
        errors.append(FieldError("days", "range", "A review link lasts 1 to 90 days."))
    post_ids = list(dict.fromkeys(data.post_ids))
    if not post_ids:
        errors.append(FieldError("post_ids", "required", "Choose at least one post."))
    elif len(post_ids) > MAX_POSTS:
        errors.append(FieldError("post_ids", "max_items", "A review link holds at most 50 posts."))
    if errors:
        raise Invalid(
            "The review link is not valid; see 'errors'.", code="invalid_review_link", errors=errors
        )
    if repo.existing_post_ids(session, actor.workspace_id, post_ids) != set(post_ids):
        raise NotFound("Post not found in this workspace.", code="post_not_found")
    return name, email, post_ids


def _step_for(session: Session, actor: Actor, data: LinkInput) -> tuple[uuid.UUID | None, str]:
    """The step a link may decide: one the maker may decide themselves."""
    if data.step_id is None:
        return None, ""
    step = next(
        (s for s in approvals_repo.list_steps(session, actor.workspace_id) if s.id == data.step_id),
        None,
    )
    if step is None:
        raise NotFound("Review step not found in this workspace.", code="step_not_found")
    if not data.allow_decisions:
        raise Invalid(
            "A link that may only comment cannot decide a review step.",
            code="invalid_review_link",
            errors=[FieldError("step_id", "conflict", "Allow decisions, or choose no step.")],
        )
    if refusal_to_decide(actor, step, None) is not None:
        raise Forbidden(
            "You may only give a review link a step that you may decide yourself.",
            code="not_your_step",
        )
    return step.id, step.name


def create_link(session: Session, actor: Actor, signer: LinkSigner, data: LinkInput) -> Created:
    """A new link over these posts; the token is returned once and stored only hashed."""
    actor.require(P.REVIEW_LINKS_MANAGE)
    name, email, post_ids = _clean(session, actor, data)
    step_id, step_name = _step_for(session, actor, data)
    link_id = uuid.uuid4()
    token = signer.new_token(link_id)
    link = repo.add_link(
        session,
        ReviewLink(
            id=link_id,
            workspace_id=actor.workspace_id,
            created_by=actor.user_id,
            reviewer_name=name,
            reviewer_email=email,
            token_hash=token_hash(token),
            allow_decisions=data.allow_decisions,
            step_id=step_id,
            step_name=step_name,
            expires_at=utcnow() + timedelta(days=data.days),
            open_count=0,
        ),
        post_ids,
    )
    record(
        session,
        actor,
        "review_link.created",
        "review_link",
        link.id,
        after={
            "reviewer_name": name,
            "reviewer_email": email,
            "post_ids": post_ids,
            "allow_decisions": data.allow_decisions,
            "step_id": step_id,
            "expires_at": link.expires_at,
        },
    )
    return Created(link, token)


def list_links(session: Session, actor: Actor) -> list[LinkView]:
    actor.require(P.REVIEW_LINKS_MANAGE)
    links = repo.list_links(session, actor.workspace_id)
    ids = [link.id for link in links]
    posts = repo.link_post_ids(session, ids)
    decisions, written = repo.use_counts(session, actor.workspace_id, ids)
    now = utcnow()
    return [
        LinkView(
            link=link,
            status=status_of(link, now),
            post_ids=posts[link.id],
            decisions=decisions.get(link.id, 0),
            comments=written.get(link.id, 0),
        )
        for link in links
    ]


UNSHAREABLE = frozenset({"published", "publishing"})


def candidate_posts(session: Session, actor: Actor, limit: int = 100) -> list[Post]:
    """Posts worth showing a reviewer: recent ones not all published, posts in review first."""
    actor.require(P.REVIEW_LINKS_MANAGE)
    posts = [
        p
        for p in repo.recent_posts(session, actor.workspace_id, limit)
        if p.variants and not all(v.state in UNSHAREABLE for v in p.variants)
    ]
    in_review = [p for p in posts if any(v.state == "in_review" for v in p.variants)]
    return in_review + [p for p in posts if p not in in_review]


def _own_link(session: Session, actor: Actor, link_id: uuid.UUID) -> ReviewLink:
    actor.require(P.REVIEW_LINKS_MANAGE)
    link = repo.get_link(session, actor.workspace_id, link_id)
    if link is None:
        raise NotFound("Review link not found in this workspace.", code="review_link_not_found")
    return link


def revoke_link(session: Session, actor: Actor, link_id: uuid.UUID) -> ReviewLink:
    """The address stops working at once; what was done through it stays in the history."""
    link = _own_link(session, actor, link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        link.revoked_by = actor.user_id
        session.flush()
        record(session, actor, "review_link.revoked", "review_link", link.id)
    return link


def remove_post(session: Session, actor: Actor, link_id: uuid.UUID, post_id: uuid.UUID) -> None:
    """Take one post out of a link: its reviewer no longer sees it."""
    link = _own_link(session, actor, link_id)
    if not repo.remove_post(session, link.id, post_id):
        raise NotFound("This post is not in the review link.", code="post_not_found")
    record(
        session,
        actor,
        "review_link.post_removed",
        "review_link",
        link.id,
        after={"post_id": post_id},
    )


# --- the reviewer's side (no account: the token is the key) ------------------------------


def _refused() -> NotFound:
    # One answer for unknown, altered, expired and revoked: a guesser learns nothing.
    return NotFound(
        "This review link does not work: it may have expired or been revoked. "
        "Ask the person who sent it for a new one.",
        code="review_link_not_found",
    )


def resolve(session: Session, signer: LinkSigner, token: str) -> ReviewLink:
    """The link a token opens, or NotFound alike for every reason it does not."""
    parsed = signer.parse(token)
    if parsed is None:
        raise _refused()
    link = repo.link_by_id(session, parsed.link_id)
    if link is None or not constant_time_equals(link.token_hash, parsed.token_hash):
        raise _refused()
    if status_of(link) != "active":
        raise _refused()
    return link


MISSING_FILE = "This file is no longer available."


def viewable(asset: MediaAsset) -> bool:
    """Whether a reviewer sees the file: an image, or a video with a cover frame."""
    return asset.kind in ("image", "gif") or bool(asset.thumbnail_key)


def shown_media(
    session: Session, signer: LinkSigner, token: str, media_id: uuid.UUID
) -> tuple[MediaAsset, str]:
    """What the reviewer may see of a file attached to one of the link's posts: an image
    itself, a video's cover frame when one was made; the asset and its storage key. Any
    other file, or a link that does not work, is the same NotFound."""
    link = resolve(session, signer, token)
    asset = repo.media_in_link(session, link, media_id)
    if asset is None:
        raise _refused()
    if not viewable(asset):
        raise _refused()
    return asset, asset.storage_key if asset.kind in ("image", "gif") else str(asset.thumbnail_key)


def _reviewer(session: Session, link: ReviewLink) -> approvals.ExternalReviewer:
    granted_by: Actor | None = None
    if link.created_by is not None:
        try:
            granted_by = actor_for(session, link.created_by, link.workspace_id)
        except NotFound:
            granted_by = None  # the maker left the workspace: the link only advises now
    return approvals.ExternalReviewer(
        link_id=link.id,
        name=link.reviewer_name,
        email=link.reviewer_email,
        step_id=link.step_id,
        granted_by=granted_by,
    )


def open_review(session: Session, signer: LinkSigner, token: str) -> PublicReview:
    """What the reviewer sees; the open is counted (and audited at most hourly)."""
    link = resolve(session, signer, token)
    now = utcnow()
    if link.last_opened_at is None or now - link.last_opened_at >= OPEN_RECORD_EVERY:
        record(
            session,
            None,
            "review_link.opened",
            "review_link",
            link.id,
            after={"reviewer_name": link.reviewer_name},
            workspace_id=link.workspace_id,
        )
    link.last_opened_at = now
    link.open_count += 1
    session.flush()
    return review_of(session, link)


def review_of(session: Session, link: ReviewLink) -> PublicReview:
    posts = repo.posts_of_link(session, link)
    channels = repo.channels_by_ids(
        session, link.workspace_id, {v.channel_id for p in posts for v in p.variants}
    )
    decisions = repo.decisions_via(session, link)
    written = repo.comments_via(session, link)
    assets = repo.media_by_ids(
        session, link.workspace_id, {m.media_id for p in posts for v in p.variants for m in v.media}
    )

    def files(variant: PostVariant) -> tuple[MediaAsset, ...]:
        ordered = sorted(variant.media, key=lambda m: m.position)
        return tuple(assets[m.media_id] for m in ordered if m.media_id in assets)

    shown = [
        PublicPost(
            post=post,
            variants=[
                PublicVariant(v, channels[v.channel_id], files(v))
                for v in post.variants
                if v.channel_id in channels
            ],
            decisions=[d for d in decisions if d.post_id == post.id],
            comments=[c for c in written if c.post_id == post.id],
        )
        for post in posts
    ]
    return PublicReview(link, repo.workspace_name(session, link.workspace_id), shown)


def act(
    session: Session, signer: LinkSigner, token: str, post_id: uuid.UUID, action: Act, comment: str
) -> ReviewLink:
    """Approve, request changes (with a comment) or only comment on one of the link's posts."""
    link = resolve(session, signer, token)
    if not repo.holds_post(session, link, post_id):
        raise NotFound("This post is not in the review link.", code="post_not_found")
    if action == "comment":
        comments.add_external_comment(
            session, link.workspace_id, post_id, link.id, link.reviewer_name, comment
        )
    else:
        if not link.allow_decisions:
            raise Forbidden(
                "This review link lets you comment, not approve or request changes.",
                code="comment_only_link",
            )
        approvals.decide_external(
            session, link.workspace_id, post_id, _reviewer(session, link), action, comment
        )
    record(
        session,
        None,
        "review_link.used",
        "review_link",
        link.id,
        after={"post_id": post_id, "action": action, "reviewer_name": link.reviewer_name},
        workspace_id=link.workspace_id,
    )
    return link

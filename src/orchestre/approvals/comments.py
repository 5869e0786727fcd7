"""Comments on drafts, with @mentions that notify the members they name."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.approvals import repository as repo
from orchestre.approvals.rules import check_comment_length, excerpt
from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Forbidden, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, decode_cursor_or_invalid
from orchestre.models import PostComment
from orchestre.posts.service import load_post
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
# "@ana@example.com": an @ that does not continue a word or an address, then an email.
MENTION = re.compile(
    r"(?<![\w@.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)


@dataclass(frozen=True)
class CommentView:
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    mentioned_user_ids: list[uuid.UUID]
    created_at: datetime
    via_review_link: bool = False


def mentioned_emails(body: str) -> list[str]:
    """The addresses mentioned in a text, lower-cased, each once, in order of appearance."""
    return list(dict.fromkeys(m.lower() for m in MENTION.findall(body)))


def _view(comment: PostComment, names: dict[uuid.UUID, str]) -> CommentView:
    return CommentView(
        id=comment.id,
        post_id=comment.post_id,
        author_id=comment.author_id,
        author_name=(
            names.get(comment.author_id) if comment.author_id else (comment.author_label or None)
        ),
        body=comment.body,
        mentioned_user_ids=[uuid.UUID(u) for u in comment.mentioned_user_ids],
        created_at=comment.created_at,
        via_review_link=comment.review_link_id is not None,
    )


def list_comments(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CommentView]:
    """A post's comments, oldest first."""
    actor.require(P.POSTS_VIEW)
    load_post(session, actor, post_id)
    after = decode_cursor_or_invalid(cursor)
    rows = repo.list_comments(session, actor.workspace_id, post_id, after, limit)
    page = Page.from_rows(rows, limit, key=lambda comment: (comment.created_at, comment.id))
    names = repo.user_names(session, (c.author_id for c in page.items))
    return page.map(lambda comment: _view(comment, names))


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Invalid(
            "The comment is empty.",
            code="comment_required",
            errors=[FieldError("body", "required", "Write something to comment.")],
        )
    check_comment_length("body", body)
    return body


def resolve_mentions(
    session: Session, actor: Actor, body: str, mentions: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Members named in the body or the request; anyone else is refused by name."""
    emails = mentioned_emails(body)
    by_email = repo.members_by_email(session, actor.workspace_id, emails)
    members = repo.member_ids_among(session, actor.workspace_id, mentions)
    errors = [
        FieldError(
            "body",
            "unknown_mention",
            f"@{email} is not a member of this workspace; mention a member, or invite them first.",
            actual=email,
        )
        for email in emails
        if email not in by_email
    ]
    errors += [
        FieldError(
            "mentions",
            "unknown_mention",
            f"User {user_id} is not a member of this workspace.",
            actual=str(user_id),
        )
        for user_id in dict.fromkeys(mentions)
        if user_id not in members
    ]
    if errors:
        raise Invalid(
            "Only members of this workspace can be mentioned.",
            code="unknown_mention",
            errors=errors,
        )
    return list(dict.fromkeys([*(by_email[e] for e in emails), *mentions]))


def add_comment(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    body: str,
    mentions: Sequence[uuid.UUID] = (),
) -> CommentView:
    """Comment on a post; each mentioned member (other than the writer) is notified."""
    actor.require(P.POSTS_COMMENT)
    post = load_post(session, actor, post_id)
    body = _check_body(body)
    mentioned = resolve_mentions(session, actor, body, mentions)
    comment = repo.add_comment(
        session,
        PostComment(
            workspace_id=actor.workspace_id,
            post_id=post.id,
            author_id=actor.user_id,
            body=body,
            mentioned_user_ids=[str(u) for u in mentioned],
            created_at=utcnow(),
        ),
    )
    notify(
        session,
        actor.workspace_id,
        set(mentioned) - {actor.user_id},
        "mention",
        {
            "post_id": str(post.id),
            "post_title": post.title,
            "comment_id": str(comment.id),
            "excerpt": excerpt(body),
            "by": str(actor.user_id),
        },
    )
    record(session, actor, "comment.created", "post_comment", comment.id, after=snapshot(comment))
    return _view(comment, repo.user_names(session, [actor.user_id]))


def add_external_comment(
    session: Session,
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    link_id: uuid.UUID,
    author_label: str,
    body: str,
) -> CommentView:
    """A comment written through a review link: no member account, nobody mentioned."""
    body = _check_body(body)
    comment = repo.add_comment(
        session,
        PostComment(
            workspace_id=workspace_id,
            post_id=post_id,
            author_id=None,
            body=body,
            mentioned_user_ids=[],
            created_at=utcnow(),
            review_link_id=link_id,
            author_label=author_label,
        ),
    )
    record(
        session,
        None,
        "comment.created",
        "post_comment",
        comment.id,
        after=snapshot(comment),
        workspace_id=workspace_id,
    )
    return _view(comment, {})


def delete_comment(
    session: Session, actor: Actor, post_id: uuid.UUID, comment_id: uuid.UUID
) -> None:
    """Only its author removes a comment."""
    actor.require(P.POSTS_COMMENT)
    comment = repo.get_comment(session, actor.workspace_id, post_id, comment_id)
    if comment is None:
        raise NotFound("Comment not found on this post.", code="comment_not_found")
    if comment.author_id != actor.user_id:
        raise Forbidden("Only the author of a comment can delete it.", code="not_comment_author")
    before = snapshot(comment)
    repo.delete_comment(session, comment)
    record(session, actor, "comment.deleted", "post_comment", comment_id, before=before)

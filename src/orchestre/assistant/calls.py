"""The call log: every answer the assistant gave, for review (assistant.manage), and which
calls drafted a post's text."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.assistant import repository
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import AssistantCall
from orchestre.workspaces.permissions import Actor, Permission

OUTCOMES = ("offline", "ok", "fell_back")
LINKS_MAX = 50


@dataclass(frozen=True)
class CallFilters:
    feature: str | None = None
    user_id: uuid.UUID | None = None
    outcome: str | None = None


def list_calls(
    session: Session,
    actor: Actor,
    filters: CallFilters = CallFilters(),
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AssistantCall]:
    """The workspace's assistant calls, newest first (assistant.manage)."""
    actor.require(Permission.ASSISTANT_MANAGE)
    if filters.outcome is not None and filters.outcome not in OUTCOMES:
        message = "The outcome is offline, ok or fell_back."
        raise Invalid(message, errors=[FieldError("outcome", "choice", message)])
    after = decode_cursor_or_invalid(cursor)
    limit = clamp_limit(limit)
    rows = repository.calls(
        session,
        actor.workspace_id,
        feature=filters.feature,
        user_id=filters.user_id,
        outcome=filters.outcome,
        after=after.position() if after else None,
        limit=limit,
    )
    return Page.from_rows(rows, limit, lambda c: (c.created_at, c.id))


def get_call(session: Session, actor: Actor, call_id: uuid.UUID) -> AssistantCall:
    actor.require(Permission.ASSISTANT_MANAGE)
    found = repository.call(session, actor.workspace_id, call_id)
    if found is None:
        raise NotFound("No such assistant call.")
    return found


def features(session: Session, actor: Actor) -> list[str]:
    actor.require(Permission.ASSISTANT_MANAGE)
    return repository.features(session, actor.workspace_id)


def link_post(
    session: Session, actor: Actor, post_id: uuid.UUID, call_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Record that these calls' drafts went into the post (assistant.use and posts.create,
    as its writer): calls of the person's own workspace, once each; others are a 404."""
    actor.require(Permission.ASSISTANT_USE)
    actor.require(Permission.POSTS_CREATE)
    if repository.post(session, actor.workspace_id, post_id) is None:
        raise NotFound("No such post.")
    wanted = list(dict.fromkeys(call_ids))[:LINKS_MAX]
    found = {c.id for c in repository.calls_by_id(session, actor.workspace_id, wanted)}
    if len(found) != len(wanted):
        raise NotFound("No such assistant call.")
    present = repository.linked_call_ids(session, post_id)
    for call_id in wanted:
        if call_id not in present:
            repository.link(session, actor.workspace_id, post_id, call_id)
    return wanted


def post_calls(session: Session, actor: Actor, post_id: uuid.UUID) -> list[AssistantCall]:
    """The calls whose drafts went into a post (posts.view: anyone who sees the post may
    know that a draft came from the assistant, and from which provider and prompt)."""
    actor.require(Permission.POSTS_VIEW)
    if repository.post(session, actor.workspace_id, post_id) is None:
        raise NotFound("No such post.")
    return repository.post_calls(session, actor.workspace_id, post_id)

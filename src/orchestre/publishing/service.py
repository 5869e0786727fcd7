"""Use cases of publishing that a person drives: the crisis pause, the state of the engine,
the list of publications, and publishing again what failed or was missed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import Channel, PostVariant, VariantState, Workspace
from orchestre.models.publication import Publication, PublicationState, PublishingPause
from orchestre.posts import states
from orchestre.publishing import planning
from orchestre.workspaces.permissions import Actor, Permission

P = PublicationState
S = VariantState
WORKSPACE_SCOPE = "workspace"
REASON_MAX = 500


@dataclass(frozen=True)
class PublishingStatus:
    paused: PublishingPause | None
    channel_pauses: list[PublishingPause]
    counts: dict[str, int]
    next_due_at: datetime | None


def _channel(session: Session, actor: Actor, channel_id: uuid.UUID) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != actor.workspace_id:
        raise NotFound("Channel not found.", code="channel_not_found")
    return channel


def _scope(channel_id: uuid.UUID | None) -> str:
    return WORKSPACE_SCOPE if channel_id is None else str(channel_id)


def _pause_row(
    session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID | None
) -> PublishingPause | None:
    return session.scalars(
        select(PublishingPause).where(
            PublishingPause.workspace_id == workspace_id,
            PublishingPause.scope == _scope(channel_id),
        )
    ).one_or_none()


def pause(
    session: Session, actor: Actor, *, channel_id: uuid.UUID | None = None, reason: str = ""
) -> PublishingPause:
    """Hold every scheduled publication of the workspace (or of one channel) until resumed.

    Publications already on their way finish; nothing else leaves. Pausing twice is a
    Conflict naming who paused first, so two people in a crisis know where they stand."""
    actor.require(Permission.PUBLISHING_PAUSE)
    if channel_id is not None:
        _channel(session, actor, channel_id)
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        message = f"The reason is {len(reason)} characters; at most {REASON_MAX}."
        raise Invalid(
            message,
            code="reason_too_long",
            errors=[
                FieldError("reason", "max_length", message, limit=REASON_MAX, actual=len(reason))
            ],
        )
    existing = _pause_row(session, actor.workspace_id, channel_id)
    if existing is not None:
        since = existing.paused_at.strftime("%Y-%m-%d %H:%M")
        message = f"Publishing is already paused here since {since} UTC."
        raise Conflict(message, code="already_paused")
    row = PublishingPause(
        workspace_id=actor.workspace_id,
        channel_id=channel_id,
        scope=_scope(channel_id),
        paused_by=actor.user_id,
        reason=reason,
        paused_at=utcnow(),
    )
    session.add(row)
    if channel_id is None:
        _set_crisis_mode(session, actor.workspace_id, True)
    session.flush()
    record(session, actor, "publishing.paused", "publishing_pause", row.id, after=snapshot(row))
    return row


def _set_crisis_mode(session: Session, workspace_id: uuid.UUID, on: bool) -> None:
    # The workspace's flag mirrors its workspace-wide pause: pages show the crisis band
    # from it, and the API reports it.
    workspace = session.get(Workspace, workspace_id)
    if workspace is not None:
        workspace.crisis_mode = on


def resume(session: Session, actor: Actor, *, channel_id: uuid.UUID | None = None) -> None:
    """Lift a pause: what was held goes out now (missed posts wait for a person)."""
    actor.require(Permission.PUBLISHING_PAUSE)
    if channel_id is not None:
        _channel(session, actor, channel_id)
    row = _pause_row(session, actor.workspace_id, channel_id)
    if row is None:
        raise Conflict("Publishing is not paused here.", code="not_paused")
    before = snapshot(row)
    session.delete(row)
    if channel_id is None:
        _set_crisis_mode(session, actor.workspace_id, False)
    session.flush()
    record(session, actor, "publishing.resumed", "publishing_pause", row.id, before=before)


def status(session: Session, actor: Actor) -> PublishingStatus:
    actor.require(Permission.POSTS_VIEW)
    pauses = list(
        session.scalars(
            select(PublishingPause)
            .where(PublishingPause.workspace_id == actor.workspace_id)
            .order_by(PublishingPause.paused_at)
        )
    )
    counts: dict[str, int] = {
        state: int(count)
        for state, count in session.execute(
            select(Publication.state, func.count())
            .where(Publication.workspace_id == actor.workspace_id)
            .group_by(Publication.state)
        )
    }
    next_due = session.scalar(
        select(func.min(Publication.due_at)).where(
            Publication.workspace_id == actor.workspace_id,
            Publication.state == P.SCHEDULED.value,
        )
    )
    return PublishingStatus(
        paused=next((p for p in pauses if p.channel_id is None), None),
        channel_pauses=[p for p in pauses if p.channel_id is not None],
        counts={state.value: int(counts.get(state.value, 0)) for state in P},
        next_due_at=next_due,
    )


def workspace_pause(session: Session, workspace_id: uuid.UUID) -> PublishingPause | None:
    """The workspace-wide pause, if any (for the crisis band on every page)."""
    return _pause_row(session, workspace_id, None)


def attention_count(session: Session, workspace_id: uuid.UUID) -> int:
    """Publications that failed or wait for a person (the navigation's count)."""
    count = session.scalar(
        select(func.count())
        .select_from(Publication)
        .where(
            Publication.workspace_id == workspace_id,
            Publication.state.in_([P.FAILED.value, P.NEEDS_ATTENTION.value]),
        )
    )
    return int(count or 0)


def list_publications(
    session: Session,
    actor: Actor,
    *,
    state: str | None = None,
    channel_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Publication]:
    """The workspace's publications, soonest due first, optionally by state and channel."""
    actor.require(Permission.POSTS_VIEW)
    if state is not None and state not in {s.value for s in P}:
        message = "Unknown state; use one of " + ", ".join(s.value for s in P) + "."
        raise Invalid(
            message, code="bad_state", errors=[FieldError("state", "one_of", message, actual=state)]
        )
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    stmt = select(Publication).where(Publication.workspace_id == actor.workspace_id)
    if state is not None:
        stmt = stmt.where(Publication.state == state)
    if channel_id is not None:
        stmt = stmt.where(Publication.channel_id == channel_id)
    if after is not None:
        due, last_id = after.position()
        stmt = stmt.where(
            (Publication.due_at > due) | ((Publication.due_at == due) & (Publication.id > last_id))
        )
    rows = list(session.scalars(stmt.order_by(Publication.due_at, Publication.id).limit(limit + 1)))
    return Page.from_rows(rows, limit, key=lambda p: (p.due_at, p.id))


def get_publication(session: Session, actor: Actor, publication_id: uuid.UUID) -> Publication:
    actor.require(Permission.POSTS_VIEW)
    row = session.get(Publication, publication_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound("Publication not found.", code="publication_not_found")
    return row


def publish_now(session: Session, actor: Actor, publication_id: uuid.UUID) -> Publication:
    """Send again, now, a publication that failed or waits for a person (missed, refused
    credentials, unknown outcome). One that may have reached the network is looked up
    there first, so this never publishes twice."""
    actor.require(Permission.POSTS_SCHEDULE)
    publication = get_publication(session, actor, publication_id)
    if publication.state not in (P.FAILED.value, P.NEEDS_ATTENTION.value):
        message = (
            "Only a failed publication or one that needs attention can be sent again; "
            f"this one is {publication.state}."
        )
        raise TransitionRefused(message, code="not_retryable")
    variant = session.get(PostVariant, publication.variant_id)
    assert variant is not None  # the publication is deleted with its variant
    before = snapshot(publication)
    if publication.occurrence > 0 and variant.state == S.PUBLISHED.value:
        # A later copy of a repeating post: only this occurrence goes again.
        planning.reschedule(publication, utcnow())
        session.flush()
    elif variant.state in (S.FAILED.value, S.SCHEDULED.value):
        if variant.state != S.SCHEDULED.value:
            states.move(variant, S.SCHEDULED)
        variant.scheduled_at = utcnow()
        planning.plan(session, variant)
    else:
        raise TransitionRefused(
            f"The post changed since (it is {variant.state}); schedule it again instead.",
            code="variant_changed",
        )
    record(
        session,
        actor,
        "publication.publish_now",
        "publication",
        publication.id,
        before=before,
        after=snapshot(publication),
    )
    return publication


@dataclass(frozen=True)
class VariantLine:
    post_id: uuid.UUID
    text: str
    handle: str
    network: str


def variants_for(rows: list[Publication], session: Session) -> dict[uuid.UUID, VariantLine]:
    """What each publication sends (post, text, channel), for lists shown to people."""
    ids = {p.variant_id for p in rows}
    if not ids:
        return {}
    found = session.execute(
        select(
            PostVariant.id, PostVariant.post_id, PostVariant.text, Channel.handle, Channel.network
        )
        .join(Channel, Channel.id == PostVariant.channel_id)
        .where(PostVariant.id.in_(ids))
    )
    return {
        variant_id: VariantLine(post_id, text, handle, network)
        for variant_id, post_id, text, handle, network in found
    }

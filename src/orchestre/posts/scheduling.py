"""Scheduling use cases: put approved variants at a UTC instant, or take them off the calendar.

This is the one door for scheduling: the permission and the approval are checked here
(through the state machine, which refuses any variant that has not been approved), so
every path that schedules (API, pages, imports, queue slots) must call `schedule`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.errors import FieldError, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import as_utc, utcnow
from orchestre.kit.timezones import local_to_utc
from orchestre.models import Post, PostVariant, VariantState
from orchestre.posts import media_library, repository, service, states
from orchestre.posts.schemas import ScheduleCreate, UnscheduleCreate
from orchestre.publishing import planning
from orchestre.workspaces.permissions import Actor, Permission

S = VariantState


def _instant(session: Session, actor: Actor, data: ScheduleCreate) -> datetime:
    if (data.at is None) == (data.local_time is None):
        message = (
            "Send either 'at' (a date-time with its offset) or 'local_time' "
            "(YYYY-MM-DDTHH:MM in the workspace's time zone), not both or neither."
        )
        raise Invalid(
            message,
            code="schedule_time_missing",
            errors=[FieldError("at", "one_of", message, limit=["at", "local_time"])],
        )
    if data.at is not None:
        return as_utc(data.at)
    assert data.local_time is not None
    try:
        wall = datetime.strptime(data.local_time, "%Y-%m-%dT%H:%M")  # noqa: DTZ007
    except ValueError as exc:
        message = f"{data.local_time} is not a real date and time; use YYYY-MM-DDTHH:MM."
        raise Invalid(
            message,
            code="bad_local_time",
            errors=[FieldError("local_time", "datetime", message, actual=data.local_time)],
        ) from exc
    workspace = repository.workspace(session, actor.workspace_id)
    if workspace is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    # The wall time is read in the workspace's zone on purpose: that is the zone people plan in.
    return local_to_utc(wall, workspace.timezone, field="local_time")


def _targets(
    post: Post, variant_ids: list[uuid.UUID] | None, default_states: frozenset[S]
) -> list[PostVariant]:
    if variant_ids is None:
        return [v for v in post.variants if v.state in default_states]
    by_id = {v.id: v for v in post.variants}
    missing = [i for i in variant_ids if i not in by_id]
    if missing:
        raise NotFound(
            "A variant to schedule does not exist on this post.", code="variant_not_found"
        )
    return [by_id[i] for i in dict.fromkeys(variant_ids)]


def _refusals(
    session: Session, actor: Actor, variants: list[PostVariant], target: S
) -> list[tuple[str, FieldError]]:
    """(channel handle, error) for each variant that cannot make the move."""
    channels = repository.channels_by_ids(
        session, actor.workspace_id, {v.channel_id for v in variants}
    )
    refused = []
    for variant in variants:
        if target is S.SCHEDULED and variant.state == S.SCHEDULED:
            continue  # moving an existing schedule
        reason = states.why_not(S(variant.state), target)
        if target is S.APPROVED and variant.state != S.SCHEDULED:
            reason = f"it is not scheduled (it is {variant.state})"
        if reason is not None:
            handle = channels[variant.channel_id].handle
            refused.append(
                (handle, FieldError(f"variants[{handle}]", "state", reason, actual=variant.state))
            )
    return refused


def schedule(
    session: Session, actor: Actor, post_id: uuid.UUID, data: ScheduleCreate
) -> service.PostView:
    """Schedule the approved variants (all, or those listed) at one future instant, in UTC."""
    actor.require(Permission.POSTS_SCHEDULE)
    post = service.load_post(session, actor, post_id)
    when = _instant(session, actor, data)
    now = utcnow()
    if when <= now:
        message = "This time is already past; choose a time in the future."
        raise Invalid(
            message,
            code="schedule_in_past",
            errors=[
                FieldError(
                    "local_time" if data.local_time else "at",
                    "in_future",
                    message,
                    limit=now.isoformat(),
                    actual=when.isoformat(),
                )
            ],
        )
    targets = _targets(post, data.variant_ids, frozenset(S) - states.LOCKED_STATES)
    if not targets:
        raise TransitionRefused(
            "Nothing on this post can be scheduled.", code="nothing_to_schedule"
        )
    refused = _refusals(session, actor, targets, S.SCHEDULED)
    if refused:
        handle, first = refused[0]
        others = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise TransitionRefused(
            f"The variant for {handle}{others} cannot be scheduled. {first.message}",
            code="review_required",
            errors=[error for _, error in refused],
        )
    media_library.refuse_expired_licences(session, targets, when)
    before = service.audit_picture(post)
    for variant in targets:
        if variant.state != S.SCHEDULED:
            states.move(variant, S.SCHEDULED)
        variant.scheduled_at = when
        planning.plan(session, variant)
    return _saved(session, actor, post, "post.schedule", before)


def unschedule(
    session: Session, actor: Actor, post_id: uuid.UUID, data: UnscheduleCreate
) -> service.PostView:
    """Take scheduled variants (all, or those listed) off the calendar; they stay approved."""
    actor.require(Permission.POSTS_SCHEDULE)
    post = service.load_post(session, actor, post_id)
    targets = _targets(post, data.variant_ids, frozenset({S.SCHEDULED}))
    if not targets:
        raise TransitionRefused("Nothing on this post is scheduled.", code="nothing_scheduled")
    refused = _refusals(session, actor, targets, S.APPROVED)
    if refused:
        handle, first = refused[0]
        raise TransitionRefused(
            f"The variant for {handle} cannot be unscheduled: {first.message}.",
            code="not_scheduled",
            errors=[error for _, error in refused],
        )
    before = service.audit_picture(post)
    for variant in targets:
        states.move(variant, S.APPROVED)
        variant.scheduled_at = None
        planning.cancel(session, variant)
    return _saved(session, actor, post, "post.unschedule", before)


def _saved(
    session: Session, actor: Actor, post: Post, action: str, before: dict[str, Any]
) -> service.PostView:
    """After its variants' schedules changed: the post's own schedule, version and audit."""
    service.sync_post_schedule(post)
    post.version += 1
    session.flush()
    return service.audit_and_view(session, actor, post, action, before)

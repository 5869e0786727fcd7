"""A variant's repeat: set an RRULE recurrence or evergreen recycling, read it, stop it.

Setting a repeat on a variant that has not gone out yet schedules its first occurrence
through posts.scheduling.schedule (the one door: drafts and variants in review are refused
there); on a variant already published it plans the next copy directly (it was approved
to go out). Stopping cancels every occurrence that has not left and takes a variant that
was waiting for its first one off the calendar.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, PostVariant, VariantState
from orchestre.models.publication import Publication, PublicationState
from orchestre.models.queueing import RepeatKind, VariantRepeat
from orchestre.posts import scheduling, service
from orchestre.posts.schemas import ScheduleCreate, UnscheduleCreate
from orchestre.publishing import planning, recurrence
from orchestre.queueing.service import When, next_slot_for, when
from orchestre.workspaces.permissions import Actor, Permission

S = VariantState
P = PublicationState
PREVIEW = 5


@dataclass(frozen=True)
class RepeatInput:
    kind: str
    rule: str | None = None
    start_local: str | None = None
    min_gap_days: int | None = None


@dataclass(frozen=True)
class RepeatView:
    variant_id: uuid.UUID
    kind: str
    rule: str
    start_local: str
    min_gap_days: int
    timezone: str
    note: str
    finished_at: datetime | None
    next: list[When]


def _variant(
    session: Session, actor: Actor, post_id: uuid.UUID, variant_id: uuid.UUID
) -> PostVariant:
    post = service.load_post(session, actor, post_id)
    for variant in post.variants:
        if variant.id == variant_id:
            return variant
    raise NotFound("Variant not found on this post.", code="variant_not_found")


def _missing(field: str, kind: str) -> Invalid:
    message = f"A repeat of kind {kind} needs {field}."
    return Invalid(
        message, code="repeat_incomplete", errors=[FieldError(field, "required", message)]
    )


def _view(session: Session, row: VariantRepeat, now: datetime) -> RepeatView:
    tz = recurrence.workspace_zone(session, row.workspace_id)
    if row.kind == RepeatKind.RRULE.value:
        upcoming = recurrence.rule_instants(row.rule, row.start_local, tz, now, PREVIEW)
    else:
        upcoming = list(
            session.scalars(
                select(Publication.due_at)
                .where(
                    Publication.variant_id == row.variant_id,
                    Publication.state.in_(recurrence.PENDING),
                )
                .order_by(Publication.due_at)
            )
        )
    return RepeatView(
        variant_id=row.variant_id,
        kind=row.kind,
        rule=row.rule,
        start_local=row.start_local,
        min_gap_days=row.min_gap_days,
        timezone=tz,
        note=row.note,
        finished_at=row.finished_at,
        next=[when(instant, tz) for instant in upcoming],
    )


def get_repeat(
    session: Session, actor: Actor, post_id: uuid.UUID, variant_id: uuid.UUID
) -> RepeatView:
    """The variant's repeat with its next dates in the workspace's wall time."""
    variant = _variant(session, actor, post_id, variant_id)
    row = recurrence.repeat_of(session, variant.id)
    if row is None:
        raise NotFound("This variant does not repeat.", code="repeat_not_found")
    return _view(session, row, utcnow())


def _first_due(
    session: Session, variant: PostVariant, data: RepeatInput, tz: str, now: datetime
) -> datetime:
    """When the next copy goes out under the new repeat."""
    if data.kind == RepeatKind.RRULE.value:
        assert data.rule is not None
        assert data.start_local is not None
        dates = recurrence.rule_instants(data.rule, data.start_local, tz, now, 1)
        if not dates:
            message = "This rule has no date in the future; change its start, UNTIL or COUNT."
            raise Invalid(
                message,
                code="rrule_no_future_date",
                errors=[FieldError("rule", "future", message, actual=data.rule)],
            )
        return dates[0]
    assert data.min_gap_days is not None
    found = recurrence.evergreen_slot(session, variant, data.min_gap_days, tz, now)
    if found is not None:
        return found
    channel = session.get(Channel, variant.channel_id)
    assert channel is not None
    # No slot: the same clear error as "add to queue" (no slots, or all taken).
    return next_slot_for(session, channel, now)


def set_repeat(
    session: Session, actor: Actor, post_id: uuid.UUID, variant_id: uuid.UUID, data: RepeatInput
) -> RepeatView:
    """Make the variant repeat (or change how); its next occurrence is planned at once."""
    actor.require(Permission.POSTS_SCHEDULE)
    variant = _variant(session, actor, post_id, variant_id)
    if data.kind == RepeatKind.RRULE.value:
        if not data.rule:
            raise _missing("rule", data.kind)
        if not data.start_local:
            raise _missing("start_local", data.kind)
        recurrence.parse_rule(data.rule, data.start_local)  # Invalid before anything moves
    elif not data.min_gap_days:
        raise _missing("min_gap_days", data.kind)
    if variant.state == S.PUBLISHING.value:
        raise TransitionRefused(
            "This variant is being published right now; try again in a moment.",
            code="variant_publishing",
        )
    tz = recurrence.workspace_zone(session, actor.workspace_id)
    now = utcnow()
    row = recurrence.repeat_of(session, variant.id)
    before = snapshot(row) if row is not None else None
    # What was planned under the old terms goes: the one-off, or the pending occurrences.
    if row is None and variant.state == S.SCHEDULED.value:
        planning.cancel(session, variant)
    recurrence.cancel_repeats(session, variant.id)
    if row is None:
        row = VariantRepeat(
            workspace_id=actor.workspace_id, variant_id=variant.id, created_by=actor.user_id
        )
        session.add(row)
    row.kind = data.kind
    rrule_kind = data.kind == RepeatKind.RRULE.value
    row.rule = (data.rule or "").strip() if rrule_kind else ""
    row.start_local = (data.start_local or "") if rrule_kind else ""
    row.min_gap_days = 0 if rrule_kind else (data.min_gap_days or 0)
    row.note = ""
    row.finished_at = None
    session.flush()
    due = _first_due(session, variant, data, tz, now)
    if variant.state == S.PUBLISHED.value:
        recurrence.plan_occurrence(session, variant, due)
    else:
        # The one door: refuses drafts and variants in review, with its own reasons.
        scheduling.schedule(
            session, actor, post_id, ScheduleCreate(at=due, variant_ids=[variant.id])
        )
    record(
        session,
        actor,
        "variant.repeat_set",
        "post_variant",
        variant.id,
        before=before,
        after=snapshot(row),
    )
    return _view(session, row, now)


def clear_repeat(session: Session, actor: Actor, post_id: uuid.UUID, variant_id: uuid.UUID) -> None:
    """Stop the repeat: occurrences that have not left are cancelled."""
    actor.require(Permission.POSTS_SCHEDULE)
    variant = _variant(session, actor, post_id, variant_id)
    row = recurrence.repeat_of(session, variant.id)
    if row is None:
        raise NotFound("This variant does not repeat.", code="repeat_not_found")
    before: dict[str, Any] = snapshot(row)
    recurrence.cancel_repeats(session, variant.id)
    session.delete(row)
    session.flush()
    if variant.state == S.SCHEDULED.value:
        # Waiting for its first occurrence: back to approved, off the calendar.
        scheduling.unschedule(session, actor, post_id, UnscheduleCreate(variant_ids=[variant.id]))
    record(session, actor, "variant.repeat_clear", "post_variant", variant.id, before=before)

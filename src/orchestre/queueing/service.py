"""Posting slots per channel, and "add to queue": a variant takes its channel's next free slot.

A slot is taken when a publication of the channel that has not gone out is due at that
instant. Queued variants are scheduled through posts.scheduling.schedule, the one door
(permission and approval checked there), one after the other, so several queued posts
take successive slots.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.errors import Conflict, FieldError, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.kit.timezones import utc_to_local
from orchestre.models import Channel, PostVariant, VariantState
from orchestre.models.queueing import PostingSlot
from orchestre.posts import scheduling, service
from orchestre.posts.schemas import ScheduleCreate
from orchestre.publishing import recurrence
from orchestre.queueing.slots import format_minute, parse_hhmm
from orchestre.workspaces.permissions import Actor, Permission

S = VariantState
PREVIEW = 5


@dataclass(frozen=True)
class When:
    at: datetime
    local_time: str
    utc_offset: str


@dataclass(frozen=True)
class SlotView:
    id: uuid.UUID
    channel_id: uuid.UUID
    weekday: int
    time: str


@dataclass(frozen=True)
class SlotListing:
    channel_id: uuid.UUID
    timezone: str
    items: list[SlotView]
    next_free: list[When]


def when(instant: datetime, zone_name: str) -> When:
    local = utc_to_local(instant, zone_name)
    offset = local.strftime("%z")
    return When(instant, local.strftime("%Y-%m-%dT%H:%M"), f"{offset[:3]}:{offset[3:]}")


def channel_of(session: Session, actor: Actor, channel_id: uuid.UUID) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != actor.workspace_id:
        raise NotFound("Channel not found.", code="channel_not_found")
    return channel


def _view(row: PostingSlot) -> SlotView:
    return SlotView(row.id, row.channel_id, row.weekday, format_minute(row.minute))


def list_slots(session: Session, actor: Actor, channel_id: uuid.UUID) -> SlotListing:
    """The channel's weekly slots (Monday first) and its next free ones."""
    actor.require(Permission.CHANNELS_VIEW)
    channel_of(session, actor, channel_id)
    rows = session.scalars(
        select(PostingSlot)
        .where(PostingSlot.channel_id == channel_id)
        .order_by(PostingSlot.weekday, PostingSlot.minute)
    ).all()
    tz = recurrence.workspace_zone(session, actor.workspace_id)
    free = recurrence.free_slots(session, channel_id, tz, utcnow(), count=PREVIEW)
    return SlotListing(channel_id, tz, [_view(r) for r in rows], [when(f, tz) for f in free])


def add_slots(
    session: Session, actor: Actor, channel_id: uuid.UUID, weekdays: list[int], hhmm: str
) -> list[SlotView]:
    """Add the wall time `hhmm` on each weekday; slots that already exist are kept as they are."""
    actor.require(Permission.CHANNELS_MANAGE)
    channel_of(session, actor, channel_id)
    bad = [d for d in weekdays if not 0 <= d <= 6]
    if bad:
        message = "Weekdays go from 0 (Monday) to 6 (Sunday)."
        raise Invalid(
            message,
            code="bad_weekday",
            errors=[FieldError("weekdays", "range", message, limit=[0, 6], actual=bad[0])],
        )
    try:
        minute = parse_hhmm(hhmm)
    except ValueError as exc:
        message = f"{hhmm} is not a time of day; use HH:MM."
        raise Invalid(
            message,
            code="bad_time",
            errors=[FieldError("time", "time", message, actual=hhmm)],
        ) from exc
    existing = {
        (row.weekday, row.minute): row
        for row in session.scalars(select(PostingSlot).where(PostingSlot.channel_id == channel_id))
    }
    made = []
    for day in sorted(set(weekdays)):
        row = existing.get((day, minute))
        if row is None:
            row = PostingSlot(
                workspace_id=actor.workspace_id, channel_id=channel_id, weekday=day, minute=minute
            )
            session.add(row)
            session.flush()
            record(session, actor, "slot.create", "posting_slot", row.id, after=_snap(row))
        made.append(_view(row))
    return made


def delete_slot(session: Session, actor: Actor, channel_id: uuid.UUID, slot_id: uuid.UUID) -> None:
    """Remove a slot; posts already queued on it keep their time."""
    actor.require(Permission.CHANNELS_MANAGE)
    channel_of(session, actor, channel_id)
    row = session.get(PostingSlot, slot_id)
    if row is None or row.channel_id != channel_id or row.workspace_id != actor.workspace_id:
        raise NotFound("Posting slot not found.", code="slot_not_found")
    record(session, actor, "slot.delete", "posting_slot", row.id, before=_snap(row))
    session.delete(row)
    session.flush()


def _snap(row: PostingSlot) -> dict[str, object]:
    return {
        "channel_id": str(row.channel_id),
        "weekday": row.weekday,
        "time": format_minute(row.minute),
    }


def _lock_channel(session: Session, channel_id: uuid.UUID) -> None:
    """Two people queueing on one channel at once take different slots (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Channel.id).where(Channel.id == channel_id).with_for_update())


def next_slot_for(session: Session, channel: Channel, after: datetime) -> datetime:
    """The channel's next free slot after `after`, or Conflict saying why there is none."""
    tz = recurrence.workspace_zone(session, channel.workspace_id)
    found = recurrence.free_slots(session, channel.id, tz, after)
    if found:
        return found[0]
    # The channel's handle rides in `errors` too, so pages can word the refusal themselves.
    if not recurrence.channel_slots(session, channel.id):
        message = (
            f"{channel.handle} has no posting slots yet: add some (for example Monday to "
            "Friday at 09:00) before queueing posts on it."
        )
        code = "no_posting_slots"
    else:
        message = f"Every posting slot of {channel.handle} is taken for the coming year."
        code = "queue_full"
    raise Conflict(
        message, code=code, errors=[FieldError("channel_id", code, message, actual=channel.handle)]
    )


def add_to_queue(
    session: Session, actor: Actor, post_id: uuid.UUID, variant_ids: list[uuid.UUID] | None
) -> service.PostView:
    """Each approved variant (all, or those listed) takes its channel's next free slot."""
    actor.require(Permission.POSTS_SCHEDULE)
    post = service.load_post(session, actor, post_id)
    if variant_ids is None:
        targets = [v for v in post.variants if v.state == S.APPROVED.value]
    else:
        by_id = {v.id: v for v in post.variants}
        if any(i not in by_id for i in variant_ids):
            raise NotFound(
                "A variant to queue does not exist on this post.", code="variant_not_found"
            )
        targets = [by_id[i] for i in dict.fromkeys(variant_ids)]
    if not targets:
        raise TransitionRefused(
            "Nothing on this post is approved and waiting: only approved variants are queued.",
            code="nothing_to_queue",
        )
    view: service.PostView | None = None
    for variant in targets:
        view = queue_variant(session, actor, post_id, variant)
    assert view is not None
    return view


def queue_variant(
    session: Session, actor: Actor, post_id: uuid.UUID, variant: PostVariant
) -> service.PostView:
    """Schedule one variant at its channel's next free slot, through the one door."""
    channel = channel_of(session, actor, variant.channel_id)
    _lock_channel(session, channel.id)
    instant = next_slot_for(session, channel, utcnow())
    return scheduling.schedule(
        session, actor, post_id, ScheduleCreate(at=instant, variant_ids=[variant.id])
    )

"""Calendar entries: every dated variant of a period as one event, in UTC and in local time.

A variant has a date once it is scheduled; it keeps it while publishing, and when it
has gone out the calendar shows it where it was published. Publications waiting for a
person (missed, or refused credentials) are flagged so the calendar can show them apart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orchestre.calendar import repository
from orchestre.calendar.repository import DATED_STATES, EntryFilters
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.clock import as_utc
from orchestre.kit.timezones import utc_to_local
from orchestre.models import (
    Channel,
    Post,
    PostVariant,
    Publication,
    PublicationState,
    VariantState,
    Workspace,
)
from orchestre.workspaces.permissions import Actor, Permission

S = VariantState
# One screen of a calendar is at most a few months; a year is the widest range served.
MAX_RANGE = timedelta(days=400)
MAX_ENTRIES = 2000
EXCERPT = 60

__all__ = ["DATED_STATES", "Entry", "EntryFilters", "entries", "excerpt", "workspace_of"]


@dataclass(frozen=True)
class Entry:
    """One variant on the calendar."""

    variant_id: uuid.UUID
    post_id: uuid.UUID
    channel_id: uuid.UUID
    network: str
    handle: str
    text: str
    status: str
    start: datetime  # UTC
    local_start: datetime  # wall time in the workspace's zone (aware)
    attention: bool
    movable: bool
    campaign_id: uuid.UUID | None
    pillar_id: uuid.UUID | None
    # 0: the variant's own date; n > 0: the n-th copy of a repeating variant, still to come.
    occurrence: int = 0

    @property
    def key(self) -> str:
        """Stable per event: the variant's id, with the occurrence for a repeat's copies."""
        return (
            str(self.variant_id) if not self.occurrence else f"{self.variant_id}-{self.occurrence}"
        )

    @property
    def title(self) -> str:
        return f"{self.handle} · {excerpt(self.text)}"


def excerpt(text: str, size: int = EXCERPT) -> str:
    """The text on one line, cut at a word near `size` characters."""
    flat = " ".join(text.split())
    if len(flat) <= size:
        return flat
    cut = flat[:size].rsplit(" ", 1)[0] or flat[:size]
    return cut + "…"


def workspace_of(session: Session, actor: Actor) -> Workspace:
    found = repository.workspace(session, actor.workspace_id)
    if found is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    return found


def check_range(starts: datetime, ends: datetime) -> tuple[datetime, datetime]:
    """The range in UTC, or Invalid when it is reversed or wider than MAX_RANGE."""
    starts, ends = as_utc(starts), as_utc(ends)
    if ends <= starts:
        message = "'to' must come after 'from'."
        raise Invalid(
            message,
            code="bad_range",
            errors=[FieldError("to", "after_from", message, actual=ends.isoformat())],
        )
    if ends - starts > MAX_RANGE:
        message = f"A calendar range spans at most {MAX_RANGE.days} days; ask for a shorter one."
        raise Invalid(
            message,
            code="range_too_wide",
            errors=[FieldError("to", "max_range", message, limit=MAX_RANGE.days)],
        )
    return starts, ends


def _entry(
    variant: PostVariant,
    post: Post,
    channel: Channel,
    zone: str,
    attention: bool,
    may_schedule: bool,
) -> Entry:
    start = variant.published_at or variant.scheduled_at
    assert start is not None  # the query keeps dated variants only
    return Entry(
        variant_id=variant.id,
        post_id=post.id,
        channel_id=channel.id,
        network=channel.network,
        handle=channel.handle,
        text=variant.text,
        status=variant.state,
        start=start,
        local_start=utc_to_local(start, zone),
        attention=attention,
        # Only a planned variant moves; one on its way or out stays where it is.
        movable=may_schedule and variant.state == S.SCHEDULED.value,
        campaign_id=post.campaign_id,
        pillar_id=post.pillar_id,
    )


def _repeat_entry(
    publication: Publication, variant: PostVariant, post: Post, channel: Channel, zone: str
) -> Entry:
    going = publication.state in (PublicationState.CLAIMED, PublicationState.SENDING)
    return Entry(
        variant_id=variant.id,
        post_id=post.id,
        channel_id=channel.id,
        network=channel.network,
        handle=channel.handle,
        text=variant.text,
        status=S.PUBLISHING.value if going else S.SCHEDULED.value,
        start=publication.due_at,
        local_start=utc_to_local(publication.due_at, zone),
        attention=publication.state == PublicationState.NEEDS_ATTENTION,
        movable=False,  # a repeat's dates follow its rule; the repeat panel changes them
        campaign_id=post.campaign_id,
        pillar_id=post.pillar_id,
        occurrence=publication.occurrence,
    )


def entries(
    session: Session,
    actor: Actor,
    starts: datetime,
    ends: datetime,
    filters: EntryFilters | None = None,
) -> list[Entry]:
    """Every dated variant in [starts, ends) that the actor may see, oldest first."""
    actor.require(Permission.POSTS_VIEW)
    starts, ends = check_range(starts, ends)
    filters = filters or EntryFilters()
    if filters.status is not None and filters.status not in {s.value for s in DATED_STATES}:
        message = (
            "This status has no date on the calendar; "
            "use scheduled, publishing, published or failed."
        )
        raise Invalid(
            message,
            code="bad_status",
            errors=[
                FieldError(
                    "status",
                    "one_of",
                    message,
                    limit=[s.value for s in DATED_STATES],
                    actual=filters.status,
                )
            ],
        )
    zone = workspace_of(session, actor).timezone
    rows = repository.dated_variants(
        session, actor.workspace_id, starts, ends, filters, MAX_ENTRIES
    )
    waiting = repository.needing_attention(session, actor.workspace_id, (v.id for v, _, _ in rows))
    may_schedule = actor.can(Permission.POSTS_SCHEDULE)
    found = [
        _entry(variant, post, channel, zone, variant.id in waiting, may_schedule)
        for variant, post, channel in rows
    ]
    if filters.status in (None, S.SCHEDULED.value, S.PUBLISHING.value):
        repeats = repository.pending_repeats(
            session, actor.workspace_id, starts, ends, filters, MAX_ENTRIES
        )
        found.extend(
            entry
            for entry in (_repeat_entry(*row, zone) for row in repeats)
            if filters.status in (None, entry.status)
        )
        found.sort(key=lambda e: (e.start, str(e.post_id), e.occurrence))
    return found[:MAX_ENTRIES]

"""Keeping publications in step with the calendar: called by scheduling, never by a person.

`plan` makes (or moves) the publication of a scheduled variant; `cancel` takes it back
while it has not left. The engine checks again at send time that the variant is still
scheduled for that instant, so an edit that sends a variant back to draft can never be
published by a publication planned before it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import PostVariant
from orchestre.models.publication import Publication, PublicationState
from orchestre.publishing import recurrence
from orchestre.publishing.policy import fingerprint

P = PublicationState


def _current(session: Session, variant_id: uuid.UUID, occurrence: int = 0) -> Publication | None:
    return session.scalars(
        select(Publication).where(
            Publication.variant_id == variant_id, Publication.occurrence == occurrence
        )
    ).one_or_none()


def plan(session: Session, variant: PostVariant) -> Publication:
    """The publication of a variant scheduled at `variant.scheduled_at` (one-off)."""
    assert variant.scheduled_at is not None, "plan() is for scheduled variants"
    # Queueing: a repeating variant (RRULE, evergreen) goes out as occurrences 1, 2, ...;
    # its first one is planned here like a one-off, the next ones by publishing.recurrence.
    occurrence = recurrence.first_occurrence(session, variant.id)
    publication = _current(session, variant.id, occurrence)
    if publication is None:
        publication = Publication(
            id=uuid.uuid4(),
            workspace_id=variant.workspace_id,
            channel_id=variant.channel_id,
            variant_id=variant.id,
            occurrence=occurrence,
            due_at=variant.scheduled_at,
            client_ref=uuid.uuid4().hex,
        )
        session.add(publication)
    elif publication.state in (P.SENDING, P.PUBLISHED):
        # The state machine of variants refuses to reschedule these; nothing to move.
        return publication
    else:
        reschedule(publication, variant.scheduled_at)
    publication.fingerprint = fingerprint(variant.text)
    session.flush()
    return publication


def reschedule(publication: Publication, due: datetime) -> None:
    """Put a publication back on the calendar (moved, or sent again after a failure), with
    the same idempotency key, so a network that saw an earlier attempt recognises this
    one; `uncertain` stays, so that attempt is looked for first."""
    publication.due_at = due
    publication.state = P.SCHEDULED.value
    publication.not_before = None
    publication.attempts = 0
    publication.claim_token = None
    publication.claimed_by = None
    publication.lease_expires_at = None
    publication.last_error = None
    publication.last_error_kind = None


def cancel(session: Session, variant: PostVariant) -> Publication | None:
    """Take back a variant's publication that has not left (unscheduled, or edited)."""
    # Queueing: a repeating variant's occurrences that have not left go too.
    recurrence.cancel_repeats(session, variant.id)
    publication = _current(session, variant.id)
    if publication is None or publication.state not in (P.SCHEDULED, P.CLAIMED):
        return publication
    publication.state = P.CANCELLED.value
    publication.claim_token = None
    publication.lease_expires_at = None
    session.flush()
    return publication

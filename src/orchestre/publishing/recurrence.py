"""Variants that go out more than once: RRULE recurrences and evergreen recycling.

A repeating variant's publications are its occurrences 1, 2, ... (a one-off is occurrence
0), each with its own idempotency key. Only the next occurrence is planned: occurrence 1
when the repeat is set (through the scheduling door), occurrence n + 1 when occurrence n
is published. Missed dates are not caught up: the next date is after both the last one
and now.

* RRULE: an RFC 5545 rule read in the workspace's wall time from `start_local`, so
  BYHOUR=9 stays 09:00 local across daylight saving changes. As RFC 5545 says, a wall time
  in the spring-forward gap is read with the offset before the gap (02:30 becomes 03:30),
  and one that happens twice in the fall-back overlap is its first occurrence.
* Evergreen: after each copy goes out, the variant takes the next free posting slot of its
  channel no sooner than `min_gap_days` after the latest copy of the same content on that
  channel (matched by fingerprint), so two copies are never closer than the gap.

The engine calls `first_occurrence` and `cancel_repeats` from planning, `repeat_planned`
and `after_published` from sending; the people's side lives in orchestre.queueing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrule, rrulestr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre.errors import FieldError, Invalid
from orchestre.kit.timezones import zone
from orchestre.models import PostVariant, VariantState, Workspace
from orchestre.models.publication import ACTIVE_STATES, Publication, PublicationState
from orchestre.models.queueing import PostingSlot, RepeatKind, VariantRepeat
from orchestre.publishing.policy import fingerprint
from orchestre.queueing.slots import WeeklySlot, next_free

log = logging.getLogger(__name__)
P = PublicationState
S = VariantState
# Rules may repeat daily at most: hourly posting from one variant is spam, not a plan.
ALLOWED_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
ALLOWED_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
        "BYSETPOS",
        "WKST",
    }
)
MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
# Guards of the expansion: steps walked from the start, and how far ahead we look.
MAX_STEPS = 100_000
LOOKAHEAD = timedelta(days=3 * 366)
PENDING = (P.SCHEDULED.value, P.CLAIMED.value)


# --- RRULE expansion (pure) -------------------------------------------------------------


def _rule_error(message: str, actual: str) -> Invalid:
    return Invalid(
        message, code="bad_rrule", errors=[FieldError("rule", "rrule", message, actual=actual)]
    )


def parse_start(start_local: str) -> datetime:
    try:
        return datetime.strptime(start_local, LOCAL_FORMAT)  # noqa: DTZ007 - wall time
    except ValueError as exc:
        message = f"{start_local} is not a real date and time; use YYYY-MM-DDTHH:MM."
        raise Invalid(
            message,
            code="bad_local_time",
            errors=[FieldError("start_local", "datetime", message, actual=start_local)],
        ) from exc


def parse_rule(rule: str, start_local: str) -> rrule:
    """The rule with its start as a naive wall time; Invalid saying what is wrong."""
    start = parse_start(start_local)
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text or "\n" in text or "DTSTART" in text.upper():
        raise _rule_error(
            "Give one RRULE line such as FREQ=WEEKLY;BYDAY=MO; the start goes in start_local.",
            rule,
        )
    try:
        parsed = rrulestr(text, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _rule_error(
            f"This is not a valid RRULE ({exc}); for example FREQ=MONTHLY;BYMONTHDAY=1. "
            "UNTIL is a local date-time without Z, e.g. UNTIL=20310101T000000.",
            rule,
        ) from exc
    if not isinstance(parsed, rrule):
        raise _rule_error("Give one RRULE, without RDATE or EXRULE.", rule)
    parts = dict(part.partition("=")[::2] for part in text.upper().split(";") if part)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise _rule_error(
            "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY: a post repeats at most once a day.",
            rule,
        )
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise _rule_error(
            f"{', '.join(unknown)} cannot be used here; a rule takes "
            f"{', '.join(sorted(ALLOWED_PARTS))}.",
            rule,
        )
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if "," in parts.get(key, ""):
            raise _rule_error(f"One time of day per rule ({key} with one value).", rule)
    if _never_happens(parts):
        raise _rule_error("These months never have these days (e.g. 30 February).", rule)
    return parsed


def _never_happens(parts: dict[str, str]) -> bool:
    """A day of the month that none of the months has: dateutil would look for it until
    the year 9999 (seconds of work) before giving up."""
    try:
        months = [int(m) for m in parts.get("BYMONTH", "").split(",") if m]
        days = [int(d) for d in parts.get("BYMONTHDAY", "").split(",") if d]
    except ValueError:
        return False  # dateutil has refused it already
    if not days or any(d < 0 for d in days):
        return False
    longest = max((MONTH_DAYS.get(m, 31) for m in months), default=31)
    return min(days) > longest


def wall_to_utc(wall: datetime, zone_name: str) -> datetime:
    """RFC 5545 reading of a wall time: a missing one takes the offset before the gap,
    an ambiguous one its first occurrence (fold=0 gives both)."""
    return wall.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def rule_instants(
    rule: str, start_local: str, zone_name: str, after: datetime, count: int = 5
) -> list[datetime]:
    """The next `count` UTC instants of the rule strictly after `after` (aware).

    The expansion stops LOOKAHEAD after the later of `after` and the start: dateutil steps
    through every day of a rule that never matches (FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2),
    so an unbounded rule could keep a worker busy for seconds."""
    parsed = parse_rule(rule, start_local)
    start = parse_start(start_local)
    # dateutil keeps COUNT and UNTIL private; COUNT is applied below while walking from the
    # start (it counts every occurrence since then), UNTIL is kept when it comes first.
    total: int | None = getattr(parsed, "_count", None)
    until: datetime | None = getattr(parsed, "_until", None)
    horizon = max(after.astimezone(zone(zone_name)).replace(tzinfo=None), start) + LOOKAHEAD
    try:
        bounded = parsed.replace(count=None, until=min(until or horizon, horizon))
        found: list[datetime] = []
        for step, wall in enumerate(bounded):
            if step >= MAX_STEPS or len(found) >= count or (total is not None and step >= total):
                break
            instant = wall_to_utc(wall, zone_name)
            if instant > after and (not found or instant > found[-1]):
                found.append(instant)
    except (ValueError, OverflowError) as exc:  # dates past year 9999
        raise _rule_error(f"This rule cannot be expanded ({exc}).", rule) from exc
    return found


# --- The engine's hooks -----------------------------------------------------------------


def repeat_of(session: Session, variant_id: uuid.UUID) -> VariantRepeat | None:
    return session.scalars(
        select(VariantRepeat).where(VariantRepeat.variant_id == variant_id)
    ).one_or_none()


def first_occurrence(session: Session, variant_id: uuid.UUID) -> int:
    """The occurrence number planning uses: 1 for a repeating variant, 0 for a one-off."""
    return 1 if repeat_of(session, variant_id) is not None else 0


def cancel_repeats(session: Session, variant_id: uuid.UUID) -> int:
    """Cancel the occurrences (> 0) of a variant that have not left; how many."""
    rows = session.scalars(
        select(Publication).where(
            Publication.variant_id == variant_id,
            Publication.occurrence > 0,
            Publication.state.in_(PENDING),
        )
    ).all()
    for publication in rows:
        publication.state = P.CANCELLED.value
        publication.claim_token = None
        publication.lease_expires_at = None
    session.flush()
    return len(rows)


def repeat_planned(session: Session, publication: Publication, variant: PostVariant) -> bool:
    """An occurrence (> 0) may go out while its variant still repeats and is not back in
    draft or review: scheduled for its first copy, published for the next ones, or being
    published when an earlier attempt may have reached the network."""
    if publication.occurrence == 0 or repeat_of(session, variant.id) is None:
        return False
    if variant.state == S.PUBLISHING.value:
        return publication.uncertain
    return variant.state in (S.SCHEDULED.value, S.PUBLISHED.value)


def after_published(
    session: Session, publication: Publication, variant: PostVariant, now: datetime
) -> Publication | None:
    """Plan the occurrence after a published one, if the variant repeats.

    Never raises: the publication it follows is on the network and must be recorded as
    published whatever happens here (a raise would leave it to be reconciled again)."""
    if publication.occurrence == 0:
        return None  # a one-off (planning gives repeating variants occurrences 1, 2, ...)
    try:
        with session.begin_nested():
            return _plan_next(session, publication, variant, now)
    except Exception:
        log.exception("the occurrence after publication %s could not be planned", publication.id)
        repeat = repeat_of(session, variant.id)
        if repeat is not None:
            repeat.note = "The next occurrence could not be planned; set the repeat again."
        return None


def _plan_next(
    session: Session, publication: Publication, variant: PostVariant, now: datetime
) -> Publication | None:
    repeat = repeat_of(session, variant.id)
    if repeat is None or repeat.finished_at is not None:
        return None
    tz = workspace_zone(session, variant.workspace_id)
    if repeat.kind == RepeatKind.RRULE.value:
        after = max(publication.due_at, now)
        dates = rule_instants(repeat.rule, repeat.start_local, tz, after, count=1)
        if not dates:
            repeat.finished_at = now
            repeat.note = "The rule has no more dates."
            return None
        due = dates[0]
    else:
        found = evergreen_slot(session, variant, repeat.min_gap_days, tz, now)
        if found is None:
            repeat.note = "No free posting slot on this channel: add slots to recycle it."
            return None
        due = found
    repeat.note = ""
    return plan_occurrence(session, variant, due)


def plan_occurrence(session: Session, variant: PostVariant, due: datetime) -> Publication:
    """A new occurrence after the variant's latest one, due at `due`."""
    latest = session.scalar(
        select(func.max(Publication.occurrence)).where(Publication.variant_id == variant.id)
    )
    publication = Publication(
        id=uuid.uuid4(),
        workspace_id=variant.workspace_id,
        channel_id=variant.channel_id,
        variant_id=variant.id,
        occurrence=max(latest or 0, 0) + 1,
        due_at=due,
        client_ref=uuid.uuid4().hex,
        fingerprint=fingerprint(variant.text),
    )
    session.add(publication)
    session.flush()
    return publication


# --- Slots on the database ---------------------------------------------------------------


def workspace_zone(session: Session, workspace_id: uuid.UUID) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.timezone if workspace is not None else "UTC"


def channel_slots(session: Session, channel_id: uuid.UUID) -> list[WeeklySlot]:
    rows = session.scalars(select(PostingSlot).where(PostingSlot.channel_id == channel_id))
    return sorted(WeeklySlot(row.weekday, row.minute) for row in rows)


def taken_instants(session: Session, channel_id: uuid.UUID) -> set[datetime]:
    """Instants of the channel already promised to a publication that has not gone out."""
    return set(
        session.scalars(
            select(Publication.due_at).where(
                Publication.channel_id == channel_id,
                Publication.state.in_([s.value for s in ACTIVE_STATES]),
            )
        )
    )


def free_slots(
    session: Session,
    channel_id: uuid.UUID,
    zone_name: str,
    after: datetime,
    count: int = 1,
    extra_taken: set[datetime] | None = None,
) -> list[datetime]:
    taken = taken_instants(session, channel_id) | (extra_taken or set())
    return next_free(channel_slots(session, channel_id), zone_name, after, taken, count)


def evergreen_floor(session: Session, variant: PostVariant, gap_days: int) -> datetime | None:
    """The earliest instant a new copy may go out: the gap after the latest copy of the same
    content on the channel (this variant's or another's), published or planned."""
    gap = timedelta(days=gap_days)
    rows = session.execute(
        select(Publication.due_at, Publication.published_at).where(
            Publication.channel_id == variant.channel_id,
            Publication.fingerprint == fingerprint(variant.text),
            Publication.state.in_([P.PUBLISHED.value, *[s.value for s in ACTIVE_STATES]]),
        )
    ).all()
    if not rows:
        return None
    latest = max(published or due for due, published in rows)
    return latest + gap


def evergreen_slot(
    session: Session, variant: PostVariant, gap_days: int, zone_name: str, now: datetime
) -> datetime | None:
    """The next free slot of the variant's channel that keeps the gap, or None."""
    floor = evergreen_floor(session, variant, gap_days)
    after = now if floor is None else max(now, floor - timedelta(microseconds=1))
    found = free_slots(session, variant.channel_id, zone_name, after)
    return found[0] if found else None

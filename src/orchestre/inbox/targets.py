"""First-response targets (per channel or for every channel, per priority) and the response
figures analytics keep: response rate and median first-response time.

A *request* is an inbound message that starts a wait: it calls for an answer (not hidden,
deleted or spam, and not judged to need no response) and nothing from the same
conversation was already waiting for us. Its *first response* is our first answer in that
conversation after it (queued, being sent or sent; not a held, rejected or failed one).

    response rate              = answered requests / requests
    first-response time        = first response's instant - request's instant
    median first-response time = the median of those times over the answered requests

Requests are counted in the period they arrived in; an answer given after the period
still counts. The due times of the timers are kept by `inbox.sla`.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.inbox import repository as repo
from orchestre.inbox import sla
from orchestre.inbox.actions import _
from orchestre.inbox.service import require_aware
from orchestre.kit.clock import utcnow
from orchestre.models import Priority, ResponseTarget
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
MAX_MINUTES = 60 * 24 * 30
MAX_PERIOD = timedelta(days=366)
DEFAULT_PERIOD = timedelta(days=30)
ANSWERS = ("queued", "sending", "sent")


# --- targets -----------------------------------------------------------------------------


def list_targets(session: Session, actor: Actor) -> list[ResponseTarget]:
    actor.require(P.INBOX_VIEW)
    return repo.response_targets(session, actor.workspace_id)


def _check(
    session: Session, actor: Actor, channel_id: uuid.UUID | None, priority: str, minutes: int
) -> None:
    errors = []
    if priority not in Priority._value2member_map_:
        message = _("The priority is one of low, normal, high, urgent.")
        errors.append(FieldError("priority", "enum", message, actual=priority))
    if not 1 <= minutes <= MAX_MINUTES:
        message = _("A target of 1 minute to 30 days.")
        errors.append(FieldError("minutes", "range", message, limit=MAX_MINUTES, actual=minutes))
    if errors:
        raise Invalid("The response target is refused.", code="bad_target", errors=errors)
    if channel_id is not None and repo.channel(session, actor.workspace_id, channel_id) is None:
        raise NotFound("Channel not found.", code="channel_not_found")


def _retime(session: Session, workspace_id: uuid.UUID) -> None:
    """Conversations waiting now follow the new target."""
    for conversation in repo.waiting_conversations(session, workspace_id):
        sla.on_priority_changed(session, conversation)


def set_target(
    session: Session, actor: Actor, channel_id: uuid.UUID | None, priority: str, minutes: int
) -> ResponseTarget:
    """Create or replace the target for this channel (None: every channel) and priority."""
    actor.require(P.INBOX_MODERATE)
    _check(session, actor, channel_id, priority, minutes)
    target = repo.response_target_for(session, actor.workspace_id, channel_id, priority)
    before = snapshot(target) if target is not None else None
    if target is None:
        target = ResponseTarget(
            workspace_id=actor.workspace_id,
            channel_id=channel_id,
            priority=priority,
            minutes=minutes,
        )
        repo.add(session, target)
    else:
        target.minutes = minutes
    session.flush()
    _retime(session, actor.workspace_id)
    record(
        session,
        actor,
        "inbox.response_target.set",
        "response_target",
        target.id,
        before=before,
        after=snapshot(target),
    )
    return target


def update_target(
    session: Session, actor: Actor, target_id: uuid.UUID, minutes: int
) -> ResponseTarget:
    actor.require(P.INBOX_MODERATE)
    target = repo.response_target(session, actor.workspace_id, target_id)
    if target is None:
        raise NotFound("Response target not found.", code="response_target_not_found")
    return set_target(session, actor, target.channel_id, target.priority, minutes)


def delete_target(session: Session, actor: Actor, target_id: uuid.UUID) -> None:
    actor.require(P.INBOX_MODERATE)
    target = repo.response_target(session, actor.workspace_id, target_id)
    if target is None:
        raise NotFound("Response target not found.", code="response_target_not_found")
    before = snapshot(target)
    repo.delete(session, target)
    _retime(session, actor.workspace_id)
    record(
        session, actor, "inbox.response_target.deleted", "response_target", target_id, before=before
    )


# --- figures -------------------------------------------------------------------------------


@dataclass
class ResponseFigures:
    channel_id: uuid.UUID | None  # None: every channel together
    requests: int = 0
    answered: int = 0
    response_rate: float | None = None
    median_first_response_seconds: float | None = None
    _times: list[float] = field(default_factory=list, repr=False)

    def add(self, waited: float | None) -> None:
        self.requests += 1
        if waited is not None:
            self.answered += 1
            self._times.append(waited)

    def close(self) -> ResponseFigures:
        if self.requests:
            self.response_rate = self.answered / self.requests
        if self._times:
            self.median_first_response_seconds = float(statistics.median(self._times))
        return self


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The period asked, by default the 30 days up to now."""
    end = end or utcnow()
    return start or end - DEFAULT_PERIOD, end


def _check_period(start: datetime, end: datetime) -> None:
    require_aware("start", start)
    require_aware("end", end)
    if end <= start or end - start > MAX_PERIOD:
        message = _("The period ends after it starts and lasts a year at most.")
        raise Invalid(message, code="bad_period", errors=[FieldError("end", "period", message)])


Request = tuple[datetime, uuid.UUID, float | None]


@dataclass(frozen=True)
class PeriodFigures:
    start: datetime
    end: datetime
    # Per channel (those with requests), then every channel together (last, channel None).
    figures: list[ResponseFigures]


def _requests_in(
    session: Session,
    workspace_id: uuid.UUID,
    start: datetime,
    end: datetime,
    channel_id: uuid.UUID | None,
) -> list[Request]:
    rows = repo.messages_for_figures(session, workspace_id, start, end, channel_id)
    by_conversation: dict[uuid.UUID, list[repo.FigureRow]] = defaultdict(list)
    for row in rows:
        by_conversation[row.conversation_id].append(row)
    found = [r for messages in by_conversation.values() for r in _requests(messages)]
    return [r for r in found if start <= r[0] < end]


def _figures(requests: list[Request]) -> list[ResponseFigures]:
    per_channel: dict[uuid.UUID, ResponseFigures] = {}
    total = ResponseFigures(channel_id=None)
    for _at, channel, waited in requests:
        per_channel.setdefault(channel, ResponseFigures(channel_id=channel)).add(waited)
        total.add(waited)
    ordered = [per_channel[c].close() for c in sorted(per_channel, key=str)]
    return [*ordered, total.close()]


def response_figures(
    session: Session,
    actor: Actor,
    start: datetime,
    end: datetime,
    channel_id: uuid.UUID | None = None,
) -> list[ResponseFigures]:
    """Per channel (those with requests), then every channel together (last, channel None)."""
    actor.require(P.ANALYTICS_VIEW)
    _check_period(start, end)
    return _figures(_requests_in(session, actor.workspace_id, start, end, channel_id))


def response_series(
    session: Session,
    actor: Actor,
    start: datetime,
    end: datetime,
    interval: str = "day",
    channel_id: uuid.UUID | None = None,
) -> list[PeriodFigures]:
    """The figures day by day (or week by week, from Mondays), cut at midnight in the
    workspace's time zone; the first and last periods are cut at `start` and `end`."""
    actor.require(P.ANALYTICS_VIEW)
    _check_period(start, end)
    ws = repo.workspace(session, actor.workspace_id)
    tz = ZoneInfo(ws.timezone if ws is not None and ws.timezone else "UTC")
    found = _requests_in(session, actor.workspace_id, start, end, channel_id)
    requests = sorted(found, key=lambda r: r[0])
    instants = [r[0] for r in requests]
    bounds = _boundaries(start, end, tz, weekly=interval == "week")
    series = []
    for low, high in itertools.pairwise(bounds):
        inside = requests[bisect.bisect_left(instants, low) : bisect.bisect_left(instants, high)]
        series.append(PeriodFigures(low, high, _figures(inside)))
    return series


def _boundaries(start: datetime, end: datetime, tz: ZoneInfo, *, weekly: bool) -> list[datetime]:
    day = start.astimezone(tz).date()
    if weekly:
        day -= timedelta(days=day.weekday())
    step = timedelta(days=7 if weekly else 1)
    bounds = [start]
    while True:
        day += step
        cut = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        if cut >= end:
            break
        bounds.append(cut)
    bounds.append(end)
    return bounds


def _requests(
    messages: list[repo.FigureRow],
) -> list[tuple[datetime, uuid.UUID, float | None]]:
    """(request instant, channel, seconds to the first response or None) in one conversation."""
    found: list[tuple[datetime, uuid.UUID, float | None]] = []
    waiting_since: datetime | None = None
    channel: uuid.UUID | None = None
    for m in sorted(messages, key=lambda r: (r.created_at, r.direction != "inbound")):
        if m.direction == "inbound":
            if waiting_since is None and _calls_for_answer(m):
                waiting_since, channel = m.created_at, m.channel_id
        elif m.outbound_state in ANSWERS and waiting_since is not None and channel is not None:
            found.append((waiting_since, channel, (m.created_at - waiting_since).total_seconds()))
            waiting_since = None
    if waiting_since is not None and channel is not None:
        found.append((waiting_since, channel, None))
    return found


def _calls_for_answer(m: repo.FigureRow) -> bool:
    return not (m.hidden or m.deleted or m.spam or m.needs_response is False)

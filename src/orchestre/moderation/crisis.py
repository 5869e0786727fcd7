"""Use cases of crisis alerts that a person drives: read them with their evidence,
acknowledge, resolve, and engage crisis mode (pause publishing through the publishing
pause, tell the team, pin holding statements first in the inbox's saved replies).

Alerts are raised by `crisis_watch` from the inbox's messages; resuming publishing stays
the publishing pause's own resume.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound, TransitionRefused
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models.inbox import SavedReply
from orchestre.models.moderation import CrisisAlert
from orchestre.moderation import crisis_repository as repository
from orchestre.publishing import service as publishing
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission

STATUSES = ("open", "acknowledged", "resolved")
CRISIS_MODE = "crisis_mode"  # the in-app notification kind
HOLDING_MAX = 20


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CrisisAlert]:
    """The workspace's alerts, the latest first; `status` open, acknowledged or resolved
    (or `active`: open and acknowledged)."""
    actor.require(Permission.INBOX_VIEW)
    statuses: Sequence[str] | None = None
    if status == "active":
        statuses = repository.OPEN_STATUSES
    elif status is not None:
        if status not in STATUSES:
            message = "Unknown status; use one of active, " + ", ".join(STATUSES) + "."
            raise Invalid(
                message,
                code="bad_status",
                errors=[FieldError("status", "one_of", message, actual=status)],
            )
        statuses = (status,)
    limit = clamp_limit(limit)
    rows = repository.alerts(
        session,
        actor.workspace_id,
        statuses=statuses,
        after=decode_cursor_or_invalid(cursor),
        limit=limit + 1,
    )
    return Page.from_rows(rows, limit, key=lambda a: (a.started_at, a.id))


def get_alert(session: Session, actor: Actor, alert_id: uuid.UUID) -> CrisisAlert:
    actor.require(Permission.INBOX_VIEW)
    return _alert(session, actor, alert_id)


def _alert(session: Session, actor: Actor, alert_id: uuid.UUID) -> CrisisAlert:
    row = repository.alert(session, actor.workspace_id, alert_id)
    if row is None:
        raise NotFound("Alert not found.", code="alert_not_found")
    return row


def acknowledge(session: Session, actor: Actor, alert_id: uuid.UUID) -> CrisisAlert:
    """Someone is on it: the alert stays on the page, its updates keep coming."""
    actor.require(Permission.INBOX_MODERATE)
    row = _alert(session, actor, alert_id)
    if row.status != "open":
        message = f"This alert is {row.status}; only an open alert can be acknowledged."
        raise TransitionRefused(message, code="alert_not_open")
    before = snapshot(row, ["status"])
    row.status = "acknowledged"
    session.flush()
    record(
        session,
        actor,
        "crisis.alert_acknowledged",
        "crisis_alert",
        row.id,
        before=before,
        after=snapshot(row, ["status"]),
    )
    return row


def resolve(session: Session, actor: Actor, alert_id: uuid.UUID) -> CrisisAlert:
    """It is over. A later rise is a new alert; publishing stays paused until resumed."""
    actor.require(Permission.INBOX_MODERATE)
    row = _alert(session, actor, alert_id)
    if row.status == "resolved":
        raise TransitionRefused("This alert is already resolved.", code="alert_resolved")
    before = snapshot(row, ["status", "resolved_by"])
    row.status = "resolved"
    row.resolved_by = actor.user_id
    session.flush()
    record(
        session,
        actor,
        "crisis.alert_resolved",
        "crisis_alert",
        row.id,
        before=before,
        after=snapshot(row, ["status", "resolved_by"]),
    )
    return row


def holding_candidates(session: Session, actor: Actor) -> Sequence[SavedReply]:
    """The saved replies one may pin as holding statements, those pinned first."""
    actor.require(Permission.INBOX_VIEW)
    return repository.saved_replies(session, actor.workspace_id)


def pin_holding_statements(
    session: Session, actor: Actor, reply_ids: Sequence[uuid.UUID]
) -> list[SavedReply]:
    """Mark these saved replies as holding statements: the inbox offers them first."""
    actor.require(Permission.INBOX_MODERATE)
    wanted = list(dict.fromkeys(reply_ids))
    if len(wanted) > HOLDING_MAX:
        message = f"At most {HOLDING_MAX} holding statements at once."
        raise Invalid(
            message,
            code="too_many_holding_statements",
            errors=[FieldError("holding_statement_ids", "max_items", message, limit=HOLDING_MAX)],
        )
    found = list(repository.saved_replies_by_id(session, actor.workspace_id, wanted))
    if len(found) != len(wanted):
        raise NotFound("Some of these saved replies do not exist.", code="saved_reply_not_found")
    for reply in found:
        if not reply.holding_statement:
            reply.holding_statement = True
            record(
                session,
                actor,
                "saved_reply.pinned_as_holding_statement",
                "saved_reply",
                reply.id,
                after={"holding_statement": True},
            )
    session.flush()
    return found


def engage_crisis_mode(
    session: Session,
    actor: Actor,
    alert_id: uuid.UUID,
    *,
    reason: str = "",
    holding_statement_ids: Sequence[uuid.UUID] = (),
) -> CrisisAlert:
    """Crisis mode from an alert: publishing paused workspace-wide (through the one pause;
    already paused is fine), the holding statements pinned, the whole team told. The alert
    counts as acknowledged."""
    actor.require(Permission.PUBLISHING_PAUSE)
    row = _alert(session, actor, alert_id)
    if row.status == "resolved":
        message = "This alert is resolved; crisis mode starts from an open alert."
        raise TransitionRefused(message, code="alert_resolved")
    pinned = pin_holding_statements(session, actor, holding_statement_ids)
    try:
        publishing.pause(session, actor, reason=reason)
    except Conflict as exc:
        if exc.code != "already_paused":
            raise
    before = snapshot(row, ["status", "crisis_mode_at"])
    row.status = "acknowledged"
    row.crisis_mode_at = row.crisis_mode_at or utcnow()
    session.flush()
    notify(
        session,
        actor.workspace_id,
        repository.member_ids(session, actor.workspace_id),
        CRISIS_MODE,
        {
            "alert_id": str(row.id),
            "kind": row.kind,
            "key": row.key,
            "reason": reason.strip(),
            "by": str(actor.user_id),
            "holding_statements": [r.name for r in pinned],
        },
    )
    record(
        session,
        actor,
        "crisis.mode_engaged",
        "crisis_alert",
        row.id,
        before=before,
        after={
            **snapshot(row, ["status", "crisis_mode_at"]),
            "holding_statements": [str(r.id) for r in pinned],
        },
    )
    return row

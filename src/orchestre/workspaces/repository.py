"""All SQL of the workspaces domain: people, sessions, workspaces, memberships, tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from orchestre.errors import NotFound
from orchestre.kit.db import add_unique as add_unique  # re-exported: services write through it
from orchestre.kit.pagination import Cursor
from orchestre.models import (
    ApiToken,
    EditorialLine,
    LoginAttempt,
    Membership,
    Notification,
    User,
    WebSession,
    Workspace,
)


def _after(
    sort_column: InstrumentedAttribute[datetime] | InstrumentedAttribute[str],
    id_column: InstrumentedAttribute[uuid.UUID],
    cursor: Cursor,
    sort_value: datetime | str,
    descending: bool = False,
) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after the cursor in (sort value, id) order."""
    if descending:
        return or_(sort_column < sort_value, and_(sort_column == sort_value, id_column < cursor.id))
    return or_(sort_column > sort_value, and_(sort_column == sort_value, id_column > cursor.id))


# People -------------------------------------------------------------------------------------


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def any_user_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().select_from(User))))


def lock_for_first_run(session: Session) -> None:
    """Serialise first runs so two at once cannot both find no account and both create one.

    SQLite already takes its write lock when the transaction begins (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))


# Sign-in --------------------------------------------------------------------------------------


def failure_times(session: Session, email: str, ip: str, since: datetime) -> list[datetime]:
    """When recent failed sign-ins happened for this email or this address, oldest first."""
    stmt = (
        select(LoginAttempt.created_at)
        .where(
            LoginAttempt.created_at >= since,
            LoginAttempt.succeeded.is_(False),
            or_(LoginAttempt.email == email, LoginAttempt.ip == ip),
        )
        .order_by(LoginAttempt.created_at)
    )
    return list(session.scalars(stmt))


def delete_attempts_before(session: Session, before: datetime) -> int:
    """Forget sign-in attempts too old to count for throttling any more."""
    stmt = delete(LoginAttempt).where(LoginAttempt.created_at < before)
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def delete_stale_sessions(session: Session, now: datetime, idle_since: datetime) -> int:
    """Delete web sessions past their expiry, or unused since `idle_since`."""
    stmt = delete(WebSession).where(
        or_(WebSession.expires_at <= now, WebSession.last_seen_at <= idle_since)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def web_session_by_hash(session: Session, hashed: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == hashed))


def delete_web_session(session: Session, hashed: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hashed))


def delete_other_sessions(session: Session, user_id: uuid.UUID, keep: uuid.UUID | None) -> int:
    stmt = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(WebSession.id != keep)
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def forget_current_workspace(session: Session, user_id: uuid.UUID, workspace_id: uuid.UUID) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.current_workspace_id == workspace_id)
        .values(current_workspace_id=None)
    )


# Workspaces -----------------------------------------------------------------------------------


def workspace(session: Session, workspace_id: uuid.UUID) -> Workspace:
    found = session.get(Workspace, workspace_id)
    if found is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    return found


def slugs_starting_with(session: Session, base: str) -> set[str]:
    escaped = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = select(Workspace.slug).where(Workspace.slug.like(f"{escaped}%", escape="\\"))
    return set(session.scalars(stmt))


def workspace_names_of(session: Session, user_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    stmt = (
        select(Workspace.id, Workspace.name)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def workspaces_of(
    session: Session,
    user_id: uuid.UUID,
    *,
    only: uuid.UUID | None = None,
    cursor: Cursor | None = None,
    limit: int | None = None,
) -> list[tuple[Workspace, Membership]]:
    """A person's workspaces with their membership, by name."""
    stmt = (
        select(Workspace, Membership)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name, Workspace.id)
    )
    if only is not None:
        stmt = stmt.where(Workspace.id == only)
    if cursor is not None:
        stmt = stmt.where(_after(Workspace.name, Workspace.id, cursor, cursor.sort_value))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def add_editorial_line(session: Session, workspace_id: uuid.UUID) -> None:
    session.add(EditorialLine(workspace_id=workspace_id))


# Members --------------------------------------------------------------------------------------


def membership(session: Session, workspace_id: uuid.UUID, membership_id: uuid.UUID) -> Membership:
    found = session.scalar(
        select(Membership).where(
            Membership.id == membership_id, Membership.workspace_id == workspace_id
        )
    )
    if found is None:
        raise NotFound("No such member in this workspace.", code="member_not_found")
    return found


def membership_of(
    session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )


def memberships_locked(session: Session, workspace_id: uuid.UUID) -> Sequence[Membership]:
    """Every membership of a workspace, locked, so two owners cannot demote each other at once."""
    stmt = (
        select(Membership)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).all()


def members(
    session: Session, workspace_id: uuid.UUID, cursor: Cursor | None, limit: int
) -> list[tuple[Membership, User]]:
    """Members in the order they joined."""
    stmt = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.created_at, Membership.id)
        .limit(limit)
    )
    if cursor is not None:
        stmt = stmt.where(
            _after(Membership.created_at, Membership.id, cursor, cursor.sort_datetime())
        )
    return [(row[0], row[1]) for row in session.execute(stmt)]


# API tokens -----------------------------------------------------------------------------------


def token_by_hash(session: Session, hashed: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == hashed))


def token(session: Session, workspace_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken:
    found = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.workspace_id == workspace_id)
    )
    if found is None:
        raise NotFound("No such API token in this workspace.", code="token_not_found")
    return found


def token_by_id(session: Session, token_id: uuid.UUID) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def tokens(
    session: Session,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None,
    cursor: Cursor | None,
    limit: int,
) -> list[ApiToken]:
    """Tokens of a workspace, newest first; one person's only when user_id is given."""
    stmt = (
        select(ApiToken)
        .where(ApiToken.workspace_id == workspace_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        .limit(limit)
    )
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    if cursor is not None:
        stmt = stmt.where(
            _after(ApiToken.created_at, ApiToken.id, cursor, cursor.sort_datetime(), True)
        )
    return list(session.scalars(stmt))


def live_tokens_of(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> list[ApiToken]:
    stmt = select(ApiToken).where(
        ApiToken.workspace_id == workspace_id,
        ApiToken.user_id == user_id,
        ApiToken.revoked_at.is_(None),
    )
    return list(session.scalars(stmt))


# Notifications --------------------------------------------------------------------------------


def _notification_scope(user_id: uuid.UUID, workspace_id: uuid.UUID | None) -> list[Any]:
    conditions: list[Any] = [Notification.user_id == user_id]
    if workspace_id is not None:
        conditions.append(Notification.workspace_id == workspace_id)
    return conditions


def notifications(
    session: Session,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID | None,
    *,
    unread_only: bool,
    cursor: Cursor | None,
    limit: int,
) -> list[Notification]:
    """A person's notifications, newest first (within one workspace when it is given)."""
    stmt = (
        select(Notification)
        .where(*_notification_scope(user_id, workspace_id))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor is not None:
        stmt = stmt.where(
            _after(Notification.created_at, Notification.id, cursor, cursor.sort_datetime(), True)
        )
    return list(session.scalars(stmt))


def add_notifications(session: Session, rows: Sequence[Notification]) -> None:
    session.add_all(rows)


def unread_count(session: Session, user_id: uuid.UUID, workspace_id: uuid.UUID | None) -> int:
    stmt = select(func.count(Notification.id)).where(
        *_notification_scope(user_id, workspace_id), Notification.read_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def owned_notification_ids(
    session: Session, user_id: uuid.UUID, workspace_id: uuid.UUID | None, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    stmt = select(Notification.id).where(
        *_notification_scope(user_id, workspace_id), Notification.id.in_(list(ids))
    )
    return set(session.scalars(stmt))


def mark_read(
    session: Session,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID | None,
    ids: Sequence[uuid.UUID] | None,
    when: datetime,
) -> None:
    """Mark the given notifications read, or all of them when ids is None."""
    stmt = (
        update(Notification)
        .where(*_notification_scope(user_id, workspace_id), Notification.read_at.is_(None))
        .values(read_at=when)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    session.execute(stmt.execution_options(synchronize_session=False))

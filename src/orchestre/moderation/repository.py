"""All SQL of moderation: rules, the action log, and the messages a dry run reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import Channel, Membership, Workspace
from orchestre.models.inbox import InboxAuthor
from orchestre.models.moderation import ModerationAction, ModerationRule


def enabled_rules(session: Session, workspace_id: uuid.UUID) -> list[ModerationRule]:
    stmt = (
        select(ModerationRule)
        .where(ModerationRule.workspace_id == workspace_id, ModerationRule.enabled.is_(True))
        .order_by(ModerationRule.position, ModerationRule.created_at, ModerationRule.id)
    )
    return list(session.scalars(stmt))


def memberships(session: Session, workspace_id: uuid.UUID) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.workspace_id == workspace_id)))


def last_assignee(session: Session, rule_id: uuid.UUID) -> uuid.UUID | None:
    """Who this rule assigned last (its round-robin continues after them)."""
    stmt = (
        select(ModerationAction.params)
        .where(ModerationAction.rule_id == rule_id, ModerationAction.action == "assign")
        .where(ModerationAction.status != "failed")
        .order_by(ModerationAction.at.desc(), ModerationAction.id.desc())
        .limit(1)
    )
    params = session.scalar(stmt)
    value = (params or {}).get("assignee_id")
    return uuid.UUID(value) if value else None


def networks(session: Session, channel_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not channel_ids:
        return {}
    rows = session.execute(
        select(Channel.id, Channel.network).where(Channel.id.in_(set(channel_ids)))
    )
    return {row.id: row.network for row in rows}


def authors(session: Session, author_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, InboxAuthor]:
    if not author_ids:
        return {}
    rows = session.scalars(select(InboxAuthor).where(InboxAuthor.id.in_(set(author_ids))))
    return {row.id: row for row in rows}


def timezone_of(session: Session, workspace_id: uuid.UUID) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.timezone if workspace else "UTC"

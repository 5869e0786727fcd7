"""All SQL of the channels domain: channels of a workspace, and who hears about their health."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from orchestre.errors import NotFound
from orchestre.kit.db import add_unique as add_unique  # re-exported: services write through it
from orchestre.kit.pagination import Cursor
from orchestre.models import Channel, Membership, PostVariant, VariantState


def get(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    """A channel of this workspace; another workspace's channel is simply not found."""
    channel = session.scalar(
        select(Channel).where(Channel.id == channel_id, Channel.workspace_id == workspace_id)
    )
    if channel is None:
        raise NotFound("Channel not found in this workspace.", code="channel_not_found")
    return channel


def get_any(session: Session, channel_id: uuid.UUID) -> Channel | None:
    """A channel by id alone: for connectors and jobs, which carry the id, not a workspace."""
    return session.get(Channel, channel_id)


def by_account(
    session: Session, workspace_id: uuid.UUID, network: str, external_id: str
) -> Channel | None:
    return session.scalar(
        select(Channel).where(
            Channel.workspace_id == workspace_id,
            Channel.network == network,
            Channel.external_id == external_id,
        )
    )


def page(
    session: Session,
    workspace_id: uuid.UUID,
    cursor: Cursor | None,
    limit: int,
    status: str | None = None,
    network: str | None = None,
) -> list[Channel]:
    """Channels in the order they were connected; fetches `limit` rows."""
    stmt = (
        select(Channel)
        .where(Channel.workspace_id == workspace_id)
        .order_by(Channel.created_at, Channel.id)
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(Channel.status == status)
    if network is not None:
        stmt = stmt.where(Channel.network == network)
    if cursor is not None:
        when = cursor.sort_datetime()
        stmt = stmt.where(
            or_(
                Channel.created_at > when,
                and_(Channel.created_at == when, Channel.id > cursor.id),
            )
        )
    return list(session.scalars(stmt))


def count_kept_variants(session: Session, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> int:
    """Variants that deleting the channel would destroy and that must not go silently:
    scheduled ones (the queue) and published or failed ones (the history)."""
    kept = (
        VariantState.SCHEDULED,
        VariantState.PUBLISHING,
        VariantState.PUBLISHED,
        VariantState.FAILED,
    )
    stmt = select(func.count(PostVariant.id)).where(
        PostVariant.workspace_id == workspace_id,
        PostVariant.channel_id == channel_id,
        PostVariant.state.in_([s.value for s in kept]),
    )
    return int(session.scalar(stmt) or 0)


def delete(session: Session, channel: Channel) -> None:
    session.delete(channel)
    session.flush()


def members_with_roles(
    session: Session, workspace_id: uuid.UUID, roles: Iterable[str]
) -> list[uuid.UUID]:
    """Members holding any of these roles (roles are a JSON list, so filtered here)."""
    wanted = set(roles)
    stmt = select(Membership.user_id, Membership.roles).where(
        Membership.workspace_id == workspace_id
    )
    return sorted(
        (user_id for user_id, held in session.execute(stmt) if wanted & set(held or [])),
        key=str,
    )


def with_credentials(session: Session) -> Iterator[Channel]:
    """Every channel holding credentials, in every workspace, locked for re-encryption.

    Deliberately unscoped: key rotation is an operator's action over the whole database.
    """
    stmt = (
        select(Channel)
        .where(Channel.credentials_encrypted.is_not(None))
        .order_by(Channel.id)
        .with_for_update()
    )
    yield from session.scalars(stmt)

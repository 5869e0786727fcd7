"""Telling people when a publication fails or needs them: the team that runs the channel
and the post's author, once per failure, in the app (email and webhooks hook in here)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import repository as channel_repository
from orchestre.models import Channel, Post, PostVariant
from orchestre.models.publication import Publication
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Role

PUBLICATION_FAILED = "publication_failed"
TOLD_ROLES = (Role.OWNER.value, Role.SOCIAL_MEDIA_MANAGER.value)


def publication_failed(
    session: Session, publication: Publication, variant: PostVariant, reason: str
) -> None:
    """Notify the owners, the social media managers and the author, with the network's reason."""
    people = set(
        channel_repository.members_with_roles(session, publication.workspace_id, TOLD_ROLES)
    )
    author = session.scalar(select(Post.created_by).where(Post.id == variant.post_id))
    if author is not None:
        people.add(author)
    channel = session.get(Channel, publication.channel_id)
    notify(
        session,
        publication.workspace_id,
        people,
        PUBLICATION_FAILED,
        {
            "publication_id": str(publication.id),
            "post_id": str(variant.post_id),
            "variant_id": str(variant.id),
            "channel_id": str(publication.channel_id),
            "network": channel.network if channel else "",
            "handle": channel.handle if channel else "",
            "state": publication.state,
            "kind": publication.last_error_kind or "",
            "reason": reason[:500],
        },
    )

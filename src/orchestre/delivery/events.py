"""Events that other domains raise directly (those that are no in-app notification)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orchestre.delivery.dispatch import emit
from orchestre.models import Channel, PostVariant
from orchestre.models.publication import Publication


def publication_published(session: Session, publication: Publication, variant: PostVariant) -> None:
    """`publication.published` to the endpoints that want it (one query when none do)."""
    channel = session.get(Channel, publication.channel_id)
    emit(
        session,
        publication.workspace_id,
        "publication.published",
        {
            "publication_id": str(publication.id),
            "post_id": str(variant.post_id),
            "variant_id": str(variant.id),
            "channel_id": str(publication.channel_id),
            "network": channel.network if channel else "",
            "handle": channel.handle if channel else "",
            "external_id": publication.external_id,
            "url": publication.external_url,
            "published_at": (
                publication.published_at.isoformat() if publication.published_at else None
            ),
        },
    )

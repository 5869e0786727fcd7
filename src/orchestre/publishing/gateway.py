"""How the engine reaches a channel's network: the connector, the account, the draft.

The engine asks a `Gateway` for an open installation; the default one opens the channel
through `channels.credentials` (connector from the registry, the operator's app, tokens
refreshed when they are about to expire). Tests and the benchmark give their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import open_channel
from orchestre.connectors.base import DraftPost, Installation, MediaRef
from orchestre.models import Channel, MediaAsset, PostVariant, VariantMedia


class Gateway(Protocol):
    def open(self, session: Session, channel: Channel) -> Installation:
        """An installation acting as the channel's account, with usable credentials."""
        ...


class ChannelGateway:
    """The channel's connector with fresh credentials (refreshed first when they expire
    within minutes; see channels.credentials for what a refusal does to the channel)."""

    def __init__(self, access: NetworkAccess) -> None:
        self._access = access

    def open(self, session: Session, channel: Channel) -> Installation:
        return open_channel(session, self._access, channel.id)


def draft_of(
    session: Session, variant: PostVariant, client_ref: str, media_root: Path | None
) -> DraftPost:
    """What the network is asked to publish for this variant."""
    options = dict(variant.options or {})
    thread = options.pop("thread", None)
    parts: Sequence[str] = (
        [str(p) for p in thread if str(p).strip()] if isinstance(thread, list) else ()
    )
    return DraftPost(
        text=variant.text,
        media=_media_refs(session, variant, media_root),
        link=variant.link_url,
        first_comment=variant.first_comment or None,
        thread=parts,
        options=options,
        client_ref=client_ref,
    )


def _media_refs(session: Session, variant: PostVariant, media_root: Path | None) -> list[MediaRef]:
    rows = session.execute(
        select(MediaAsset)
        .join(VariantMedia, VariantMedia.media_id == MediaAsset.id)
        .where(VariantMedia.variant_id == variant.id)
        .order_by(VariantMedia.position)
    ).scalars()
    refs = []
    for asset in rows:
        path = (media_root / asset.storage_key) if media_root else Path(asset.storage_key)
        refs.append(
            MediaRef(
                uri=str(path),
                content_type=asset.content_type,
                alt_text=asset.alt_text,
                size_bytes=asset.size_bytes,
            )
        )
    return refs

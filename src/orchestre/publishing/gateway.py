"""How the engine reaches a channel's network: the connector, the account, the draft.

The engine asks a `Gateway` for an open installation; the default one looks the network
up in the connector registry and decrypts the channel's credentials for the call. Tests
and the benchmark give their own (a sandbox server over HTTP, an injected transport).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels.service import read_credentials
from orchestre.connectors.base import AccountRef, Credentials, DraftPost, Installation, MediaRef
from orchestre.connectors.registry import Registry
from orchestre.kit.crypto import SecretBox
from orchestre.models import Channel, MediaAsset, PostVariant, VariantMedia


class Gateway(Protocol):
    def open(self, session: Session, channel: Channel) -> Installation:
        """An installation acting as the channel's account, with usable credentials."""
        ...


def account_of(channel: Channel, credentials: dict[str, Any]) -> AccountRef:
    expires = credentials.get("expires_at")
    extra = credentials.get("extra")
    return AccountRef(
        network=channel.network,
        external_id=channel.external_id,
        handle=channel.handle,
        credentials=Credentials(
            access_token=str(credentials.get("access_token", "")),
            refresh_token=credentials.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
            extra=extra if isinstance(extra, dict) else {},
        ),
        base_url=_base_url(channel),
    )


def _base_url(channel: Channel) -> str | None:
    value = (channel.settings or {}).get("base_url")
    return value if isinstance(value, str) and value else None


class RegistryGateway:
    """The connector registered for the channel's network, with the channel's credentials."""

    def __init__(
        self,
        registry: Registry,
        box: SecretBox,
        transport: Callable[[Channel], Any] | None = None,
    ) -> None:
        self._registry = registry
        self._box = box
        self._transport = transport

    def open(self, session: Session, channel: Channel) -> Installation:
        connector = self._registry.get(channel.network)
        account = account_of(channel, read_credentials(session, self._box, channel))
        transport = self._transport(channel) if self._transport else None
        return connector.open(account, transport=transport)


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

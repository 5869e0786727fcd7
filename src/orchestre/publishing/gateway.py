"""How the engine reaches a channel's network: the connector, the account, the draft.

The engine asks a `Gateway` for an open installation; the default one opens the channel
through `channels.credentials` (connector from the registry, the operator's app, tokens
refreshed when they are about to expire). Tests and the benchmark give their own.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import (
    Opening,
    channel_opening,
    install,
    needs_refresh,
    open_channel,
)
from orchestre.connectors.base import DraftPost, Installation, MediaRef
from orchestre.models import Channel, ChannelStatus, MediaAsset, PostVariant, VariantMedia


class Gateway(Protocol):
    def open(self, session: Session, channel: Channel) -> Installation:
        """An installation acting as the channel's account, with usable credentials."""
        ...


@dataclass(frozen=True)
class _Kept:
    sealed: bytes
    opening: Opening
    until: float


class ChannelGateway:
    """The channel's connector with fresh credentials (refreshed first when they expire
    within minutes; see channels.credentials for what a refusal does to the channel).

    Reading a channel's credentials costs two queries and two decryptions, so each
    process keeps what it read per channel while the channel's sealed credentials are
    the same bytes (any refresh or reconnection seals new ones) and for at most
    `keep_seconds` (an operator's app changed in the settings). A token about to expire
    is always opened afresh, which refreshes it. Installations are not shared: each send
    opens its own, so connectors need not be thread-safe."""

    def __init__(
        self,
        access: NetworkAccess,
        *,
        keep_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        max_kept: int = 10_000,
    ) -> None:
        self._access = access
        self._keep = keep_seconds
        self._monotonic = monotonic
        self._max_kept = max_kept
        self._kept: dict[uuid.UUID, _Kept] = {}
        self._lock = threading.Lock()

    def open(self, session: Session, channel: Channel) -> Installation:
        sealed = channel.credentials_encrypted
        if channel.status != ChannelStatus.CONNECTED.value or sealed is None:
            return open_channel(session, self._access, channel.id)  # says why it cannot
        with self._lock:
            kept = self._kept.get(channel.id)
        if (
            kept is not None
            and kept.sealed == sealed
            and kept.until > self._monotonic()
            and not needs_refresh(kept.opening, self._access.clock())
        ):
            return install(self._access, channel, kept.opening)
        opening = channel_opening(session, self._access, channel)
        fresh = channel.credentials_encrypted  # new bytes when it was just refreshed
        if fresh is not None:
            with self._lock:
                if len(self._kept) >= self._max_kept:
                    self._kept.clear()
                self._kept[channel.id] = _Kept(fresh, opening, self._monotonic() + self._keep)
        return install(self._access, channel, opening)


def draft_of(
    session: Session,
    variant: PostVariant,
    client_ref: str,
    media_root: Path | None,
    *,
    media: bool = True,
) -> DraftPost:
    """What the network is asked to publish for this variant (`media` False: the caller
    knows it has none, so they are not looked up)."""
    options = dict(variant.options or {})
    thread = options.pop("thread", None)
    parts: Sequence[str] = (
        [str(p) for p in thread if str(p).strip()] if isinstance(thread, list) else ()
    )
    return DraftPost(
        text=variant.text,
        media=_media_refs(session, variant, media_root) if media else [],
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

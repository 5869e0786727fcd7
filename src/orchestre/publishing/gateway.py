"""How the engine reaches a channel's network: the connector, the account, the draft.

The engine asks a `Gateway` for an open installation; the default one opens the channel
through `channels.credentials` (connector from the registry, the operator's app, tokens
refreshed when they are about to expire). Tests and the benchmark give their own.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels.apps import NetworkAccess, app_credentials
from orchestre.channels.credentials import (
    Opening,
    channel_opening,
    from_stored,
    install,
    needs_refresh,
    open_channel,
)
from orchestre.channels.service import read_credentials
from orchestre.connectors.base import AppCredentials, DraftPost, Installation, MediaRef
from orchestre.errors import NotFound
from orchestre.media.storage import MediaStorage
from orchestre.models import Channel, ChannelStatus, MediaAsset, PostVariant, VariantMedia


class Gateway(Protocol):
    def open(self, session: Session, channel: Channel) -> Installation:
        """An installation acting as the channel's account, with usable credentials."""
        ...


@dataclass(frozen=True)
class _Kept:
    sealed: bytes
    opening: Opening


@dataclass(frozen=True)
class _App:
    app: AppCredentials | None
    until: float


class ChannelGateway:
    """The channel's connector with fresh credentials (refreshed first when they expire
    within minutes; see channels.credentials for what a refusal does to the channel).

    Opening a channel costs a decryption of its credentials and one or two queries for
    the operator's app, so each process keeps what it read: a channel's credentials while its
    sealed credentials are the same bytes (any refresh or reconnection seals new ones), and
    the app of each network (and server) for at most `keep_seconds` (an operator's app
    changed in the settings), shared by all its channels. A token about to expire is
    always opened afresh, which refreshes it. Installations are not shared: each send
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
        self._apps: dict[tuple[str, str | None], _App] = {}
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
            and not needs_refresh(kept.opening, self._access.clock())
        ):
            opening = kept.opening
            app = self._app(session, channel.network, opening.base_url)
            if app is not opening.app:
                opening = replace(opening, app=app)
                with self._lock:
                    self._kept[channel.id] = _Kept(sealed, opening)
            return install(self._access, channel, opening)
        opening = self._read(session, channel)
        fresh = channel.credentials_encrypted  # new bytes when it was just refreshed
        if fresh is not None:
            with self._lock:
                if len(self._kept) >= self._max_kept:
                    self._kept.clear()
                self._kept[channel.id] = _Kept(fresh, opening)
        return install(self._access, channel, opening)

    def _read(self, session: Session, channel: Channel) -> Opening:
        """The channel's credentials decrypted (refreshed first when they expire soon) with
        the operator's app as kept."""
        credentials, base_url = from_stored(read_credentials(session, self._access.box, channel))
        read = Opening(credentials, base_url, None)
        if needs_refresh(read, self._access.clock()):
            return channel_opening(session, self._access, channel)  # refreshes the token
        return replace(read, app=self._app(session, channel.network, base_url))

    def _app(self, session: Session, network: str, base_url: str | None) -> AppCredentials | None:
        """The operator's app for the network (and server), read again once kept too long."""
        key = (network, base_url)
        with self._lock:
            kept = self._apps.get(key)
        if kept is not None and kept.until > self._monotonic():
            return kept.app
        with session.no_autoflush:  # reads only the apps: no pending change matters to it
            app = app_credentials(session, self._access, network, base_url)
        with self._lock:
            self._apps[key] = _App(app, self._monotonic() + self._keep)
        return app


def draft_of(
    session: Session,
    variant: PostVariant,
    client_ref: str,
    media_root: Path | None,
    *,
    media: bool = True,
    storage: MediaStorage | None = None,
) -> DraftPost:
    """What the network is asked to publish for this variant (`media` False: the caller
    knows it has none, so they are not looked up). With a `storage`, each file is a local
    copy it gives (an object store's files are downloaded once to its cache)."""
    options = dict(variant.options or {})
    thread = options.pop("thread", None)
    parts: Sequence[str] = (
        [str(p) for p in thread if str(p).strip()] if isinstance(thread, list) else ()
    )
    return DraftPost(
        text=variant.text,
        media=_media_refs(session, variant, media_root, storage) if media else [],
        link=variant.link_url,
        first_comment=variant.first_comment or None,
        thread=parts,
        options=options,
        client_ref=client_ref,
    )


def _media_refs(
    session: Session,
    variant: PostVariant,
    media_root: Path | None,
    storage: MediaStorage | None = None,
) -> list[MediaRef]:
    rows = session.execute(
        select(MediaAsset)
        .join(VariantMedia, VariantMedia.media_id == MediaAsset.id)
        .where(VariantMedia.variant_id == variant.id)
        .order_by(VariantMedia.position)
    ).scalars()
    refs = []
    for asset in rows:
        path = (media_root / asset.storage_key) if media_root else Path(asset.storage_key)
        if storage is not None:
            # A missing object keeps the plain path: the connector says the file is missing.
            with contextlib.suppress(NotFound):
                path = storage.local_path(asset.storage_key)
        refs.append(
            MediaRef(
                uri=str(path),
                content_type=asset.content_type,
                alt_text=asset.alt_text,
                size_bytes=asset.size_bytes,
            )
        )
    return refs

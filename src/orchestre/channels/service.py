"""Use cases of connected channels: connect, list, rename, health, disconnect, credentials."""

from __future__ import annotations

import enum
import json
import uuid
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.channels import repository
from orchestre.errors import Conflict, FieldError, Invalid
from orchestre.kit.crypto import SecretBox
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import Channel, ChannelStatus
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission, Role

# The networks a channel can belong to; real OAuth connection comes with each connector.
Network = Literal[
    "sandbox",
    "mastodon",
    "bluesky",
    "x",
    "linkedin",
    "facebook",
    "instagram",
    "threads",
    "tiktok",
    "youtube",
]
NETWORKS: tuple[str, ...] = get_args(Network)
TEXT_MAX = 255
URL_MAX = 2048
REASON_MAX = 500
CREDENTIALS_MAX_BYTES = 64 * 1024
NOTIFIED_ROLES = (Role.OWNER.value, Role.SOCIAL_MEDIA_MANAGER.value)
NEEDS_RECONNECTION = "channel_needs_reconnection"


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""Marks a field a partial update leaves alone (None is a real value for the avatar)."""


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with the configured keys: an operator's problem."""


def _text_errors(field: str, value: str) -> list[FieldError]:
    if not value.strip():
        return [FieldError(field, "required", f"Give the channel's {field.replace('_', ' ')}.")]
    if len(value) > TEXT_MAX:
        return [
            FieldError(
                field,
                "max_length",
                f"Keep the {field.replace('_', ' ')} under {TEXT_MAX} characters.",
                limit=TEXT_MAX,
                actual=len(value),
            )
        ]
    return []


def _avatar_errors(url: str | None) -> list[FieldError]:
    if url is None:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [
            FieldError(
                "avatar_url",
                "url",
                "The avatar must be an http:// or https:// address, or left empty.",
            )
        ]
    if len(url) > URL_MAX:
        return [
            FieldError(
                "avatar_url",
                "max_length",
                "The avatar address is too long.",
                limit=URL_MAX,
                actual=len(url),
            )
        ]
    return []


def _network_errors(network: str) -> list[FieldError]:
    if network in NETWORKS:
        return []
    return [
        FieldError(
            "network",
            "one_of",
            f"Unknown network '{network}'. Choose one of: {', '.join(NETWORKS)}.",
            limit=list(NETWORKS),
            actual=network,
        )
    ]


def _encrypt(box: SecretBox, credentials: dict[str, Any]) -> tuple[bytes | None, list[FieldError]]:
    try:
        raw = json.dumps(credentials, separators=(",", ":"), sort_keys=True).encode()
    except (TypeError, ValueError):
        return None, [FieldError("credentials", "json", "Credentials must be plain JSON values.")]
    if len(raw) > CREDENTIALS_MAX_BYTES:
        return None, [
            FieldError(
                "credentials",
                "max_size",
                "The credentials are too large.",
                limit=CREDENTIALS_MAX_BYTES,
                actual=len(raw),
            )
        ]
    return box.encrypt(raw), []


def _raise_if(errors: list[FieldError], detail: str) -> None:
    if errors:
        raise Invalid(detail, code="invalid_channel", errors=errors)


def _snapshot(channel: Channel) -> dict[str, Any]:
    # The secret never enters the audit log; whether one is stored does.
    return {**snapshot(channel), "has_credentials": channel.credentials_encrypted is not None}


def connect_channel(
    session: Session,
    actor: Actor,
    box: SecretBox,
    network: str,
    external_id: str,
    handle: str,
    display_name: str,
    avatar_url: str | None = None,
    credentials: dict[str, Any] | None = None,
) -> Channel:
    """Connect an account. Connecting again an account that was disconnected or needs
    reconnection reconnects it; an account already connected here is a Conflict."""
    actor.require(Permission.CHANNELS_MANAGE)
    errors = (
        _network_errors(network)
        + _text_errors("external_id", external_id)
        + _text_errors("handle", handle)
        + _text_errors("display_name", display_name)
        + _avatar_errors(avatar_url)
    )
    sealed, credential_errors = _encrypt(box, credentials) if credentials else (None, [])
    _raise_if(errors + credential_errors, "The channel cannot be connected; see 'errors'.")
    existing = repository.by_account(session, actor.workspace_id, network, external_id)
    if existing is not None:
        return _reconnect(session, actor, existing, handle, display_name, avatar_url, sealed)
    channel = Channel(
        workspace_id=actor.workspace_id,
        network=network,
        external_id=external_id.strip(),
        handle=handle.strip(),
        display_name=display_name.strip(),
        avatar_url=avatar_url,
        status=ChannelStatus.CONNECTED.value,
        credentials_encrypted=sealed,
    )
    repository.add_unique(session, channel, _already_connected(network, handle))
    record(session, actor, "channel.connected", "channel", channel.id, after=_snapshot(channel))
    return channel


def _already_connected(network: str, handle: str) -> Conflict:
    return Conflict(
        f"The {network} account {handle} is already connected to this workspace.",
        code="channel_already_connected",
    )


def _reconnect(
    session: Session,
    actor: Actor,
    channel: Channel,
    handle: str,
    display_name: str,
    avatar_url: str | None,
    sealed: bytes | None,
) -> Channel:
    if channel.status == ChannelStatus.CONNECTED.value:
        raise _already_connected(channel.network, channel.handle)
    before = _snapshot(channel)
    channel.handle, channel.display_name = handle.strip(), display_name.strip()
    channel.avatar_url, channel.credentials_encrypted = avatar_url, sealed
    channel.status, channel.status_reason = ChannelStatus.CONNECTED.value, None
    session.flush()
    record(
        session,
        actor,
        "channel.reconnected",
        "channel",
        channel.id,
        before=before,
        after=_snapshot(channel),
    )
    return channel


def list_channels(
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 50,
    status: str | None = None,
    network: str | None = None,
) -> Page[Channel]:
    """The workspace's channels in the order they were connected, optionally filtered."""
    actor.require(Permission.CHANNELS_VIEW)
    errors = _network_errors(network) if network is not None else []
    if status is not None and status not in {s.value for s in ChannelStatus}:
        errors.append(
            FieldError(
                "status",
                "one_of",
                "Unknown status; use connected, needs_reconnection or disconnected.",
                actual=status,
            )
        )
    _raise_if(errors, "The channel list filters are invalid; see 'errors'.")
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    rows = repository.page(session, actor.workspace_id, after, limit + 1, status, network)
    return Page.from_rows(rows, limit, key=lambda channel: (channel.created_at, channel.id))


def get_channel(session: Session, actor: Actor, channel_id: uuid.UUID) -> Channel:
    actor.require(Permission.CHANNELS_VIEW)
    return repository.get(session, actor.workspace_id, channel_id)


def update_channel(
    session: Session,
    actor: Actor,
    channel_id: uuid.UUID,
    *,
    display_name: str | _Unset = UNSET,
    avatar_url: str | _Unset | None = UNSET,
) -> Channel:
    """Rename a channel or change its avatar, as shown in Orchestre (not on the network)."""
    actor.require(Permission.CHANNELS_MANAGE)
    channel = repository.get(session, actor.workspace_id, channel_id)
    errors = []
    if not isinstance(display_name, _Unset):
        errors += _text_errors("display_name", display_name)
    if not isinstance(avatar_url, _Unset):
        errors += _avatar_errors(avatar_url)
    _raise_if(errors, "The channel cannot be changed; see 'errors'.")
    before = _snapshot(channel)
    if not isinstance(display_name, _Unset):
        channel.display_name = display_name.strip()
    if not isinstance(avatar_url, _Unset):
        channel.avatar_url = avatar_url
    session.flush()
    after = _snapshot(channel)
    if after != before:
        record(session, actor, "channel.updated", "channel", channel.id, before=before, after=after)
    return channel


def mark_needs_reconnection(session: Session, channel_id: uuid.UUID, reason: str) -> Channel | None:
    """The network refused the credentials for good: say so on the channel and tell the
    workspace's owners and social media managers, once.

    Only for a definitive refusal (revoked or expired grant). A transient failure (network
    down, rate limit, refresh endpoint timing out) must never call this.
    """
    channel = repository.get_any(session, channel_id)
    if channel is None or channel.status == ChannelStatus.DISCONNECTED.value:
        return channel  # deleted or disconnected meanwhile: nothing to reconnect
    reason = reason.strip()[:REASON_MAX] or "The network refused the channel's credentials."
    already = channel.status == ChannelStatus.NEEDS_RECONNECTION.value
    before = _snapshot(channel)
    channel.status, channel.status_reason = ChannelStatus.NEEDS_RECONNECTION.value, reason
    session.flush()
    record(
        session,
        None,
        "channel.needs_reconnection",
        "channel",
        channel.id,
        before=before,
        after=_snapshot(channel),
        workspace_id=channel.workspace_id,
    )
    if not already:
        people = repository.members_with_roles(session, channel.workspace_id, NOTIFIED_ROLES)
        notify(
            session,
            channel.workspace_id,
            people,
            NEEDS_RECONNECTION,
            {
                "channel_id": str(channel.id),
                "network": channel.network,
                "handle": channel.handle,
                "display_name": channel.display_name,
                "reason": reason,
            },
        )
    return channel


def disconnect_channel(session: Session, actor: Actor, channel_id: uuid.UUID) -> Channel:
    """Stop using a channel and wipe its credentials; its posts and history stay."""
    actor.require(Permission.CHANNELS_MANAGE)
    channel = repository.get(session, actor.workspace_id, channel_id)
    before = _snapshot(channel)
    channel.status, channel.status_reason = ChannelStatus.DISCONNECTED.value, None
    channel.credentials_encrypted = None
    session.flush()
    record(
        session,
        actor,
        "channel.disconnected",
        "channel",
        channel.id,
        before=before,
        after=_snapshot(channel),
    )
    return channel


def delete_channel(session: Session, actor: Actor, channel_id: uuid.UUID) -> None:
    """Delete a channel with its drafts. Refused while scheduled posts or publication history
    depend on it: disconnect it instead, which keeps them."""
    actor.require(Permission.CHANNELS_MANAGE)
    channel = repository.get(session, actor.workspace_id, channel_id)
    kept = repository.count_kept_variants(session, actor.workspace_id, channel.id)
    if kept:
        raise Conflict(
            f"{channel.display_name} has {kept} scheduled or published post(s). Disconnect the "
            "channel instead of deleting it, to keep them.",
            code="channel_in_use",
        )
    before = _snapshot(channel)
    repository.delete(session, channel)
    record(session, actor, "channel.deleted", "channel", channel_id, before=before)


def read_credentials(session: Session, box: SecretBox, channel: Channel) -> dict[str, Any]:
    """The decrypted credentials of a channel, for its connector; {} when none are stored."""
    if channel.credentials_encrypted is None:
        return {}
    try:
        plain = box.decrypt(channel.credentials_encrypted)
    except ValueError as exc:
        raise CredentialsUnreadable(
            f"The credentials of channel {channel.id} cannot be decrypted with the configured "
            "keys. Restore the key file (or ORCHESTRE_ENCRYPTION_KEYS) that encrypted them, "
            "or reconnect the channel."
        ) from exc
    value: dict[str, Any] = json.loads(plain)
    return value


def rotate_credentials(session: Session, box: SecretBox) -> int:
    """Re-encrypt every channel's credentials under the box's newest key; returns how many.

    The caller owns the transaction: all channels move to the new key together or none does.
    """
    count = 0
    for channel in repository.with_credentials(session):
        assert channel.credentials_encrypted is not None
        try:
            channel.credentials_encrypted = box.rotate(channel.credentials_encrypted)
        except ValueError as exc:
            raise CredentialsUnreadable(
                f"The credentials of channel {channel.id} cannot be decrypted with the current "
                "keys; nothing was re-encrypted. Restore the key that encrypted them first."
            ) from exc
        record(
            session,
            None,
            "channel.credentials_rotated",
            "channel",
            channel.id,
            workspace_id=channel.workspace_id,
        )
        count += 1
    session.flush()
    return count

"""Keeping channels connected: an open installation with fresh credentials, for any caller.

`open_channel` gives publishing, the inbox or analytics an installation whose access token
is good for at least `REFRESH_MARGIN` (5 minutes): when it expires sooner, it is refreshed
first and the new credentials are stored encrypted. A caller that meets a
`CredentialError(definitive=False)` from a call may ask `refresh_channel(..., force=True)`
once and try again.

Failures, and what they leave behind:

- `RetryableError` (token endpoint down, rate limited, timed out): nothing changes, the
  channel stays connected and nobody is notified; the caller tries again later.
- `ChannelNeedsReconnection` (the network refused the refresh token for good): the
  channel is marked `needs_reconnection` and its owners notified once, in the caller's
  session. Commit it (record the failure and return): rolling back forgets the mark, and
  the next attempt would only find the same refusal again.
- `PermanentError` (the operator's app was refused): the channel stays connected, a
  person must fix the app settings.

Concurrency: networks that rotate refresh tokens accept each one once. The channel row is
locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions start with BEGIN
IMMEDIATE, so they are serialized) and its credentials re-read before refreshing: the
second worker finds them fresh and does not use the spent refresh token.

`refresh_expiring` is the periodic job: it refreshes the connected channels whose token
expires within the next hour, one transaction per channel.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.channels import apps, repository
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.service import mark_needs_reconnection, read_credentials
from orchestre.connectors.base import (
    AccountRef,
    AppCredentials,
    CredentialError,
    Credentials,
    Installation,
    RetryableError,
)
from orchestre.kit.crypto import SecretBox
from orchestre.models import Channel, ChannelStatus

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
REFRESH_AHEAD = timedelta(hours=1)


class ChannelUnavailable(Exception):
    """The channel is not connected (disconnected, needs reconnection, or gone)."""

    def __init__(self, channel_id: uuid.UUID, status: str | None) -> None:
        super().__init__(f"Channel {channel_id} is not connected ({status or 'not found'}).")
        self.channel_id = channel_id
        self.status = status


class ChannelNeedsReconnection(ChannelUnavailable):
    """The network refused the channel's credentials for good; the channel is now marked."""

    def __init__(self, channel_id: uuid.UUID, reason: str) -> None:
        super().__init__(channel_id, ChannelStatus.NEEDS_RECONNECTION.value)
        self.reason = reason


# Stored form ----------------------------------------------------------------------------------


def to_stored(credentials: Credentials, base_url: str | None = None) -> dict[str, Any]:
    """The JSON kept (encrypted) on the channel: tokens, expiry, extras and the server."""
    return {
        "access_token": credentials.access_token,
        "refresh_token": credentials.refresh_token,
        "expires_at": credentials.expires_at.isoformat() if credentials.expires_at else None,
        "extra": dict(credentials.extra),
        "base_url": base_url,
    }


def from_stored(data: dict[str, Any]) -> tuple[Credentials, str | None]:
    expires = data.get("expires_at")
    extra = data.get("extra")
    credentials = Credentials(
        access_token=str(data.get("access_token") or ""),
        refresh_token=data.get("refresh_token") or None,
        expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
        extra={str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {},
    )
    base_url = data.get("base_url")
    return credentials, base_url if isinstance(base_url, str) and base_url else None


def seal(box: SecretBox, channel: Channel, credentials: Credentials, base_url: str | None) -> None:
    """Put credentials on the channel, encrypted, with their expiry in clear for the job."""
    raw = json.dumps(to_stored(credentials, base_url), separators=(",", ":"), sort_keys=True)
    channel.credentials_encrypted = box.encrypt(raw.encode())
    channel.credentials_expire_at = credentials.expires_at


def store(
    session: Session,
    box: SecretBox,
    channel: Channel,
    credentials: Credentials,
    base_url: str | None,
) -> None:
    """Seal new credentials on the channel; the audit log says so, without them."""
    seal(box, channel, credentials, base_url)
    session.flush()
    record(
        session,
        None,
        "channel.credentials_renewed",
        "channel",
        channel.id,
        after={
            "expires_at": credentials.expires_at.isoformat() if credentials.expires_at else None
        },
        workspace_id=channel.workspace_id,
    )


def _expiring(credentials: Credentials, now: datetime, within: timedelta) -> bool:
    return credentials.expires_at is not None and credentials.expires_at - now <= within


def _connected(channel: Channel | None, channel_id: uuid.UUID) -> Channel:
    if channel is None or channel.status != ChannelStatus.CONNECTED.value:
        raise ChannelUnavailable(channel_id, channel.status if channel else None)
    return channel


@dataclass(frozen=True)
class Opening:
    """What opening a channel's installation takes, read and decrypted: its credentials,
    its server and the operator's app. A worker may keep it while the channel's sealed
    credentials stay the same (see publishing.gateway)."""

    credentials: Credentials
    base_url: str | None
    app: AppCredentials | None


def _opening(
    session: Session,
    access: NetworkAccess,
    channel: Channel,
    credentials: Credentials,
    base_url: str | None,
) -> Opening:
    app = apps.app_credentials(session, access, channel.network, base_url)
    return Opening(credentials, base_url, app)


def install(access: NetworkAccess, channel: Channel, opening: Opening) -> Installation:
    """The channel's installation from what `channel_opening` read (no query)."""
    connector = access.registry.get(channel.network)
    account = AccountRef(
        network=channel.network,
        external_id=channel.external_id,
        handle=channel.handle,
        credentials=opening.credentials,
        base_url=opening.base_url,
    )
    return connector.open(account, transport=access.transport, app=opening.app)


def _install(
    session: Session,
    access: NetworkAccess,
    channel: Channel,
    credentials: Credentials,
    base_url: str | None,
) -> Installation:
    return install(access, channel, _opening(session, access, channel, credentials, base_url))


# Use cases ------------------------------------------------------------------------------------


def open_channel(session: Session, access: NetworkAccess, channel_id: uuid.UUID) -> Installation:
    """An installation of a connected channel, its token refreshed first when it expires
    within `REFRESH_MARGIN` (see the module docstring for failures)."""
    channel = _connected(repository.get_any(session, channel_id), channel_id)
    return install(access, channel, channel_opening(session, access, channel))


def channel_opening(session: Session, access: NetworkAccess, channel: Channel) -> Opening:
    """What opening a connected channel takes, its token refreshed first when it expires
    within `REFRESH_MARGIN`; the channel then holds the newly sealed credentials."""
    channel = _connected(channel, channel.id)
    credentials, base_url = from_stored(read_credentials(session, access.box, channel))
    if _expiring(credentials, access.clock(), REFRESH_MARGIN):
        credentials = refresh_channel(session, access, channel.id)
    return _opening(session, access, channel, credentials, base_url)


def needs_refresh(opening: Opening, now: datetime) -> bool:
    """The opening's access token expires within `REFRESH_MARGIN`: open afresh to refresh."""
    return _expiring(opening.credentials, now, REFRESH_MARGIN)


def refresh_channel(
    session: Session,
    access: NetworkAccess,
    channel_id: uuid.UUID,
    *,
    within: timedelta = REFRESH_MARGIN,
    force: bool = False,
) -> Credentials:
    """Refresh the channel's token if it expires within `within` (always when `force`),
    holding the channel's row lock; returns the credentials now in force."""
    stmt = (
        select(Channel)
        .where(Channel.id == channel_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    channel = _connected(session.scalar(stmt), channel_id)
    # Re-read under the lock: another worker may have refreshed while we waited for it.
    credentials, base_url = from_stored(read_credentials(session, access.box, channel))
    if not force and not _expiring(credentials, access.clock(), within):
        return credentials
    installation = _install(session, access, channel, credentials, base_url)
    try:
        fresh = installation.refresh_credentials()
    except CredentialError as exc:
        if not exc.definitive:
            raise RetryableError(
                f"{channel.network} did not renew the access this time: {exc.message}",
                network=channel.network,
            ) from exc
        mark_needs_reconnection(session, channel.id, exc.message)
        log.warning("channel %s needs reconnection: its refresh was refused", channel.id)
        raise ChannelNeedsReconnection(channel.id, exc.message) from exc
    if fresh != credentials:
        store(session, access.box, channel, fresh, base_url)
        log.info("channel %s: credentials refreshed", channel.id)
    return fresh


@dataclass
class RefreshReport:
    refreshed: int = 0
    needs_reconnection: int = 0
    postponed: int = 0


def expiring_channels(session: Session, until: datetime) -> list[uuid.UUID]:
    stmt = (
        select(Channel.id)
        .where(
            Channel.status == ChannelStatus.CONNECTED.value,
            Channel.credentials_expire_at.is_not(None),
            Channel.credentials_expire_at <= until,
        )
        .order_by(Channel.credentials_expire_at, Channel.id)
    )
    return list(session.scalars(stmt))


def refresh_expiring(
    session: Session, access: NetworkAccess, ahead: timedelta = REFRESH_AHEAD
) -> RefreshReport:
    """Refresh every connected channel whose token expires within `ahead`; each channel
    in its own transaction, so one failure never undoes another channel's new tokens."""
    report = RefreshReport()
    ids = expiring_channels(session, access.clock() + ahead)
    session.commit()
    for channel_id in ids:
        try:
            refresh_channel(session, access, channel_id, within=ahead)
        except ChannelNeedsReconnection:
            session.commit()  # keep the mark and the notification
            report.needs_reconnection += 1
        except ChannelUnavailable:
            session.rollback()  # disconnected meanwhile
        except Exception as exc:  # transient or operator's problem: the channel stays
            session.rollback()
            log.warning(
                "channel %s: refresh postponed (%s: %s)", channel_id, type(exc).__name__, exc
            )
            report.postponed += 1
        else:
            session.commit()
            report.refreshed += 1
    return report

"""Connected social accounts. Credentials are stored encrypted, never in clear."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class ChannelStatus(enum.StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECTION = "needs_reconnection"
    DISCONNECTED = "disconnected"


class Channel(IdMixin, TimestampMixin, Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("workspace_id", "network", "external_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    avatar_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    status: Mapped[str] = mapped_column(String(32), default=ChannelStatus.CONNECTED.value)
    status_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # When the stored access token expires (None: never, or unknown), so the refresh job
    # finds the channels to refresh without decrypting every channel's credentials.
    credentials_expire_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    settings: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

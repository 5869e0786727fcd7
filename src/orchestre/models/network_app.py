"""The operator's apps on the networks, and OAuth 2 connections under way.

`NetworkApp` is what OAuth 2 calls the client: one per network, or one per server of a
federated network (`base_url` set). Its secret is encrypted with the SecretBox. Uniqueness
of (network, base_url) is also enforced by the service for the NULL `base_url` case.

`ConnectAttempt` remembers an authorization started by a person in a workspace until the
network sends them back: only the hash of its `state` is stored, the PKCE verifier is
encrypted, it expires and is used once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class NetworkApp(IdMixin, TimestampMixin, Base):
    __tablename__ = "network_apps"
    __table_args__ = (UniqueConstraint("network", "base_url"),)

    network: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    client_id: Mapped[str] = mapped_column(String(500))
    client_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # The address the app was registered with (apps registered on a server are bound to it).
    redirect_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    # "operator" (set by the CLI) or "registered" (registered on a server on first connect).
    source: Mapped[str] = mapped_column(String(16), default="operator")


class ConnectAttempt(IdMixin, Base):
    __tablename__ = "connect_attempts"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_verifier_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # "web" sends the person back to the Channels page; "api" shows a plain result page.
    origin: Mapped[str] = mapped_column(String(8), default="api")
    # Accounts the person may choose from (pages of a profile), encrypted JSON, until chosen.
    pending_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)

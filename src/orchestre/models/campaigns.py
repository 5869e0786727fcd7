"""Paid campaigns' plans: budgets by channel and flight, pacing alerts sent, and the signed
webhook's per-workspace secret and the receipts that stop replays.

`CampaignBudget` is an amount to spend between two local days (a flight), on one channel
or (channel NULL) on the campaign as a whole. A campaign may have several flights, with
gaps between them. Days are the workspace's local days, inclusive.

`CampaignPacingAlert` records that the managers were told a campaign is heading for an
over- or under-spend on a given local day, so they are told once per direction per day.

`CampaignHookSecret` is the workspace's signing secret for incoming campaign results
(Fernet-encrypted), `CampaignHookReceipt` one signed body already taken.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class CampaignObjective(enum.StrEnum):
    AWARENESS = "awareness"
    TRAFFIC = "traffic"
    ENGAGEMENT = "engagement"
    LEADS = "leads"
    SALES = "sales"


class CampaignBudget(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaign_budgets"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), default=None
    )
    amount: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class CampaignPacingAlert(IdMixin, Base):
    __tablename__ = "campaign_pacing_alerts"
    __table_args__ = (UniqueConstraint("campaign_id", "day", "direction"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    day: Mapped[date]
    # "over" or "under".
    direction: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignHookSecret(IdMixin, Base):
    __tablename__ = "campaign_hook_secrets"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    secret_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignHookReceipt(IdMixin, Base):
    __tablename__ = "campaign_hook_receipts"
    __table_args__ = (UniqueConstraint("workspace_id", "digest"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # SHA-256 of the signature header's timestamp and the raw body.
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

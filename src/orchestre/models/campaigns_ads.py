"""Links from an Orchestre campaign to campaigns on the ad platforms, their sync, and the
channels' ad platform secrets.

`CampaignAdLink` says: the platform campaign `external_campaign_id` of the ad account
`ad_account_id`, read through the connected channel `channel_id` (whose credentials hold
the ad account's access), counts towards the Orchestre campaign `campaign_id`. Its
results are read again every period over the last days (late conversions) and written
as campaign results of source `network`. `next_sync_at` and `failures` are the sync's
schedule; `last_synced_at` and `last_error` what people see.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class CampaignAdLink(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaign_ad_links"
    # A platform campaign counts towards one Orchestre campaign only.
    __table_args__ = (UniqueConstraint("channel_id", "ad_account_id", "external_campaign_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(32))
    ad_account_id: Mapped[str] = mapped_column(String(64))
    external_campaign_id: Mapped[str] = mapped_column(String(128))
    next_sync_at: Mapped[datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class ChannelAdCredentials(IdMixin, TimestampMixin, Base):
    """The secrets a channel's ad platform asks for besides the channel's own token (an ads
    token, OAuth 1.0a keys, a developer token), Fernet-encrypted as a JSON object of `ads_*`
    names. Kept apart from the channel's credentials, which a token refresh replaces."""

    __tablename__ = "channel_ad_credentials"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), unique=True
    )
    secrets_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # The names set, in clear, so people see what is there without the values.
    names: Mapped[str] = mapped_column(String(500), default="")

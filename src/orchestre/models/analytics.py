"""Analytics: the figures dashboards and reports read, goals, tracked links and reports.

`PublicationStats` is one row per published publication with the latest known value of
each metric, kept up to date whenever a `PostMetricSample` is stored. Dashboards
aggregate these rows (100,000 posts, not 10 million samples), so their queries stay
fast on both databases; the samples stay the history. A metric the network does not
give is NULL here ("not available"), never zero.

`ChannelMetricSample` is an account-level figure (followers, profile visits) at an
instant, a total so far, taken on the channel's own schedule.

`CampaignResult` holds a campaign's spend, revenue and conversions per day, per channel
where known (from ad platforms, a CSV import or a signed webhook), for CPC, CPM, CPA,
ROI and ROAS.

`KpiGoal` is a target for one KPI over one period, for the workspace, a channel, a
network or a campaign.

`TrackedLink` is a short link of our redirector, `LinkClick` one click on it (bots are
stored, flagged, and left out of the counts).

`Report` is a report built from blocks, with its period, filters, language, optional
schedule and optional read-only share link (only the token's hash is stored).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class PostFormat(enum.StrEnum):
    """What a published variant was, for comparing formats."""

    SHORT_VIDEO = "short_video"
    VIDEO = "video"
    IMAGE = "image"
    CAROUSEL = "carousel"
    TEXT = "text"


class PublicationStats(Base):
    __tablename__ = "publication_stats"
    __table_args__ = (
        Index("ix_publication_stats_workspace_published", "workspace_id", "published_at"),
        Index("ix_publication_stats_channel_published", "channel_id", "published_at"),
        Index("ix_publication_stats_campaign", "campaign_id"),
    )

    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post_variants.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None
    )
    pillar_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_pillars.id", ondelete="SET NULL"), default=None
    )
    format: Mapped[str] = mapped_column(String(16), default=PostFormat.TEXT.value)
    published_at: Mapped[datetime]
    # When the latest figures below were measured (None: never measured yet).
    measured_at: Mapped[datetime | None] = mapped_column(default=None)
    # Latest totals; NULL = the network does not give it (or not measured yet).
    impressions: Mapped[float | None] = mapped_column(default=None)
    reach: Mapped[float | None] = mapped_column(default=None)
    likes: Mapped[float | None] = mapped_column(default=None)
    comments: Mapped[float | None] = mapped_column(default=None)
    reposts: Mapped[float | None] = mapped_column(default=None)
    saves: Mapped[float | None] = mapped_column(default=None)
    clicks: Mapped[float | None] = mapped_column(default=None)
    video_views: Mapped[float | None] = mapped_column(default=None)
    # Total watch time in seconds, and the average share of the video watched (0-1).
    watch_time: Mapped[float | None] = mapped_column(default=None)
    completion: Mapped[float | None] = mapped_column(default=None)
    # The account's followers when the post was measured (for engagement by followers).
    followers: Mapped[float | None] = mapped_column(default=None)
    # Clicks counted by our own redirector on this publication's tracked links.
    link_clicks: Mapped[int] = mapped_column(default=0)


class ChannelMetricSample(IdMixin, Base):
    __tablename__ = "channel_metric_samples"
    __table_args__ = (
        UniqueConstraint("channel_id", "metric", "measured_at"),
        Index("ix_channel_metric_samples_workspace", "workspace_id", "metric", "measured_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float]
    measured_at: Mapped[datetime]


class ChannelMetricSchedule(Base):
    """When a channel's account figures are next measured, and the last failure."""

    __tablename__ = "channel_metric_schedules"
    __table_args__ = (Index("ix_channel_metric_schedules_next_at", "next_at"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    next_at: Mapped[datetime]
    # Failed attempts in a row, and the last failure's reason (never a secret).
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_collected_at: Mapped[datetime | None] = mapped_column(default=None)


class CampaignResult(IdMixin, Base):
    __tablename__ = "campaign_results"
    __table_args__ = (
        UniqueConstraint("campaign_id", "channel_key", "day", "source"),
        Index("ix_campaign_results_workspace_day", "workspace_id", "day"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), default=None
    )
    # The channel id as text, or "" for the whole campaign: NULLs are distinct in a
    # unique constraint on PostgreSQL, so the key uses this column instead.
    channel_key: Mapped[str] = mapped_column(String(36), default="")
    day: Mapped[date]
    # Where the figures came from: "csv", "webhook", or an ad platform's name.
    source: Mapped[str] = mapped_column(String(32), default="csv")
    spend: Mapped[float | None] = mapped_column(default=None)
    revenue: Mapped[float | None] = mapped_column(default=None)
    conversions: Mapped[float | None] = mapped_column(default=None)
    impressions: Mapped[float | None] = mapped_column(default=None)
    clicks: Mapped[float | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # The window the source counted conversions with, as it names it (e.g. "7d_click,1d_view");
    # "" when it does not say.
    attribution: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KpiGoal(IdMixin, TimestampMixin, Base):
    __tablename__ = "kpi_goals"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # A KPI name from analytics' catalogue (docs/kpis.md), e.g. "engagement_rate_reach".
    kpi: Mapped[str] = mapped_column(String(40))
    # Scope: all NULL = the whole workspace; else one channel, one network or one campaign.
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), default=None
    )
    network: Mapped[str | None] = mapped_column(String(32), default=None)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), default=None
    )
    # Inclusive days in the workspace's time zone.
    period_start: Mapped[date]
    period_end: Mapped[date]
    target: Mapped[float]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class TrackedLink(IdMixin, Base):
    __tablename__ = "tracked_links"
    __table_args__ = (Index("ix_tracked_links_variant", "variant_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # The short code in /l/{code}.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The destination with its UTM parameters already applied.
    target_url: Mapped[str] = mapped_column(String(4096))
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), default=None
    )
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("post_variants.id", ondelete="CASCADE"), default=None
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), default=None
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None
    )
    # The publication whose text carries this link (None: made by hand or before sending);
    # its PublicationStats.link_clicks counts this link's human clicks.
    publication_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("publications.id", ondelete="SET NULL"), default=None
    )
    # The destination as written, before UTM: with variant and publication, the key that
    # gives the same code again when a send is retried.
    source_url: Mapped[str] = mapped_column(String(4096), default="")
    utm: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Human clicks so far (bots left out), kept beside the click rows for fast reads.
    clicks: Mapped[int] = mapped_column(default=0)


class LinkClick(IdMixin, Base):
    __tablename__ = "link_clicks"
    __table_args__ = (
        Index("ix_link_clicks_link_at", "link_id", "clicked_at"),
        Index("ix_link_clicks_workspace_at", "workspace_id", "clicked_at"),
    )

    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    clicked_at: Mapped[datetime] = mapped_column(default=utcnow)
    bot: Mapped[bool] = mapped_column(default=False)
    # Only the referring host is kept (no IP address, no full URL).
    referrer_host: Mapped[str | None] = mapped_column(String(255), default=None)


class Report(IdMixin, TimestampMixin, Base):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_next_run_at", "next_run_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # "last_7_days", "last_30_days", "last_week", "last_month", "last_quarter", "custom".
    period: Mapped[str] = mapped_column(String(20), default="last_30_days")
    period_start: Mapped[date | None] = mapped_column(default=None)
    period_end: Mapped[date | None] = mapped_column(default=None)
    # {"channel_ids": [...], "network": ..., "campaign_id": ..., "pillar_id": ...}
    filters: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Which engagement rate the report uses: "reach" (default), "impressions", "followers".
    engagement_basis: Mapped[str] = mapped_column(String(16), default="reach")
    # Ordered blocks: [{"kind": "kpis", ...}, {"kind": "chart", ...}, {"kind": "text", ...}]
    blocks: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # Schedule: None, "weekly" or "monthly"; local hour and weekday / day of month.
    schedule: Mapped[str | None] = mapped_column(String(10), default=None)
    schedule_weekday: Mapped[int] = mapped_column(default=0)
    schedule_day: Mapped[int] = mapped_column(default=1)
    schedule_hour: Mapped[int] = mapped_column(default=8)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Read-only share link: sha256 of the token, and when it stops working.
    share_token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    share_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    version: Mapped[int] = mapped_column(default=1)

"""ORM tables, one module per aggregate. Importing this package registers every table."""

from orchestre.models.approval import ApprovalDecision, ApprovalStep, PostComment
from orchestre.models.audit import AuditEntry
from orchestre.models.calendar import CalendarFeed
from orchestre.models.channel import Channel, ChannelStatus
from orchestre.models.delivery import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from orchestre.models.editorial import Campaign, ContentPillar, EditorialLine, Severity
from orchestre.models.insights import MetricCollection, PostMetricSample
from orchestre.models.media import MediaAsset
from orchestre.models.network_app import ConnectAttempt, NetworkApp
from orchestre.models.notification import Notification
from orchestre.models.post import Post, PostVariant, VariantMedia, VariantState
from orchestre.models.publication import (
    Publication,
    PublicationState,
    PublishingPause,
    RateBucket,
)
from orchestre.models.queueing import PostingSlot, RepeatKind, VariantRepeat
from orchestre.models.user import LoginAttempt, User, WebSession
from orchestre.models.workspace import ApiToken, Membership, Workspace

__all__ = [
    "ApiToken",
    "ApprovalDecision",
    "ApprovalStep",
    "AuditEntry",
    "CalendarFeed",
    "Campaign",
    "Channel",
    "ChannelStatus",
    "ConnectAttempt",
    "ContentPillar",
    "EditorialLine",
    "LoginAttempt",
    "MediaAsset",
    "Membership",
    "MetricCollection",
    "NetworkApp",
    "Notification",
    "Post",
    "PostComment",
    "PostMetricSample",
    "PostVariant",
    "PostingSlot",
    "Publication",
    "PublicationState",
    "PublishingPause",
    "RateBucket",
    "RepeatKind",
    "Severity",
    "User",
    "VariantMedia",
    "VariantRepeat",
    "VariantState",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workspace",
]

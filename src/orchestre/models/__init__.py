"""ORM tables, one module per aggregate. Importing this package registers every table."""

from orchestre.models.analytics import (
    CampaignResult,
    ChannelMetricSample,
    ChannelMetricSchedule,
    KpiGoal,
    LinkClick,
    PostFormat,
    PublicationStats,
    Report,
    TrackedLink,
)
from orchestre.models.approval import ApprovalDecision, ApprovalStep, PostComment
from orchestre.models.assistant import AssistantCall, AssistantProvider, PostAssistantCall
from orchestre.models.assistant_plans import AssistantPlan, AssistantPlanItem, PlanItemStatus
from orchestre.models.audit import AuditEntry
from orchestre.models.calendar import CalendarFeed
from orchestre.models.campaigns import (
    CampaignBudget,
    CampaignHookReceipt,
    CampaignHookSecret,
    CampaignObjective,
    CampaignPacingAlert,
)
from orchestre.models.campaigns_ads import CampaignAdLink, ChannelAdCredentials
from orchestre.models.campaigns_experiments import Experiment, ExperimentArm, ExperimentStatus
from orchestre.models.channel import Channel, ChannelStatus
from orchestre.models.competitors import (
    Competitor,
    CompetitorAccount,
    CompetitorPost,
    CompetitorSnapshot,
)
from orchestre.models.delivery import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from orchestre.models.editorial import Campaign, ContentPillar, EditorialLine, Severity
from orchestre.models.inbox import (
    Conversation,
    ConversationStatus,
    Direction,
    InboxAuthor,
    InboxCursor,
    InboxMessage,
    InboxNote,
    OutboundState,
    Priority,
    ResponseTarget,
    SavedReply,
    WebhookReceipt,
)
from orchestre.models.insights import MetricCollection, PostMetricSample
from orchestre.models.listening import ListeningCursor, ListeningQuery, Mention
from orchestre.models.listening_feeds import FeedEntry, ListeningFeed
from orchestre.models.listening_stream import ListeningStream
from orchestre.models.listening_topics import Digest, DigestSettings, TopicSnapshot
from orchestre.models.media import MediaAsset
from orchestre.models.moderation import (
    CrisisAlert,
    CrisisWatch,
    ModerationAction,
    ModerationRule,
)
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
from orchestre.models.review_link import ReviewLink, ReviewLinkPost
from orchestre.models.ugc import (
    RightsRequest,
    RightsState,
    RightsTemplate,
    UgcItem,
    UgcPostLink,
    UgcStatus,
)
from orchestre.models.ugc_contests import Contest, ContestEntry, ContestVote
from orchestre.models.user import LoginAttempt, User, WebSession
from orchestre.models.workspace import ApiToken, Membership, Workspace

__all__ = [
    "ApiToken",
    "ApprovalDecision",
    "ApprovalStep",
    "AssistantCall",
    "AssistantPlan",
    "AssistantPlanItem",
    "AssistantProvider",
    "AuditEntry",
    "CalendarFeed",
    "Campaign",
    "CampaignAdLink",
    "CampaignBudget",
    "CampaignHookReceipt",
    "CampaignHookSecret",
    "CampaignObjective",
    "CampaignPacingAlert",
    "CampaignResult",
    "Channel",
    "ChannelAdCredentials",
    "ChannelMetricSample",
    "ChannelMetricSchedule",
    "ChannelStatus",
    "Competitor",
    "CompetitorAccount",
    "CompetitorPost",
    "CompetitorSnapshot",
    "ConnectAttempt",
    "ContentPillar",
    "Contest",
    "ContestEntry",
    "ContestVote",
    "Conversation",
    "ConversationStatus",
    "CrisisAlert",
    "CrisisWatch",
    "Digest",
    "DigestSettings",
    "Direction",
    "EditorialLine",
    "Experiment",
    "ExperimentArm",
    "ExperimentStatus",
    "FeedEntry",
    "InboxAuthor",
    "InboxCursor",
    "InboxMessage",
    "InboxNote",
    "KpiGoal",
    "LinkClick",
    "ListeningCursor",
    "ListeningFeed",
    "ListeningQuery",
    "ListeningStream",
    "LoginAttempt",
    "MediaAsset",
    "Membership",
    "Mention",
    "MetricCollection",
    "ModerationAction",
    "ModerationRule",
    "NetworkApp",
    "Notification",
    "OutboundState",
    "PlanItemStatus",
    "Post",
    "PostAssistantCall",
    "PostComment",
    "PostFormat",
    "PostMetricSample",
    "PostVariant",
    "PostingSlot",
    "Priority",
    "Publication",
    "PublicationState",
    "PublicationStats",
    "PublishingPause",
    "RateBucket",
    "RepeatKind",
    "Report",
    "ResponseTarget",
    "ReviewLink",
    "ReviewLinkPost",
    "RightsRequest",
    "RightsState",
    "RightsTemplate",
    "SavedReply",
    "Severity",
    "TopicSnapshot",
    "TrackedLink",
    "UgcItem",
    "UgcPostLink",
    "UgcStatus",
    "User",
    "VariantMedia",
    "VariantRepeat",
    "VariantState",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookReceipt",
    "Workspace",
]

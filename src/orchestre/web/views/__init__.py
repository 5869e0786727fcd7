"""The page routers, in the order mount_web includes them."""

from __future__ import annotations

from fastapi import APIRouter

from orchestre.web.views import (
    account,
    analytics,
    approvals,
    areas,
    assistant,
    calendar,
    campaign_ads,
    campaigns,
    channels,
    compose,
    crisis,
    experiments,
    inbox,
    insights,
    listening,
    media,
    members,
    moderation,
    posts,
    publishing,
    queueing,
    reports,
    settings,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    account.router,
    posts.router,
    calendar.router,
    media.router,
    compose.router,
    approvals.router,
    publishing.router,
    members.router,
    channels.router,
    insights.router,
    settings.router,
    queueing.router,
    webhooks.router,
    inbox.router,
    moderation.router,
    crisis.router,
    analytics.router,
    reports.router,
    experiments.router,
    campaigns.router,
    campaign_ads.router,
    listening.router,
    assistant.router,
    areas.router,
]

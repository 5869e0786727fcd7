"""Every workspace route is checked for the permission it needs, role by role.

The table below is the contract: a route missing from it fails the test, so a new route
cannot ship without saying who may call it. For each role, a caller lacking one of the
listed permissions must get 403, and a caller holding them all must not. Ownership rules
are exercised by a caller who is not the author of the thing, so "edit any" is what a
non-author needs.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.workspaces.permissions import MATRIX, Permission, Role
from tests.factories import bearer, make_member, make_token, make_workspace
from tests.routes_walk import Tenant, fill_path, populate, request_kwargs, workspace_operations

P = Permission
W = "/api/v1/workspaces/{workspace_id}"
AUTHOR_ONLY: tuple[Permission, ...] = ()  # nobody but the author: every other caller gets 403

NEEDS: dict[str, tuple[Permission, ...]] = {
    f"GET {W}": (P.WORKSPACE_VIEW,),
    f"PATCH {W}": (P.WORKSPACE_MANAGE,),
    f"GET {W}/members": (P.MEMBERS_VIEW,),
    f"POST {W}/members": (P.MEMBERS_MANAGE,),
    f"PATCH {W}/members/{{membership_id}}": (P.MEMBERS_MANAGE,),
    f"DELETE {W}/members/{{membership_id}}": (P.MEMBERS_MANAGE,),
    f"GET {W}/tokens": (P.WORKSPACE_VIEW,),
    f"POST {W}/tokens": (P.WORKSPACE_VIEW,),
    f"DELETE {W}/tokens/{{token_id}}": (P.MEMBERS_MANAGE,),  # someone else's token
    f"GET {W}/channels": (P.CHANNELS_VIEW,),
    f"POST {W}/channels": (P.CHANNELS_MANAGE,),
    f"GET {W}/channels/{{channel_id}}": (P.CHANNELS_VIEW,),
    f"PATCH {W}/channels/{{channel_id}}": (P.CHANNELS_MANAGE,),
    f"DELETE {W}/channels/{{channel_id}}": (P.CHANNELS_MANAGE,),
    f"POST {W}/channels/{{channel_id}}/disconnect": (P.CHANNELS_MANAGE,),
    f"POST {W}/channels/connect": (P.CHANNELS_MANAGE,),
    f"POST {W}/channels/connect/password": (P.CHANNELS_MANAGE,),
    f"GET {W}/channels/connect/{{attempt_id}}": (P.CHANNELS_MANAGE,),
    f"POST {W}/channels/connect/{{attempt_id}}/choose": (P.CHANNELS_MANAGE,),
    f"GET {W}/networks": (P.CHANNELS_VIEW,),
    f"POST {W}/posts": (P.POSTS_CREATE,),
    f"GET {W}/posts": (P.POSTS_VIEW,),
    f"GET {W}/posts/{{post_id}}": (P.POSTS_VIEW,),
    f"PATCH {W}/posts/{{post_id}}": (P.POSTS_EDIT_ANY,),
    f"DELETE {W}/posts/{{post_id}}": (P.POSTS_DELETE,),
    f"POST {W}/posts/{{post_id}}/variants": (P.POSTS_EDIT_ANY,),
    f"PATCH {W}/posts/{{post_id}}/variants/{{variant_id}}": (P.POSTS_EDIT_ANY,),
    f"DELETE {W}/posts/{{post_id}}/variants/{{variant_id}}": (P.POSTS_EDIT_ANY,),
    f"POST {W}/posts/{{post_id}}/schedule": (P.POSTS_SCHEDULE,),
    f"POST {W}/posts/{{post_id}}/unschedule": (P.POSTS_SCHEDULE,),
    f"POST {W}/posts/{{post_id}}/submit": (P.POSTS_SUBMIT, P.POSTS_EDIT_ANY),
    f"POST {W}/posts/{{post_id}}/decisions": (P.POSTS_APPROVE,),
    f"GET {W}/posts/{{post_id}}/decisions": (P.POSTS_VIEW,),
    f"GET {W}/posts/{{post_id}}/comments": (P.POSTS_VIEW,),
    f"POST {W}/posts/{{post_id}}/comments": (P.POSTS_COMMENT,),
    f"DELETE {W}/posts/{{post_id}}/comments/{{comment_id}}": AUTHOR_ONLY,
    f"GET {W}/approvals/queue": (P.POSTS_VIEW,),
    f"GET {W}/review-links": (P.REVIEW_LINKS_MANAGE,),
    f"POST {W}/review-links": (P.REVIEW_LINKS_MANAGE,),
    f"DELETE {W}/review-links/{{review_link_id}}": (P.REVIEW_LINKS_MANAGE,),
    f"DELETE {W}/review-links/{{review_link_id}}/posts/{{post_id}}": (P.REVIEW_LINKS_MANAGE,),
    f"GET {W}/approval-steps": (P.WORKSPACE_VIEW,),
    f"PUT {W}/approval-steps": (P.WORKSPACE_MANAGE,),
    f"GET {W}/editorial-line": (P.WORKSPACE_VIEW,),
    f"PUT {W}/editorial-line": (P.WORKSPACE_MANAGE,),
    f"GET {W}/pillars": (P.WORKSPACE_VIEW,),
    f"POST {W}/pillars": (P.WORKSPACE_MANAGE,),
    f"PATCH {W}/pillars/{{pillar_id}}": (P.WORKSPACE_MANAGE,),
    f"DELETE {W}/pillars/{{pillar_id}}": (P.WORKSPACE_MANAGE,),
    f"GET {W}/campaigns": (P.POSTS_VIEW,),
    f"POST {W}/campaigns": (P.CAMPAIGNS_MANAGE,),
    f"GET {W}/campaigns/{{campaign_id}}": (P.POSTS_VIEW,),
    f"PATCH {W}/campaigns/{{campaign_id}}": (P.CAMPAIGNS_MANAGE,),
    f"DELETE {W}/campaigns/{{campaign_id}}": (P.CAMPAIGNS_MANAGE,),
    f"POST {W}/media": (P.MEDIA_UPLOAD,),
    f"GET {W}/media": (P.POSTS_VIEW,),
    f"GET {W}/media/{{media_id}}": (P.POSTS_VIEW,),
    f"GET {W}/media/{{media_id}}/file": (P.POSTS_VIEW,),
    f"PATCH {W}/media/{{media_id}}": (P.POSTS_EDIT_ANY,),
    f"DELETE {W}/media/{{media_id}}": (P.POSTS_EDIT_ANY,),
    f"POST {W}/media/{{media_id}}/fix": (P.MEDIA_UPLOAD,),
    f"GET {W}/media/{{media_id}}/thumbnail": (P.POSTS_VIEW,),
    f"GET {W}/media/{{media_id}}/usage": (P.POSTS_VIEW,),
    f"GET {W}/media-library/facets": (P.POSTS_VIEW,),
    f"GET {W}/audit": (P.AUDIT_VIEW,),
    f"GET {W}/publishing": (P.POSTS_VIEW,),
    f"POST {W}/publishing/pause": (P.PUBLISHING_PAUSE,),
    f"POST {W}/publishing/resume": (P.PUBLISHING_PAUSE,),
    f"GET {W}/publications": (P.POSTS_VIEW,),
    f"GET {W}/publications/{{publication_id}}": (P.POSTS_VIEW,),
    f"POST {W}/publications/{{publication_id}}/publish-now": (P.POSTS_SCHEDULE,),
    # Insights: best times read the channel's measured engagement.
    f"GET {W}/channels/{{channel_id}}/best-times": (P.ANALYTICS_VIEW,),
    # Analytics KPIs: every member reads them; goals are set with analytics.manage.
    f"GET {W}/analytics/catalogue": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/kpis": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/formats": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/series": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/top-posts": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/heatmap": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/goals": (P.ANALYTICS_VIEW,),
    f"POST {W}/analytics/goals": (P.ANALYTICS_MANAGE,),
    f"GET {W}/analytics/goals/progress": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/goals/{{goal_id}}": (P.ANALYTICS_VIEW,),
    f"PATCH {W}/analytics/goals/{{goal_id}}": (P.ANALYTICS_MANAGE,),
    f"DELETE {W}/analytics/goals/{{goal_id}}": (P.ANALYTICS_MANAGE,),
    f"GET {W}/analytics/goals/{{goal_id}}/progress": (P.ANALYTICS_VIEW,),
    # Tracked links: made with analytics.manage, their clicks read by every member.
    f"POST {W}/analytics/links": (P.ANALYTICS_MANAGE,),
    f"GET {W}/analytics/links": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/links/{{link_id}}": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/link-clicks": (P.ANALYTICS_VIEW,),
    # Reports: every member reads and downloads them; analytics.manage makes and shares them.
    f"GET {W}/listening/queries": (P.LISTENING_VIEW,),
    f"POST {W}/listening/queries": (P.LISTENING_MANAGE,),
    f"GET {W}/listening/queries/{{query_id}}": (P.LISTENING_VIEW,),
    f"PATCH {W}/listening/queries/{{query_id}}": (P.LISTENING_MANAGE,),
    f"DELETE {W}/listening/queries/{{query_id}}": (P.LISTENING_MANAGE,),
    f"POST {W}/listening/check": (P.LISTENING_VIEW,),
    f"GET {W}/listening/mentions": (P.LISTENING_VIEW,),
    f"GET {W}/listening/health": (P.LISTENING_VIEW,),
    f"POST {W}/listening/collect": (P.LISTENING_MANAGE,),
    f"GET {W}/listening/topics": (P.LISTENING_VIEW,),
    f"POST {W}/listening/topics/refresh": (P.LISTENING_MANAGE,),
    f"GET {W}/listening/inbox-trends": (P.LISTENING_VIEW,),
    f"GET {W}/listening/digest/settings": (P.LISTENING_VIEW,),
    f"PUT {W}/listening/digest/settings": (P.LISTENING_MANAGE,),
    f"GET {W}/listening/digests": (P.LISTENING_VIEW,),
    f"GET {W}/listening/digests/{{digest_id}}": (P.LISTENING_VIEW,),
    f"GET {W}/listening/feeds": (P.LISTENING_VIEW,),
    f"POST {W}/listening/feeds": (P.LISTENING_MANAGE,),
    f"GET {W}/listening/feeds/{{feed_id}}": (P.LISTENING_VIEW,),
    f"PATCH {W}/listening/feeds/{{feed_id}}": (P.LISTENING_MANAGE,),
    f"DELETE {W}/listening/feeds/{{feed_id}}": (P.LISTENING_MANAGE,),
    f"POST {W}/listening/feeds/collect": (P.LISTENING_MANAGE,),
    f"GET {W}/listening/feeds.opml": (P.LISTENING_VIEW,),
    f"POST {W}/listening/feeds/import": (P.LISTENING_MANAGE,),
    f"GET {W}/competitors": (P.LISTENING_VIEW,),
    f"POST {W}/competitors": (P.LISTENING_MANAGE,),
    f"DELETE {W}/competitors/{{competitor_id}}": (P.LISTENING_MANAGE,),
    f"POST {W}/competitors/{{competitor_id}}/accounts": (P.LISTENING_MANAGE,),
    f"DELETE {W}/competitors/accounts/{{account_id}}": (P.LISTENING_MANAGE,),
    f"POST {W}/competitors/collect": (P.LISTENING_MANAGE,),
    f"GET {W}/competitors/comparison": (P.LISTENING_VIEW,),
    # Contests and calls for contributions (the public page is not an API route).
    f"GET {W}/contests": (P.UGC_VIEW,),
    f"POST {W}/contests": (P.UGC_MANAGE,),
    f"GET {W}/contests/{{contest_id}}": (P.UGC_VIEW,),
    f"PATCH {W}/contests/{{contest_id}}": (P.UGC_MANAGE,),
    f"DELETE {W}/contests/{{contest_id}}": (P.UGC_MANAGE,),
    f"POST {W}/contests/{{contest_id}}/collect": (P.UGC_MANAGE,),
    f"GET {W}/contests/{{contest_id}}/entries": (P.UGC_VIEW,),
    f"GET {W}/contests/{{contest_id}}/entries/{{entry_id}}": (P.UGC_VIEW,),
    f"POST {W}/contests/{{contest_id}}/entries/{{entry_id}}/review": (P.UGC_MANAGE,),
    f"PUT {W}/contests/{{contest_id}}/entries/{{entry_id}}/vote": (P.UGC_MANAGE,),
    f"DELETE {W}/contests/{{contest_id}}/entries/{{entry_id}}/vote": (P.UGC_MANAGE,),
    f"POST {W}/contests/{{contest_id}}/entries/{{entry_id}}/shortlist": (P.UGC_MANAGE,),
    f"PUT {W}/contests/{{contest_id}}/winners": (P.UGC_MANAGE,),
    f"POST {W}/contests/{{contest_id}}/announce": (P.UGC_MANAGE, P.POSTS_CREATE),
    f"POST {W}/contests/{{contest_id}}/poll": (P.UGC_MANAGE, P.POSTS_CREATE),
    # Content plans: the assistant proposes drafts (so posts.create too); readers of
    # posts see plans and their AI drafts on the calendar.
    f"POST {W}/assistant/plans": (P.ASSISTANT_USE, P.POSTS_CREATE),
    f"GET {W}/assistant/plans/{{plan_id}}": (P.POSTS_VIEW,),
    f"POST {W}/assistant/plans/{{plan_id}}/accept": (P.ASSISTANT_USE, P.POSTS_CREATE),
    f"POST {W}/assistant/plans/{{plan_id}}/discard": (P.ASSISTANT_USE, P.POSTS_CREATE),
    f"GET {W}/assistant/plan-items": (P.POSTS_VIEW,),
    f"POST {W}/assistant/plan-items/{{plan_item_id}}/accept": (
        P.ASSISTANT_USE,
        P.POSTS_CREATE,
    ),
    f"POST {W}/assistant/plan-items/{{plan_item_id}}/discard": (
        P.ASSISTANT_USE,
        P.POSTS_CREATE,
    ),
    # The assistant: its provider and call log for assistant.manage; writing for
    # assistant.use; a post's links to the calls that drafted it for its readers and writers.
    f"GET {W}/assistant/status": (P.ASSISTANT_USE,),
    f"GET {W}/assistant/provider": (P.ASSISTANT_MANAGE,),
    f"PUT {W}/assistant/provider": (P.ASSISTANT_MANAGE,),
    f"POST {W}/assistant/provider/test": (P.ASSISTANT_MANAGE,),
    f"GET {W}/assistant/calls": (P.ASSISTANT_MANAGE,),
    f"GET {W}/assistant/calls/{{call_id}}": (P.ASSISTANT_MANAGE,),
    f"POST {W}/assistant/writing/caption": (P.ASSISTANT_USE,),
    f"POST {W}/assistant/writing/adapt": (P.ASSISTANT_USE,),
    f"POST {W}/assistant/writing/hashtags": (P.ASSISTANT_USE,),
    f"POST {W}/assistant/writing/alt-text": (P.ASSISTANT_USE,),
    f"POST {W}/assistant/writing/video": (P.ASSISTANT_USE,),
    f"GET {W}/posts/{{post_id}}/assistant-calls": (P.POSTS_VIEW,),
    f"POST {W}/posts/{{post_id}}/assistant-calls": (P.ASSISTANT_USE, P.POSTS_CREATE),
    f"GET {W}/analytics/reports": (P.ANALYTICS_VIEW,),
    f"POST {W}/analytics/reports": (P.ANALYTICS_MANAGE,),
    f"GET {W}/analytics/reports/{{report_id}}": (P.ANALYTICS_VIEW,),
    f"PATCH {W}/analytics/reports/{{report_id}}": (P.ANALYTICS_MANAGE,),
    f"DELETE {W}/analytics/reports/{{report_id}}": (P.ANALYTICS_MANAGE,),
    f"GET {W}/analytics/reports/{{report_id}}.pdf": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/reports/{{report_id}}.csv": (P.ANALYTICS_VIEW,),
    f"GET {W}/analytics/reports/{{report_id}}.xlsx": (P.ANALYTICS_VIEW,),
    f"POST {W}/analytics/reports/{{report_id}}/share": (P.ANALYTICS_MANAGE,),
    f"DELETE {W}/analytics/reports/{{report_id}}/share": (P.ANALYTICS_MANAGE,),
    # Experiments: every member reads them and plans; analytics.manage runs them.
    # Paid campaigns: everyone who reads posts sees a plan, analytics readers its pacing,
    # campaign managers set budgets, import results and hold the results webhook's secret.
    f"GET {W}/campaigns/{{campaign_id}}/plan": (P.POSTS_VIEW,),
    f"PUT {W}/campaigns/{{campaign_id}}/plan": (P.CAMPAIGNS_MANAGE,),
    f"GET {W}/campaigns/{{campaign_id}}/pacing": (P.ANALYTICS_VIEW,),
    f"POST {W}/campaign-results/import": (P.CAMPAIGNS_MANAGE,),
    f"POST {W}/campaign-results/hook-secret": (P.CAMPAIGNS_MANAGE,),
    # Ad platforms: whoever reads posts sees a campaign's links; campaign managers link,
    # sync and boost (a boost spends money).
    f"GET {W}/campaigns/{{campaign_id}}/ad-links": (P.POSTS_VIEW,),
    f"POST {W}/campaigns/{{campaign_id}}/ad-links": (P.CAMPAIGNS_MANAGE,),
    f"DELETE {W}/campaigns/{{campaign_id}}/ad-links/{{ad_link_id}}": (P.CAMPAIGNS_MANAGE,),
    f"POST {W}/campaigns/{{campaign_id}}/ad-sync": (P.CAMPAIGNS_MANAGE,),
    f"POST {W}/publications/{{publication_id}}/boost": (P.CAMPAIGNS_MANAGE,),
    # A channel's ad platform secrets: their names for channel readers, set by its managers.
    f"GET {W}/channels/{{channel_id}}/ad-secrets": (P.CHANNELS_VIEW,),
    f"PUT {W}/channels/{{channel_id}}/ad-secrets": (P.CHANNELS_MANAGE,),
    f"GET {W}/experiments": (P.ANALYTICS_VIEW,),
    f"POST {W}/experiments": (P.ANALYTICS_MANAGE,),
    f"POST {W}/experiments/plan": (P.ANALYTICS_VIEW,),
    f"GET {W}/experiments/{{experiment_id}}": (P.ANALYTICS_VIEW,),
    f"PATCH {W}/experiments/{{experiment_id}}": (P.ANALYTICS_MANAGE,),
    f"DELETE {W}/experiments/{{experiment_id}}": (P.ANALYTICS_MANAGE,),
    f"POST {W}/experiments/{{experiment_id}}/start": (P.ANALYTICS_MANAGE,),
    f"POST {W}/experiments/{{experiment_id}}/stop": (P.ANALYTICS_MANAGE,),
    f"GET {W}/experiments/{{experiment_id}}/analysis": (P.ANALYTICS_VIEW,),
    # The composer: a check only measures (reviewers see the same findings on the post);
    # an adaptation writes a text to save, as a draft's author does.
    f"POST {W}/compose/check": (P.POSTS_VIEW,),
    f"POST {W}/compose/adapt": (P.POSTS_CREATE,),
    # Queueing: slots are channel settings; queueing and repeats schedule posts.
    f"GET {W}/channels/{{channel_id}}/slots": (P.CHANNELS_VIEW,),
    f"POST {W}/channels/{{channel_id}}/slots": (P.CHANNELS_MANAGE,),
    f"DELETE {W}/channels/{{channel_id}}/slots/{{slot_id}}": (P.CHANNELS_MANAGE,),
    f"POST {W}/posts/{{post_id}}/queue": (P.POSTS_SCHEDULE,),
    f"GET {W}/posts/{{post_id}}/variants/{{variant_id}}/repeat": (P.POSTS_VIEW,),
    f"PUT {W}/posts/{{post_id}}/variants/{{variant_id}}/repeat": (P.POSTS_SCHEDULE,),
    f"DELETE {W}/posts/{{post_id}}/variants/{{variant_id}}/repeat": (P.POSTS_SCHEDULE,),
    # Outgoing webhooks: the people who manage the workspace's settings.
    f"GET {W}/webhooks": (P.WORKSPACE_MANAGE,),
    f"POST {W}/webhooks": (P.WORKSPACE_MANAGE,),
    f"GET {W}/webhooks/deliveries": (P.WORKSPACE_MANAGE,),
    f"GET {W}/webhooks/{{endpoint_id}}": (P.WORKSPACE_MANAGE,),
    f"PATCH {W}/webhooks/{{endpoint_id}}": (P.WORKSPACE_MANAGE,),
    f"DELETE {W}/webhooks/{{endpoint_id}}": (P.WORKSPACE_MANAGE,),
    f"POST {W}/webhooks/{{endpoint_id}}/rotate-secret": (P.WORKSPACE_MANAGE,),
    # The calendar: everyone who reads posts sees it and has their own feed address.
    f"GET {W}/calendar": (P.POSTS_VIEW,),
    f"GET {W}/calendar/feed": (P.POSTS_VIEW,),
    f"POST {W}/calendar/feed": (P.POSTS_VIEW,),
    f"DELETE {W}/calendar/feed": (P.POSTS_VIEW,),
    f"GET {W}/calendar/export": (P.POSTS_VIEW,),
    f"POST {W}/calendar/import": (P.POSTS_CREATE, P.POSTS_SUBMIT),
    # Moderation rules and their log: the inbox's readers see them, its moderators change them.
    f"GET {W}/moderation/rules": (P.INBOX_VIEW,),
    f"POST {W}/moderation/rules": (P.INBOX_MODERATE,),
    f"PUT {W}/moderation/rules/order": (P.INBOX_MODERATE,),
    f"POST {W}/moderation/rules/starter": (P.INBOX_MODERATE,),
    f"GET {W}/moderation/rules/{{rule_id}}": (P.INBOX_VIEW,),
    f"PATCH {W}/moderation/rules/{{rule_id}}": (P.INBOX_MODERATE,),
    f"DELETE {W}/moderation/rules/{{rule_id}}": (P.INBOX_MODERATE,),
    f"POST {W}/moderation/dry-run": (P.INBOX_VIEW,),
    f"GET {W}/moderation/actions": (P.INBOX_VIEW,),
    f"POST {W}/moderation/actions/{{action_id}}/undo": (P.INBOX_MODERATE,),
    # The inbox: its readers see it and write notes, repliers answer and triage, moderators
    # hide, delete, approve held replies and keep the saved replies and targets.
    f"GET {W}/inbox/conversations": (P.INBOX_VIEW,),
    f"GET {W}/inbox/conversations/counts": (P.INBOX_VIEW,),
    f"GET {W}/inbox/conversations/{{conversation_id}}": (P.INBOX_VIEW,),
    f"GET {W}/inbox/conversations/{{conversation_id}}/messages": (P.INBOX_VIEW,),
    f"PATCH {W}/inbox/conversations/{{conversation_id}}": (P.INBOX_REPLY,),
    f"POST {W}/inbox/conversations/{{conversation_id}}/replies": (P.INBOX_REPLY,),
    f"POST {W}/inbox/conversations/{{conversation_id}}/notes": (P.INBOX_VIEW,),
    f"POST {W}/inbox/messages/{{message_id}}/hide": (P.INBOX_MODERATE,),
    f"POST {W}/inbox/messages/{{message_id}}/delete": (P.INBOX_MODERATE,),
    f"POST {W}/inbox/messages/{{message_id}}/like": (P.INBOX_REPLY,),
    f"POST {W}/inbox/messages/{{message_id}}/approve": (P.INBOX_MODERATE,),
    f"POST {W}/inbox/messages/{{message_id}}/reject": (P.INBOX_MODERATE,),
    f"POST {W}/inbox/bulk": (P.INBOX_REPLY,),
    f"GET {W}/inbox/saved-replies": (P.INBOX_VIEW,),
    f"POST {W}/inbox/saved-replies": (P.INBOX_MODERATE,),
    f"GET {W}/inbox/saved-replies/{{saved_reply_id}}": (P.INBOX_VIEW,),
    f"PUT {W}/inbox/saved-replies/{{saved_reply_id}}": (P.INBOX_MODERATE,),
    f"DELETE {W}/inbox/saved-replies/{{saved_reply_id}}": (P.INBOX_MODERATE,),
    f"POST {W}/inbox/saved-replies/{{saved_reply_id}}/render": (P.INBOX_VIEW,),
    f"GET {W}/inbox/response-targets": (P.INBOX_VIEW,),
    f"POST {W}/inbox/response-targets": (P.INBOX_MODERATE,),
    f"PATCH {W}/inbox/response-targets/{{response_target_id}}": (P.INBOX_MODERATE,),
    f"DELETE {W}/inbox/response-targets/{{response_target_id}}": (P.INBOX_MODERATE,),
    f"GET {W}/inbox/stats": (P.ANALYTICS_VIEW,),
    f"GET {W}/inbox/authors/{{author_id}}": (P.INBOX_VIEW,),
    f"PUT {W}/inbox/authors/{{author_id}}/tags": (P.INBOX_REPLY,),
    # Crisis alerts: the inbox's readers see them, its moderators handle them, and crisis
    # mode pauses publishing.
    f"GET {W}/crisis/alerts": (P.INBOX_VIEW,),
    f"GET {W}/crisis/alerts/{{alert_id}}": (P.INBOX_VIEW,),
    f"POST {W}/crisis/alerts/{{alert_id}}/acknowledge": (P.INBOX_MODERATE,),
    f"POST {W}/crisis/alerts/{{alert_id}}/resolve": (P.INBOX_MODERATE,),
    f"POST {W}/crisis/alerts/{{alert_id}}/crisis-mode": (P.PUBLISHING_PAUSE,),
    # The community assistant drafts for the inbox's readers who may use the assistant.
    f"POST {W}/inbox/conversations/{{conversation_id}}/reply-suggestions": (
        P.INBOX_VIEW,
        P.ASSISTANT_USE,
    ),
    f"POST {W}/inbox/conversations/{{conversation_id}}/summary": (P.INBOX_VIEW, P.ASSISTANT_USE),
    f"POST {W}/crisis/alerts/{{alert_id}}/summary": (P.INBOX_VIEW, P.ASSISTANT_USE),
    # The UGC board: every member sees it and the proof of the rights; its managers collect,
    # ask creators (an answer in their thread) and make posts from granted items.
    f"GET {W}/ugc/items": (P.UGC_VIEW,),
    f"POST {W}/ugc/items": (P.UGC_MANAGE,),
    f"GET {W}/ugc/proposals": (P.UGC_VIEW,),
    f"GET {W}/ugc/items/{{item_id}}": (P.UGC_VIEW,),
    f"PATCH {W}/ugc/items/{{item_id}}": (P.UGC_MANAGE,),
    f"DELETE {W}/ugc/items/{{item_id}}": (P.UGC_MANAGE,),
    f"POST {W}/ugc/items/{{item_id}}/rights/preview": (P.UGC_VIEW,),
    f"POST {W}/ugc/items/{{item_id}}/rights": (P.UGC_MANAGE,),
    f"POST {W}/ugc/items/{{item_id}}/posts": (P.UGC_MANAGE,),
    f"GET {W}/ugc/templates": (P.UGC_VIEW,),
    f"POST {W}/ugc/templates": (P.UGC_MANAGE,),
    f"PUT {W}/ugc/templates/{{template_id}}": (P.UGC_MANAGE,),
    f"DELETE {W}/ugc/templates/{{template_id}}": (P.UGC_MANAGE,),
}


def _allowed(role: Role, needs: tuple[Permission, ...]) -> bool:
    return bool(needs) and all(p in MATRIX[role] for p in needs)


def test_every_route_declares_what_it_needs(app: FastAPI) -> None:
    documented = {f"{m} {p}" for m, p, _ in workspace_operations(app.openapi())}
    assert sorted(documented - NEEDS.keys()) == []
    assert sorted(NEEDS.keys() - documented) == []


def _tenant(db: Session, role: Role) -> tuple[Tenant, str]:
    tenant = populate(db, make_workspace(db), "perm")
    caller = make_member(db, tenant.workspace, role.value)
    return tenant, make_token(db, tenant.workspace, caller)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_is_refused_exactly_what_it_lacks(
    app: FastAPI, client: TestClient, db: Session, role: Role
) -> None:
    spec = app.openapi()
    reader = _tenant(db, role)  # for the calls that change nothing
    mismatches: list[str] = []
    for method, path, operation in workspace_operations(spec):
        needs = NEEDS[f"{method} {path}"]
        # A call that may change something gets a fresh workspace: a destructive call must
        # not spoil the next one.
        tenant, token = reader if method == "GET" else _tenant(db, role)
        kwargs = request_kwargs(operation, spec, tenant.ids)
        response = client.request(
            method, fill_path(path, tenant.ids), headers=bearer(token), **kwargs
        )
        refused = response.status_code == 403
        if refused == _allowed(role, needs):
            mismatches.append(
                f"{method} {path} as {role.value}: {response.status_code} {response.text[:140]}"
            )
    assert mismatches == [], "\n".join(mismatches)

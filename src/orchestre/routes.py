"""Every router of the application, in one list so app.py stays small."""

from __future__ import annotations

from fastapi import FastAPI


def include_all(app: FastAPI) -> None:
    from orchestre.analytics.api import router as analytics_router
    from orchestre.analytics.links_api import redirect_router as links_redirect_router
    from orchestre.analytics.links_api import router as links_router
    from orchestre.analytics.reports_api import public_router as shared_reports_router
    from orchestre.analytics.reports_api import router as reports_router
    from orchestre.approvals.api import router as approvals_router
    from orchestre.approvals.review_links_api import router as review_links_router
    from orchestre.assistant.api import router as assistant_router
    from orchestre.assistant.community_api import router as assistant_community_router
    from orchestre.assistant.planning_api import router as assistant_planning_router
    from orchestre.assistant.runtime import use_box
    from orchestre.audit.api import router as audit_router
    from orchestre.calendar.api import feed_router as calendar_feed_router
    from orchestre.calendar.api import router as calendar_router
    from orchestre.campaigns.ads_api import router as ads_router
    from orchestre.campaigns.api import hook_router as campaign_hook_router
    from orchestre.campaigns.api import router as campaigns_router
    from orchestre.campaigns.experiments_api import router as experiments_router
    from orchestre.channels.api import router as channels_router
    from orchestre.compose.api import router as compose_router
    from orchestre.delivery.api import router as delivery_router
    from orchestre.inbox.api import router as inbox_router
    from orchestre.inbox.webhooks_api import router as inbox_webhooks_router
    from orchestre.insights.api import router as insights_router
    from orchestre.kit.keys import secret_box
    from orchestre.listening.api import router as listening_router
    from orchestre.listening.competitors_api import router as competitors_router
    from orchestre.listening.digest_api import router as listening_digest_router
    from orchestre.listening.feeds_api import router as listening_feeds_router
    from orchestre.listening.topics_api import router as listening_topics_router
    from orchestre.moderation.api import router as moderation_router
    from orchestre.moderation.crisis_api import router as crisis_router
    from orchestre.posts.api import router as posts_router
    from orchestre.publishing.api import router as publishing_router
    from orchestre.queueing.api import router as queueing_router
    from orchestre.ugc.api import router as ugc_router
    from orchestre.ugc.contests_api import router as contests_router
    from orchestre.web.pages import mount_web
    from orchestre.workspaces.api import router as workspaces_router

    for router in (
        workspaces_router,
        channels_router,
        posts_router,
        compose_router,
        publishing_router,
        queueing_router,
        insights_router,
        analytics_router,
        links_router,
        reports_router,
        experiments_router,
        campaigns_router,
        ads_router,
        calendar_router,
        approvals_router,
        review_links_router,
        audit_router,
        delivery_router,
        inbox_router,
        moderation_router,
        crisis_router,
        listening_router,
        listening_topics_router,
        listening_digest_router,
        competitors_router,
        listening_feeds_router,
        ugc_router,
        contests_router,
        assistant_router,
        assistant_community_router,
        assistant_planning_router,
    ):
        app.include_router(router, prefix="/api/v1")
    app.include_router(calendar_feed_router)
    # Networks push here: no session, no token; each payload's signature is checked.
    app.include_router(inbox_webhooks_router, prefix="/api/v1")
    # Shops and analytics tools push campaign results here, signed with the workspace's secret.
    app.include_router(campaign_hook_router, prefix="/api/v1")
    # Public short links of the redirector: no session, no token, no cookie; not under /api/v1.
    app.include_router(links_redirect_router)
    # Reports shared by a read-only link: the token in the address is the only key.
    app.include_router(shared_reports_router)
    # The assistant reads its providers' keys with this application's keys (see runtime).
    use_box(secret_box(app.state.settings))
    mount_web(app)

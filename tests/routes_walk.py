"""Walk every JSON route with the ids of a given workspace (isolation and role tests)."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from orchestre.kit.clock import utcnow
from orchestre.models import (
    ApprovalStep,
    Campaign,
    ConnectAttempt,
    ContentPillar,
    MediaAsset,
    Membership,
    Post,
    PostComment,
    PostingSlot,
    PostVariant,
    Publication,
    VariantRepeat,
    WebhookEndpoint,
    Workspace,
)
from tests.factories import make_channel, make_member, make_token

PARAM = re.compile(r"{(\w+)}")


@dataclass
class Tenant:
    """A workspace with one of every kind of thing, and the id of each by path parameter."""

    workspace: Workspace
    token: str
    ids: dict[str, uuid.UUID]
    marker: str


def populate(db: Session, ws: Workspace, marker: str) -> Tenant:
    owner = make_member(db, ws, "owner")
    other = make_member(db, ws, "content_creator")
    membership = db.query(Membership).filter_by(workspace_id=ws.id, user_id=other.id).one()
    token = make_token(db, ws, owner)
    channel = make_channel(db, ws, handle=f"@{marker}")
    campaign = Campaign(workspace_id=ws.id, name=f"{marker} campaign")
    pillar = ContentPillar(workspace_id=ws.id, name=f"{marker} pillar", target_share=10)
    media = MediaAsset(
        workspace_id=ws.id,
        filename=f"{marker}.png",
        kind="image",
        content_type="image/png",
        size_bytes=10,
        width=1,
        height=1,
        sha256="0" * 64,
        storage_key=f"{ws.id}/{uuid.uuid4()}.png",
    )
    post = Post(workspace_id=ws.id, created_by=other.id, base_text=f"{marker} post text")
    db.add_all([campaign, pillar, media, post])
    db.flush()
    variant = PostVariant(
        workspace_id=ws.id, post_id=post.id, channel_id=channel.id, text=f"{marker} variant"
    )
    comment = PostComment(
        workspace_id=ws.id, post_id=post.id, author_id=owner.id, body=f"{marker} comment"
    )
    step = ApprovalStep(workspace_id=ws.id, position=0, name=f"{marker} step", role="reviewer")
    # An authorization waiting for its accounts to be picked (by a member who is not the
    # caller: every caller meets 403 or 404 on it, never its content).
    attempt = ConnectAttempt(
        workspace_id=ws.id,
        user_id=other.id,
        network="facebook",
        state_hash=uuid.uuid4().hex,
        pending_encrypted=b"sealed",
        expires_at=utcnow() + timedelta(minutes=10),
    )
    db.add_all([variant, comment, step, attempt])
    db.flush()
    publication = Publication(
        workspace_id=ws.id,
        channel_id=channel.id,
        variant_id=variant.id,
        due_at=utcnow(),
        state="failed",
        client_ref=uuid.uuid4().hex,
        last_error=f"{marker} refused",
    )
    db.add(publication)
    db.flush()
    endpoint = WebhookEndpoint(
        workspace_id=ws.id,
        url=f"https://hooks.example.com/{marker}",
        events=["publication.failed"],
        secret_encrypted=b"sealed",
        secret_hint="whsec_abcd",
    )
    db.add(endpoint)
    db.flush()
    # Queueing: a posting slot on the channel, and the variant repeating weekly.
    slot = PostingSlot(workspace_id=ws.id, channel_id=channel.id, weekday=0, minute=540)
    repeat = VariantRepeat(
        workspace_id=ws.id,
        variant_id=variant.id,
        kind="rrule",
        rule="FREQ=WEEKLY;BYDAY=MO",
        start_local="2030-01-07T09:00",
        note=f"{marker} repeat",
    )
    db.add_all([slot, repeat])
    db.flush()
    # Moderation: a rule and one action it logged.
    from orchestre.models.moderation import ModerationAction, ModerationRule

    rule = ModerationRule(
        workspace_id=ws.id,
        name=f"{marker} rule",
        conditions={"all": [{"type": "keywords", "words": [marker]}]},
        actions=[{"type": "tag", "tags": [marker]}],
    )
    db.add(rule)
    db.flush()
    moderation_action = ModerationAction(
        workspace_id=ws.id, rule_id=rule.id, rule_name=rule.name, action="tag", params={}
    )
    db.add(moderation_action)
    db.flush()
    # Crisis: an open alert with its evidence.
    from orchestre.models.moderation import CrisisAlert

    crisis_alert = CrisisAlert(
        workspace_id=ws.id,
        kind="volume",
        key="workspace",
        evidence={"observed": 40.0, "expected": 2.0, "top_terms": [{"term": marker, "z": 5.0}]},
    )
    db.add(crisis_alert)
    db.flush()
    # Inbox: an author, a conversation with one comment, a saved reply, a response target.
    from orchestre.models import Conversation, InboxAuthor, InboxMessage, ResponseTarget, SavedReply

    inbox_author = InboxAuthor(
        workspace_id=ws.id, network="sandbox", external_id=f"{marker}-person", handle=f"@{marker}"
    )
    db.add(inbox_author)
    db.flush()
    conversation = Conversation(
        workspace_id=ws.id,
        channel_id=channel.id,
        kind="comment",
        root_external_id=f"{marker}-post",
        author_id=inbox_author.id,
        tags=[marker],
        message_count=1,
    )
    db.add(conversation)
    db.flush()
    inbox_message = InboxMessage(
        workspace_id=ws.id,
        channel_id=channel.id,
        conversation_id=conversation.id,
        author_id=inbox_author.id,
        kind="comment",
        external_id=f"{marker}-comment",
        text=f"{marker} comment",
    )
    saved_reply = SavedReply(
        workspace_id=ws.id, name=f"{marker} reply", body=f"{marker} {{order_id}}"
    )
    response_target = ResponseTarget(workspace_id=ws.id, channel_id=channel.id, minutes=60)
    db.add_all([inbox_message, saved_reply, response_target])
    db.flush()
    # Analytics: a KPI goal for the workspace.
    from orchestre.models.analytics import KpiGoal

    kpi_goal = KpiGoal(
        workspace_id=ws.id,
        kpi="reach",
        period_start=date(2030, 1, 1),
        period_end=date(2030, 1, 31),
        target=1000,
        note=f"{marker} goal",
    )
    db.add(kpi_goal)
    # A report with one written block.
    from orchestre.models.analytics import Report

    report = Report(
        workspace_id=ws.id,
        name=f"{marker} report",
        blocks=[{"kind": "text", "text": f"{marker} summary"}],
    )
    db.add(report)
    # An A/B test on the post's variant and the campaign.
    from orchestre.models import Experiment, ExperimentArm

    experiment = Experiment(
        workspace_id=ws.id, name=f"{marker} experiment", metric="ctr", baseline=0.02
    )
    db.add(experiment)
    db.flush()
    db.add_all(
        [
            ExperimentArm(experiment_id=experiment.id, workspace_id=ws.id, position=0,
                          name="A", variant_id=variant.id),
            ExperimentArm(experiment_id=experiment.id, workspace_id=ws.id, position=1,
                          name="B", campaign_id=campaign.id),
        ]
    )  # fmt: skip
    # A tracked link on the post's variant.
    from orchestre.models.analytics import TrackedLink

    tracked_link = TrackedLink(
        workspace_id=ws.id,
        code=uuid.uuid4().hex[:8],
        target_url=f"https://example.com/{marker}",
        source_url=f"https://example.com/{marker}",
        post_id=post.id,
        variant_id=variant.id,
    )
    db.add(tracked_link)
    db.flush()
    # A link from the campaign to a campaign on the channel's ad platform.
    from orchestre.models import CampaignAdLink

    ad_link = CampaignAdLink(
        workspace_id=ws.id,
        campaign_id=campaign.id,
        channel_id=channel.id,
        network=channel.network,
        ad_account_id=f"act-{marker}",
        external_campaign_id=f"{marker}-1",
        next_sync_at=utcnow() + timedelta(days=365),
    )
    db.add(ad_link)
    db.flush()
    from orchestre.models import ApiToken
    from orchestre.models.listening import ListeningQuery, Mention

    listening_query = ListeningQuery(workspace_id=ws.id, name=f"{marker} query", query=marker)
    db.add(listening_query)
    db.flush()
    from orchestre.models.listening_topics import Digest

    listening_digest = Digest(
        workspace_id=ws.id,
        week_start=date(2030, 1, 7),
        period_start=utcnow() - timedelta(days=7),
        period_end=utcnow(),
        summary=marker,
    )
    db.add(listening_digest)
    db.flush()
    from orchestre.models.listening_feeds import ListeningFeed

    # A loopback address: a read refuses it (private_address) before any network is touched.
    listening_feed = ListeningFeed(
        workspace_id=ws.id, url=f"http://127.0.0.1:9/{marker}.xml", name=f"{marker} feed"
    )
    db.add(listening_feed)
    db.flush()
    db.add(
        Mention(
            workspace_id=ws.id,
            query_id=listening_query.id,
            network="sandbox",
            external_id=f"{marker}-mention",
            text=f"{marker} mention",
            published_at=utcnow(),
        )
    )
    db.flush()
    from orchestre.models.competitors import Competitor, CompetitorAccount

    competitor = Competitor(workspace_id=ws.id, name=f"{marker} competitor")
    db.add(competitor)
    db.flush()
    competitor_account = CompetitorAccount(
        workspace_id=ws.id,
        competitor_id=competitor.id,
        network="sandbox",
        handle=f"{marker}-rival",
        external_id=f"{marker}-rival",
        next_collect_at=utcnow() + timedelta(days=365),
    )
    db.add(competitor_account)
    db.flush()
    from orchestre.models import AssistantCall

    assistant_call = AssistantCall(
        workspace_id=ws.id,
        user_id=owner.id,
        feature="writing.caption",
        prompt_id="writing.caption/1",
        source="offline",
        outcome="offline",
        request_text=f"{marker} prompt",
        response_text=f"{marker} answer",
    )
    db.add(assistant_call)
    db.flush()
    from orchestre.models import AssistantPlan, AssistantPlanItem

    plan = AssistantPlan(
        workspace_id=ws.id,
        weeks=1,
        starts_at=utcnow() + timedelta(days=1),
        ends_at=utcnow() + timedelta(days=8),
        timezone="UTC",
        language="en",
        shares="equal",
        source="offline",
        prompt_id="planning.items/1",
    )
    db.add(plan)
    db.flush()
    plan_item = AssistantPlanItem(
        workspace_id=ws.id,
        plan_id=plan.id,
        channel_id=channel.id,
        slot_at=utcnow() + timedelta(days=2),
        text=f"{marker} plan item",
        source="offline",
        prompt_id="planning.items/1",
    )
    db.add(plan_item)
    db.flush()
    from orchestre.models import ReviewLink, ReviewLinkPost

    review_link = ReviewLink(
        workspace_id=ws.id,
        reviewer_name=f"{marker} reviewer",
        token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
        expires_at=utcnow() + timedelta(days=7),
    )
    db.add(review_link)
    db.flush()
    db.add(ReviewLinkPost(link_id=review_link.id, post_id=post.id))
    db.flush()
    # A contest taking entries, with one public entry.
    from orchestre.models.ugc_contests import Contest, ContestEntry

    contest = Contest(
        workspace_id=ws.id,
        kind="call_for_contributions",
        title=f"{marker} contest",
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=30),
        status="open",
        slug=f"contest-{uuid.uuid4().hex}",
        ip_salt=uuid.uuid4().hex,
    )
    db.add(contest)
    db.flush()
    contest_entry = ContestEntry(
        workspace_id=ws.id,
        contest_id=contest.id,
        source="public",
        network="public",
        external_id=f"{marker}-entry",
        author_name=f"{marker} fan",
        text=f"{marker} idea",
    )
    db.add(contest_entry)
    db.flush()
    from orchestre.models.ugc import RightsTemplate, UgcItem

    ugc_item = UgcItem(
        workspace_id=ws.id,
        source_kind="mention",
        source_id=uuid.uuid4(),
        network="sandbox",
        external_id=f"{marker}-ugc",
        author_handle=f"{marker}-creator",
        text=f"{marker} ugc",
    )
    rights_template = RightsTemplate(
        workspace_id=ws.id, name=f"{marker} template", language="en", body=f"{marker} #yes?"
    )
    db.add_all([ugc_item, rights_template])
    db.flush()
    token_row = db.query(ApiToken).filter_by(workspace_id=ws.id).first()
    assert token_row is not None
    ids = {
        "workspace_id": ws.id,
        "post_id": post.id,
        "variant_id": variant.id,
        "channel_id": channel.id,
        "campaign_id": campaign.id,
        "pillar_id": pillar.id,
        "media_id": media.id,
        "comment_id": comment.id,
        "membership_id": membership.id,
        "token_id": token_row.id,
        "step_id": step.id,
        "user_id": other.id,
        "attempt_id": attempt.id,
        "publication_id": publication.id,
        "slot_id": slot.id,
        "endpoint_id": endpoint.id,
        "rule_id": rule.id,
        "action_id": moderation_action.id,
        "alert_id": crisis_alert.id,
        "conversation_id": conversation.id,
        "message_id": inbox_message.id,
        "saved_reply_id": saved_reply.id,
        "response_target_id": response_target.id,
        "author_id": inbox_author.id,
        "goal_id": kpi_goal.id,
        "link_id": tracked_link.id,
        "report_id": report.id,
        "experiment_id": experiment.id,
        "ad_link_id": ad_link.id,
        "query_id": listening_query.id,
        "digest_id": listening_digest.id,
        "feed_id": listening_feed.id,
        "competitor_id": competitor.id,
        "account_id": competitor_account.id,
        "item_id": ugc_item.id,
        "template_id": rights_template.id,
        "contest_id": contest.id,
        "entry_id": contest_entry.id,
        "review_link_id": review_link.id,
        "plan_id": plan.id,
        "plan_item_id": plan_item.id,
        "call_id": assistant_call.id,
    }
    return Tenant(workspace=ws, token=token, ids=ids, marker=marker)


def workspace_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) of every documented route under a workspace.

    Read from the OpenAPI document: it is public, complete, and what API users rely on.
    """
    for path, item in spec["paths"].items():
        if "{workspace_id}" not in path:
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def fill_path(path: str, ids: dict[str, uuid.UUID]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ids:
            raise AssertionError(f"routes_walk has no id for path parameter {{{name}}} in {path}")
        return str(ids[name])

    return PARAM.sub(sub, path)


def _example(
    schema: dict[str, Any], spec: dict[str, Any], ids: dict[str, uuid.UUID], name: str = ""
) -> Any:
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return _example(spec["components"]["schemas"][ref], spec, ids, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], spec, ids, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        props = schema.get("properties", {})
        return {k: _example(props[k], spec, ids, k) for k in required if k in props}
    if kind == "array":
        # A list of ids named after a kind of thing ("channel_ids") gets that thing's id.
        singular = name[:-1] if name.endswith("_ids") else ""
        if singular in ids:
            return [str(ids[singular])]
        if schema.get("minItems"):
            return [_example(schema.get("items", {}), spec, ids, singular or name)]
        return []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if fmt == "uuid":
        return str(ids.get(name, uuid.uuid4()))
    if fmt == "date-time":
        return (utcnow() + timedelta(days=30)).isoformat()
    if fmt == "date":
        return "2030-01-01"
    if fmt == "email" or name == "email":
        return "someone@example.com"
    if name in {"timezone", "zone"}:
        return "Europe/Paris"
    return "x" * max(int(schema.get("minLength", 1)), 1)


def request_kwargs(
    operation: dict[str, Any], spec: dict[str, Any], ids: dict[str, uuid.UUID]
) -> dict[str, Any]:
    """A request body that passes schema validation, so the handler itself is reached."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"json": _example(content["application/json"]["schema"], spec, ids)}
    if "multipart/form-data" in content:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
        return {"files": {"file": ("probe.png", buffer.getvalue(), "image/png")}}
    return {}

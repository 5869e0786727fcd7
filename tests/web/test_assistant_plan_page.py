"""The calendar's assistant: the plan dialog proposes AI drafts, a draft's panel accepts or
discards it; roles without the assistant do not see the action."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models import AssistantPlanItem, ContentPillar, User, Workspace
from tests.factories import make_channel, make_member
from tests.web.conftest import HTML, csrf_of, open_session


def test_plan_from_the_calendar_then_accept_and_discard(
    signed_in: TestClient, db: Session, clock: FrozenClock, workspace: Workspace
) -> None:
    client = signed_in
    channel = make_channel(db, workspace, network="mastodon", handle="@acme")
    db.add(ContentPillar(workspace_id=workspace.id, name="Coffee tips", target_share=0))
    db.flush()
    page = client.get(f"/w/{workspace.id}/calendar", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="plan-open"' in page.text
    assert "Plan with the assistant" in page.text
    config = json.loads(
        page.text.split("data-config='", 1)[1].split("'", 1)[0].replace("&#34;", '"')
    )
    assert config["planItemsUrl"].endswith("/assistant/plan-items")
    token = csrf_of(page.text)

    bad = client.post(
        f"/w/{workspace.id}/assistant/plan",
        data={"csrf_token": token, "weeks": "12"},
        headers=HTML,
    )
    assert "between 1 and 8 weeks" in bad.text
    proposed = client.post(
        f"/w/{workspace.id}/assistant/plan",
        data={
            "csrf_token": token,
            "weeks": "1",
            "posts_per_week": "2",
            "channel_ids": str(channel.id),
        },
        headers=HTML,
    )
    assert proposed.status_code == 200
    assert "2 AI drafts proposed on the calendar." in proposed.text
    assert "share the posts equally" in proposed.text
    assert "plan:changed" in proposed.headers["HX-Trigger"]
    items = list(db.scalars(select(AssistantPlanItem).order_by(AssistantPlanItem.position)))
    assert len(items) == 2

    panel = client.get(f"/w/{workspace.id}/assistant/plan-items/{items[0].id}", headers=HTML)
    assert 'data-testid="plan-item"' in panel.text
    assert "AI draft" in panel.text
    assert "the offline assistant" in panel.text
    accepted = client.post(
        f"/w/{workspace.id}/assistant/plan-items/{items[0].id}/accept",
        data={"csrf_token": token},
        headers=HTML,
    )
    assert 'data-outcome="draft"' in accepted.text
    assert "Open the post" in accepted.text
    discarded = client.post(
        f"/w/{workspace.id}/assistant/plan-items/{items[1].id}/discard",
        data={"csrf_token": token},
        headers=HTML,
    )
    assert 'data-outcome="discarded"' in discarded.text
    assert "plan:changed" in discarded.headers["HX-Trigger"]


def test_the_plan_action_is_for_roles_with_the_assistant_and_drafts(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    reviewer: User = make_member(db, workspace, "reviewer")
    open_session(client, db, settings, reviewer)
    page = client.get(f"/w/{workspace.id}/calendar", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="plan-open"' not in page.text


def test_the_page_speaks_french(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    owner.locale = "fr"
    db.flush()
    page = signed_in.get(f"/w/{workspace.id}/calendar", headers=HTML)
    assert "Planifier avec l’assistant" in page.text

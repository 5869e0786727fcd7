"""The posting slots settings tab and "Add to queue" on a post's page, in English and French."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import Post, PostVariant, User, VariantState, Workspace
from orchestre.models.queueing import PostingSlot
from tests.factories import make_channel
from tests.web.conftest import csrf_of

S = VariantState


def slots_page(client: TestClient, workspace: Workspace) -> str:
    response = client.get(f"/w/{workspace.id}/settings/slots")
    assert response.status_code == 200, response.text
    return response.text


def test_slots_are_added_shown_by_day_and_removed(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace, handle="@cafe")
    html = slots_page(signed_in, workspace)
    assert "No posting slots" in html
    added = signed_in.post(
        f"/w/{workspace.id}/settings/slots/{channel.id}",
        data={"csrf_token": csrf_of(html), "weekdays": ["0", "2", "4"], "time": "12:30"},
    )
    assert added.status_code == 200
    assert "Settings saved." in added.text
    assert added.text.count('data-testid="slot"') == 3
    assert "Wednesday" in added.text
    assert 'data-testid="next-free"' in added.text
    slot = db.scalars(select(PostingSlot).where(PostingSlot.weekday == 2)).one()
    removed = signed_in.post(
        f"/w/{workspace.id}/settings/slots/{channel.id}/{slot.id}/delete",
        data={"csrf_token": csrf_of(added.text)},
    )
    assert removed.text.count('data-testid="slot"') == 2


def test_a_slot_without_a_day_is_refused_in_words(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    html = slots_page(signed_in, workspace)
    response = signed_in.post(
        f"/w/{workspace.id}/settings/slots/{channel.id}",
        data={"csrf_token": csrf_of(html), "time": "09:00"},
    )
    assert response.status_code == 422
    assert "Tick at least one day." in response.text


def _approved(db: Session, workspace: Workspace, owner: User, channel_id: uuid.UUID) -> Post:
    post = Post(workspace_id=workspace.id, created_by=owner.id, base_text="Café du lundi")
    db.add(post)
    db.flush()
    db.add(
        PostVariant(
            workspace_id=workspace.id,
            post_id=post.id,
            channel_id=channel_id,
            text="Café du lundi",
            state=S.APPROVED.value,
        )
    )
    db.flush()
    return post


def test_add_to_queue_takes_the_next_free_slot(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace)
    db.add(PostingSlot(workspace_id=workspace.id, channel_id=channel.id, weekday=0, minute=540))
    post = _approved(db, workspace, owner, channel.id)
    page = signed_in.get(f"/w/{workspace.id}/posts/{post.id}")
    assert 'data-testid="add-to-queue"' in page.text
    queued = signed_in.post(
        f"/w/{workspace.id}/posts/{post.id}/queue", data={"csrf_token": csrf_of(page.text)}
    )
    assert queued.status_code == 200
    assert 'data-status="scheduled"' in queued.text
    variant = db.scalars(select(PostVariant).where(PostVariant.post_id == post.id)).one()
    db.refresh(variant)
    assert variant.scheduled_at is not None
    assert variant.scheduled_at.isoformat() == "2030-03-18T08:00:00+00:00"  # Mon 09:00 Paris


def test_add_to_queue_without_slots_says_so_in_french(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace, handle="@sansplage")
    post = _approved(db, workspace, owner, channel.id)
    owner.locale = "fr"
    db.flush()
    page = signed_in.get(f"/w/{workspace.id}/posts/{post.id}")
    assert "Ajouter à la file" in page.text
    refused = signed_in.post(
        f"/w/{workspace.id}/posts/{post.id}/queue", data={"csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 422
    assert "@sansplage n’a pas encore de créneaux de publication" in refused.text


def test_the_repeat_panel_sets_shows_and_stops_a_weekly_repeat(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace, handle="@hebdo")
    post = _approved(db, workspace, owner, channel.id)
    page = signed_in.get(f"/w/{workspace.id}/posts/{post.id}")
    assert f"/w/{workspace.id}/posts/{post.id}/repeat" in page.text
    csrf = csrf_of(page.text)
    panel = signed_in.get(f"/w/{workspace.id}/posts/{post.id}/repeat")
    assert 'data-testid="repeat-set"' in panel.text
    variant = db.scalars(select(PostVariant).where(PostVariant.post_id == post.id)).one()
    url = f"/w/{workspace.id}/posts/{post.id}/variants/{variant.id}/repeat"
    missing = signed_in.post(
        url, data={"csrf_token": csrf, "how": "weekly"}, headers={"HX-Request": "true"}
    )
    assert missing.status_code == 422
    assert "Choose the date and time of the first one." in missing.text
    done = signed_in.post(
        url,
        data={"csrf_token": csrf, "how": "weekly", "start_local": "2030-03-25T09:00", "count": "3"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 204
    assert done.headers["HX-Redirect"].endswith(f"/posts/{post.id}?done=scheduled")
    db.refresh(variant)
    assert variant.state == S.SCHEDULED
    assert variant.scheduled_at is not None
    assert variant.scheduled_at.isoformat() == "2030-03-25T08:00:00+00:00"
    shown = signed_in.get(f"/w/{workspace.id}/posts/{post.id}/repeat")
    assert "FREQ=WEEKLY;COUNT=3" in shown.text
    assert shown.text.count("<time") == 3
    stopped = signed_in.post(f"{url}/stop", data={"csrf_token": csrf}, follow_redirects=False)
    assert stopped.status_code == 303
    db.refresh(variant)
    assert variant.state == S.APPROVED


def test_evergreen_from_the_panel_needs_slots_and_says_so(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace, handle="@toujours")
    post = _approved(db, workspace, owner, channel.id)
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts/{post.id}").text)
    variant = db.scalars(select(PostVariant).where(PostVariant.post_id == post.id)).one()
    url = f"/w/{workspace.id}/posts/{post.id}/variants/{variant.id}/repeat"
    form = {"csrf_token": csrf, "how": "evergreen", "min_gap_days": "30"}
    refused = signed_in.post(url, data=form, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "@toujours has no posting slots yet" in refused.text
    db.add(PostingSlot(workspace_id=workspace.id, channel_id=channel.id, weekday=2, minute=600))
    db.flush()
    assert signed_in.post(url, data=form, headers={"HX-Request": "true"}).status_code == 204
    shown = signed_in.get(f"/w/{workspace.id}/posts/{post.id}/repeat")
    assert "at least 30 days apart" in shown.text

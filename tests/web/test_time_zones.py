"""Pages show times in the person's chosen zone, else in the workspace's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import Post, PostVariant, User, Workspace
from orchestre.workspaces import service as workspaces
from tests.factories import make_channel
from tests.web.conftest import HTML

# Noon UTC is 13:00 in Paris that day (winter time).
WHEN = datetime(2030, 3, 20, 12, 0, tzinfo=UTC)


def _scheduled_post(db: Session, workspace: Workspace, owner: User) -> Post:
    post = Post(workspace_id=workspace.id, created_by=owner.id, title="Spring", scheduled_at=WHEN)
    db.add(post)
    db.flush()
    return post


def _shown(zone: str) -> str:
    return format_datetime(WHEN, "medium", tzinfo=ZoneInfo(zone), locale="en")


def test_a_person_who_chose_utc_sees_utc_in_a_paris_workspace(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    assert workspace.timezone == "Europe/Paris"
    workspaces.update_profile(db, owner, timezone="UTC", locale="en")
    post = _scheduled_post(db, workspace, owner)
    page = signed_in.get(f"/w/{workspace.id}/posts/{post.id}")
    assert page.status_code == 200, page.text
    assert _shown("UTC") in page.text
    assert _shown("Europe/Paris") not in page.text


def test_a_person_without_a_choice_sees_the_workspace_zone(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    workspaces.update_profile(db, owner, timezone="UTC", locale="en")
    workspaces.update_profile(db, owner, timezone=None)
    assert owner.timezone is None
    post = _scheduled_post(db, workspace, owner)
    page = signed_in.get(f"/w/{workspace.id}/posts/{post.id}")
    assert page.status_code == 200, page.text
    assert _shown("Europe/Paris") in page.text
    assert _shown("UTC") not in page.text


def test_the_schedule_form_speaks_the_workspace_zone_whatever_mine(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    # The form is read back in the workspace's zone, so it must be filled in that zone.
    workspaces.update_profile(db, owner, timezone="UTC")
    post = _scheduled_post(db, workspace, owner)
    channel = make_channel(db, workspace)
    db.add(
        PostVariant(
            workspace_id=workspace.id, post_id=post.id, channel_id=channel.id, state="approved"
        )
    )
    db.flush()
    page = signed_in.get(f"/w/{workspace.id}/posts/{post.id}")
    assert 'name="local_time" type="datetime-local" required value="2030-03-20T13:00"' in page.text


def test_first_run_without_a_zone_leaves_the_owner_without_one(
    client: TestClient, db: Session
) -> None:
    form = client.get("/setup", headers=HTML)
    assert '<option value="UTC" selected>' in form.text
    done = client.post(
        "/setup",
        headers=HTML,
        follow_redirects=False,
        data={
            "name": "Ana Owner",
            "email": "ana@example.com",
            "password": "a strong password",
            "workspace": "Acme Coffee",
            "timezone": "",
        },
    )
    assert done.status_code == 303, done.text
    owner = db.scalars(select(User).where(User.email == "ana@example.com")).one()
    assert owner.timezone is None
    (workspace, _membership), *_ = workspaces.workspaces_of(db, owner.id)
    assert workspace.timezone == "UTC"

"""Writing, submitting, approving and scheduling a post through the pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.approvals import service as approvals
from orchestre.config import Settings
from orchestre.models import User, Workspace
from orchestre.workspaces import auth
from tests.factories import make_channel, make_member
from tests.web.conftest import HTML, csrf_of, open_session


def _new_post(client: TestClient, workspace: Workspace, channel_id: str, action: str) -> str:
    csrf = csrf_of(client.get(f"/w/{workspace.id}/posts/new").text)
    response = client.post(
        f"/w/{workspace.id}/posts/new",
        data={
            "csrf_token": csrf,
            "title": "Spring launch",
            "base_text": "Spring is here.",
            "channel_ids": channel_id,
            "action": action,
            "tags": "launch, spring",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = re.search(r"/posts/([0-9a-f-]{36})", response.headers["location"])
    assert match
    return match.group(1)


def test_a_post_without_channel_is_refused_in_words(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    make_channel(db, workspace)
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts/new").text)
    response = signed_in.post(
        f"/w/{workspace.id}/posts/new",
        data={
            "csrf_token": csrf,
            "base_text": "Hello",
            "action": "save",
        },
    )
    assert response.status_code == 422
    assert "Choose at least one channel to publish on." in response.text
    assert "Hello" in response.text  # what was typed is kept


def test_write_submit_approve_in_place_then_schedule(
    signed_in: TestClient,
    client: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    owner: User,
) -> None:
    channel = make_channel(db, workspace, network="bluesky", handle="@acme.bsky.social")
    owner_actor = auth.actor_for(db, owner.id, workspace.id)
    approvals.replace_steps(db, owner_actor, [approvals.StepSpec("Brand approval", "reviewer")])

    post_id = _new_post(signed_in, workspace, str(channel.id), "save")
    editor = signed_in.get(f"/w/{workspace.id}/posts/{post_id}/edit?done=draft_saved")
    assert "Draft saved." in editor.text
    assert "Spring is here." in editor.text

    submitted = signed_in.post(
        f"/w/{workspace.id}/posts/{post_id}/submit", data={"csrf_token": csrf_of(editor.text)}
    )
    assert 'data-status="in_review"' in submitted.text

    reviewer = make_member(db, workspace, "reviewer")
    signed_in.cookies.clear()
    open_session(signed_in, db, settings, reviewer)
    queue = signed_in.get(f"/w/{workspace.id}/approvals")
    assert "Spring launch" in queue.text
    decided = signed_in.post(
        f"/w/{workspace.id}/approvals/{post_id}/decide",
        data={"decision": "approved", "comment": ""},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(queue.text)},
    )
    assert decided.status_code == 200
    assert "Approved. The post can now be scheduled." in decided.text

    signed_in.cookies.clear()
    open_session(signed_in, db, settings, owner)
    detail = signed_in.get(f"/w/{workspace.id}/posts/{post_id}")
    assert 'data-status="approved"' in detail.text
    scheduled = signed_in.post(
        f"/w/{workspace.id}/posts/{post_id}/schedule",
        data={"csrf_token": csrf_of(detail.text), "local_time": "2030-03-31T09:30"},
    )
    assert "Scheduled. It will be published at the chosen time." in scheduled.text
    assert 'data-status="scheduled"' in scheduled.text


def test_request_changes_needs_a_comment_answered_in_place(
    signed_in: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace)
    owner_actor = auth.actor_for(db, owner.id, workspace.id)
    approvals.replace_steps(db, owner_actor, [approvals.StepSpec("Brand approval", "owner")])
    post_id = _new_post(signed_in, workspace, str(channel.id), "submit")
    queue = signed_in.get(f"/w/{workspace.id}/approvals")
    response = signed_in.post(
        f"/w/{workspace.id}/approvals/{post_id}/decide",
        data={"decision": "changes_requested", "comment": " "},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(queue.text)},
    )
    assert response.status_code == 422
    assert "Write what the author should change." in response.text


def test_comments_highlight_mentions(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    channel = make_channel(db, workspace)
    post_id = _new_post(signed_in, workspace, str(channel.id), "save")
    detail = signed_in.get(f"/w/{workspace.id}/posts/{post_id}")
    response = signed_in.post(
        f"/w/{workspace.id}/posts/{post_id}/comments",
        data={"body": f"Looks good @{owner.email} <b>!</b>"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(detail.text)},
    )
    assert response.status_code == 200
    assert f'<span class="mention">@{owner.email}</span>' in response.text
    assert "&lt;b&gt;" in response.text


def test_a_token_is_shown_once(signed_in: TestClient, workspace: Workspace) -> None:
    page = signed_in.get(f"/w/{workspace.id}/settings/tokens")
    created = signed_in.post(
        f"/w/{workspace.id}/settings/tokens",
        data={"csrf_token": csrf_of(page.text), "name": "Reporting"},
    )
    token = re.search(r"orc_[A-Za-z0-9_-]+", created.text)
    assert token
    again = signed_in.get(f"/w/{workspace.id}/settings/tokens", headers=HTML)
    assert token.group(0) not in again.text
    assert "Reporting" in again.text

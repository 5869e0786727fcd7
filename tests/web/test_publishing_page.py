"""The publishing page: pausing in a crisis shows a band on every page; failures say why and
can be sent again; French and English."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import utcnow
from orchestre.models import Post, PostVariant, User, VariantState, Workspace
from orchestre.publishing import planning
from tests.factories import add_member, make_channel, make_user
from tests.web.conftest import HTML, csrf_of, open_session


def _failed_publication(db: Session, workspace: Workspace, owner: User) -> PostVariant:
    channel = make_channel(db, workspace, handle="@acme")
    post = Post(workspace_id=workspace.id, created_by=owner.id, base_text="Café du jour")
    db.add(post)
    db.flush()
    variant = PostVariant(
        workspace_id=workspace.id,
        post_id=post.id,
        channel_id=channel.id,
        text="Café du jour",
        state=VariantState.SCHEDULED.value,
        scheduled_at=utcnow() + timedelta(hours=1),
    )
    db.add(variant)
    db.flush()
    publication = planning.plan(db, variant)
    publication.state, publication.last_error = "failed", "The network refused: duplicate."
    variant.state = VariantState.FAILED.value
    db.flush()
    return variant


def test_a_crisis_pause_shows_on_every_page_until_resumed(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> None:
    open_session(client, db, settings, owner)
    page = client.get(f"/w/{workspace.id}/publishing", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="crisis-band"' not in page.text
    paused = client.post(
        f"/w/{workspace.id}/publishing/pause",
        data={"csrf_token": csrf_of(page.text), "reason": "Rappel produit en cours"},
        headers=HTML,
    )
    assert paused.status_code == 200  # followed the redirect
    assert "Publishing is paused" in paused.text
    posts = client.get(f"/w/{workspace.id}/posts", headers=HTML).text
    assert 'data-testid="crisis-band"' in posts
    assert "Rappel produit en cours" in posts
    resumed = client.post(
        f"/w/{workspace.id}/publishing/resume",
        data={"csrf_token": csrf_of(posts)},
        headers=HTML,
    )
    assert "Publishing resumed." in resumed.text
    assert 'data-testid="crisis-band"' not in client.get(f"/w/{workspace.id}/posts").text


def test_a_failure_shows_its_reason_and_can_be_sent_again_in_french(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    french = make_user(db, name="Léa", locale="fr")
    add_member(db, workspace, french, "owner")
    _failed_publication(db, workspace, french)
    open_session(client, db, settings, french)
    page = client.get(f"/w/{workspace.id}/publishing", headers=HTML)
    assert page.status_code == 200
    assert "The network refused: duplicate." in page.text
    assert "Publier maintenant" in page.text
    assert "Mettre en pause toutes les publications" in page.text
    action = page.text.split('action="')[1:]
    publish_now = next(a.split('"')[0] for a in action if a.split('"')[0].endswith("publish-now"))
    sent = client.post(publish_now, data={"csrf_token": csrf_of(page.text)}, headers=HTML)
    assert sent.status_code == 200
    assert "Elle sera renvoyée maintenant." in sent.text


def test_a_reader_sees_the_page_without_the_pause_button(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    analyst = make_user(db)
    add_member(db, workspace, analyst, "analyst")
    open_session(client, db, settings, analyst)
    page = client.get(f"/w/{workspace.id}/publishing", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="pause"' not in page.text

"""The Topics card of the listening page and the weekly digest's page, in English and
French, with the settings form for those who may manage listening only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.listening import digest_runtime, topics_service
from orchestre.listening import service as listening
from orchestre.models import Mention, User, Workspace
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel, make_member
from tests.inbox.team_support import make_conversation
from tests.listening.test_topics_service import embed
from tests.web.conftest import HTML, csrf_of, open_session

FR = {"Accept-Language": "fr"}


def test_the_topics_card_reads_what_the_background_computed(
    signed_in: TestClient,
    db: Session,
    workspace: Workspace,
    session_factory: sessionmaker[Session],
) -> None:
    client = signed_in
    page = client.get(f"/w/{workspace.id}/listening")
    assert 'data-testid="topics-slot"' in page.text
    card = f"/w/{workspace.id}/listening/topics"
    assert 'data-testid="topics-pending"' in client.get(card).text

    channel = make_channel(db, workspace)
    for i in range(4):
        make_conversation(
            db, channel, text=f"Refund #promo please {i}", at=utcnow() - timedelta(hours=i + 1)
        )
    topics_service.refresh_round(session_factory, embed=embed)
    ready = client.get(card)
    assert ready.status_code == 200
    assert 'data-testid="topic-label">refund please · #promo</strong>' in ready.text
    assert 'data-status="new"' in ready.text
    assert "4 messages" in ready.text
    assert ready.text.count("<li>Refund #promo please") == 3  # the owner reads the inbox
    assert "#promo" in ready.text  # the inbox's hashtags
    french = client.get(card, headers=FR)
    assert "Sujets de la semaine" in french.text
    assert "Nouvelle" in french.text

    asked = client.post(
        f"{card}/refresh", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert asked.status_code == 303


def test_the_digest_page_settings_and_lines_in_each_language(
    signed_in: TestClient,
    db: Session,
    workspace: Workspace,
    owner: User,
    clock: FrozenClock,
    session_factory: sessionmaker[Session],
) -> None:
    client = signed_in
    url = f"/w/{workspace.id}/listening/digests"
    empty = client.get(url)
    assert empty.status_code == 200
    assert 'data-testid="digest-form"' in empty.text
    # The test clock is Friday 15 March 2030 09:00 UTC; the next Monday 08:00 in Paris.
    assert "Monday, March 18, 2030" in empty.text
    token = csrf_of(empty.text)
    bad = client.post(
        f"{url}/settings", data={"csrf_token": token, "weekday": "0", "hour": "25", "enabled": "on"}
    )
    assert bad.status_code == 422
    assert "An hour from 0 to 23." in bad.text
    saved = client.post(
        f"{url}/settings",
        data={"csrf_token": token, "weekday": "0", "hour": "8", "enabled": "on", "email": "on"},
        follow_redirects=False,
    )
    assert saved.status_code == 303

    actor = Actor(owner.id, workspace.id, frozenset({Role.OWNER}))
    rival = listening.create_query(
        db, actor, listening.QueryInput("Rival", "rival", about="competitor")
    )
    end = datetime(2030, 3, 11, 7, tzinfo=UTC)
    for i in range(15):
        db.add(
            Mention(
                workspace_id=workspace.id,
                query_id=rival.id,
                network="sandbox",
                external_id=f"r{i}",
                text=f"rival {i}",
                hashtags=["velotaf"],
                published_at=end - timedelta(days=1 if i < 12 else 8, hours=i),
            )
        )
    db.flush()
    assert digest_runtime.make_due(session_factory, clock.now()) == 1
    english = client.get(url)
    assert "#velotaf rose 4x in your competitors&#39; posts this week (12 vs 3)" in english.text
    assert "March 4, 2030 to March 11, 2030" in english.text  # Monday 08:00 to Monday 08:00
    told = client.get(f"/w/{workspace.id}/notifications")
    assert "Your weekly digest is ready: 1 recommendation." in told.text
    assert f"{url}/" in told.text  # the link to the digest
    french = client.get(url, headers=FR)
    assert "#velotaf a été multiplié par 4" in french.text
    assert "du 4 mars 2030 au 11 mars 2030" in french.text


def test_an_analyst_reads_the_digest_but_cannot_change_it(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    analyst = make_member(db, workspace, "analyst")
    client.headers.update(HTML)
    open_session(client, db, settings, analyst)
    url = f"/w/{workspace.id}/listening/digests"
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="digest-form"' not in page.text
    refused = client.post(
        f"{url}/settings", data={"csrf_token": csrf_of(page.text), "weekday": "1", "hour": "9"}
    )
    assert refused.status_code == 403

"""The demo workspace: what a newcomer sees, built through the same rules as real work."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre import demo
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.kit.db import Base
from orchestre.models import (
    ApprovalDecision,
    ApprovalStep,
    Campaign,
    Channel,
    ContentPillar,
    EditorialLine,
    Membership,
    Post,
    PostComment,
    PostVariant,
    Workspace,
)
from tests.cli.conftest import Cli


def _counts(db: Session) -> dict[str, int]:
    return {
        table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def _workspace(db: Session) -> Workspace:
    return db.scalars(select(Workspace).where(Workspace.name == "Maison Lumière")).one()


def test_the_demo_is_made_once_and_signs_in(
    db: Session, settings: Settings, clock: FrozenClock, client: TestClient
) -> None:
    """One demo (it takes seconds to tell its ninety days), read three ways: what it shows,
    the printed account signing in, and a second run that changes nothing."""
    result = demo.fill(db, settings)
    assert result.created
    assert utcnow() == clock.now()  # the story's rewound clock is put back
    db.commit()
    _shows_every_role_state_and_rule(db, clock)
    _the_printed_account_signs_in_and_sees_the_calendar(db, client, result.password)
    _a_second_run_changes_nothing(db, settings, result.password)


def _shows_every_role_state_and_rule(db: Session, clock: FrozenClock) -> None:
    ws = _workspace(db)
    assert ws.timezone == "Europe/Paris"

    roles = Counter(
        r for m in db.scalars(select(Membership).filter_by(workspace_id=ws.id)) for r in m.roles
    )
    assert set(roles) == {
        "owner",
        "social_media_manager",
        "content_creator",
        "reviewer",
        "community_manager",
        "analyst",
    }

    variants = list(db.scalars(select(PostVariant).filter_by(workspace_id=ws.id)))
    states = Counter(v.state for v in variants)
    assert {"draft", "in_review", "approved", "scheduled", "published", "failed"} <= set(states)
    now = clock.now()
    for variant in variants:
        if variant.state == "scheduled":
            assert variant.scheduled_at is not None
            assert now < variant.scheduled_at < now + timedelta(days=14)
        if variant.state == "published":
            assert variant.published_at is not None
            assert variant.published_at < now
        if variant.state == "failed":
            assert variant.last_error

    channels = list(db.scalars(select(Channel).filter_by(workspace_id=ws.id)))
    assert len(channels) == 3
    assert all(c.network == "sandbox" and c.credentials_encrypted for c in channels)

    line = db.get(EditorialLine, ws.id)
    assert line is not None
    assert line.banned_words
    assert line.required_hashtags == ["#MaisonLumiere"]
    pillars = list(db.scalars(select(ContentPillar).filter_by(workspace_id=ws.id)))
    assert len(pillars) == 3
    assert sum(p.target_share for p in pillars) == 100
    assert db.query(Campaign).filter_by(workspace_id=ws.id).count() == 2
    steps = db.scalars(
        select(ApprovalStep).filter_by(workspace_id=ws.id).order_by(ApprovalStep.position)
    ).all()
    assert [s.role for s in steps] == ["reviewer", "social_media_manager"]
    decisions = Counter(
        d.decision for d in db.scalars(select(ApprovalDecision).filter_by(workspace_id=ws.id))
    )
    assert decisions["approved"] >= 5
    assert decisions["changes_requested"] == 1
    assert db.query(PostComment).filter_by(workspace_id=ws.id).count() >= 2


def _a_second_run_changes_nothing(db: Session, settings: Settings, password: str | None) -> None:
    before = _counts(db)
    second = demo.fill(db, settings)
    assert not second.created
    assert second.password == password  # reminded from the data folder
    assert _counts(db) == before
    assert "already exists; nothing was changed" in demo.describe(second)[0]


def _the_printed_account_signs_in_and_sees_the_calendar(
    db: Session, client: TestClient, password: str | None
) -> None:
    assert password is not None
    login = client.post(
        "/api/v1/auth/login", json={"email": "demo@orchestre.local", "password": password}
    )
    assert login.status_code == 200, login.text
    ws = _workspace(db)
    posts = client.get(f"/api/v1/workspaces/{ws.id}/posts", params={"limit": 50})
    assert posts.status_code == 200, posts.text
    total = db.scalar(select(func.count()).select_from(Post).where(Post.workspace_id == ws.id))
    assert total is not None
    assert total > 11  # the stories and the history (demo/analytics.py)
    assert len(posts.json()["items"]) == min(50, total)


def test_demo_command_prints_the_accounts_once_created_and_again_later(cli: Cli) -> None:
    first = cli("demo")
    assert first.exit_code == 0, first.output
    assert "Created the demo workspace Maison Lumière." in first.output
    for email in ("demo@orchestre.local", "lea@orchestre.local", "olivia@orchestre.local"):
        assert email in first.output
    password = first.output.split("Password for every demo account: ", 1)[1].split()[0]
    again = cli("demo")
    assert again.exit_code == 0
    assert "already exists; nothing was changed" in again.output
    assert password in again.output

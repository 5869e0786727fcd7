"""The contests pages: a contest created from the form, opened, a public entry reviewed,
voted on, shortlisted, chosen as winner and announced; read-only for a reviewer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.app import create_app
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models import Workspace
from orchestre.models.ugc_contests import Contest
from orchestre.ugc import submissions
from orchestre.ugc.submissions import SubmissionInput
from tests.factories import make_channel, make_member
from tests.web.conftest import HTML, csrf_of, open_session


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    made = create_app(settings, session_factory=session_factory)
    if "/w/{workspace_id}/contests" not in {getattr(r, "path", "") for r in made.routes}:
        from orchestre.web.views.contests import router

        made.include_router(router)
    return made


def test_a_contest_from_the_form_to_its_announcement(
    signed_in: TestClient,
    db: Session,
    clock: FrozenClock,
    workspace: Workspace,
    settings: Settings,
    tmp_path: Path,
) -> None:
    client = signed_in
    page = f"/w/{workspace.id}/contests"
    empty = client.get(page)
    assert empty.status_code == 200
    assert "No contest yet" in empty.text
    token = csrf_of(empty.text)
    form = {
        "csrf_token": token,
        "kind": "hashtag_contest",
        "title": "Latte art",
        "hashtag": "",
        "opens_at": "2030-03-14T10:00",
        "closes_at": "2030-03-20T18:00",
    }
    refused = client.post(page, data=form)
    assert refused.status_code == 422
    assert "A hashtag contest needs its hashtag." in refused.text
    created = client.post(page, data={**form, "hashtag": "#latteart"}, follow_redirects=False)
    assert created.status_code == 303
    detail_url = created.headers["location"].split("?")[0]
    detail = client.get(created.headers["location"])
    assert "Contest created as a draft" in detail.text
    contest = db.scalars(select(Contest).where(Contest.workspace_id == workspace.id)).one()
    assert contest.opens_at.isoformat() == "2030-03-14T09:00:00+00:00"  # Paris wall time

    opened = client.post(f"{detail_url}/status", data={"csrf_token": token, "status": "open"})
    assert "The contest is open" in opened.text
    assert f"/c/{contest.slug}" in opened.text
    db.refresh(contest)
    submissions.submit(
        db,
        contest,
        SubmissionInput("Noé", "noe@example.com", "A fern in the foam", True, 1, "en"),
        address="198.51.100.7",
        media_root=tmp_path,
    )
    pending = client.get(detail_url)
    assert "A fern in the foam" in pending.text
    assert "Consent given" in pending.text
    entry_id = re.search(r"/entries/([0-9a-f-]{36})/review", pending.text)
    assert entry_id is not None
    entry = f"{detail_url}/entries/{entry_id.group(1)}"
    client.post(f"{entry}/review", data={"csrf_token": token, "status": "accepted"})
    voted = client.post(
        f"{entry}/vote", data={"csrf_token": token, "score": "5", "show": "accepted"}
    )
    assert "Average 5 from 1 vote" in voted.text
    client.post(f"{entry}/shortlist", data={"csrf_token": token, "shortlisted": "yes"})
    chosen = client.post(
        f"{detail_url}/winners",
        data={"csrf_token": token, "winner": entry_id.group(1), "show": "shortlisted"},
    )
    assert "Winner #1" in chosen.text
    channel = make_channel(db, workspace, "mastodon")
    announced = client.post(
        f"{detail_url}/announce",
        data={"csrf_token": token, "channel_id": str(channel.id), "language": "en"},
    )
    assert "A draft post announcing the winners was created" in announced.text
    assert 'data-testid="announcement-post"' in announced.text


def test_a_reviewer_sees_entries_without_the_team_actions(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace, clock: FrozenClock
) -> None:
    reviewer = make_member(db, workspace, "reviewer")
    client.headers.update(HTML)
    open_session(client, db, settings, reviewer)
    page = client.get(f"/w/{workspace.id}/contests")
    assert page.status_code == 200
    assert 'data-testid="contest-form"' not in page.text

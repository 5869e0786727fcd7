"""The public submission page: a fan sends a photo or an idea with their consent, without an
account. Entries wait for review; photos are checked by content; consent is required; the
page is rate-limited, protected against cross-site posts, and polite when closed."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.app import create_app
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import MediaAsset
from orchestre.models.ugc_contests import Contest, ContestEntry
from orchestre.ugc import contests, submissions
from orchestre.ugc.contests import ContestChanges, ContestInput
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_member, make_workspace

TOKEN = re.compile(r'name="submit_token" value="([^"]+)"')


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    made = create_app(settings, session_factory=session_factory)
    if "/c/{slug}" not in {getattr(r, "path", "") for r in made.routes}:
        from orchestre.web.views.contests_public import router

        made.include_router(router)
    return made


@pytest.fixture
def contest(db: Session, clock: FrozenClock) -> Contest:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    actor = Actor(owner.id, ws.id, frozenset({Role.OWNER}))
    row = contests.create_contest(
        db,
        actor,
        ContestInput(
            kind="call_for_contributions",
            title="Ideas for our next flavour",
            opens_at=utcnow() - timedelta(days=1),
            closes_at=utcnow() + timedelta(days=7),
            rules_en="One idea per person.",
            rules_fr="Une idée par personne.",
        ),
    )
    contests.update_contest(db, actor, row.id, ContestChanges(status="open"))
    db.commit()
    return row


@pytest.fixture
def fan(client: TestClient) -> TestClient:
    return client


def photo(fmt: str = "JPEG", size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format=fmt)
    return buffer.getvalue()


def open_page(client: TestClient, contest: Contest, **params: str) -> str:
    response = client.get(f"/c/{contest.slug}", params=params)
    assert response.status_code == 200, response.text
    found = TOKEN.search(response.text)
    assert found is not None
    return found.group(1)


def send(
    client: TestClient,
    contest: Contest,
    token: str,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    **fields: str,
) -> object:
    data = {
        "submit_token": token,
        "consent_version": str(contest.consent_version),
        "name": "Camille",
        "email": "Camille@Example.com",
        "text": "A lemon and basil sorbet",
        "consent": "yes",
        "website": "",
    }
    data.update(fields)
    return client.post(f"/c/{contest.slug}?lang=en", data=data, files=files, follow_redirects=False)


def entries(db: Session, contest: Contest) -> list[ContestEntry]:
    db.expire_all()
    return list(db.scalars(select(ContestEntry).where(ContestEntry.contest_id == contest.id)))


def test_a_fan_sends_a_photo_with_consent_and_it_waits_for_review(
    fan: TestClient, db: Session, contest: Contest, settings: Settings
) -> None:
    token = open_page(fan, contest, lang="fr")
    page = fan.get(f"/c/{contest.slug}?lang=fr").text
    assert "Une idée par personne." in page
    assert contest.consent_fr in page.replace("&#39;", "'")
    response = send(fan, contest, token, files={"photo": ("sorbet.jpg", photo(), "image/jpeg")})
    assert response.status_code == 303  # type: ignore[attr-defined]
    thanks = fan.get(response.headers["location"])  # type: ignore[attr-defined]
    assert "Thank you! Your entry was received." in thanks.text
    [entry] = entries(db, contest)
    assert entry.review_status == "pending"
    assert entry.source == "public"
    assert (entry.author_name, entry.author_email) == ("Camille", "camille@example.com")
    assert entry.consent_version == contest.consent_version
    assert entry.consent_text == contest.consent_en  # the page it was sent from spoke English
    assert entry.consent_at == utcnow()
    assert entry.consent_ip_hash == submissions.address_hash(contest, "testclient")
    [media_id] = entry.media_ids
    asset = db.get(MediaAsset, uuid.UUID(media_id))
    assert asset is not None
    assert (asset.kind, asset.width, asset.created_by) == ("image", 32, None)
    assert (settings.media_dir / asset.storage_key).is_file()


def test_consent_is_required_and_nothing_is_stored_without_it(
    fan: TestClient, db: Session, contest: Contest
) -> None:
    token = open_page(fan, contest)
    response = send(fan, contest, token, consent="")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Tick the box to agree to the terms" in response.text  # type: ignore[attr-defined]
    assert entries(db, contest) == []
    # The terms changed while the page was open: sent again after reading them.
    response = send(fan, contest, token, consent_version=str(contest.consent_version + 1))
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert entries(db, contest) == []


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(
    fan: TestClient, db: Session, contest: Contest, settings: Settings
) -> None:
    token = open_page(fan, contest)
    fake = b"%PDF-1.4 this is not a picture at all" * 10
    response = send(fan, contest, token, files={"photo": ("holiday.jpg", fake, "image/jpeg")})
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert "not a photo we can take" in response.text  # type: ignore[attr-defined]
    assert entries(db, contest) == []
    assert db.scalars(select(MediaAsset)).all() == []


def test_too_large_and_too_many_pixels_are_refused(
    fan: TestClient,
    db: Session,
    contest: Contest,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = open_page(fan, contest)
    monkeypatch.setattr(submissions, "MAX_PHOTO_PIXELS", 30 * 20)
    response = send(fan, contest, token, files={"photo": ("big.png", photo("PNG"), "image/png")})
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert "too many pixels" in response.text  # type: ignore[attr-defined]
    stored = settings.media_dir / str(contest.workspace_id)
    assert not stored.exists() or list(stored.iterdir()) == []
    monkeypatch.setattr(submissions, "MAX_PHOTO_BYTES", 50)
    response = send(fan, contest, token, files={"photo": ("big.png", photo("PNG"), "image/png")})
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert entries(db, contest) == []


def test_the_form_needs_its_token_and_robots_fill_the_trap(
    fan: TestClient, db: Session, contest: Contest
) -> None:
    token = open_page(fan, contest)
    response = send(fan, contest, "forged")
    assert response.status_code == 403  # type: ignore[attr-defined]
    response = send(fan, contest, token, website="https://spam.example")
    assert response.status_code == 303  # type: ignore[attr-defined]  (a robot learns nothing)
    assert entries(db, contest) == []


def test_many_entries_from_one_address_are_slowed_down(
    fan: TestClient, db: Session, contest: Contest
) -> None:
    token = open_page(fan, contest)
    for _ in range(5):
        assert send(fan, contest, token).status_code == 303  # type: ignore[attr-defined]
    response = send(fan, contest, token)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert int(response.headers["retry-after"]) > 0  # type: ignore[attr-defined]
    assert "Please wait a little" in response.text  # type: ignore[attr-defined]
    assert len(entries(db, contest)) == 5


def test_a_closed_contest_refuses_politely_and_a_draft_is_not_public(
    fan: TestClient, db: Session, contest: Contest
) -> None:
    token = open_page(fan, contest)
    contest.status = "closed"
    db.commit()
    page = fan.get(f"/c/{contest.slug}?lang=fr")
    assert 'data-testid="contest-closed"' in page.text
    assert 'data-testid="submission-form"' not in page.text
    response = send(fan, contest, token)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert "no longer takes entries" in response.text  # type: ignore[attr-defined]
    contest.status = "draft"
    db.commit()
    assert fan.get(f"/c/{contest.slug}", headers={"Accept": "text/html"}).status_code == 404
    assert fan.get("/c/no-such-contest").status_code == 404
    assert entries(db, contest) == []

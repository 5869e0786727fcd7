"""The media library page: upload from the page, file and tag a file, filter the grid, see
its usage and the licence warnings; a read-only view for a role without media.upload."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models import User, Workspace
from tests.factories import make_member
from tests.web.conftest import csrf_of, open_session


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 140, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_tag_filter_and_licence_warning(
    signed_in: TestClient, workspace: Workspace, clock: FrozenClock
) -> None:
    client = signed_in
    page = f"/w/{workspace.id}/media"
    empty = client.get(page)
    assert empty.status_code == 200
    assert "The library is empty" in empty.text
    token = csrf_of(empty.text)

    refused = client.post(
        f"{page}/upload",
        data={"csrf_token": token},
        files={"file": ("notes.txt", b"just text", "text/plain")},
    )
    assert refused.status_code == 415
    assert 'data-testid="error"' in refused.text

    uploaded = client.post(
        f"{page}/upload",
        data={"csrf_token": token, "alt_text": "A green field"},
        files={"file": ("field.png", png((400, 200)), "image/png")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    detail_url = uploaded.headers["location"].split("?")[0]
    detail = client.get(uploaded.headers["location"])
    assert "File added to the library." in detail.text
    assert 'data-testid="asset-orientation">Landscape' in detail.text
    assert "No post has used this file yet." in detail.text

    soon = (clock.now() + timedelta(days=5)).date().isoformat()
    bad = client.post(
        detail_url,
        data={"csrf_token": token, "title": "Field", "tags": "a" * 50, "licence_expires_at": ""},
    )
    assert bad.status_code == 422
    assert "at most 40 characters" in bad.text
    saved = client.post(
        detail_url,
        data={
            "csrf_token": token,
            "title": "Champ vert",
            "description": "",
            "alt_text": "A green field",
            "folder": "Nature/Fields",
            "tags": "nature, Été",
            "licence_source": "Agency",
            "licensor": "Jane",
            "licence_expires_at": soon,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    again = client.get(detail_url)
    assert 'data-testid="licence-expiring"' in again.text
    assert 'value="nature, été"' in again.text

    client.post(
        f"{page}/upload",
        data={"csrf_token": token},
        files={"file": ("tall.png", png((100, 300)), "image/png")},
    )
    grid = client.get(page)
    assert grid.text.count('data-testid="media-tile"') == 2
    assert 'data-testid="expiring"' in grid.text
    by_tag = client.get(page, params={"tag": "nature"})
    assert by_tag.text.count('data-testid="media-tile"') == 1
    assert 'data-filename="field.png"' in by_tag.text
    portrait = client.get(page, params={"orientation": "portrait"})
    assert 'data-filename="tall.png"' in portrait.text
    assert 'data-filename="field.png"' not in portrait.text
    by_text = client.get(page, params={"q": "CHAMP"})
    assert 'data-filename="field.png"' in by_text.text
    nothing = client.get(page, params={"q": "nothing like it"})
    assert "No file matches these filters" in nothing.text


def test_a_reviewer_sees_the_library_without_editing(
    client: TestClient,
    db: Session,
    settings: Settings,
    signed_in: TestClient,
    workspace: Workspace,
    owner: User,
) -> None:
    page = f"/w/{workspace.id}/media"
    token = csrf_of(signed_in.get(page).text)
    uploaded = signed_in.post(
        f"{page}/upload",
        data={"csrf_token": token},
        files={"file": ("logo.png", png((50, 50)), "image/png")},
        follow_redirects=False,
    )
    detail_url = uploaded.headers["location"].split("?")[0]
    reviewer = make_member(db, workspace, "reviewer")
    open_session(client, db, settings, reviewer)
    grid = client.get(page)
    assert 'data-filename="logo.png"' in grid.text
    assert 'data-testid="upload-form"' not in grid.text
    detail = client.get(detail_url)
    assert detail.status_code == 200
    assert 'data-testid="asset-form"' not in detail.text

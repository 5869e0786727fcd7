"""Review links in the browser: the team makes one on its page, a reviewer without an
account opens it, sees each network's preview, approves or comments in place, and the
team's approval history and comments show what they did, "via review link"."""

from __future__ import annotations

import io
import re
import uuid

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import (
    ApprovalStep,
    MediaAsset,
    PostVariant,
    User,
    VariantMedia,
    VariantState,
    Workspace,
)
from tests.approvals.conftest import make_post
from tests.factories import make_channel, make_member
from tests.web.conftest import HTML, csrf_of


def _create(client: TestClient, workspace: Workspace, **fields: object) -> str:
    page = client.get(f"/w/{workspace.id}/review-links")
    assert page.status_code == 200
    data = {"csrf_token": csrf_of(page.text), "reviewer_name": "Clara Client", **fields}
    made = client.post(f"/w/{workspace.id}/review-links", data=data)
    assert made.status_code == 200, made.text
    match = re.search(r'data-testid="created-url" onclick="this.select\(\)"', made.text)
    assert match
    url = re.search(r'value="(http[^"]+/review/[^"]+)"', made.text)
    assert url
    return url.group(1).split("testserver", 1)[1]


def test_the_team_makes_a_link_and_the_reviewer_approves_and_comments(
    signed_in: TestClient, db: Session, owner: User, workspace: Workspace, client: TestClient
) -> None:
    channels = [
        make_channel(db, workspace, network="x", handle="@acme"),
        make_channel(db, workspace, network="mastodon"),
    ]
    step = ApprovalStep(workspace_id=workspace.id, position=0, name="Client", role="reviewer")
    db.add(step)
    author = make_member(db, workspace, "content_creator")
    first = make_post(db, workspace, author, channels, VariantState.IN_REVIEW, "Spring #coffee")
    first.review_round = 1
    second = make_post(db, workspace, author, channels, VariantState.IN_REVIEW, "Summer menu")
    second.review_round = 1
    db.flush()
    path = _create(
        signed_in,
        workspace,
        post_ids=[str(first.id), str(second.id)],
        step_id=str(step.id),
        days="10",
    )

    reviewer = TestClient(client.app)  # no cookie: someone without an account
    page = reviewer.get(path, headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    assert "Clara Client" in page.text
    assert 'data-testid="preview-x"' in page.text
    assert 'data-testid="preview-mastodon"' in page.text
    assert '<span class="pv-hashtag">#coffee</span>' in page.text
    assert "Acme Coffee" in page.text

    approved = reviewer.post(
        f"{path}/posts/{first.id}",
        data={"action": "approved"},
        headers={**HTML, "HX-Request": "true"},
    )
    assert approved.status_code == 200
    assert 'data-testid="act-done"' in approved.text
    refused = reviewer.post(
        f"{path}/posts/{second.id}",
        data={"action": "changes_requested", "comment": ""},
        headers={**HTML, "HX-Request": "true"},
    )
    assert refused.status_code == 422
    commented = reviewer.post(
        f"{path}/posts/{second.id}",
        data={"action": "comment", "comment": "Love it"},
        headers=HTML,
        follow_redirects=False,
    )
    assert commented.status_code == 303

    history = signed_in.get(f"/w/{workspace.id}/posts/{first.id}")
    assert 'data-testid="via-review-link"' in history.text
    assert "Clara Client" in history.text
    comments = signed_in.get(f"/w/{workspace.id}/posts/{second.id}")
    assert "Love it" in comments.text
    links_page = signed_in.get(f"/w/{workspace.id}/review-links")
    assert "1 decision" in links_page.text
    assert "1 comment" in links_page.text


def test_a_tampered_expired_or_revoked_link_shows_the_same_page(
    signed_in: TestClient,
    db: Session,
    workspace: Workspace,
    client: TestClient,
    clock: FrozenClock,
) -> None:
    channel = make_channel(db, workspace)
    author = make_member(db, workspace, "content_creator")
    post = make_post(db, workspace, author, [channel])
    path = _create(signed_in, workspace, post_ids=[str(post.id)], days="2")
    reviewer = TestClient(client.app)
    assert reviewer.get(path, headers=HTML).status_code == 200
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    gone = reviewer.get(tampered, headers=HTML)
    assert gone.status_code == 404
    assert 'data-testid="review-gone"' in gone.text
    clock.advance(days=2)
    assert reviewer.get(path, headers=HTML).status_code == 404
    clock.advance(days=-1)
    page = signed_in.get(f"/w/{workspace.id}/review-links")
    link_id = re.search(r"/review-links/([0-9a-f-]+)/revoke", page.text)
    assert link_id
    revoked = signed_in.post(
        f"/w/{workspace.id}/review-links/{link_id.group(1)}/revoke",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert reviewer.get(path, headers=HTML).status_code == 404
    acted = reviewer.post(
        f"{path}/posts/{post.id}", data={"action": "comment", "comment": "x"}, headers=HTML
    )
    assert acted.status_code == 404


def test_the_team_page_needs_review_links_manage(
    client: TestClient, db: Session, settings: object, workspace: Workspace
) -> None:
    from orchestre.config import Settings
    from tests.web.conftest import open_session

    assert isinstance(settings, Settings)
    writer = make_member(db, workspace, "content_creator")
    client.headers.update(HTML)
    open_session(client, db, settings, writer)
    assert client.get(f"/w/{workspace.id}/review-links").status_code == 403
    approvals = client.get(f"/w/{workspace.id}/approvals")
    assert 'data-testid="review-links"' not in approvals.text


def test_a_form_error_is_shown_in_place(signed_in: TestClient, workspace: Workspace) -> None:
    page = signed_in.get(f"/w/{workspace.id}/review-links")
    bad = signed_in.post(
        f"/w/{workspace.id}/review-links",
        data={"csrf_token": csrf_of(page.text), "reviewer_name": "", "days": "120"},
    )
    assert bad.status_code == 422
    assert "A review link lasts 1 to 90 days." in bad.text


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_reviewer_sees_the_posts_images_and_nothing_else(
    signed_in: TestClient, db: Session, workspace: Workspace, client: TestClient
) -> None:
    channel = make_channel(db, workspace)
    author = make_member(db, workspace, "content_creator")
    post = make_post(db, workspace, author, [channel], VariantState.IN_REVIEW, "Autumn menu")
    other = make_post(db, workspace, author, [channel], VariantState.DRAFT, "Not shared")
    library = signed_in.get(f"/w/{workspace.id}/media")
    uploaded = signed_in.post(
        f"/w/{workspace.id}/media/upload",
        data={"csrf_token": csrf_of(library.text), "alt_text": "A pumpkin soup"},
        files={"file": ("soup.png", _png((300, 200)), "image/png")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    image_id = uuid.UUID(uploaded.headers["location"].split("?")[0].rsplit("/", 1)[1])
    video = MediaAsset(
        workspace_id=workspace.id,
        filename="clip.mp4",
        kind="video",
        content_type="video/mp4",
        size_bytes=10,
        sha256="0" * 64,
        storage_key=f"{workspace.id}/clip-without-cover.mp4",
    )
    secret = MediaAsset(
        workspace_id=workspace.id,
        filename="secret.png",
        kind="image",
        content_type="image/png",
        size_bytes=10,
        sha256="1" * 64,
        storage_key=f"{workspace.id}/secret.png",
    )
    db.add_all([video, secret])
    db.flush()
    variant, elsewhere = (
        db.scalars(select(PostVariant).where(PostVariant.post_id == p.id)).one()
        for p in (post, other)
    )
    db.add(VariantMedia(variant_id=variant.id, media_id=image_id, position=0))
    db.add(VariantMedia(variant_id=variant.id, media_id=video.id, position=1))
    db.add(VariantMedia(variant_id=elsewhere.id, media_id=secret.id, position=0))
    db.flush()
    db.expire_all()
    path = _create(signed_in, workspace, post_ids=[str(post.id)])

    reviewer = TestClient(client.app)
    page = reviewer.get(path, headers=HTML)
    assert page.status_code == 200
    assert f'src="{path}/media/{image_id}" alt="A pumpkin soup"' in page.text
    # The video has no cover frame: it is counted, not shown.
    assert "1 photo or video attached (not shown here)." in page.text
    shown = reviewer.get(f"{path}/media/{image_id}")
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(shown.content)).size == (300, 200)
    # A file of a post outside the link, a video without a cover, or a bad token: 404 alike.
    assert reviewer.get(f"{path}/media/{secret.id}").status_code == 404
    assert reviewer.get(f"{path}/media/{video.id}").status_code == 404
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert reviewer.get(f"{tampered}/media/{image_id}").status_code == 404

"""In a real browser against `orchestre serve`: an image uploaded to the media library,
tagged and filed, found again by tag and by orientation, and its usage shown once a post
attaches it."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from orchestre.channels import service as channels
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, VariantCreate
from orchestre.workspaces import auth
from orchestre.workspaces import service as workspaces
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone

pytestmark = pytest.mark.e2e


def _arrange(url: str) -> tuple[uuid.UUID, Person, uuid.UUID]:
    owner = someone("lea.media", "Léa Garnier")
    with arranged_workspace(url, "Atelier Vélo", owner) as arranged:
        db, actor = arranged.db, arranged.actor
        channel = channels.connect_channel(
            db,
            actor,
            SecretBox([new_key()]),
            "mastodon",
            "@atelier@mastodon.social",
            "@atelier@mastodon.social",
            "Atelier Vélo",
        )
        workspace_id, channel_id = arranged.workspace_id, channel.id
    return workspace_id, owner, channel_id


def _attach(
    url: str, owner: Person, workspace_id: uuid.UUID, channel_id: uuid.UUID, media_id: str
) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        user = workspaces.find_user_by_email(db, owner.email)
        assert user is not None
        actor = auth.actor_for(db, user.id, workspace_id)
        posts.create_post(
            db,
            actor,
            PostCreate(
                title="Spring ride",
                base_text="Our spring ride starts Saturday",
                channel_ids=[channel_id],
                variants=[VariantCreate(channel_id=channel_id, media_ids=[uuid.UUID(media_id)])],
            ),
        )
    engine.dispose()


def _picture(path: Path, size: tuple[int, int], colour: str) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"media-library-{name}.png"), full_page=True)


def test_upload_tag_filter_and_usage(
    browser: Any, live_site: LiveSite, e2e_database: str, tmp_path: Path
) -> None:
    workspace_id, owner, channel_id = _arrange(e2e_database)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_site.url, owner)
    library = f"{live_site.url}/w/{workspace_id}/media"
    page.goto(library)
    page.get_by_role("link", name="Media library").first.wait_for()
    _shot(page, "01-empty")

    page.get_by_test_id("upload-file").set_input_files(
        str(_picture(tmp_path / "ride.png", (800, 450), "teal"))
    )
    page.get_by_test_id("upload-submit").click()
    page.wait_for_url(re.compile(r"/media/[0-9a-f-]+\?done=uploaded"))
    media_id = page.url.split("/media/")[1].split("?")[0]
    assert page.get_by_test_id("asset-orientation").inner_text() == "Landscape"
    page.get_by_test_id("field-title").fill("Spring ride poster")
    page.get_by_test_id("field-tags").fill("spring, bikes")
    page.get_by_test_id("field-folder").fill("Campaigns/Spring")
    page.get_by_test_id("save-asset").click()
    page.get_by_test_id("notice").wait_for()
    assert page.get_by_test_id("asset-title").inner_text() == "Spring ride poster"

    page.goto(library)
    page.get_by_test_id("upload-file").set_input_files(
        str(_picture(tmp_path / "tall.png", (300, 600), "orange"))
    )
    page.get_by_test_id("upload-submit").click()
    page.wait_for_url(re.compile(r"/media/[0-9a-f-]+\?done=uploaded"))
    page.goto(library)
    assert page.get_by_test_id("media-tile").count() == 2
    _shot(page, "02-grid")

    page.get_by_test_id("filter-tag").select_option("bikes")
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(re.compile(r"tag=bikes"))
    tiles = page.get_by_test_id("media-tile")
    assert tiles.count() == 1
    assert tiles.first.get_attribute("data-filename") == "ride.png"

    page.goto(library)
    page.get_by_test_id("filter-orientation").select_option("portrait")
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(re.compile(r"orientation=portrait"))
    assert page.get_by_test_id("media-tile").count() == 1
    assert page.get_by_test_id("media-tile").first.get_attribute("data-filename") == "tall.png"
    _shot(page, "03-filtered")

    _attach(e2e_database, owner, workspace_id, channel_id, media_id)
    page.goto(f"{library}/{media_id}")
    row = page.get_by_test_id("usage-row")
    row.first.wait_for()
    assert row.count() == 1
    assert "Spring ride" in row.first.inner_text()
    assert "Draft" in row.first.inner_text()
    _shot(page, "04-usage")
    context.close()

"""In a real browser against `orchestre serve`: a fan opens a contest's public page (in
French, from the browser's language), uploads a photo, ticks the consent box and sends;
the team then finds the entry waiting for review, with the photo and the consent given."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from orchestre.kit.clock import utcnow
from orchestre.ugc import contests
from orchestre.ugc.contests import ContestChanges, ContestInput
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone

pytestmark = pytest.mark.e2e


def _arrange(url: str) -> tuple[uuid.UUID, uuid.UUID, str, Person]:
    owner = someone("jade.contests", "Jade Lefèvre")
    with arranged_workspace(url, "Glacier Saint-Malo", owner) as arranged:
        db, actor = arranged.db, arranged.actor
        contest = contests.create_contest(
            db,
            actor,
            ContestInput(
                kind="hashtag_contest",
                title="Votre plus belle glace",
                hashtag="#GlaceSaintMalo",
                opens_at=utcnow() - timedelta(hours=1),
                closes_at=utcnow() + timedelta(days=14),
                rules_fr="Une photo par personne, prise cet été.",
                rules_en="One photo per person, taken this summer.",
            ),
        )
        contests.update_contest(db, actor, contest.id, ContestChanges(status="open"))
        ids = (arranged.workspace_id, contest.id, contest.slug)
    return ids[0], ids[1], ids[2], owner


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"contest-{name}.png"), full_page=True)


def test_a_fan_sends_a_photo_and_the_team_sees_it_pending(
    browser: Any, live_site: LiveSite, e2e_database: str, tmp_path: Path
) -> None:
    workspace_id, contest_id, slug, owner = _arrange(e2e_database)
    picture = tmp_path / "ma-glace.jpg"
    Image.new("RGB", (640, 480), (250, 200, 120)).save(picture, format="JPEG")

    fan = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = fan.new_page()
    page.goto(f"{live_site.url}/c/{slug}")
    page.get_by_test_id("contest-title").wait_for()
    assert "Une photo par personne" in page.get_by_test_id("contest-rules").inner_text()
    page.fill("#s-name", "Maël Riou")
    page.fill("#s-email", "mael@example.com")
    page.fill("#s-text", "Deux boules caramel au beurre salé sur la digue")
    page.set_input_files("#s-photo", str(picture))
    _shot(page, "01-public-form")
    page.get_by_test_id("send-entry").click()
    # Consent not ticked: the page says so and keeps what was typed.
    page.get_by_role("alert").filter(has_text="case").first.wait_for()
    assert page.input_value("#s-name") == "Maël Riou"
    page.set_input_files("#s-photo", str(picture))
    page.check("#s-consent")
    page.get_by_test_id("send-entry").click()
    page.get_by_test_id("submission-sent").wait_for()
    _shot(page, "02-public-sent")
    fan.close()

    team = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = team.new_page()
    sign_in(page, live_site.url, owner)
    page.goto(f"{live_site.url}/w/{workspace_id}/contests/{contest_id}")
    entry = page.get_by_test_id("entry").filter(has_text="Maël Riou")
    entry.wait_for()
    assert entry.get_by_test_id("entry-status").inner_text().strip() == "To review"
    assert "caramel au beurre salé" in entry.get_by_test_id("entry-text").inner_text()
    photo = entry.get_by_test_id("entry-photo")
    photo.wait_for()
    page.wait_for_function(
        "el => el.complete && el.naturalWidth === 640", arg=photo.element_handle()
    )
    assert "terms version 1" in entry.get_by_test_id("entry-consent").inner_text()
    _shot(page, "03-team-pending")
    entry.get_by_test_id("accept-entry").click()
    page.get_by_test_id("notice").wait_for()
    team.close()

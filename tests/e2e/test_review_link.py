"""In a real browser against `orchestre serve`: the owner makes a review link for two posts
in review, someone without an account opens it in a fresh browser context, approves one
post and comments on the other, and the team's approval history shows both."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.kit.crypto import SecretBox
from orchestre.models import Post, PostVariant, VariantState
from orchestre.workspaces import service as workspaces
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone

pytestmark = pytest.mark.e2e


def _arrange(url: str, key: str) -> tuple[uuid.UUID, Person, list[uuid.UUID]]:
    owner = someone("lea.review", "Léa Fournier")
    writer = f"tom.review.{uuid.uuid4().hex[:6]}@example.com"
    with arranged_workspace(url, "Maison Brûlerie", owner, key=key) as arranged:
        db, actor = arranged.db, arranged.actor
        _membership, author = workspaces.add_member(
            db, actor, writer, ["content_creator"], name="Tom", password=owner.password
        )
        made = [
            channels.connect_channel(db, actor, SecretBox([key]), network, handle, handle, name)
            for network, handle, name in (
                ("mastodon", "@brulerie@mastodon.social", "Maison Brûlerie"),
                ("bluesky", "@brulerie.bsky.social", "Maison Brûlerie"),
            )
        ]
        approvals.replace_steps(db, actor, [approvals.StepSpec("Client approval", "reviewer")])
        post_ids = []
        for text in ("New autumn blend #coffee", "Open doors on Saturday"):
            post = Post(
                workspace_id=arranged.workspace_id,
                created_by=author.id,
                title=text,
                base_text=text,
                review_round=1,
            )
            db.add(post)
            db.flush()
            for position, channel in enumerate(made):
                db.add(
                    PostVariant(
                        workspace_id=arranged.workspace_id,
                        post_id=post.id,
                        channel_id=channel.id,
                        position=position,
                        text=text,
                        state=VariantState.IN_REVIEW.value,
                    )
                )
            post_ids.append(post.id)
        workspace_id = arranged.workspace_id
    return workspace_id, owner, post_ids


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-link-{name}.png"), full_page=True)


def test_an_outside_reviewer_approves_and_comments_through_a_link(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    workspace_id, owner, (first, second) = _arrange(e2e_database, live_site.encryption_key)
    base = f"{live_site.url}/w/{workspace_id}"
    team = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    outside = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    try:
        page = team.new_page()
        sign_in(page, live_site.url, owner)
        page.goto(f"{base}/approvals")
        page.get_by_test_id("review-links").click()
        page.wait_for_url(f"{base}/review-links")
        page.check(f"input[name=post_ids][value='{first}']")
        page.check(f"input[name=post_ids][value='{second}']")
        page.fill("#rl-name", "Clara Client")
        page.fill("#rl-email", "clara@client.example")
        page.select_option("#rl-step", label="The step: Client approval")
        page.get_by_test_id("create-link").click()
        address = page.get_by_test_id("created-url").input_value()
        assert "/review/" in address
        _shot(page, "team")

        reviewer = outside.new_page()
        reviewer.goto(address)
        assert reviewer.locator("h1").inner_text() == "Publications à relire"
        cards = reviewer.get_by_test_id("review-post")
        assert cards.count() == 2
        assert reviewer.get_by_test_id("preview-mastodon").count() == 2
        assert reviewer.get_by_test_id("preview-bluesky").count() == 2
        _shot(reviewer, "reviewer-before")
        reviewer.locator(f"#post-{first}").get_by_test_id("review-approve").click()
        reviewer.locator(f"#post-{first} [data-testid=act-done]").wait_for()
        card = reviewer.locator(f"#post-{second}")
        card.get_by_test_id("review-comment").fill("Could the photo be brighter?")
        card.get_by_test_id("review-comment-send").click()
        reviewer.locator(f"#post-{second} [data-testid=act-done]").wait_for()
        _shot(reviewer, "reviewer")

        page.goto(f"{base}/posts/{first}")
        history = page.get_by_test_id("review-history")
        assert "Clara Client" in history.inner_text()
        assert page.get_by_test_id("via-review-link").count() == 1
        page.goto(f"{base}/posts/{second}")
        thread = page.locator("#comment-thread")
        assert "Could the photo be brighter?" in thread.inner_text()
        assert "Clara Client" in thread.inner_text()
        page.goto(f"{base}/review-links")
        use = page.get_by_test_id("link-use").first.inner_text()
        assert "1 decision" in use
        assert "1 comment" in use
        _shot(page, "history")
    finally:
        team.close()
        outside.close()

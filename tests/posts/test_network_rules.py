"""A variant is checked against its channel's network rules, counted as that network counts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.posts.validation import EditorialRules, VariantContent, check_variant
from tests.factories import make_channel
from tests.posts.conftest import Team, create_post

# 281 weighted characters on X (each é counts 1 there; the limit is 280).
TOO_LONG_FOR_X = "é" * 281


def _rules_of(content: VariantContent) -> set[str]:
    return {f.rule for f in check_variant(content, EditorialRules())}


def test_the_network_counts_the_text_not_python() -> None:
    # 150 emoji: 150 characters for Python, 300 weighted on X (2 each): over 280.
    emoji = "😀" * 150
    assert len(emoji) < 280
    over = {f.rule for f in check_variant(VariantContent(emoji, network="x"), EditorialRules())}
    assert over
    assert _rules_of(VariantContent(emoji, network="linkedin")) == set()


def test_a_sandbox_channel_has_no_published_limits() -> None:
    assert _rules_of(VariantContent(TOO_LONG_FOR_X * 10, network="sandbox")) == set()


def test_a_youtube_variant_needs_its_title_option() -> None:
    missing = check_variant(VariantContent("Notre levain", network="youtube"), EditorialRules())
    assert any(f.field == "title" and f.blocking for f in missing)
    titled = VariantContent("Notre levain", network="youtube", options={"title": "Le levain"})
    assert not any(f.field == "title" for f in check_variant(titled, EditorialRules()))


def test_a_post_too_long_for_x_shows_the_finding_and_cannot_go_to_review(
    client: TestClient, db: Session, team: Team
) -> None:
    x_channel = make_channel(db, team.ws, network="x", handle="@maison")
    db.commit()
    post = create_post(client, team, base_text=TOO_LONG_FOR_X, channel_ids=[str(x_channel.id)])
    findings = post["variants"][0]["findings"]
    too_long = [f for f in findings if f["severity"] == "error" and f["limit"] == 280]
    assert too_long, findings
    assert too_long[0]["actual"] == 281
    refused = client.post(team.url(f"/posts/{post['id']}/submit"), headers=team.headers["owner"])
    assert refused.status_code == 422
    assert "280" in refused.text


def test_a_mastodon_instance_with_a_higher_limit_is_judged_by_its_own_limit(
    client: TestClient, db: Session, team: Team
) -> None:
    roomy = make_channel(db, team.ws, network="mastodon", handle="@maison@roomy.social")
    roomy.settings = {"configuration": {"statuses": {"max_characters": 5000}}}
    default = make_channel(db, team.ws, network="mastodon", handle="@maison@small.social")
    db.commit()
    text = "Une longue histoire de café. " * 30  # 870 characters
    ids = [str(roomy.id), str(default.id)]
    post = create_post(client, team, base_text=text, channel_ids=ids)
    by_channel = {v["channel_id"]: v["findings"] for v in post["variants"]}
    assert not [f for f in by_channel[str(roomy.id)] if f["severity"] == "error"]
    assert [f["limit"] for f in by_channel[str(default.id)] if f["severity"] == "error"] == [500]

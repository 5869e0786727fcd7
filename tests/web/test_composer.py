"""The composer page: live counters and rules per channel, network previews, options, threads."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import Channel, PostVariant, User, Workspace
from orchestre.web import compose_preview
from orchestre.web.compose_preview import Fold
from tests.factories import make_channel
from tests.web.conftest import csrf_of

LONG = "Notre café de printemps arrive demain. " * 9  # 351 characters
TAGS = " ".join(f"#tag{i}" for i in range(33))


@pytest.fixture
def channels(db: Session, workspace: Workspace) -> dict[str, Channel]:
    found = {}
    for network, handle in (
        ("x", "@acme"),
        ("bluesky", "@acme.bsky.social"),
        ("instagram", "@acme.coffee"),
        ("linkedin", "Acme Coffee"),
        ("mastodon", "@acme@piaille.fr"),
    ):
        found[network] = make_channel(db, workspace, network=network, handle=handle)
    return found


def _live(client: TestClient, workspace: Workspace, data: dict[str, object]) -> str:
    csrf = csrf_of(client.get(f"/w/{workspace.id}/posts/new").text)
    response = client.post(
        f"/w/{workspace.id}/compose/live",
        data={"csrf_token": csrf, **data},  # type: ignore[dict-item]
    )
    assert response.status_code == 200, response.text
    return response.text


def _block(html: str, element_id: str) -> str:
    match = re.search(
        rf'<div id="{element_id}".*?(?=<div id="(?:live|preview)-|<span id="badge-|\Z)', html, re.S
    )
    assert match, f"no #{element_id} in the answer"
    return match.group(0)


def test_live_answer_measures_each_channel_as_its_network_counts(
    signed_in: TestClient, workspace: Workspace, channels: dict[str, Channel]
) -> None:
    html = _live(
        signed_in,
        workspace,
        {
            "base_text": LONG,
            "channel_ids": [str(c.id) for c in channels.values()],
            f"text-{channels['instagram'].id}": f"Café {TAGS}",
        },
    )
    x = _block(html, f"live-{channels['x'].id}")
    assert 'hx-swap-oob="true"' in x
    assert "351 / 280 weighted characters" in x
    assert "71 too many" in x
    assert 'data-rule="text.length"' in x
    assert "Too long for X: 351 of 280 weighted characters. Shorten it by 71." in x
    bluesky = _block(html, f"live-{channels['bluesky'].id}")
    assert "351 / 300 characters" in bluesky
    assert "351 / 3,000 bytes" not in bluesky  # accents: 360 bytes
    assert "360 / 3,000 bytes" in bluesky
    linkedin = _block(html, f"live-{channels['linkedin'].id}")
    assert "2,649 left" in linkedin
    assert "finding-error" not in linkedin
    instagram = _block(html, f"live-{channels['instagram'].id}")
    assert 'data-rule="text.hashtags"' in instagram
    assert "33 hashtags; Instagram allows 30. Remove 3." in instagram


def test_live_answer_is_french_for_a_french_reader(
    signed_in: TestClient,
    db: Session,
    owner: User,
    workspace: Workspace,
    channels: dict[str, Channel],
) -> None:
    owner.locale = "fr"
    db.flush()
    html = _live(signed_in, workspace, {"base_text": LONG, "channel_ids": str(channels["x"].id)})
    status = _block(html, f"live-{channels['x'].id}")
    assert "caractères pondérés" in status
    assert "Trop long pour X" in status


def test_previews_fold_and_highlight_as_each_network_does(
    signed_in: TestClient, workspace: Workspace, channels: dict[str, Channel]
) -> None:
    text = (
        "Notre café de printemps arrive demain avec @marie et #AcmeCoffee. "
        + "Torréfié à Lyon, servi partout. " * 6
        + "https://acme.fr/printemps?ref=news"
    )
    html = _live(
        signed_in,
        workspace,
        {
            "base_text": text,
            "channel_ids": [str(c.id) for c in channels.values()],
            f"opt-{channels['mastodon'].id}-spoiler_text": "Café",
            f"opt-{channels['instagram'].id}-format": "reel",
        },
    )
    linkedin = _block(html, f"preview-{channels['linkedin'].id}")
    assert "…see more" in linkedin
    assert '<span class="pv-hashtag">#AcmeCoffee</span>' in linkedin
    assert 'data-testid="link-card"' in linkedin
    assert '<div class="pv-card-domain">acme.fr</div>' in linkedin
    x = _block(html, f"preview-{channels['x'].id}")
    # X shows a link's first 23 characters, without the scheme.
    assert ">acme.fr/printemps?ref=…</a>" in x
    assert '<span class="pv-mention">@marie</span>' in x
    instagram = _block(html, f"preview-{channels['instagram'].id}")
    assert "--pv-aspect: 9 / 16" in instagram  # a Reel
    assert "… more" in instagram
    assert 'class="pv-link"' not in instagram  # captions have no links
    mastodon = _block(html, f"preview-{channels['mastodon'].id}")
    assert 'data-testid="content-warning">Café<' in mastodon


def test_saving_keeps_options_and_the_thread_and_the_editor_shows_them(
    signed_in: TestClient, db: Session, workspace: Workspace, channels: dict[str, Channel]
) -> None:
    x, mastodon = channels["x"], channels["mastodon"]
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts/new").text)
    response = signed_in.post(
        f"/w/{workspace.id}/posts/new",
        data={
            "csrf_token": csrf,
            "base_text": "Spring is here.",
            "channel_ids": [str(x.id), str(mastodon.id)],
            f"text-{x.id}": "Spring is here. 1/2",
            f"thread-{x.id}": ["Second part. 2/2", "  "],
            f"opt-{mastodon.id}-spoiler_text": "Coffee talk",
            "action": "save",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    post_id = re.search(r"/posts/([0-9a-f-]{36})", response.headers["location"]).group(1)  # type: ignore[union-attr]
    variants = {
        v.channel_id: v for v in db.query(PostVariant).filter_by(post_id=uuid.UUID(post_id)).all()
    }
    assert variants[x.id].options == {"thread": ["Second part. 2/2"]}
    assert variants[mastodon.id].options["spoiler_text"] == "Coffee talk"
    page = signed_in.get(f"/w/{workspace.id}/posts/{post_id}/edit").text
    assert "Second part. 2/2" in page  # in the X preview's thread and the thread field
    assert 'data-testid="content-warning">Coffee talk<' in page
    assert 'value="Coffee talk"' in page


def test_the_editor_renders_each_channel_live_block_and_links_its_assets(
    signed_in: TestClient, workspace: Workspace, channels: dict[str, Channel]
) -> None:
    page = signed_in.get(f"/w/{workspace.id}/posts/new").text
    assert "css/composer.css" in page
    assert "js/composer.js" in page
    assert f'hx-post="/w/{workspace.id}/compose/live"' in page
    for channel in channels.values():
        assert f'id="live-{channel.id}"' in page or f'id="panel-{channel.id}"' in page
    assert 'data-testid="adapt-split_thread"' in page


def test_the_live_check_needs_a_signed_in_member(client: TestClient, workspace: Workspace) -> None:
    response = client.post(f"/w/{workspace.id}/compose/live", data={}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


# --- the preview presenter ---------------------------------------------------------------------


def test_a_fold_never_cuts_a_word_and_respects_lines() -> None:
    text = "word " * 60
    at = compose_preview.fold_at(text, Fold(125, 2))
    assert at <= 125
    assert text[at] == " "
    lines = "one\ntwo\nthree\nfour"
    assert lines[: compose_preview.fold_at(lines, Fold(210, 3))] == "one\ntwo\nthree"
    assert compose_preview.fold_at("short", Fold(125, 2)) == 5


def test_segments_keep_every_character_of_the_text() -> None:
    text = "Voir acme.fr/x et #café avec @marie, merci ☕"
    parts = compose_preview.segments(text, "linkedin")
    assert [p.kind for p in parts] == ["text", "url", "text", "hashtag", "text", "mention", "text"]
    assert parts[1].href == "https://acme.fr/x"
    instagram = compose_preview.segments(text, "instagram")
    assert "url" not in [p.kind for p in instagram]
    assert "".join(p.text for p in instagram) == text


def test_video_networks_and_facebook_previews(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    found = {
        network: make_channel(db, workspace, network=network, handle=f"@acme-{network}")
        for network in ("youtube", "tiktok", "facebook", "threads")
    }
    text = "Le printemps au bistro #AcmeBistro #Printemps. " + "Une cuisine de saison. " * 25
    html = _live(
        signed_in,
        workspace,
        {
            "base_text": text,
            "channel_ids": [str(c.id) for c in found.values()],
            f"opt-{found['youtube'].id}-title": "Notre menu de printemps",
            f"opt-{found['youtube'].id}-format": "short",
            f"opt-{found['tiktok'].id}-privacy_level": "SELF_ONLY",
        },
    )
    youtube = _block(html, f"preview-{found['youtube'].id}")
    assert '<div class="pv-yt-title">Notre menu de printemps</div>' in youtube
    assert "--pv-aspect: 9 / 16" in youtube  # a Short
    assert "Show more" in youtube
    assert 'data-testid="media-placeholder"' in youtube
    tiktok = _block(html, f"preview-{found['tiktok'].id}")
    assert 'class="pv-overlay"' in tiktok
    assert "pv-vertical" in tiktok
    facebook = _block(html, f"preview-{found['facebook'].id}")
    assert "See more" in facebook  # the text is past Facebook's ~480 characters
    threads = _block(html, f"preview-{found['threads'].id}")
    assert "See more" not in threads
    assert '<span class="pv-hashtag">#Printemps</span>' in threads
    live = _block(html, f"live-{found['tiktok'].id}")
    assert "/ 2,200 characters" in live


def test_a_poll_is_saved_checked_live_and_shown_again_in_the_editor(
    signed_in: TestClient, db: Session, workspace: Workspace, channels: dict[str, Channel]
) -> None:
    x, linkedin = channels["x"], channels["linkedin"]
    html = _live(
        signed_in,
        workspace,
        {
            "base_text": "Which roast next?",
            "channel_ids": [str(x.id), str(linkedin.id)],
            f"poll-{x.id}": ["A very long choice of thirty chars", "Dark", "", ""],
            f"poll-{linkedin.id}": ["Light", "Dark"],
        },
    )
    assert 'data-rule="poll.option.length"' in _block(html, f"live-{x.id}")
    assert "A choice of the poll has 34 characters; X takes 25." in html
    assert 'data-rule="poll.unsupported"' in _block(html, f"live-{linkedin.id}")
    assert 'data-testid="poll-linkedin"' not in signed_in.get(f"/w/{workspace.id}/posts/new").text

    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts/new").text)
    response = signed_in.post(
        f"/w/{workspace.id}/posts/new",
        data={
            "csrf_token": csrf,
            "base_text": "Which roast next?",
            "channel_ids": [str(x.id)],
            f"poll-{x.id}": ["Light", "Dark", " ", ""],
            f"poll_minutes-{x.id}": "4320",
            "action": "save",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    post_id = re.search(r"/posts/([0-9a-f-]{36})", response.headers["location"]).group(1)  # type: ignore[union-attr]
    (variant,) = db.query(PostVariant).filter_by(post_id=uuid.UUID(post_id)).all()
    assert variant.options == {"poll": {"options": ["Light", "Dark"], "duration_minutes": 4320}}
    page = signed_in.get(f"/w/{workspace.id}/posts/{post_id}/edit").text
    assert 'data-testid="poll-x" open' in page
    assert 'value="Light"' in page
    assert '<option value="4320" selected>' in page

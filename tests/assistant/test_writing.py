"""Writing with and without a provider: every draft shown passes the editorial line and the
network's rules; a provider's answer that does not is asked again, then replaced."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from orchestre.assistant import writing
from orchestre.assistant.writing_rules import Target, problem
from orchestre.errors import Invalid, NotFound
from orchestre.models import ContentPillar, EditorialLine, MediaAsset, Post, Workspace
from orchestre.posts.validation import EditorialRules
from orchestre.workspaces.permissions import Actor, Role
from tests.assistant.conftest import LLMServer, switch_on_provider
from tests.factories import add_member, make_channel, make_user, make_workspace


@dataclass
class Desk:
    db: Session
    ws: Workspace
    actor: Actor
    rules: EditorialRules


@pytest.fixture
def desk(db: Session) -> Desk:
    ws = make_workspace(db)
    user = make_user(db)
    add_member(db, ws, user, "social_media_manager")
    line = EditorialLine(
        workspace_id=ws.id,
        tone_notes="Warm, never pushy.",
        banned_words=["promo", "pas cher"],
        required_hashtags=["#Fournil"],
        required_mentions=[],
    )
    db.add(line)
    db.flush()
    actor = Actor(user.id, ws.id, frozenset({Role.SOCIAL_MEDIA_MANAGER}))
    return Desk(db, ws, actor, EditorialRules.from_line(line))


BRIEF_FR = (
    "Notre nouveau pain au levain arrive en boutique samedi. Il est cuit au feu de bois "
    "avec une farine locale, et c'est une vraie promo."
)
BRIEF_EN = (
    "Our new sourdough loaf arrives in the shop on Saturday. It is baked in a wood-fired "
    "oven with local flour, a real promo."
)


def test_an_offline_caption_follows_the_brief_and_the_line(desk: Desk) -> None:
    drafted = writing.caption(
        desk.db,
        desk.actor,
        writing.CaptionBrief(BRIEF_FR, "fr", "friendly", "Réservez le vôtre en boutique"),
    )
    assert drafted.offline
    text = drafted.value
    assert "levain" in text
    assert "Réservez le vôtre en boutique." in text
    assert "promo" not in text.lower()
    assert "#Fournil" in text
    assert problem([text], desk.rules, language="fr", target=Target("instagram")) is None


def test_a_provider_caption_is_used_when_it_passes(desk: Desk, llm_server: LLMServer) -> None:
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    llm_server.reply(
        "Our sourdough is here on Saturday, baked in a wood-fired oven with local flour. "
        "Come and taste it! #Fournil"
    )
    drafted = writing.caption(desk.db, desk.actor, writing.CaptionBrief(BRIEF_EN, "en", "playful"))
    assert drafted.source == "provider:test"
    assert drafted.value.endswith("#Fournil")
    [sent] = llm_server.requests
    system, user = sent.messages
    assert "English" in system["content"]
    assert "playful" in system["content"]
    assert "Never use these words: promo, pas cher." in system["content"]
    assert "Always include: #Fournil." in system["content"]
    assert "Warm, never pushy." in system["content"]
    assert user["content"].startswith("Topic: Our new sourdough")


def test_a_caption_with_a_banned_word_is_asked_again_then_replaced(
    desk: Desk, llm_server: LLMServer
) -> None:
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    bad = "Big promo on our sourdough this Saturday, come early for the best loaves! #Fournil"
    llm_server.reply(bad, bad)
    drafted = writing.caption(desk.db, desk.actor, writing.CaptionBrief(BRIEF_EN, "en"))
    assert drafted.offline
    assert drafted.fell_back is not None
    assert "promo" in drafted.fell_back
    assert "banned word" in llm_server.requests[1].messages[-1]["content"]
    assert "promo" not in drafted.value.lower()


def test_a_caption_in_the_wrong_language_is_not_shown(desk: Desk, llm_server: LLMServer) -> None:
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    english = (
        "Our sourdough arrives on Saturday, baked in a wood-fired oven with local flour. #Fournil"
    )
    llm_server.reply(english, english)
    drafted = writing.caption(desk.db, desk.actor, writing.CaptionBrief(BRIEF_FR, "fr"))
    assert drafted.offline
    assert drafted.fell_back is not None
    assert "French" in drafted.fell_back


def test_the_best_posts_of_the_pillar_are_not_needed_but_the_pillar_must_exist(
    desk: Desk,
) -> None:
    with pytest.raises(NotFound):
        writing.caption(
            desk.db, desk.actor, writing.CaptionBrief("Bread", "en", pillar_id=uuid.uuid4())
        )
    pillar = ContentPillar(workspace_id=desk.ws.id, name="Behind the scenes")
    desk.db.add(pillar)
    desk.db.flush()
    drafted = writing.caption(
        desk.db, desk.actor, writing.CaptionBrief(BRIEF_EN, "en", pillar_id=pillar.id)
    )
    assert drafted.value


@pytest.mark.parametrize("field", ["language", "tone", "topic"])
def test_a_bad_brief_is_refused(desk: Desk, field: str) -> None:
    brief = {"topic": "Bread", "language": "en", "tone": "friendly"}
    brief[field] = {"language": "de", "tone": "angry", "topic": " "}[field]
    with pytest.raises(Invalid):
        writing.caption(desk.db, desk.actor, writing.CaptionBrief(**brief))


def test_adapting_gives_each_channel_a_valid_variant(desk: Desk) -> None:
    networks = ["x", "bluesky", "mastodon", "linkedin", "instagram", "youtube", "sandbox"]
    channels = [make_channel(desk.db, desk.ws, network=n) for n in networks]
    long_text = " ".join([BRIEF_EN] * 4)
    drafted = writing.adapt(desk.db, desk.actor, long_text, [c.id for c in channels], "en")
    assert [d.value.network for d in drafted] == networks
    for item in drafted:
        variant = item.value
        options = {"title": variant.title} if variant.network == "youtube" else None
        assert (
            problem(
                [variant.text, *variant.thread],
                desk.rules,
                language="en",
                target=Target(variant.network, options),
                first_comment=variant.first_comment,
            )
            is None
        ), variant
    by_network = {d.value.network: d.value for d in drafted}
    assert by_network["x"].thread  # too long for one post: a thread
    assert by_network["youtube"].title


def test_a_provider_adaptation_is_read_as_json(desk: Desk, llm_server: LLMServer) -> None:
    channel = make_channel(desk.db, desk.ws, network="x")
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    llm_server.reply(json.dumps({"text": "Sourdough on Saturday! #Fournil", "thread": []}))
    [drafted] = writing.adapt(desk.db, desk.actor, BRIEF_EN, [channel.id])
    assert drafted.value.text == "Sourdough on Saturday! #Fournil"
    assert drafted.source == "provider:test"
    assert llm_server.requests[0].json["response_format"] == {"type": "json_object"}
    assert "for x" in llm_server.requests[0].messages[0]["content"]


def test_a_provider_adaptation_too_long_for_the_network_falls_back(
    desk: Desk, llm_server: LLMServer
) -> None:
    channel = make_channel(desk.db, desk.ws, network="bluesky")
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    too_long = json.dumps({"text": "word " * 100 + "#Fournil"})
    llm_server.reply(too_long, too_long)
    [drafted] = writing.adapt(desk.db, desk.actor, BRIEF_EN, [channel.id])
    assert drafted.offline
    assert drafted.fell_back is not None
    assert "Bluesky" in drafted.fell_back or "300" in drafted.fell_back


def test_another_workspace_channel_is_not_found(desk: Desk) -> None:
    other = make_channel(desk.db, make_workspace(desk.db), network="x")
    with pytest.raises(NotFound):
        writing.adapt(desk.db, desk.actor, "Hello", [other.id])


def test_hashtags_come_from_the_line_the_history_and_the_text(desk: Desk) -> None:
    desk.db.add(Post(workspace_id=desk.ws.id, base_text="Fresh loaves #Sourdough #BakeryLife"))
    desk.db.add(Post(workspace_id=desk.ws.id, base_text="Again #sourdough and #Promo"))
    desk.db.flush()
    drafted = writing.hashtags(desk.db, desk.actor, "Our sourdough loaf is back", "en")
    tags = [s.tag.casefold() for s in drafted.value]
    assert tags[0] == "#fournil"
    assert drafted.value[0].why == "required"
    # Used twice and spoken of in the text: before a tag used once.
    assert tags.index("#sourdough") < tags.index("#bakerylife")
    assert "#promo" not in tags  # a banned word
    assert len(set(tags)) == len(tags)


def test_provider_hashtags_must_be_hashtags(desk: Desk, llm_server: LLMServer) -> None:
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    llm_server.reply(
        json.dumps({"hashtags": ["#good", "two words"]}),
        json.dumps({"hashtags": ["#Sourdough", "Bakery"]}),
    )
    drafted = writing.hashtags(desk.db, desk.actor, "Our sourdough loaf is back", "en")
    assert [s.tag for s in drafted.value] == ["#Sourdough", "#Bakery"]
    assert "not a hashtag: #two words" in llm_server.requests[1].messages[-1]["content"]


def test_alt_text_offline_and_with_an_image_reading_model(
    desk: Desk, llm_server: LLMServer
) -> None:
    asset = MediaAsset(
        workspace_id=desk.ws.id,
        filename="loaf.jpg",
        kind="image",
        content_type="image/jpeg",
        size_bytes=3,
        width=1600,
        height=900,
        sha256="0" * 64,
        storage_key=f"test/{uuid.uuid4()}",
    )
    desk.db.add(asset)
    desk.db.flush()
    offline = writing.alt_text(desk.db, desk.actor, asset.id, BRIEF_EN, "en")
    assert offline.value.startswith("Photo (landscape): It is baked in a wood-fired oven")
    assert "promo" not in offline.value
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url, accepts_images=True)
    llm_server.reply("A golden sourdough loaf on a wooden board.")
    drafted = writing.alt_text(desk.db, desk.actor, asset.id, BRIEF_EN, "en", image=b"abc")
    assert drafted.value == "A golden sourdough loaf on a wooden board."
    parts = llm_server.requests[0].messages[1]["content"]
    assert parts[1]["image_url"]["url"] == "data:image/jpeg;base64,YWJj"


def test_video_title_and_description(desk: Desk, llm_server: LLMServer) -> None:
    offline = writing.video_text(desk.db, desk.actor, BRIEF_EN + " " + "x" * 200, "en")
    assert len(offline.value.title) <= 100
    assert "#Fournil" in offline.value.description
    switch_on_provider(desk.db, desk.ws.id, llm_server.base_url)
    long_title = json.dumps({"title": "T" * 120, "description": "Sourdough day #Fournil"})
    llm_server.reply(
        long_title, json.dumps({"title": "Sourdough day", "description": "Bake #Fournil"})
    )
    drafted = writing.video_text(desk.db, desk.actor, BRIEF_EN, "en")
    assert drafted.value == writing.VideoText("Sourdough day", "Bake #Fournil")
    assert "100" in llm_server.requests[1].messages[-1]["content"]

"""The offline assistant's drafts are valid whatever the brief: in the brief's language,
within each network's rules, free of banned words, with the required tags."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestre.assistant import writing_offline as offline
from orchestre.assistant.writing_rules import Target, detected_language, problem
from orchestre.connectors.rules import NETWORKS
from orchestre.connectors.rules.text import YOUTUBE_TITLE_LIMIT
from orchestre.posts.validation import EditorialRules

TOPICS = {
    "fr": [
        "Notre nouveau pain au levain arrive en boutique samedi.",
        "La boulangerie ouvre une deuxième adresse au centre-ville. Nous recrutons des "
        "apprentis motivés pour la rentrée.",
        "Atelier gratuit pour les enfants pendant les vacances : ils apprennent à faire "
        "des croissants avec nos pâtissiers.",
    ],
    "en": [
        "Our new sourdough loaf arrives in the shop on Saturday.",
        "The bakery opens a second shop downtown. We are hiring motivated apprentices "
        "for the autumn.",
        "Free workshop for children during the holidays: they learn to bake croissants "
        "with our pastry chefs.",
    ],
}
LINES = [
    EditorialRules(),
    EditorialRules(banned_words=("pain", "bakery"), required_hashtags=("#Fournil",)),
    EditorialRules(
        banned_words=("gratuit", "free", "nouveau"),
        required_hashtags=("#MaisonDupont", "#Local"),
        required_mentions=("@dupont",),
    ),
]


@pytest.mark.parametrize(
    ("language", "tone", "topic", "line"),
    [
        (lang, tone, topic, line)
        for lang in ("fr", "en")
        for tone, topic, line in itertools.product(offline.TONES, TOPICS[lang], range(len(LINES)))
    ],
)
def test_an_offline_caption_is_valid(language: str, tone: str, topic: str, line: int) -> None:
    rules = LINES[line]
    text = offline.caption(offline.Brief(topic, language, tone), rules)
    assert problem([text], rules, language=language, target=Target("instagram")) is None, text
    found = detected_language(text)
    assert found is None or found[0] == language, text


@pytest.mark.parametrize("network", [*NETWORKS, "sandbox"])
@pytest.mark.parametrize("line", range(len(LINES)))
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("repeat", [1, 12])
def test_an_offline_adaptation_is_valid_on_every_network(
    network: str, line: int, language: str, repeat: int
) -> None:
    rules = LINES[line]
    caption = offline.caption(offline.Brief(TOPICS[language][1], language), rules)
    text = "\n\n".join([caption] * repeat)
    variant = offline.adapt_to(text, Target(network), rules)
    options = {"title": variant.title} if network == "youtube" else None
    assert (
        problem(
            variant.parts,
            rules,
            language=language,
            target=Target(network, options),
            first_comment=variant.first_comment,
        )
        is None
    ), variant


@pytest.mark.parametrize("max_characters", [120, 500, 5000])
def test_a_mastodon_instance_limit_is_respected(max_characters: int) -> None:
    rules = LINES[1]
    text = offline.caption(offline.Brief(" ".join(TOPICS["en"]), "en"), rules) * 3
    target = Target("mastodon", {"max_characters": max_characters})
    variant = offline.adapt_to(text, target, rules)
    assert problem(variant.parts, rules, target=target) is None


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç", min_size=3, max_size=10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    topic=st.sampled_from(TOPICS["fr"] + TOPICS["en"]),
    banned=st.lists(words, max_size=3),
    required=st.lists(words, max_size=2),
    cta=st.sampled_from(["", "Réservez vite", "Book now", "Venez nous voir !"]),
    network=st.sampled_from(["x", "bluesky", "instagram", "linkedin", "youtube", "threads"]),
)
def test_any_editorial_line_gives_a_valid_draft(
    topic: str, banned: list[str], required: list[str], cta: str, network: str
) -> None:
    required = [r for r in required if r not in banned]
    rules = EditorialRules(
        banned_words=tuple(banned), required_hashtags=tuple("#" + r for r in required)
    )
    language = "fr" if topic in TOPICS["fr"] else "en"
    text = offline.caption(offline.Brief(topic, language, call_to_action=cta), rules)
    assert problem([text], rules) is None, text
    variant = offline.adapt_to(text, Target(network), rules)
    options = {"title": variant.title} if network == "youtube" else None
    target = Target(network, options)
    assert problem(variant.parts, rules, target=target, first_comment=variant.first_comment) is None


@pytest.mark.parametrize("language", ["fr", "en"])
def test_video_title_and_description_are_valid(language: str) -> None:
    rules = LINES[2]
    text = " ".join(TOPICS[language]) * 4
    title = offline.video_title(text, rules)
    description = offline.video_description(text, rules)
    assert 0 < len(title) <= YOUTUBE_TITLE_LIMIT
    target = Target("youtube", {"title": title})
    assert problem([description], rules, language=language, target=target) is None


@pytest.mark.parametrize(
    ("width", "height", "language", "start"),
    [
        (1600, 900, "en", "Photo (landscape): "),
        (900, 1600, "fr", "Photo au format portrait\u00a0: "),
        (1000, 1000, "fr", "Photo carrée\u00a0: "),
        (None, None, "en", "Photo (square): "),
    ],
)
def test_offline_alt_text_says_what_and_for_what(
    width: int | None, height: int | None, language: str, start: str
) -> None:
    alt = offline.alt_text("image", width, height, TOPICS[language][0], language)
    assert alt.startswith(start)
    assert len(alt) <= 1000

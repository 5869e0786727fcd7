"""Each network's text rules: lengths counted as the network counts, at and over each limit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestre.connectors.rules import NETWORKS, TextReport, check_text
from orchestre.connectors.rules.text import graphemes, mastodon_length, threads_length
from orchestre.connectors.rules.twitter_text import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
)

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one emoji: four people joined by ZWJ
HEART = "❤️"  # U+2764 U+FE0F
FLAG_FR = "🇫🇷"
URL = "https://www.maison-lumiere.fr/collections/printemps-2030?utm_source=reseaux"


def rules(report: TextReport) -> list[str]:
    return [v.rule for v in report.violations]


def test_unknown_network_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="bluesky") as raised:
        check_text("myspace", "Bonjour")
    assert "myspace" in str(raised.value)
    assert all(name in str(raised.value) for name in NETWORKS)


@pytest.mark.parametrize("network", NETWORKS)
def test_a_short_french_post_passes_everywhere(network: str) -> None:
    text = "Nouvelle collection d’été : découvrez-la dès demain ! 🌞 #MaisonLumière"
    report = check_text(network, text, options={"title": "Collection d’été"})
    assert report.violations == []
    assert report.network == network
    assert 0 < report.length <= report.limit


# X ---------------------------------------------------------------------------------------


def test_x_counts_accents_as_one_cjk_as_two_emoji_sequences_as_two_urls_as_23() -> None:
    assert check_text("x", "Café crème").length == 10
    assert check_text("x", "東京").length == 4
    assert check_text("x", f"Famille {FAMILY}").length == 8 + 2
    assert check_text("x", f"Lisez {URL}").length == 6 + 23


def test_x_finds_links_hashtags_and_mentions_in_french_text() -> None:
    text = (
        "Rendez-vous à l’atelier (https://maison-lumiere.fr/atelier) avec @camille_b ! "
        "#ÉtéIndien #MaisonLumière. Écrivez-nous : bonjour@maison-lumiere.fr"
    )
    assert [u.text for u in extract_urls(text)] == ["https://maison-lumiere.fr/atelier"]
    assert [h.text for h in extract_hashtags(text)] == ["ÉtéIndien", "MaisonLumière"]
    assert [m.text for m in extract_mentions(text)] == ["camille_b"]


def test_x_counts_a_link_without_scheme_as_23() -> None:
    assert check_text("x", "Site : maison-lumiere.fr").length == len("Site : ") + 23
    assert check_text("x", "Fin de phrase.Suite").length == len("Fin de phrase.Suite")


def test_x_normalises_before_counting() -> None:
    decomposed = "e\u0301te\u0301"  # "été" typed with combining accents
    assert check_text("x", decomposed).length == 3


def test_x_at_the_limit_and_one_over() -> None:
    at_limit = "é" * 270 + " " + FAMILY + "1234567"
    assert check_text("x", at_limit).length == 280
    assert check_text("x", at_limit).violations == []
    over = check_text("x", at_limit + "!")
    assert over.length == 281
    [violation] = over.violations
    assert (violation.network, violation.rule, violation.field) == ("x", "text.length", "text")
    assert (violation.limit, violation.actual) == (280, 281)
    assert "Shorten it by 1 weighted character." in violation.message


def test_x_cjk_text_reaches_the_limit_at_140_characters() -> None:
    assert check_text("x", "漢" * 140).violations == []
    assert rules(check_text("x", "漢" * 141)) == ["text.length"]


def test_x_refuses_invisible_characters_it_does_not_accept() -> None:
    report = check_text("x", "Bonjour\ufffe")
    assert rules(report) == ["text.characters"]
    assert "U+FFFE" in report.violations[0].message


# Bluesky ---------------------------------------------------------------------------------


def test_bluesky_counts_graphemes() -> None:
    assert check_text("bluesky", f"{FAMILY}{FLAG_FR}é").length == 3
    assert check_text("bluesky", "e\u0301").length == 1


def test_bluesky_at_300_graphemes_and_one_over() -> None:
    assert check_text("bluesky", "é" * 300).violations == []
    over = check_text("bluesky", "é" * 301)
    assert rules(over) == ["text.length"]
    assert (over.violations[0].limit, over.violations[0].actual) == (300, 301)


def test_bluesky_also_limits_bytes() -> None:
    # 120 families are 120 graphemes but 120 × 25 = 3,000 bytes: at the limit.
    assert check_text("bluesky", FAMILY * 120).violations == []
    report = check_text("bluesky", FAMILY * 120 + "a")
    assert rules(report) == ["text.bytes"]
    assert report.length == 121
    assert (report.violations[0].limit, report.violations[0].actual) == (3000, 3001)
    assert "bytes" in report.violations[0].message


# Threads ---------------------------------------------------------------------------------


def test_threads_counts_emoji_by_their_utf8_bytes() -> None:
    assert threads_length("Merci !") == 7
    assert threads_length("😀") == 4
    assert threads_length(HEART) == 6
    assert threads_length(FAMILY) == 25
    assert threads_length(f"Été {FLAG_FR}") == 4 + 8


def test_threads_at_500_and_one_over() -> None:
    text = "é" * 496 + "😀"
    assert check_text("threads", text).length == 500
    assert check_text("threads", text).violations == []
    assert rules(check_text("threads", text + "!")) == ["text.length"]


# Mastodon --------------------------------------------------------------------------------


def test_mastodon_counts_urls_as_reserved_length_and_remote_mentions_by_name() -> None:
    assert mastodon_length(f"Voir {URL}") == 5 + 23
    assert mastodon_length("Merci @camille@piaille.fr !") == len("Merci @camille !")
    assert mastodon_length(f"{FAMILY} ok") == 4


def test_mastodon_default_limit_is_500() -> None:
    assert check_text("mastodon", "a" * 500).violations == []
    report = check_text("mastodon", "a" * 501)
    assert (report.limit, report.length, rules(report)) == (500, 501, ["text.length"])


def test_mastodon_follows_the_instance_configuration() -> None:
    options = {"max_characters": 1000, "characters_reserved_per_url": 30}
    assert check_text("mastodon", "a" * 970 + " " + URL, options=options).length == 1001
    assert check_text("mastodon", "a" * 1000, options=options).violations == []


def test_mastodon_content_warning_counts_toward_the_limit() -> None:
    options = {"spoiler_text": "Spoiler"}
    assert rules(check_text("mastodon", "a" * 494, options=options)) == ["text.length"]


def test_mastodon_refuses_a_nonsense_instance_limit() -> None:
    with pytest.raises(ValueError, match="max_characters"):
        check_text("mastodon", "Bonjour", options={"max_characters": "beaucoup"})


# LinkedIn, Facebook, TikTok --------------------------------------------------------------


@pytest.mark.parametrize(("network", "limit"), [("linkedin", 3000), ("facebook", 63206)])
def test_plain_character_limits(network: str, limit: int) -> None:
    assert check_text(network, "é" * limit).violations == []
    report = check_text(network, "é" * (limit + 1))
    assert rules(report) == ["text.length"]
    assert report.violations[0].actual == limit + 1


def test_tiktok_counts_utf16_units() -> None:
    assert check_text("tiktok", "😀").length == 2
    assert check_text("tiktok", "a" * 2198 + "😀").violations == []
    assert rules(check_text("tiktok", "a" * 2199 + "😀")) == ["text.length"]


# Instagram -------------------------------------------------------------------------------


def test_instagram_caption_length() -> None:
    assert check_text("instagram", "é" * 2200).violations == []
    assert rules(check_text("instagram", "é" * 2201)) == ["text.length"]


def test_instagram_allows_30_hashtags_and_20_mentions() -> None:
    tags = " ".join(f"#mode{i}" for i in range(30))
    people = " ".join(f"@amie.{i}" for i in range(20))
    assert check_text("instagram", f"Été 2030 {tags} {people}").violations == []
    report = check_text("instagram", f"Été 2030 {tags} #été {people} @camille_b")
    assert rules(report) == ["text.hashtags", "text.mentions"]
    hashtags, mentions = report.violations
    assert (hashtags.limit, hashtags.actual) == (30, 31)
    assert (mentions.limit, mentions.actual) == (20, 21)
    assert "Remove 1" in hashtags.message


def test_instagram_does_not_count_emails_as_mentions() -> None:
    text = " ".join(f"contact{i}@maison.fr" for i in range(25))
    assert check_text("instagram", text).violations == []


# YouTube ---------------------------------------------------------------------------------


def test_youtube_description_is_limited_in_utf8_bytes() -> None:
    title = {"title": "Les coulisses"}
    assert check_text("youtube", "é" * 2500, options=title).violations == []
    report = check_text("youtube", "é" * 2501, options=title)
    assert (report.length, report.limit, rules(report)) == (5002, 5000, ["text.bytes"])
    assert "description" in report.violations[0].message


def test_youtube_title_is_required_and_limited_to_100() -> None:
    assert rules(check_text("youtube", "Description")) == ["title.required"]
    assert check_text("youtube", "", options={"title": "é" * 100}).violations == []
    report = check_text("youtube", "", options={"title": "é" * 101})
    [violation] = report.violations
    assert (violation.rule, violation.field, violation.limit, violation.actual) == (
        "title.length",
        "title",
        100,
        101,
    )


def test_youtube_refuses_angle_brackets() -> None:
    report = check_text("youtube", "Voir <ici>", options={"title": "A > B"})
    assert sorted(rules(report)) == ["text.characters", "title.characters"]


# Properties ------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@pytest.mark.parametrize("network", ["threads", "linkedin", "tiktok", "facebook", "bluesky"])
@given(text=TEXT, extra=st.sampled_from(["a", "é", "漢", "😀", FAMILY, " ", "#", "\n"]))
def test_appending_a_character_never_shortens_the_text(network: str, text: str, extra: str) -> None:
    assert check_text(network, text + extra).length >= check_text(network, text).length


@given(text=TEXT.filter(lambda t: "." not in t), extra=st.sampled_from(["a", "漢", "😀", "\u0301"]))
def test_x_appending_a_character_outside_a_link_never_shortens_the_text(
    text: str, extra: str
) -> None:
    # A dot can turn a long word into a link counted as 23: only then may X's count drop.
    assert check_text("x", text + extra).length >= check_text("x", text).length


def test_x_counts_long_texts_without_freezing() -> None:
    # Every position may start a link: a pasted novel must not freeze the composer.
    assert check_text("x", "éa." * 6000).length == 18000
    assert check_text("x", "漢" * 20000).length == 40000


def test_x_a_long_domain_becomes_a_link_of_23() -> None:
    assert check_text("x", "lumiere-" * 5 + "paris.c").length == 47
    assert check_text("x", "lumiere-" * 5 + "paris.co").length == 23


@given(text=TEXT)
def test_bluesky_graphemes_never_exceed_code_points(text: str) -> None:
    assert graphemes(text) <= len(text)


@settings(deadline=None)
@given(text=TEXT)
def test_every_violation_names_its_network_field_limit_and_actual(text: str) -> None:
    for network in NETWORKS:
        for violation in check_text(network, text * 60).violations:
            assert violation.network == network
            assert violation.field in ("text", "title")
            assert violation.message.endswith(".")
            assert violation.actual != violation.limit

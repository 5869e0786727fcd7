"""Adapting a text to a network: threads, shortening, hashtags and UTM links (pure functions)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestre.connectors.rules import check_text
from orchestre.connectors.rules.twitter_text import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
)
from orchestre.posts import adapt
from orchestre.posts.adapt import AdaptError

NBSP = "\u00a0"
NNBSP = "\u202f"
MARKER = re.compile(r" (\d+)/(\d+)$")

WORDS = [
    "café",
    "printemps",
    "le",
    "torréfaction",
    "anticonstitutionnellement",
    "demain.",
    f"prêt{NBSP}!",
    f"vraiment{NNBSP}?",
    f"«{NBSP}Bonjour{NBSP}!{NBSP}»",
    "Really?",
    "done…",
    "https://acme.fr/printemps?ref=news#menu",
    "example.fr/menu",
    "#café",
    "#AcmeCoffee",
    "@marie",
    "@acme.bsky.social",
    "☕",
    "👨‍👩‍👧",
    "東京",
]
SEPARATORS = [" ", " ", " ", "\n", "\n\n"]


@st.composite
def texts(draw: st.DrawFn, min_words: int = 1, max_words: int = 260) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=min_words, max_size=max_words))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip()


def fits(network: str, text: str, options: dict[str, object] | None = None) -> bool:
    report = check_text(network, text, options=options)
    return not any(v.rule in adapt.LENGTH_RULES for v in report.violations)


def atoms(text: str) -> list[str]:
    found = extract_urls(text) + extract_hashtags(text) + extract_mentions(text)
    return [text[e.start : e.end] for e in found]


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- thread ------------------------------------------------------------------------------------


def test_a_long_french_text_becomes_a_numbered_x_thread_cut_between_sentences() -> None:
    sentence = (
        f"Notre café de printemps arrive demain{NBSP}! «{NBSP}C'est prêt{NBSP}»,"
        " dit Marie. Voir https://acme.fr/printemps?ref=x#menu pour tout savoir. "
    )
    text = sentence * 6 + "#AcmeCoffee #Printemps"
    parts = adapt.split_thread(text, "x")
    assert len(parts) == 3
    assert [MARKER.findall(p) for p in parts] == [[("1", "3")], [("2", "3")], [("3", "3")]]
    for part in parts:
        assert check_text("x", part).length <= 280
        body = MARKER.sub("", part)
        # Cut at a sentence end: each part but the last ends with its sentence's full stop.
        assert body.endswith((".", "!", "#Printemps"))
        assert "https://acme.fr/printemps?ref=x#menu" in body or "Voir" not in body
    assert parts[-1].endswith("#AcmeCoffee #Printemps 3/3")


def test_a_text_that_fits_stays_one_post_without_a_number() -> None:
    assert adapt.split_thread("  Short and sweet.  ", "x") == ["Short and sweet."]


def test_numbers_can_come_first_and_count_in_the_limit() -> None:
    text = ("word " * 100).strip()  # 499 characters: two Bluesky posts
    parts = adapt.split_thread(text, "bluesky", numbering="prefix")
    assert [p.split(" ", 1)[0] for p in parts] == ["1/2", "2/2"]
    assert all(check_text("bluesky", p).length <= 300 for p in parts)
    # An explicit limit is counted the same way, number included.
    small = adapt.split_thread(text, "bluesky", limit=100)
    assert all(check_text("bluesky", p).length <= 100 for p in small)
    assert small[0].endswith(f" 1/{len(small)}")


def test_a_sentence_longer_than_a_post_is_cut_between_words_never_inside_a_link() -> None:
    url = "https://acme.fr/a/very/long/path/for/the/spring/menu?with=query#and-fragment"
    text = " ".join(["mot"] * 60 + [url] + ["fin"] * 40)  # one sentence, no full stop
    parts = adapt.split_thread(text, "mastodon", {"max_characters": 100})
    assert any(url in part for part in parts)
    assert all(fits("mastodon", p, {"max_characters": 100}) for p in parts)


def test_an_x_thread_counts_emoji_and_cjk_as_x_weighs_them() -> None:
    text = " ".join(["東京☕"] * 80)  # 80 x (2+2+2) + 79 spaces = 559 weighted
    parts = adapt.split_thread(text, "x")
    assert len(parts) == 3
    assert all(check_text("x", p).length <= 280 for p in parts)


def test_a_link_longer_than_a_post_cannot_be_split() -> None:
    url = "https://acme.fr/" + "a" * 400
    with pytest.raises(AdaptError, match="cannot be cut"):
        adapt.split_thread(f"Read {url}", "bluesky")


def test_a_plain_word_longer_than_a_post_is_cut_as_a_last_resort() -> None:
    parts = adapt.split_thread("a" * 650, "bluesky")
    assert len(parts) == 3
    assert "".join(MARKER.sub("", p) for p in parts) == "a" * 650


def test_a_network_without_rules_needs_a_limit() -> None:
    with pytest.raises(AdaptError):
        adapt.split_thread("one. two.", "sandbox")
    assert adapt.split_thread("one two three four", "sandbox", limit=14) == [
        "one two 1/2",
        "three four 2/2",
    ]


@PROPERTY
@given(text=texts(), network=st.sampled_from(["x", "bluesky", "mastodon", "threads"]))
def test_every_part_fits_and_the_thread_reads_as_the_text(text: str, network: str) -> None:
    parts = adapt.split_thread(text, network)
    assert all(fits(network, part) for part in parts)
    if len(parts) == 1:
        assert parts == [text]
        return
    bodies = []
    for index, part in enumerate(parts, 1):
        match = MARKER.search(part)
        assert match is not None
        assert match.groups() == (str(index), str(len(parts)))
        bodies.append(part[: match.start()])
    assert " ".join(bodies).split() == text.split()
    # No link, hashtag or mention was cut: each is whole in some part.
    for atom in atoms(text):
        assert any(atom in body for body in bodies)


@PROPERTY
@given(
    text=texts(max_words=120),
    limit=st.integers(60, 200),
    numbering=st.sampled_from(["suffix", "prefix"]),
)
def test_parts_fit_a_chosen_limit_with_their_numbers(
    text: str, limit: int, numbering: adapt.Numbering
) -> None:
    options = {"max_characters": 1000, "characters_reserved_per_url": 30}
    parts = adapt.split_thread(text, "mastodon", options, numbering=numbering, limit=limit)
    assert all(check_text("mastodon", p, options=options).length <= limit for p in parts)
    if len(parts) > 1:
        first = parts[0].split(" ", 1)[0] if numbering == "prefix" else parts[0].rsplit(" ", 1)[1]
        assert first == f"1/{len(parts)}"


def test_french_sentences_keep_their_quotes_and_no_break_spaces() -> None:
    text = f"«{NBSP}C'est prêt{NBSP}!{NBSP}» Venez goûter. Vraiment{NNBSP}? Oui… Fin"
    spans = [text[a:b] for a, b in adapt.sentence_spans(text)]
    assert spans == [
        f"«{NBSP}C'est prêt{NBSP}!{NBSP}»",
        "Venez goûter.",
        f"Vraiment{NNBSP}?",
        "Oui…",
        "Fin",
    ]
    # A no-break space is not a place to cut: "prêt !" stays one word.
    assert [text[a:b] for a, b in adapt.word_spans(text)][:3] == [
        f"«{NBSP}C'est",
        f"prêt{NBSP}!{NBSP}»",
        "Venez",
    ]


# --- shorten -----------------------------------------------------------------------------------


def test_shorten_keeps_whole_sentences_when_they_keep_most_of_the_text() -> None:
    text = "First sentence is here. " * 20
    short = adapt.shorten(text, "x")
    assert short.endswith("here.")
    assert check_text("x", short).length <= 280


def test_shorten_cuts_at_a_word_with_an_ellipsis_when_sentences_are_long() -> None:
    text = "A sentence that goes on " + "and on " * 80 + "until it ends."
    short = adapt.shorten(text, "linkedin", limit=100)
    assert short.endswith(" and…")
    assert len(short) <= 100
    assert text.startswith(short.removesuffix("…"))


def test_shorten_leaves_a_text_that_fits_alone() -> None:
    assert adapt.shorten(" Fine. ", "x") == "Fine."


@PROPERTY
@given(text=texts(), network=st.sampled_from(["x", "bluesky", "mastodon"]))
def test_a_shortened_text_fits_and_starts_the_original(text: str, network: str) -> None:
    short = adapt.shorten(text, network, limit=120)
    assert fits(network, short)
    assert check_text(network, short).length <= 120
    kept = short if text.startswith(short) else short.removesuffix(adapt.ELLIPSIS)
    assert text.startswith(kept)
    # Cut at a word boundary: the next character of the original (if any) is a space.
    assert short == text or text[len(kept)].isspace()


# --- hashtags ----------------------------------------------------------------------------------


def test_hashtags_move_to_the_end_and_inline_ones_keep_their_word() -> None:
    text = "Notre #café arrive demain. #AcmeCoffee, #Printemps\nÀ bientôt #café"
    moved = adapt.move_hashtags(text)
    assert moved.text == "Notre café arrive demain.\nÀ bientôt\n\n#café #AcmeCoffee #Printemps"


def test_hashtags_move_to_the_first_comment_once_each() -> None:
    moved = adapt.move_hashtags(
        "Le printemps est là ! #AcmeCoffee #Printemps", "Merci ! #printemps", to="first_comment"
    )
    assert moved.text == "Le printemps est là !"
    assert moved.first_comment == "Merci ! #printemps\n\n#AcmeCoffee"


def test_instagram_hashtags_are_trimmed_to_thirty_keeping_the_first() -> None:
    tags = [f"#tag{i}" for i in range(35)]
    text = "Caption. " + " ".join(tags)
    trimmed = adapt.trim_hashtags(text, adapt.HASHTAG_LIMITS["instagram"])
    assert trimmed == "Caption. " + " ".join(tags[:30])
    assert check_text("instagram", trimmed).violations == []


@PROPERTY
@given(text=texts(max_words=80), maximum=st.integers(0, 6))
def test_trimming_keeps_exactly_the_first_hashtags(text: str, maximum: int) -> None:
    before = [t.text for t in extract_hashtags(text)]
    after = [t.text for t in extract_hashtags(adapt.trim_hashtags(text, maximum))]
    assert after == before[:maximum]


@PROPERTY
@given(text=texts(max_words=80))
def test_moving_hashtags_keeps_each_one_and_every_word(text: str) -> None:
    moved = adapt.move_hashtags(text, to="first_comment")
    before = {t.text.casefold() for t in extract_hashtags(text)}
    assert {t.text.casefold() for t in extract_hashtags(moved.first_comment)} == before
    assert extract_hashtags(moved.text) == []
    # Only hashtags went away: the words left read in the same order, none invented.
    source = iter(w.removeprefix("#") for w in text.split())
    kept = moved.text.split()
    assert all(any(word in (w, w.strip(",;·|")) for w in source) for word in kept)


# --- UTM ---------------------------------------------------------------------------------------


def test_utm_parameters_are_added_keeping_query_and_fragment() -> None:
    text = "Voir https://acme.fr/menu?ref=news#prix et acme.fr/carte. Merci"
    tagged = adapt.add_utm(text, "linkedin", "printemps-2030")
    assert tagged == (
        "Voir https://acme.fr/menu?ref=news&utm_source=linkedin&utm_medium=social"
        "&utm_campaign=printemps-2030#prix et acme.fr/carte?utm_source=linkedin"
        "&utm_medium=social&utm_campaign=printemps-2030. Merci"
    )


def test_existing_utm_parameters_are_not_duplicated() -> None:
    url = "https://acme.fr/?utm_source=newsletter&x=1"
    assert adapt.with_utm(url, "x", "spring") == (
        "https://acme.fr/?utm_source=newsletter&x=1&utm_medium=social&utm_campaign=spring"
    )


@PROPERTY
@given(text=texts(max_words=60), network=st.sampled_from(["x", "bluesky"]))
def test_tagging_twice_changes_nothing_and_each_link_has_one_source(
    text: str, network: str
) -> None:
    once = adapt.add_utm(text, network, "spring")
    assert adapt.add_utm(once, network, "spring") == once
    for url in extract_urls(once):
        query = parse_qsl(urlsplit(url.text if "://" in url.text else "https://" + url.text).query)
        assert [k for k, _ in query].count("utm_source") == 1
        assert ("utm_medium", "social") in query

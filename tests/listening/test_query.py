"""The listening query language: parsing, its named errors, accent-folded matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestre.errors import Invalid
from orchestre.kit.text import HASHTAG
from orchestre.listening.query import fold, matches, parse, search_terms


def hit(query: str, text: str, hashtags: tuple[str, ...] = (), author: str | None = None) -> bool:
    return matches(parse(query), text, hashtags, author)


@pytest.mark.parametrize(
    "text", ["Election demain", "ÉLECTION demain", "une élection", "élections"]
)
def test_accents_and_case_fold(text: str) -> None:
    assert hit("élection", text) is (text != "élections")


def test_word_boundaries() -> None:
    assert hit("car", "a red car.")
    assert not hit("car", "a carton box")


def test_phrase_needs_its_words_in_order() -> None:
    assert hit('"le président"', "Le Président a parlé")
    assert not hit('"le président"', "le nouveau président")
    assert not hit('"le président"', "président le")


def test_and_implicit_and_written() -> None:
    for query in ("vélo paris", "vélo AND paris"):
        assert hit(query, "Le vélo à Paris")
        assert not hit(query, "Le vélo à Lyon")


def test_or_and_grouping() -> None:
    query = "vélo (paris OR lyon)"
    assert hit(query, "vélo lyon")
    assert hit(query, "vélo paris")
    assert not hit(query, "vélo marseille")
    assert not hit(query, "paris lyon")


def test_not_and_minus() -> None:
    for query in ("orchestre NOT symphonique", "orchestre -symphonique"):
        assert hit(query, "Orchestre, the tool")
        assert not hit(query, "l'orchestre symphonique")


def test_lowercase_operators_are_words() -> None:
    assert hit("rock and roll", "rock and roll")
    assert not hit("rock and roll", "rock roll")


def test_hashtags_from_text_or_list() -> None:
    assert hit("#Élection2027", "vote #election2027 now")
    assert hit("#élection2027", "vote now", hashtags=("Election2027",))
    assert not hit("#election2027", "election2027 without the sign")


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("commande #47614 toujours pas livrée", []),  # an order number
        ("vote #Élection2027 et #2027fest", ["Élection2027", "2027fest"]),
        ("C# and page#2 and &#39;", []),  # glued to a word or an HTML entity
        ("#été_2026, (#Lyon)", ["été_2026", "Lyon"]),
    ],
)
def test_a_hashtag_has_a_letter_and_stands_alone(text: str, tags: list[str]) -> None:
    assert HASHTAG.findall(text) == tags


def test_accounts_by_author_or_mention() -> None:
    assert hit("@orchestre", "hello", author="orchestre@mastodon.social")
    assert hit("@orchestre", "thanks @Orchestre!")
    assert not hit("@orchestre", "orchestre")


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("", "required"),
        ("   ", "required"),
        ("(a OR b", "unbalanced_parenthesis"),
        ("a OR b)", "unbalanced_parenthesis"),
        ("NOT", "missing_operand"),
        ("a OR", "missing_operand"),
        ("AND a", "missing_operand"),
        ('"le président', "unclosed_quote"),
        ("()", "empty_group"),
        ('""', "empty_phrase"),
        ("-spam", "no_positive_term"),
        ("a OR -b", "no_positive_term"),
        ("x" * 501, "max_length"),
    ],
)
def test_bad_queries_name_the_rule(query: str, rule: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse(query)
    assert [(e.field, e.rule) for e in caught.value.errors] == [("query", rule)]


def test_search_terms_cover_broadly() -> None:
    assert search_terms(parse("élection (macron OR lepen) -sondage")) == ["élection", "election"]
    assert search_terms(parse("(macron OR lepen OR melenchon) vote")) == ["vote"]
    assert search_terms(parse('#vélo OR "pistes cyclables" OR @mairie')) == [
        "#vélo",
        "#velo",
        "pistes cyclables",
        "@mairie",
    ]


WORD = st.text(alphabet="abcdeéèàçoiuAEÉ", min_size=1, max_size=8)


@given(st.lists(WORD, min_size=1, max_size=6), st.integers(0, 5))
def test_any_word_of_a_text_matches_it(words: list[str], pick: int) -> None:
    text = " ".join(words)
    assert hit(words[pick % len(words)], text)
    assert hit(words[pick % len(words)].upper(), fold(text))


@given(st.lists(WORD, min_size=2, max_size=6), WORD)
def test_not_inverts_and_or_unions(words: list[str], other: str) -> None:
    text = " ".join(words)
    first = words[0]
    assert hit(f"{first} -{other}", text) is (hit(first, text) and not hit(other, text))
    assert hit(f"({first} OR {other})", text) is (hit(first, text) or hit(other, text))
    assert hit(f"{first} {other}", text) is (hit(first, text) and hit(other, text))


@given(st.lists(WORD, min_size=1, max_size=6))
def test_every_match_is_found_by_a_search_term(words: list[str]) -> None:
    query = parse(" OR ".join(words))
    text = words[-1]
    assert hit(" OR ".join(words), text)
    assert any(fold(term) in fold(text) for term in search_terms(query))

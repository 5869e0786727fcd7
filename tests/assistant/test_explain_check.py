"""The figure checker: every number of an explanation must be a fact, as English and French
write it. Property tests: a fact cited as displayed always passes, a figure moved by two
steps of its display's rounding never does, in either language."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestre.assistant.explain_check import figures, unmatched
from orchestre.assistant.explain_facts import Fact, Writer

WRITERS = {"en": Writer("en"), "fr": Writer("fr")}
languages = st.sampled_from(["en", "fr"])
# (unit, strategy of values, the display's step in the unit a figure is read in)
ratios = st.floats(min_value=0.0005, max_value=3.0, allow_nan=False)
counts = st.integers(min_value=0, max_value=50_000_000).map(float)
amounts = st.floats(min_value=0.0, max_value=1_000_000.0, allow_nan=False).map(
    lambda v: round(v, 2)
)
multipliers = st.floats(min_value=1.0, max_value=99.0, allow_nan=False)
facts = st.one_of(
    st.tuples(st.just("ratio"), ratios, st.just(0.1), st.just(100.0)),
    st.tuples(
        st.just("change"), st.floats(-0.99, 9.0, allow_nan=False), st.just(0.1), st.just(100.0)
    ),
    st.tuples(st.just("count"), counts, st.just(1.0), st.just(1.0)),
    st.tuples(st.just("currency"), amounts, st.just(0.01), st.just(1.0)),
    st.tuples(st.just("times"), multipliers, st.just(0.1), st.just(1.0)),
)


def _fact(language: str, unit: str, value: float) -> Fact:
    return WRITERS[language].fact("f", value, unit)


@settings(max_examples=300, deadline=None)
@given(language=languages, found=facts)
def test_a_fact_cited_as_displayed_passes(
    language: str, found: tuple[str, float, float, float]
) -> None:
    unit, value, _step, _scale = found
    fact = _fact(language, unit, value)
    text = f"Le chiffre : {fact.display}." if language == "fr" else f"The figure: {fact.display}."
    assert unmatched(text, [fact], language) == []


@settings(max_examples=300, deadline=None)
@given(
    language=languages, found=facts, steps=st.integers(min_value=2, max_value=500), up=st.booleans()
)
def test_a_figure_moved_by_two_display_steps_is_caught(
    language: str, found: tuple[str, float, float, float], steps: int, up: bool
) -> None:
    unit, value, step, scale = found
    fact = _fact(language, unit, value)
    moved = value + (1 if up else -1) * steps * step / scale
    if unit not in ("change",) and moved < 0:
        moved = value + steps * step / scale
    wrong = WRITERS[language].write(moved, unit)
    assert wrong != fact.display
    found_wrong = unmatched(f"Reach: {wrong}.", [fact], language)
    assert [f.text.strip() for f in found_wrong] != []


@settings(max_examples=200, deadline=None)
@given(language=languages, value=st.floats(min_value=0, max_value=10_000_000, allow_nan=False))
def test_numbers_are_read_as_their_language_writes_them(language: str, value: float) -> None:
    shown = WRITERS[language].write(value, "count")  # "#,##0.##": grouped, two decimals
    (figure,) = figures(f"x {shown} y", language)
    assert figure.value == pytest.approx(value, abs=0.005 + 1e-9)


@pytest.mark.parametrize(
    ("language", "text", "value", "kind"),
    [
        ("en", "12,500 views", 12500, "plain"),
        ("en", "up 4.6% on", 4.6, "percent"),
        ("en", "2.1x the rate", 2.1, "times"),
        ("en", "3.5 times", 3.5, "times"),
        ("en", "at 18:00", 18, "hour"),
        ("en", "cost €3.20", 3.2, "currency"),
        ("en", "or 12 percent", 12, "percent"),
        ("fr", "12\u202f500 vues", 12500, "plain"),
        ("fr", "12 500 vues", 12500, "plain"),
        ("fr", "12\u00a0500 vues", 12500, "plain"),
        ("fr", "soit 4,6\u00a0%", 4.6, "percent"),
        ("fr", "soit 4,6 %", 4.6, "percent"),
        ("fr", "2,1× plus", 2.1, "times"),
        ("fr", "3 fois plus", 3, "times"),
        ("fr", "à 18 h 00", 18, "hour"),
        ("fr", "pour 3,20 €", 3.2, "currency"),
        ("fr", "baisse de −12,5 %", -12.5, "percent"),
    ],
)
def test_each_way_of_writing_a_figure(language: str, text: str, value: float, kind: str) -> None:
    (figure,) = figures(text, language)
    assert figure.value == pytest.approx(value)
    assert figure.kind == kind


def test_a_written_sign_must_be_the_facts() -> None:
    fall = _fact("en", "change", -0.12)
    assert unmatched("Reach fell by 12.0%.", [fall], "en") == []
    assert unmatched("Reach: -12.0%.", [fall], "en") == []
    assert unmatched("Reach: +12.0%.", [fall], "en") != []


def test_a_percentage_is_not_a_count_and_a_count_not_a_percentage() -> None:
    posts = _fact("en", "count", 12)
    rate = _fact("en", "ratio", 0.12)
    assert unmatched("12% of the posts", [posts], "en") != []
    assert unmatched("12 posts", [rate], "en") != []
    assert unmatched("12 posts at 12%", [posts, rate], "en") == []


def test_rounding_to_fewer_decimals_is_allowed_not_more_precision() -> None:
    rate = _fact("en", "ratio", 0.04567)  # shown as 4.6%
    assert unmatched("about 5% and 4.6% and 4.57%", [rate], "en") == []
    assert unmatched("4.50%", [rate], "en") != []
    assert unmatched("4.7%", [rate], "en") != []


def test_hours_and_names_with_digits() -> None:
    hour = _fact("en", "hour", 18)
    assert unmatched("Tuesday at 18:00", [hour], "en") == []
    assert unmatched("Tuesday at 19:00", [hour], "en") != []
    posts = _fact("en", "count", 6)
    text = "The Top 10 tips pillar had 6 posts."
    assert unmatched(text, [posts], "en") != []
    assert unmatched(text, [posts], "en", names={"Top 10 tips"}) == []


def test_durations_are_checked_in_their_unit() -> None:
    median = _fact("en", "seconds", 7000)  # "2 hours"
    assert median.display == "2 hours"
    assert unmatched(f"Answers took {median.display}.", [median], "en") == []
    assert unmatched("Answers took 5 hours.", [median], "en") != []

"""Results explained: the facts are the analytics queries' figures, the offline text cites
only them (in English and French), an invented figure is refused, and only people who may
both read analytics and use the assistant can ask."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy.orm import Session

from orchestre.analytics import query
from orchestre.analytics.periods import Period
from orchestre.assistant import explain as ex
from orchestre.assistant.explain_check import unmatched
from orchestre.assistant.explain_facts import gather
from orchestre.errors import Forbidden
from tests.analytics.kpi_support import Shop, at, make_shop

MARCH = Period("custom", date(2030, 3, 1), date(2030, 3, 31), "UTC")
NOW = at("2030-04-02 09:00")


@pytest.fixture
def shop(db: Session) -> Shop:
    """March 2030: six videos on Tuesdays at 18:00 (10 % engagement rate by reach) and
    eight images on Thursdays (4 %); February: five images (3 %)."""
    shop = make_shop(db, timezone="UTC")
    tips, offers = shop.pillar("Tips"), shop.pillar("Offers")
    for week in range(6):
        day = 5 + 7 * (week % 4)  # Tuesdays: 5, 12, 19, 26 March 2030
        shop.post(
            at(f"2030-03-{day:02d} 18:00"),
            format="video",
            pillar=tips,
            likes=100,
            reach=1000,
            impressions=2000,
        )
    for n in range(8):
        day = 7 + 7 * (n % 3)  # Thursdays
        shop.post(
            at(f"2030-03-{day:02d} {9 + n:02d}:00"),
            format="image",
            pillar=offers,
            likes=40,
            reach=1000,
            impressions=1500,
        )
    for n in range(5):
        shop.post(at(f"2030-02-{10 + n:02d} 10:00"), format="image", likes=30, reach=1000)
    return shop


def _facts(shop: Shop, language: str = "en") -> ex.Facts:
    return gather(shop.db, shop.actor(), period=MARCH, language=language, now=NOW)


def test_the_facts_are_the_analytics_figures(shop: Shop) -> None:
    facts = _facts(shop)
    table = query.kpi_table(
        shop.db, shop.actor(), kpis=("reach", "posts", "engagement"), period=MARCH
    )
    by_id = {f.id: f for f in facts.all()}
    for value in table.total.values:
        assert by_id[f"kpi.{value.kpi}"].value == value.value
        assert by_id[f"kpi.{value.kpi}.previous"].value == value.previous
    assert by_id["kpi.reach"].display == "14,000"
    assert by_id["kpi.posts.change"].display == "+180.0%"  # 14 posts against 5
    formats = query.formats(shop.db, shop.actor(), kpis=("engagement_rate_reach",), period=MARCH)
    for group in formats.groups:
        rate = group.value("engagement_rate_reach").value
        if rate is not None:
            assert by_id[f"format.{group.key}.rate"].value == pytest.approx(rate)
    (compared,) = [c for c in facts.comparisons if c.dimension == "format"]
    assert (compared.better.key, compared.worse.key) == ("video", "image")
    assert compared.times.display == "2.5×"
    assert facts.slot is not None
    assert (facts.slot.weekday, facts.slot.hour.display) == ("Tuesday", "18:00")


def test_french_facts_use_french_numbers(shop: Shop) -> None:
    by_id = {f.id: f for f in _facts(shop, "fr").all()}
    assert by_id["kpi.reach"].display == "14\u202f000"
    assert by_id["format.video.rate"].display == "10,0\u00a0%"
    assert by_id["format.video.vs.image"].display == "2,5×"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_figure_of_the_offline_text_is_a_fact(shop: Shop, language: str) -> None:
    facts = _facts(shop, language)
    found = ex.offline(facts)
    assert found.worked
    assert found.did_not_work
    assert found.try_next
    assert unmatched(found.text, facts.all(), language, facts.names) == []
    assert re.search(r"\d", found.text)


def test_the_offline_text_says_what_worked_and_what_to_try(shop: Shop) -> None:
    found = ex.offline(_facts(shop))
    text = found.text
    assert "Video posts did best: engagement rate (by reach) of 10.0% over 6 posts." in text
    assert (
        "Video posts had 2.5× the engagement rate (by reach) of Image posts (6 and 8 posts): "
        "plan more Video posts." in found.try_next
    )
    assert "Tuesday at 18:00 was the best time to post" in text
    assert "Image posts did worst: engagement rate (by reach) of 4.0% over 8 posts." in text


def test_the_offline_text_in_french(shop: Shop) -> None:
    text = ex.offline(_facts(shop, "fr")).text
    assert "2,5×" in text
    assert "Mardi" in text


def test_thin_data_is_said_not_concluded(shop: Shop, db: Session) -> None:
    lone = make_shop(db, timezone="UTC")
    lone.post(at("2030-03-03 10:00"), format="image", likes=5, reach=100)
    facts = gather(db, lone.actor(), period=MARCH, now=NOW)
    found = ex.offline(facts)
    assert facts.comparisons == []
    assert any("fewer than 5 measured posts" in s for s in found.try_next)
    assert unmatched(found.text, facts.all(), "en", facts.names) == []


def test_a_period_without_posts_says_so(db: Session) -> None:
    empty = make_shop(db, timezone="UTC")
    found = ex.offline(gather(db, empty.actor(), period=MARCH, now=NOW))
    assert found.did_not_work == (
        "No post was published in this period: there is nothing to explain yet.",
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_invented_or_altered_figure_is_refused(shop: Shop, language: str) -> None:
    facts = _facts(shop, language)
    check = ex.checker(facts)
    good = ex.offline(facts)
    assert check(good) is None
    altered = good.try_next[0].replace("2.5×" if language == "en" else "2,5×", "3.5×")
    assert altered != good.try_next[0]
    found = check(ex.Explanation(worked=good.worked, try_next=(altered,)))
    assert found is not None
    assert "3.5×" in found
    invented = "Reach grew by 37%." if language == "en" else "La portée a gagné 37 %."
    assert check(ex.Explanation(worked=(invented,))) is not None


def test_the_explanation_is_a_labelled_offline_draft(shop: Shop) -> None:
    explained = ex.explain(shop.db, shop.actor(), period=MARCH, now=NOW)
    assert explained.drafted.offline
    assert explained.drafted.prompt_id == ex.PROMPT_ID
    assert explained.explanation == ex.offline(explained.facts)


def test_asking_needs_analytics_and_the_assistant(shop: Shop, db: Session) -> None:
    from tests.factories import make_member

    reviewer = make_member(db, shop.workspace, "reviewer")  # analytics.view, no assistant.use
    actor = shop.actor()
    no_assistant = type(actor)(reviewer.id, shop.workspace.id, frozenset({"reviewer"}))  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        ex.explain(db, no_assistant, period=MARCH, now=NOW)
    # A reader without the assistant still gets the offline text (a share link's visitor).
    assert ex.explain_offline(db, no_assistant, period=MARCH, now=NOW).drafted.offline


def test_the_model_answer_is_read_as_json() -> None:
    found = ex.parse('```json\n{"worked": ["A."], "did_not_work": [], "try_next": ["B."]}\n```')
    assert (found.worked, found.try_next) == (("A.",), ("B.",))
    for wrong in ("no json", "[]", '{"worked": "A."}'):
        with pytest.raises(ValueError, match=r"."):
            ex.parse(wrong)


def test_too_few_posts_in_one_format_is_said(db: Session) -> None:
    few = make_shop(db, timezone="UTC")
    for n in range(6):
        few.post(at(f"2030-03-{3 + n:02d} 10:00"), format="video", likes=50, reach=1000)
    few.post(at("2030-03-20 10:00"), format="image", likes=10, reach=1000)
    facts = gather(db, few.actor(), period=MARCH, now=NOW)
    assert facts.comparisons == []
    assert any("fewer than 5 measured posts" in s for s in ex.offline(facts).try_next)


def test_one_format_with_enough_posts_is_not_called_thin(db: Session) -> None:
    single = make_shop(db, timezone="UTC")
    for n in range(6):
        single.post(at(f"2030-03-{3 + n:02d} 10:00"), format="video", likes=50, reach=1000)
    facts = gather(db, single.actor(), period=MARCH, now=NOW)
    found = ex.offline(facts)
    assert not any("fewer than" in s for s in found.try_next)
    assert found.try_next[0].startswith("Try another format or pillar")
    assert unmatched(found.text, facts.all(), "en", facts.names) == []

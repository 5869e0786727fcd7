"""Content planning's pure rules: pillar shares, slots on the wall clock, offline texts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from orchestre.assistant import planning
from orchestre.assistant.planning import ItemSpec, PillarBrief, PillarTarget
from orchestre.insights.besttime import HourEstimate, Source
from orchestre.models import Severity
from orchestre.posts.validation import EditorialRules, VariantContent, check_variant

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def wall(*parts: int) -> datetime:
    """A naive wall-clock time, as the planner reads the workspace's clock."""
    return datetime(*parts)  # noqa: DTZ001


def flat_hours(best: dict[int, float] | None = None) -> list[HourEstimate]:
    """168 hours scored 1.0, except the given hours of the week."""
    best = best or {}
    return [HourEstimate(h, best.get(h, 1.0), 0, 0, 0.0, Source.NETWORK_PRIOR) for h in range(168)]


# --- pillars --------------------------------------------------------------------------------


def test_allocation_follows_target_shares_by_largest_remainder() -> None:
    pillars = [
        PillarTarget(A, "Alpha", 50),
        PillarTarget(B, "Beta", 30),
        PillarTarget(C, "Gamma", 20),
    ]
    found = planning.allocate(7, pillars)
    # Exact shares 3.5, 2.1, 1.4: floors 3, 2, 1, and the one left goes to the largest
    # remainder (Alpha's .5).
    assert found.quotas == {A: 4, B: 2, C: 1}
    assert found.basis == "targets"


def test_allocation_makes_up_a_pillar_behind_its_target() -> None:
    pillars = [PillarTarget(A, "Alpha", 50), PillarTarget(B, "Beta", 50)]
    # Alpha already had 6 recent posts, Beta none: of 10 more, Beta needs 8 to reach 8/16.
    found = planning.allocate(10, pillars, {A: 6})
    assert found.quotas == {A: 2, B: 8}


def test_allocation_without_targets_shares_equally_and_says_so() -> None:
    pillars = [PillarTarget(B, "beta", 0), PillarTarget(A, "Alpha", 0), PillarTarget(C, "gamma", 0)]
    found = planning.allocate(4, pillars)
    assert found.basis == "equal"
    # 4/3 each: the extra one goes to the first by name (ties are decided by name).
    assert found.quotas == {A: 2, B: 1, C: 1}
    assert sum(found.quotas.values()) == 4


def test_allocation_of_nothing_and_of_no_pillar() -> None:
    assert planning.allocate(0, [PillarTarget(A, "Alpha", 100)]).quotas == {A: 0}
    assert planning.allocate(5, []).quotas == {}


def test_spread_interleaves_pillars_in_proportion() -> None:
    sequence = planning.spread({A: 4, B: 2, C: 1}, [A, B, C])
    assert sequence.count(A) == 4
    assert sequence.count(B) == 2
    assert sequence.count(C) == 1
    # Never the same pillar three times in a row with these shares.
    assert all(len({*sequence[i : i + 3]}) > 1 for i in range(len(sequence) - 2))
    assert planning.spread({A: 4, B: 2, C: 1}, [A, B, C]) == sequence  # deterministic


# --- slots ----------------------------------------------------------------------------------


def test_slots_keep_the_wall_clock_hour_across_the_spring_change() -> None:
    # Paris moves to summer time on Sunday 2030-03-31. The best hour is 09:00 every day.
    hours = flat_hours({d * 24 + 9: 3.0 for d in range(7)})
    now = datetime(2030, 3, 27, 12, 0, tzinfo=UTC)
    slots = planning.channel_slots(hours, "Europe/Paris", date(2030, 3, 28), 1, 7, now)
    assert [s.local.hour for s in slots] == [9] * 7
    by_day = {s.local.date(): s.starts_at for s in slots}
    assert by_day[date(2030, 3, 30)] == datetime(2030, 3, 30, 8, 0, tzinfo=UTC)  # UTC+1
    assert by_day[date(2030, 3, 31)] == datetime(2030, 3, 31, 7, 0, tzinfo=UTC)  # UTC+2


def test_an_hour_the_clocks_skip_is_never_offered() -> None:
    # The best hour is Sunday 02:00, which does not exist in Paris on 2030-03-31.
    hours = flat_hours({6 * 24 + 2: 5.0, 6 * 24 + 3: 4.0})
    now = datetime(2030, 3, 27, 12, 0, tzinfo=UTC)
    slots = planning.channel_slots(hours, "Europe/Paris", date(2030, 3, 25), 1, 1, now)
    assert len(slots) == 1
    assert slots[0].local == wall(2030, 3, 31, 3, 0)
    assert slots[0].starts_at == datetime(2030, 3, 31, 1, 0, tzinfo=UTC)


def test_an_hour_that_happens_twice_is_taken_at_its_first_occurrence() -> None:
    # Paris goes back to winter time on Sunday 2030-10-27: 02:00 happens twice.
    hours = flat_hours({6 * 24 + 2: 5.0})
    now = datetime(2030, 10, 20, 12, 0, tzinfo=UTC)
    slots = planning.channel_slots(hours, "Europe/Paris", date(2030, 10, 21), 1, 1, now)
    assert slots[0].starts_at == datetime(2030, 10, 27, 0, 0, tzinfo=UTC)  # still UTC+2


def test_items_of_one_channel_are_apart_and_avoid_taken_slots() -> None:
    # Monday 10:00 and 11:00 are the two best hours; 10:00 is taken by a scheduled post.
    hours = flat_hours({10: 5.0, 11: 4.9, 12: 4.8, 15: 4.0})
    now = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    monday = date(2030, 1, 7)
    taken = [datetime(2030, 1, 7, 9, 0, tzinfo=UTC)]  # 10:00 in Paris (UTC+1)
    slots = planning.channel_slots(hours, "Europe/Paris", monday, 1, 14, now, taken)
    starts = [s.starts_at for s in slots]
    assert all(abs(s - t) >= planning.TAKEN_GAP for s in starts for t in taken)
    assert all(
        abs(a - b) >= planning.MIN_GAP for i, a in enumerate(starts) for b in starts[i + 1 :]
    )
    assert len(slots) == 14  # two a day
    assert (
        max(sum(1 for s in slots if s.local.date() == d) for d in {s.local.date() for s in slots})
        == 2
    )


def test_no_slot_before_now_and_the_lead() -> None:
    hours = flat_hours()
    now = datetime(2030, 1, 7, 12, 30, tzinfo=UTC)
    slots = planning.channel_slots(hours, "UTC", date(2030, 1, 7), 1, 21, now)
    assert slots
    assert min(s.starts_at for s in slots) >= now + planning.LEAD


def test_slots_per_week_and_weeks() -> None:
    hours = flat_hours()
    now = datetime(2030, 1, 1, tzinfo=UTC)
    slots = planning.channel_slots(hours, "America/New_York", date(2030, 1, 7), 3, 4, now)
    assert len(slots) == 12
    for week in range(3):
        days = set(planning.week_dates(date(2030, 1, 7), week))
        assert sum(1 for s in slots if s.local.date() in days) == 4


# --- texts ----------------------------------------------------------------------------------

RULES = EditorialRules(
    banned_words=("cheap",),
    banned_words_severity=Severity.ERROR,
    required_hashtags=("#Orchestre",),
    required_mentions=("@maison",),
    required_severity=Severity.ERROR,
)
NETWORKS = ("x", "bluesky", "mastodon", "threads", "linkedin", "instagram", "facebook", "sandbox")


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_offline_texts_pass_the_network_and_the_editorial_line(network: str, language: str) -> None:
    pillar = PillarBrief(
        "Behind the scenes",
        "How our bakers work at dawn, never cheap shortcuts. Other sentence.",
        ("Our #bakery at 5 am #bread #bread", "Flour and #bread"),
    )
    for n in range(12):
        item = ItemSpec(n, network, "@brand", wall(2030, 1, 7, 9), pillar if n % 3 else None)
        text = planning.offline_text(item, language, RULES, planning.seed_of("ws", n))
        content = VariantContent(text=text, network=network)
        errors = [
            f
            for f in check_variant(content, RULES)
            if f.blocking and not f.rule.startswith("media")
        ]
        assert errors == [], (text, errors)
        assert "#Orchestre" in text
        assert "@maison" in text
        assert "cheap" not in text.casefold()


def test_offline_texts_are_in_the_workspace_language_and_use_the_pillar() -> None:
    pillar = PillarBrief(
        "Recettes", "Une recette de saison chaque semaine.", ("Tarte aux #pommes",)
    )
    item = ItemSpec(1, "mastodon", "@brand", wall(2030, 1, 7, 9), pillar)
    french = planning.offline_text(item, "fr", EditorialRules(), 7)
    english = planning.offline_text(item, "en", EditorialRules(), 7)
    assert "Recettes" in french
    assert "#pommes" in french
    assert any(
        word in french
        for word in ("Cette semaine", "Qu'en pensez-vous", "suivez-nous", "quelques mots")
    )
    assert any(
        word in english for word in ("This week", "What do you think", "follow us", "few words")
    )


def test_offline_texts_are_deterministic_for_a_seed_and_vary_between_items() -> None:
    pillar = PillarBrief("News", "Fresh news.")
    texts = {
        planning.offline_text(
            ItemSpec(n, "x", "@b", wall(2030, 1, 7, 9), pillar), "en", EditorialRules(), n
        )
        for n in range(10)
    }
    assert len(texts) > 1
    item = ItemSpec(1, "x", "@b", wall(2030, 1, 7, 9), pillar)
    assert planning.offline_text(item, "en", EditorialRules(), 3) == planning.offline_text(
        item, "en", EditorialRules(), 3
    )


def test_a_long_description_falls_back_to_a_shorter_text_that_fits() -> None:
    pillar = PillarBrief("Stories", "word " * 400 + ".")
    item = ItemSpec(1, "bluesky", "@b", wall(2030, 1, 7, 9), pillar)
    text = planning.offline_text(item, "en", EditorialRules(), 1)
    assert planning.text_problems(text, "bluesky", EditorialRules()) == []


# --- the provider's answer ------------------------------------------------------------------


def test_parse_items_reads_the_json_shape() -> None:
    answer = '```json\n{"items": [{"n": 1, "text": " Hello "}, {"n": 2, "text": "Bye"}]}\n```'
    assert planning.parse_items(answer) == {1: "Hello", 2: "Bye"}
    assert planning.parse_items('[{"n": 3, "text": "x"}, {"n": true, "text": "y"}, 5]') == {3: "x"}


@pytest.mark.parametrize(
    "answer", ["not json", '{"items": "no"}', '{"items": [{"n": "1", "text": "x"}]}', "{}"]
)
def test_parse_items_refuses_other_shapes(answer: str) -> None:
    with pytest.raises(ValueError, match=r"JSON|item"):
        planning.parse_items(answer)


def test_choose_texts_falls_back_per_item() -> None:
    offline = {1: "offline one", 2: "offline two", 3: "offline three"}
    proposed = {1: "good", 2: "has a banned word"}

    def judge(n: int, text: str) -> str | None:
        return "banned" if "banned" in text else None

    chosen = planning.choose_texts(proposed, offline, judge)
    assert chosen[1] == ("good", None)
    assert chosen[2] == ("offline two", "banned")
    assert chosen[3][0] == "offline three"
    assert chosen[3][1]


def test_prompt_names_items_pillars_and_the_editorial_line() -> None:
    item = ItemSpec(4, "x", "@brand", wall(2030, 1, 7, 9), PillarBrief("Tips", "Small tips."))
    prompt = planning.prompt_of([item], "fr", RULES, "warm")
    assert "French" in prompt
    assert "cheap" in prompt
    assert "#Orchestre" in prompt
    assert "4. x @brand, Monday 2030-01-07 09:00" in prompt
    assert "Tips" in prompt


def test_seed_changes_with_inputs() -> None:
    assert planning.seed_of("a", 1) == planning.seed_of("a", 1)
    assert planning.seed_of("a", 1) != planning.seed_of("a", 2)
    assert timedelta(hours=4) == planning.MIN_GAP

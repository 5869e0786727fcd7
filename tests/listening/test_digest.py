"""The weekly digest's rules: its schedule on the workspace's clock across DST, and its
recommendations, each number checked in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from orchestre.listening import digest as d

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def test_monday_eight_in_paris_is_seven_utc_in_winter_and_six_in_summer() -> None:
    assert d.scheduled_instant(date(2030, 1, 7), 0, 8, PARIS) == datetime(2030, 1, 7, 7, tzinfo=UTC)
    assert d.scheduled_instant(date(2030, 7, 1), 0, 8, PARIS) == datetime(2030, 7, 1, 6, tzinfo=UTC)


def test_a_skipped_hour_moves_past_the_gap_and_a_repeated_one_is_sent_once() -> None:
    # 31 March 2030: Paris skips 02:00-03:00; Sunday 02:00 becomes 03:00 CEST = 01:00 UTC.
    spring = d.scheduled_instant(date(2030, 3, 25), 6, 2, PARIS)
    assert spring == datetime(2030, 3, 31, 1, tzinfo=UTC)
    assert spring.astimezone(PARIS).hour == 3
    # 27 October 2030: 02:00 happens twice; the first one (CEST, 00:00 UTC) only.
    autumn = d.scheduled_instant(date(2030, 10, 21), 6, 2, PARIS)
    assert autumn == datetime(2030, 10, 27, 0, tzinfo=UTC)


def test_due_week_turns_at_the_local_instant() -> None:
    # Monday 8:00 in New York during DST (EDT, UTC-4) is 12:00 UTC.
    before = datetime(2030, 6, 3, 11, 59, tzinfo=UTC)
    after = datetime(2030, 6, 3, 12, 0, tzinfo=UTC)
    assert d.due_week(before, 0, 8, NEW_YORK) is None
    assert d.due_week(after, 0, 8, NEW_YORK) == date(2030, 6, 3)
    # Later in the week the same week is still the one due (the service sends it once).
    assert d.due_week(datetime(2030, 6, 7, tzinfo=UTC), 0, 8, NEW_YORK) == date(2030, 6, 3)
    assert d.next_instant(before, 0, 8, NEW_YORK) == after
    assert d.next_instant(after, 0, 8, NEW_YORK) == datetime(2030, 6, 10, 12, tzinfo=UTC)


def test_bad_settings_are_refused_with_the_rule() -> None:
    with pytest.raises(ValueError, match="weekday is 0"):
        d.scheduled_instant(date(2030, 1, 7), 7, 8, PARIS)
    with pytest.raises(ValueError, match="hour 0 to 23"):
        d.scheduled_instant(date(2030, 1, 7), 0, 24, PARIS)


def test_a_competitor_hashtag_that_rose_carries_its_figures() -> None:
    fact = d.HashtagFact("#velotaf", 12, 3, last_post_engagement=4.2, median_engagement=2.1)
    [line] = d.recommendations(d.Facts(hashtags=[fact]))
    assert line.kind == "hashtag"
    assert line.figures == {
        "tag": "#velotaf",
        "this_week": 12,
        "last_week": 3,
        "ratio": 4.0,
        "last_post_engagement": 4.2,
        "median_engagement": 2.1,
        "times_median": 2.0,
    }
    assert line.en == (
        "#velotaf rose 4x in your competitors' posts this week (12 vs 3); your last post on "
        "it had 2x your median engagement (4.2% vs 2.1%)."
    )
    assert line.fr == (
        "#velotaf a été multiplié par 4 dans les publications de vos concurrents cette "
        "semaine (12 contre 3) ; votre dernière publication avec ce hashtag a eu 2 fois "
        "votre engagement médian (4,2 % contre 2,1 %)."
    )


def test_hashtags_below_the_gates_say_nothing() -> None:
    facts = d.Facts(
        hashtags=[
            d.HashtagFact("#small", 4, 1),  # under 5 mentions
            d.HashtagFact("#flat", 10, 6),  # 1.7x, under 2x
            d.HashtagFact("#fresh", 6, 0),  # new: said as new, without a ratio
        ]
    )
    [line] = d.recommendations(facts)
    assert line.figures == {"tag": "#fresh", "this_week": 6, "last_week": 0}
    assert line.en == (
        "#fresh appeared in 6 of your competitors' posts this week; "
        "you have not posted with it yet."
    )


def test_topics_volume_tone_best_post_and_bursts() -> None:
    facts = d.Facts(
        topics=[
            d.TopicFact("colis perdu · retard", "rising", 40.0, 12.5, 0.625),
            d.TopicFact("soldes", "new", 8.0, 0.0, None),
            d.TopicFact("horaires", "steady", 5.0, 5.0, None),
        ],
        volume=d.VolumeFact(150, 100, 0.2, 0.1),
        best_post=d.BestPostFact("Notre nouvelle gamme", "instagram", "carousel", 6.5, 2.5),
        bursts=[d.BurstFact("#panne", 30, 2.5)],
    )
    lines = d.recommendations(facts)
    assert [r.kind for r in lines] == ["topic", "topic", "volume", "negative", "best_post", "burst"]
    rising, new, volume, negative, best, burst = lines
    assert rising.en == (
        "Rising topic: “colis perdu · retard”, about 40 messages this week vs 12.5, 62.5% negative."
    )
    assert rising.fr == (
        "Sujet en hausse : « colis perdu · retard », environ 40 messages contre 12,5, "
        "dont 62,5 % négatifs."
    )
    assert new.figures == {
        "label": "soldes",
        "status": "new",
        "estimated": 8.0,
        "previous_estimated": 0.0,
    }
    assert volume.figures == {"mentions": 150, "previous_mentions": 100, "change": 0.5}
    assert volume.en == "Brand mentions: 150 this week vs 100 (+50%)."
    assert volume.fr == "Mentions de la marque : 150 cette semaine contre 100 (+50 %)."
    assert negative.figures == {"negative_share": 0.2, "previous_negative_share": 0.1}
    assert negative.en.startswith("Negative share of brand mentions rose to 20% from 10%")
    assert best.en == (
        "Best post of the week: “Notre nouvelle gamme” (carousel on instagram), 6.5% "
        "engagement vs a median of 2.5%; post more carousels."
    )
    assert burst.fr == "Pic : « #panne » dans 30 mentions en une heure, pour 2,5 attendues."


def test_a_quiet_week_recommends_nothing() -> None:
    quiet = d.Facts(volume=d.VolumeFact(100, 90, 0.1, 0.09))
    assert d.recommendations(quiet) == []

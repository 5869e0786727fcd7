"""Next free slot arithmetic: weekly wall times in a zone, across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestre.kit.timezones import local_to_utc, utc_to_local
from orchestre.queueing.slots import WeeklySlot, format_minute, next_free, parse_hhmm

PARIS = "Europe/Paris"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def slots(days: list[int], *times: str) -> list[WeeklySlot]:
    return [WeeklySlot(d, parse_hhmm(t)) for d in days for t in times]


def local(instant: datetime, zone: str = PARIS) -> str:
    return utc_to_local(instant, zone).strftime("%a %Y-%m-%d %H:%M %z")


def test_weekday_slots_follow_each_other_in_local_time() -> None:
    grid = slots([MON, TUE, WED, THU, FRI], "09:00", "12:30", "18:00")
    # Friday 2030-03-15 10:00 Paris (09:00 UTC): next is 12:30 that day, then 18:00, Monday 09:00.
    found = next_free(grid, PARIS, datetime(2030, 3, 15, 9, 0, tzinfo=UTC), [], count=3)
    assert [local(f) for f in found] == [
        "Fri 2030-03-15 12:30 +0100",
        "Fri 2030-03-15 18:00 +0100",
        "Mon 2030-03-18 09:00 +0100",
    ]


def test_a_slot_exactly_now_is_not_free_and_taken_ones_are_skipped() -> None:
    grid = slots([FRI], "10:00", "11:00", "12:00")
    now = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)  # Friday 10:00 Paris
    taken = [datetime(2030, 3, 15, 10, 0, tzinfo=UTC)]  # 11:00 Paris
    [first] = next_free(grid, PARIS, now, taken)
    assert local(first) == "Fri 2030-03-15 12:00 +0100"


def test_nine_stays_nine_across_the_march_change() -> None:
    grid = slots([SAT, SUN, MON], "09:00")
    found = next_free(grid, PARIS, datetime(2030, 3, 29, tzinfo=UTC), [], count=3)
    assert [local(f) for f in found] == [
        "Sat 2030-03-30 09:00 +0100",
        "Sun 2030-03-31 09:00 +0200",
        "Mon 2030-04-01 09:00 +0200",
    ]
    assert found[1] - found[0] == timedelta(hours=23)


def test_a_slot_in_the_spring_gap_is_skipped_that_day_only() -> None:
    grid = slots([SUN], "02:30")
    found = next_free(grid, PARIS, datetime(2030, 3, 24, 3, 0, tzinfo=UTC), [], count=2)
    # 2030-03-31 02:30 does not exist in Paris: the next one is a week later.
    assert [local(f) for f in found] == [
        "Sun 2030-04-07 02:30 +0200",
        "Sun 2030-04-14 02:30 +0200",
    ]


def test_a_slot_in_the_autumn_overlap_is_used_once_at_its_first_occurrence() -> None:
    grid = slots([SUN], "02:30")
    found = next_free(grid, PARIS, datetime(2030, 10, 26, tzinfo=UTC), [], count=2)
    assert found[0] == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET
    assert local(found[1]) == "Sun 2030-11-03 02:30 +0100"


def test_no_slots_or_a_full_grid_give_nothing() -> None:
    now = datetime(2030, 3, 15, tzinfo=UTC)
    assert next_free([], PARIS, now, []) == []
    grid = slots([MON], "09:00")
    every_monday = next_free(grid, PARIS, now, [], count=100)
    assert next_free(grid, PARIS, now, every_monday) == []


def test_hhmm_round_trip_and_refusal() -> None:
    assert parse_hhmm("09:30") == 570
    assert format_minute(570) == "09:30"
    with pytest.raises(ValueError, match="does not match"):
        parse_hhmm("9h30")


ZONES = st.sampled_from([PARIS, "America/New_York", "Australia/Lord_Howe", "UTC"])
GRIDS = st.lists(
    st.builds(WeeklySlot, st.integers(0, 6), st.integers(0, 24 * 60 - 1)),
    min_size=1,
    max_size=8,
)
STARTS = st.datetimes(
    min_value=datetime(2029, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2032, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@settings(max_examples=60, deadline=None, database=None)
@given(grid=GRIDS, zone=ZONES, start=STARTS, data=st.data())
def test_queued_slots_increase_avoid_gaps_and_taken_ones(
    grid: list[WeeklySlot], zone: str, start: datetime, data: st.DataObject
) -> None:
    upcoming = next_free(grid, zone, start, [], count=12)
    taken = data.draw(st.lists(st.sampled_from(upcoming), max_size=6)) if upcoming else []
    found = next_free(grid, zone, start, taken, count=6)
    assert found == sorted(set(found)), "strictly increasing"
    assert all(f > start for f in found)
    assert not set(found) & set(taken), "never a taken slot"
    wanted = {(s.weekday, s.minute) for s in grid}
    for instant in found:
        wall = utc_to_local(instant, zone)
        assert (wall.weekday(), wall.hour * 60 + wall.minute) in wanted
        # A real wall time (not in a gap), read back at its first occurrence.
        assert local_to_utc(wall.replace(tzinfo=None, fold=0), zone) == instant
    # Queueing one after the other gives the same successive slots.
    one_by_one: list[datetime] = []
    for _ in range(len(found)):
        [nxt] = next_free(grid, zone, start, [*taken, *one_by_one])
        one_by_one.append(nxt)
    assert one_by_one == found

"""Wall times in a zone to UTC and back, across daylight saving changes."""

# Naive datetimes are the subject here: they are wall times, read in a named zone.
# ruff: noqa: DTZ001

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestre.errors import Invalid
from orchestre.kit.timezones import local_to_utc, utc_to_local, zone

ZONES = st.sampled_from(["Europe/Paris", "America/New_York"])
INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
WALL_TIMES = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31))


@settings(max_examples=300, deadline=None, database=None)
@given(instant=INSTANTS, zone_name=ZONES)
def test_an_instant_shown_locally_comes_back_to_itself_or_its_first_twin(
    instant: datetime, zone_name: str
) -> None:
    local = utc_to_local(instant, zone_name)
    back = local_to_utc(local.replace(tzinfo=None), zone_name)
    if local.fold == 0:
        assert back == instant
    else:
        # The second occurrence of a repeated wall time resolves to the first one.
        assert back < instant
        assert utc_to_local(back, zone_name).replace(tzinfo=None) == local.replace(tzinfo=None)


@settings(max_examples=300, deadline=None, database=None)
@given(wall=WALL_TIMES, zone_name=ZONES)
def test_a_wall_time_either_exists_and_round_trips_or_is_refused_as_skipped(
    wall: datetime, zone_name: str
) -> None:
    tz = ZoneInfo(zone_name)
    exists = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
    if exists:
        instant = local_to_utc(wall, zone_name)
        assert utc_to_local(instant, zone_name).replace(tzinfo=None) == wall
    else:
        with pytest.raises(Invalid):
            local_to_utc(wall, zone_name)


@settings(max_examples=200, deadline=None, database=None)
@given(year=st.integers(2020, 2040), minute=st.integers(0, 59))
def test_every_minute_of_the_new_york_spring_gap_is_refused(year: int, minute: int) -> None:
    # The second Sunday of March at 02:00 the clocks jump to 03:00.
    march = datetime(year, 3, 8)
    sunday = march + timedelta(days=(6 - march.weekday()) % 7)
    with pytest.raises(Invalid) as refused:
        local_to_utc(sunday.replace(hour=2, minute=minute), "America/New_York")
    assert "jump forward 1 hour at 02:00" in refused.value.detail


def test_paris_examples() -> None:
    assert local_to_utc(datetime(2030, 1, 10, 12), "Europe/Paris") == datetime(
        2030, 1, 10, 11, tzinfo=UTC
    )
    assert local_to_utc(datetime(2030, 7, 10, 12), "Europe/Paris") == datetime(
        2030, 7, 10, 10, tzinfo=UTC
    )
    assert local_to_utc(datetime(2030, 10, 27, 2, 30), "Europe/Paris") == datetime(
        2030, 10, 27, 0, 30, tzinfo=UTC
    )
    with pytest.raises(Invalid) as refused:
        local_to_utc(datetime(2030, 3, 31, 2, 30), "Europe/Paris")
    assert refused.value.errors[0].rule == "nonexistent_local_time"
    assert "Choose a time before 02:00 or from 03:00" in refused.value.detail


def test_aware_and_naive_inputs_are_refused_where_they_would_hide_bugs() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_to_utc(datetime(2030, 1, 1, tzinfo=UTC), "Europe/Paris")
    with pytest.raises(ValueError, match="naive"):
        utc_to_local(datetime(2030, 1, 1), "Europe/Paris")
    with pytest.raises(Invalid):
        zone("Mars/Olympus_Mons")

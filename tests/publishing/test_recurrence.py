"""Recurring and evergreen variants: RRULE expansion in wall time across DST, and the engine
publishing each occurrence exactly once on the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from orchestre.errors import Conflict, Invalid, TransitionRefused
from orchestre.kit.timezones import utc_to_local
from orchestre.models import Post, PostVariant, VariantState
from orchestre.models.publication import Publication, PublicationState
from orchestre.models.queueing import PostingSlot
from orchestre.publishing import recurrence
from orchestre.publishing.recurrence import rule_instants
from orchestre.queueing import repeats
from orchestre.queueing.repeats import RepeatInput
from orchestre.workspaces.permissions import Actor, Role
from tests.publishing.conftest import World

P = PublicationState
S = VariantState
PARIS = "Europe/Paris"
BEFORE = datetime(2030, 3, 1, tzinfo=UTC)


def walls(instants: list[datetime], zone: str = PARIS) -> list[str]:
    return [utc_to_local(i, zone).strftime("%a %Y-%m-%d %H:%M %z") for i in instants]


# --- Expansion -------------------------------------------------------------------------------


def test_every_monday_at_nine_stays_nine_local_across_the_march_change() -> None:
    found = rule_instants("FREQ=WEEKLY;BYDAY=MO", "2030-03-18T09:00", PARIS, BEFORE, 3)
    assert walls(found) == [
        "Mon 2030-03-18 09:00 +0100",
        "Mon 2030-03-25 09:00 +0100",
        "Mon 2030-04-01 09:00 +0200",
    ]
    assert [f.hour for f in found] == [8, 8, 7]  # UTC moves, the wall clock does not


def test_byhour_byminute_are_local_and_october_goes_back_to_winter_time() -> None:
    found = rule_instants("FREQ=DAILY;BYHOUR=18;BYMINUTE=30", "2030-10-26T00:00", PARIS, BEFORE, 3)
    assert walls(found) == [
        "Sat 2030-10-26 18:30 +0200",
        "Sun 2030-10-27 18:30 +0100",
        "Mon 2030-10-28 18:30 +0100",
    ]


def test_first_day_of_the_month_until_a_date() -> None:
    found = rule_instants(
        "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20300601T000000", "2030-02-10T10:00", PARIS, BEFORE, 9
    )
    assert walls(found) == [
        "Fri 2030-03-01 10:00 +0100",
        "Mon 2030-04-01 10:00 +0200",
        "Wed 2030-05-01 10:00 +0200",
    ]


def test_count_counts_from_the_start_not_from_now() -> None:
    rule = "FREQ=DAILY;COUNT=5"
    assert len(rule_instants(rule, "2030-03-01T12:00", PARIS, BEFORE, 10)) == 5
    later = datetime(2030, 3, 3, 12, 0, tzinfo=UTC)
    assert walls(rule_instants(rule, "2030-03-01T12:00", PARIS, later, 10)) == [
        "Mon 2030-03-04 12:00 +0100",
        "Tue 2030-03-05 12:00 +0100",
    ]


def test_gap_and_overlap_wall_times_follow_rfc_5545() -> None:
    # 02:30 does not exist on 2030-03-31: read with the offset before the gap (03:30 CEST).
    spring = rule_instants("FREQ=DAILY;COUNT=3", "2030-03-30T02:30", PARIS, BEFORE, 3)
    assert walls(spring) == [
        "Sat 2030-03-30 02:30 +0100",
        "Sun 2030-03-31 03:30 +0200",
        "Mon 2030-04-01 02:30 +0200",
    ]
    # 02:30 happens twice on 2030-10-27: the first time (still on summer time).
    autumn = rule_instants("FREQ=DAILY;COUNT=1", "2030-10-27T02:30", PARIS, BEFORE, 1)
    assert autumn == [datetime(2030, 10, 27, 0, 30, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("FREQ=HOURLY", "at most once a day"),
        ("FREQ=MINUTELY;COUNT=3", "at most once a day"),
        ("FREQ=DAILY;BYHOUR=9,18", "One time of day"),
        ("DTSTART:20300101T000000\nRRULE:FREQ=DAILY", "start goes in start_local"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("FREQ=DAILY;UNTIL=20300601T000000Z", "not a valid RRULE"),
        ("", "Give one RRULE line"),
        ("FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY cannot be used here"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30,31", "never have these days"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule: str, why: str) -> None:
    with pytest.raises(Invalid, match=why) as caught:
        rule_instants(rule, "2030-03-18T09:00", PARIS, BEFORE)
    assert caught.value.errors[0].field == "rule"


# --- The engine ------------------------------------------------------------------------------


def at(world: World, instant: datetime) -> None:
    """Move the frozen clock forward to `instant`."""
    world.later(seconds=(instant - world.clock.now()).total_seconds())


def owner(world: World) -> Actor:
    return Actor(world.owner.id, world.workspace.id, frozenset({Role.OWNER}))


def approved(world: World, text: str = "Le lundi, c'est café") -> PostVariant:
    post = Post(workspace_id=world.workspace.id, created_by=world.owner.id, base_text=text)
    world.db.add(post)
    world.db.flush()
    variant = PostVariant(
        workspace_id=world.workspace.id,
        post_id=post.id,
        channel_id=world.channel.id,
        text=text,
        state=S.APPROVED.value,
    )
    world.db.add(variant)
    world.db.flush()
    return variant


def occurrences(world: World, variant: PostVariant) -> list[Publication]:
    world.db.expire_all()
    return list(
        world.db.scalars(
            select(Publication)
            .where(Publication.variant_id == variant.id)
            .order_by(Publication.occurrence)
        )
    )


def on_network(world: World, publication: Publication) -> int:
    return len(world.sandbox._by_ref.get((world.channel.external_id, publication.client_ref), ()))


def every_monday(world: World, variant: PostVariant) -> repeats.RepeatView:
    data = RepeatInput("rrule", rule="FREQ=WEEKLY;BYDAY=MO", start_local="2030-03-18T09:00")
    return repeats.set_repeat(world.db, owner(world), variant.post_id, variant.id, data)


def test_a_recurring_variant_publishes_occurrence_1_and_2_exactly_once_each(world: World) -> None:
    variant = approved(world)
    view = every_monday(world, variant)
    assert [w.local_time for w in view.next[:3]] == [
        "2030-03-18T09:00",
        "2030-03-25T09:00",
        "2030-04-01T09:00",
    ]
    assert [w.utc_offset for w in view.next[:3]] == ["+01:00", "+01:00", "+02:00"]
    [first] = occurrences(world, variant)
    assert (first.occurrence, first.state) == (1, P.SCHEDULED)
    assert first.due_at == datetime(2030, 3, 18, 8, 0, tzinfo=UTC)
    world.db.refresh(variant)
    assert (variant.state, variant.scheduled_at) == (S.SCHEDULED, first.due_at)

    at(world, first.due_at)
    assert world.run_due() == ["published"]
    assert world.run_due() == []  # occurrence 2 is not due yet
    first, second = occurrences(world, variant)
    assert first.state == P.PUBLISHED
    assert (second.occurrence, second.state) == (2, P.SCHEDULED)
    assert second.due_at == datetime(2030, 3, 25, 8, 0, tzinfo=UTC)
    assert second.client_ref != first.client_ref

    at(world, second.due_at)
    assert world.run_due() == ["published"]
    assert world.run_due() == []
    first, second, third = occurrences(world, variant)
    assert [o.state for o in (first, second)] == [P.PUBLISHED, P.PUBLISHED]
    assert third.due_at == datetime(2030, 4, 1, 7, 0, tzinfo=UTC)  # 09:00 summer time
    assert (on_network(world, first), on_network(world, second)) == (1, 1)
    assert first.external_id != second.external_id
    world.db.refresh(variant)
    assert variant.state == S.PUBLISHED
    assert variant.external_id == second.external_id


def test_stopping_a_recurrence_cancels_what_has_not_left(world: World) -> None:
    variant = approved(world)
    every_monday(world, variant)
    at(world, datetime(2030, 3, 18, 8, 0, tzinfo=UTC))
    assert world.run_due() == ["published"]
    repeats.clear_repeat(world.db, owner(world), variant.post_id, variant.id)
    first, second = occurrences(world, variant)
    assert (first.state, second.state) == (P.PUBLISHED, P.CANCELLED)
    at(world, second.due_at)
    assert world.run_due() == []
    with pytest.raises(Exception, match="does not repeat"):
        repeats.get_repeat(world.db, owner(world), variant.post_id, variant.id)


def test_stopping_before_the_first_occurrence_takes_the_variant_off_the_calendar(
    world: World,
) -> None:
    variant = approved(world)
    every_monday(world, variant)
    repeats.clear_repeat(world.db, owner(world), variant.post_id, variant.id)
    [first] = occurrences(world, variant)
    assert first.state == P.CANCELLED
    world.db.refresh(variant)
    assert (variant.state, variant.scheduled_at) == (S.APPROVED, None)


def test_an_occurrence_whose_repeat_vanished_is_cancelled_at_send_time(world: World) -> None:
    variant = approved(world)
    every_monday(world, variant)
    at(world, datetime(2030, 3, 18, 8, 0, tzinfo=UTC))
    assert world.run_due() == ["published"]
    row = recurrence.repeat_of(world.db, variant.id)
    world.db.delete(row)  # as if stopped while the claim was in flight
    world.db.flush()
    at(world, datetime(2030, 3, 25, 8, 0, tzinfo=UTC))
    assert world.run_due() == ["cancelled"]
    assert [on_network(world, o) for o in occurrences(world, variant)] == [1, 0]


def test_a_scheduled_one_off_becomes_occurrence_1_when_a_rule_is_set(world: World) -> None:
    variant = world.schedule("Une fois, puis chaque lundi")
    [one_off] = occurrences(world, variant)
    assert one_off.occurrence == 0
    every_monday(world, variant)
    zero, first = occurrences(world, variant)
    assert (zero.occurrence, zero.state) == (0, P.CANCELLED)
    assert (first.occurrence, first.state) == (1, P.SCHEDULED)


def test_drafts_are_refused_by_the_scheduling_door_and_nothing_is_planned(world: World) -> None:
    variant = approved(world)
    variant.state = S.DRAFT.value
    world.db.flush()
    with pytest.raises(TransitionRefused, match="only an approved variant"):
        every_monday(world, variant)


def test_a_rule_with_no_future_date_is_refused(world: World) -> None:
    variant = approved(world)
    data = RepeatInput("rrule", rule="FREQ=DAILY;COUNT=2", start_local="2030-01-01T09:00")
    with pytest.raises(Invalid, match="no date in the future"):
        repeats.set_repeat(world.db, owner(world), variant.post_id, variant.id, data)


def test_the_rule_ends_after_its_count(world: World) -> None:
    variant = approved(world)
    data = RepeatInput("rrule", rule="FREQ=DAILY;COUNT=2", start_local="2030-03-16T09:00")
    repeats.set_repeat(world.db, owner(world), variant.post_id, variant.id, data)
    for day in (16, 17):
        at(world, datetime(2030, 3, day, 8, 0, tzinfo=UTC))
        assert world.run_due() == ["published"]
    assert [o.state for o in occurrences(world, variant)] == [P.PUBLISHED, P.PUBLISHED]
    row = recurrence.repeat_of(world.db, variant.id)
    assert row is not None
    assert row.finished_at is not None
    assert "no more dates" in row.note


def test_a_broken_stored_rule_never_undoes_a_publication(world: World) -> None:
    variant = approved(world)
    every_monday(world, variant)
    row = recurrence.repeat_of(world.db, variant.id)
    assert row is not None
    row.rule = "FREQ=HOURLY"  # refused since, as if the rules had changed
    world.db.flush()
    at(world, datetime(2030, 3, 18, 8, 0, tzinfo=UTC))
    assert world.run_due() == ["published"]
    [first] = occurrences(world, variant)
    assert first.state == P.PUBLISHED
    assert on_network(world, first) == 1
    row = recurrence.repeat_of(world.db, variant.id)
    assert row is not None
    assert "could not be planned" in row.note


# --- Evergreen -------------------------------------------------------------------------------


def weekday_nines(world: World) -> None:
    for day in range(5):
        world.db.add(
            PostingSlot(
                workspace_id=world.workspace.id,
                channel_id=world.channel.id,
                weekday=day,
                minute=9 * 60,
            )
        )
    world.db.flush()


def evergreen(world: World, variant: PostVariant, gap: int) -> repeats.RepeatView:
    data = RepeatInput("evergreen", min_gap_days=gap)
    return repeats.set_repeat(world.db, owner(world), variant.post_id, variant.id, data)


def test_evergreen_goes_back_to_the_queue_no_sooner_than_the_gap(world: World) -> None:
    weekday_nines(world)
    variant = approved(world, "Notre guide du débutant")
    view = evergreen(world, variant, gap=3)
    # Friday 2030-03-15 10:00 Paris now: the next free slot is Monday 09:00.
    assert [w.local_time for w in view.next] == ["2030-03-18T09:00"]
    at(world, datetime(2030, 3, 18, 8, 0, tzinfo=UTC))
    assert world.run_due() == ["published"]
    _first, second = occurrences(world, variant)
    # Three days after Monday 09:00: Thursday 09:00 is the first slot that keeps the gap.
    assert walls([second.due_at]) == ["Thu 2030-03-21 09:00 +0100"]
    at(world, second.due_at)
    assert world.run_due() == ["published"]
    *_, third = occurrences(world, variant)
    assert walls([third.due_at]) == ["Mon 2030-03-25 09:00 +0100"]
    assert [on_network(world, o) for o in occurrences(world, variant)[:2]] == [1, 1]


def test_evergreen_keeps_the_gap_from_another_copy_of_the_same_content(world: World) -> None:
    weekday_nines(world)
    twin = world.schedule("Notre guide", due=datetime(2030, 3, 20, 8, 0, tzinfo=UTC))
    assert twin.state == S.SCHEDULED
    variant = approved(world, "Notre guide")
    view = evergreen(world, variant, gap=2)
    # The twin goes out Wednesday 09:00: not before Friday 09:00 for this copy.
    assert [w.local_time for w in view.next] == ["2030-03-22T09:00"]


def test_evergreen_on_a_channel_without_slots_is_a_clear_error(world: World) -> None:
    variant = approved(world)
    with pytest.raises(Conflict, match="no posting slots") as caught:
        evergreen(world, variant, gap=7)
    assert caught.value.code == "no_posting_slots"


def test_evergreen_on_a_published_variant_plans_its_next_copy(world: World) -> None:
    weekday_nines(world)
    variant = world.schedule("Déjà publié")
    world.later(minutes=5)
    assert world.run_due() == ["published"]
    evergreen(world, variant, gap=7)
    zero, first = occurrences(world, variant)
    assert (zero.occurrence, zero.state, first.occurrence) == (0, P.PUBLISHED, 1)
    assert walls([first.due_at]) == ["Mon 2030-03-25 09:00 +0100"]
    at(world, first.due_at)
    assert world.run_due() == ["published"]
    assert occurrences(world, variant)[2].occurrence == 2


def test_a_failed_later_copy_can_be_published_now_alone(world: World) -> None:
    from orchestre.connectors.base import PermanentError
    from orchestre.publishing import service

    variant = approved(world)
    every_monday(world, variant)
    [first] = occurrences(world, variant)
    at(world, first.due_at)
    assert world.run_due() == ["published"]
    _, second = occurrences(world, variant)
    at(world, second.due_at)
    world.sandbox.fail_next(PermanentError("Temporarily refused.", network="sandbox"))
    assert world.run_due() == ["failed"]
    world.db.refresh(variant)
    assert variant.state == S.PUBLISHED  # the first copy is out; only the second failed
    again = service.publish_now(world.db, owner(world), second.id)
    assert again.state == P.SCHEDULED
    assert again.due_at == world.clock.now()
    assert world.run_due() == ["published"]
    _, second, *_ = occurrences(world, variant)
    assert second.state == P.PUBLISHED
    assert on_network(world, second) == 1

"""The calendar's events: which variants show, where, in which zone, with which flags."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from orchestre.calendar import service
from orchestre.calendar.service import EntryFilters
from orchestre.errors import Invalid
from orchestre.models import Campaign, Publication, PublicationState, VariantState
from tests.calendar.conftest import mark, scheduled_post
from tests.posts.conftest import Team

S = VariantState
MARCH = (datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 15, tzinfo=UTC))


def test_each_dated_variant_is_one_event_in_utc_and_local_time(db: Session, team: Team) -> None:
    post_id = scheduled_post(db, team, "2030-03-20T10:30", channels=team.channels[:2])
    found = service.entries(db, team.actor(), *MARCH)
    assert [e.handle for e in found] == ["@alpha", "@beta"]
    assert {e.post_id for e in found} == {post_id}
    entry = found[0]
    assert entry.start == datetime(2030, 3, 20, 9, 30, tzinfo=UTC)  # Paris is UTC+1 in March
    assert entry.local_start.strftime("%Y-%m-%d %H:%M") == "2030-03-20 10:30"
    assert entry.title == "@alpha · Spring collection is out"
    assert entry.status == "scheduled"
    assert entry.movable is True


def test_summer_time_shows_at_the_planned_wall_time(db: Session, team: Team) -> None:
    scheduled_post(db, team, "2030-04-02T09:00")
    (entry,) = service.entries(db, team.actor(), *MARCH)
    assert entry.start == datetime(2030, 4, 2, 7, 0, tzinfo=UTC)
    assert entry.local_start.strftime("%H:%M") == "09:00"


def test_drafts_and_reviews_have_no_date_published_ones_sit_where_they_went_out(
    db: Session, team: Team
) -> None:
    draft = scheduled_post(db, team, "2030-03-21T09:00")
    mark(db, draft, S.DRAFT)
    published = scheduled_post(db, team, "2030-03-22T09:00", text="Out already")
    went_out = datetime(2030, 3, 22, 8, 1, tzinfo=UTC)
    mark(db, published, S.PUBLISHED, published_at=went_out)
    failed = scheduled_post(db, team, "2030-03-23T09:00", text="Refused")
    mark(db, failed, S.FAILED)
    found = service.entries(db, team.actor(), *MARCH)
    assert [(e.status, e.movable) for e in found] == [("published", False), ("failed", False)]
    assert found[0].start == went_out


def test_publications_needing_attention_are_flagged(db: Session, team: Team) -> None:
    post_id = scheduled_post(db, team, "2030-03-20T10:30")
    publication = db.query(Publication).one()
    publication.state = PublicationState.NEEDS_ATTENTION.value
    db.flush()
    (entry,) = service.entries(db, team.actor(), *MARCH)
    assert entry.attention is True
    assert entry.post_id == post_id


def test_filters_by_channel_campaign_and_status(db: Session, team: Team) -> None:
    campaign = Campaign(workspace_id=team.ws.id, name="Spring")
    db.add(campaign)
    db.flush()
    scheduled_post(db, team, "2030-03-20T10:30", channels=team.channels[:2])
    in_campaign = scheduled_post(db, team, "2030-03-21T10:30", campaign_id=campaign.id)
    actor = team.actor()
    by_channel = service.entries(db, actor, *MARCH, EntryFilters(channel_id=team.channels[1].id))
    assert [e.handle for e in by_channel] == ["@beta"]
    by_campaign = service.entries(db, actor, *MARCH, EntryFilters(campaign_id=campaign.id))
    assert [e.post_id for e in by_campaign] == [in_campaign]
    assert service.entries(db, actor, *MARCH, EntryFilters(status="published")) == []
    with pytest.raises(Invalid) as refused:
        service.entries(db, actor, *MARCH, EntryFilters(status="draft"))
    assert refused.value.errors[0].field == "status"


def test_the_range_is_half_open_and_bounded(db: Session, team: Team) -> None:
    scheduled_post(db, team, "2030-03-20T10:30")
    at = datetime(2030, 3, 20, 9, 30, tzinfo=UTC)
    assert service.entries(db, team.actor(), datetime(2030, 3, 19, tzinfo=UTC), at) == []
    assert len(service.entries(db, team.actor(), at, datetime(2030, 3, 21, tzinfo=UTC))) == 1
    with pytest.raises(Invalid, match="at most 400 days"):
        service.entries(
            db, team.actor(), datetime(2030, 1, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC)
        )


def test_another_workspace_sees_nothing(db: Session, team: Team, other: Team) -> None:
    scheduled_post(db, team, "2030-03-20T10:30")
    assert service.entries(db, other.actor(), *MARCH) == []


def test_only_someone_who_may_schedule_can_move(db: Session, team: Team) -> None:
    scheduled_post(db, team, "2030-03-20T10:30")
    (entry,) = service.entries(db, team.actor("content_creator"), *MARCH)
    assert entry.movable is False


def test_a_repeating_variant_shows_its_next_copy(db: Session, team: Team) -> None:
    post_id = scheduled_post(db, team, "2030-03-20T10:30")
    mark(db, post_id, S.PUBLISHED, published_at=datetime(2030, 3, 20, 9, 30, tzinfo=UTC))
    first = db.query(Publication).one()
    first.state = PublicationState.PUBLISHED.value
    db.add(
        Publication(
            workspace_id=team.ws.id,
            channel_id=first.channel_id,
            variant_id=first.variant_id,
            occurrence=2,
            due_at=datetime(2030, 3, 27, 9, 30, tzinfo=UTC),
            client_ref=uuid.uuid4().hex,
        )
    )
    db.flush()
    found = service.entries(db, team.actor(), *MARCH)
    assert [(e.status, e.occurrence, e.movable) for e in found] == [
        ("published", 0, False),
        ("scheduled", 2, False),
    ]
    assert found[1].key == f"{first.variant_id}-2"
    assert found[1].local_start.strftime("%Y-%m-%d %H:%M") == "2030-03-27 10:30"
    published_only = service.entries(db, team.actor(), *MARCH, EntryFilters(status="published"))
    assert [e.occurrence for e in published_only] == [0]

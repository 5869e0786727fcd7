"""CSV import: each row through posts, approvals and scheduling; a report of every refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from orchestre.calendar import bulk
from orchestre.errors import Forbidden
from orchestre.models import ApprovalStep, AuditEntry, Post, PostVariant, Publication
from tests.posts.conftest import Team

HEADER = "network,handle,date,time,text,link,first_comment,campaign,pillar,tags\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def _errors(report: bulk.ImportReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.rule) for e in report.rejected]


def test_rows_are_scheduled_at_their_local_time_without_review_steps(
    db: Session, team: Team
) -> None:
    data = _csv(
        'sandbox,@alpha,2030-03-20,10:30,"Spring, at last\nSecond line",https://ex.test/a,'
        "First comment,,,launch",
        "x,xbrand,2030-04-02,09:00,Summer time already,,,,,",
    )
    report = bulk.import_csv(db, team.actor(), data, dry_run=False)
    assert report.rejected == []
    assert [(r.row, r.outcome, r.channel, r.local_time) for r in report.accepted] == [
        (2, "scheduled", "@alpha", "2030-03-20 10:30"),
        (3, "scheduled", "@xbrand", "2030-04-02 09:00"),
    ]
    variants = db.query(PostVariant).order_by(PostVariant.scheduled_at).all()
    assert [v.scheduled_at for v in variants] == [
        datetime(2030, 3, 20, 9, 30, tzinfo=UTC),
        datetime(2030, 4, 2, 7, 0, tzinfo=UTC),
    ]
    assert variants[0].text == "Spring, at last\nSecond line"
    assert variants[0].link_url == "https://ex.test/a"
    assert variants[0].first_comment == "First comment"
    assert db.get(Post, variants[0].post_id).tags == ["launch"]  # type: ignore[union-attr]
    assert db.query(Publication).count() == 2  # planned through the one door
    assert db.query(AuditEntry).filter_by(action="post.schedule").count() == 2


def test_every_rejected_row_names_its_column_and_rule_and_creates_nothing(
    db: Session, team: Team
) -> None:
    data = _csv(
        "sandbox,@alpha,2030-03-20,10:30,Fine row,,,,,",
        "sandbox,@nobody,2030-03-20,10:30,Unknown channel,,,,,",
        "sandbox,@alpha,2030-02-30,10:30,Bad date,,,,,",
        "sandbox,@alpha,2030-03-20,25:00,Bad time,,,,,",
        "sandbox,@alpha,2030-03-14,10:30,In the past,,,,,",
        "sandbox,@alpha,2030-03-31,02:30,In the DST gap,,,,,",
        f"x,@xbrand,2030-03-20,10:30,{'a' * 281},,,,,",
        "sandbox,@alpha,2030-03-20,10:30,Unknown campaign,,,Nope,,",
        "sandbox,@alpha,2030-03-20,10:30,Bad link,notalink,,,,",
    )
    report = bulk.import_csv(db, team.actor(), data, dry_run=False)
    assert [r.row for r in report.accepted] == [2]
    assert report.rows == 9
    assert report.rejected_rows == 8
    errors = _errors(report)
    assert errors[:6] == [
        (3, "handle", "unknown_channel"),
        (4, "date", "date"),
        (5, "time", "time"),
        (6, "date", "in_future"),
        (7, "time", "nonexistent_local_time"),
        (8, "text", errors[5][2]),
    ]
    too_long = report.rejected[5]
    assert "280" in too_long.message
    assert errors[6] == (9, "campaign", "unknown_campaign")
    assert errors[7][:2] == (10, "link")
    assert "jump forward 1 hour at 02:00" in report.rejected[4].message
    assert [e.value for e in report.rejected[:5]] == [
        "sandbox @nobody",
        "2030-02-30",
        "25:00",
        "2030-03-14 10:30",
        "2030-03-31 02:30",
    ]
    # Only the accepted row left anything behind.
    assert db.query(Post).count() == 1
    assert db.query(PostVariant).count() == 1


def test_with_review_steps_rows_wait_for_approval(db: Session, team: Team) -> None:
    db.add(ApprovalStep(workspace_id=team.ws.id, position=0, name="Legal", role="reviewer"))
    db.flush()
    report = bulk.import_csv(
        db, team.actor(), _csv("sandbox,@alpha,2030-03-20,10:30,Needs a look,,,,,"), False
    )
    assert [r.outcome for r in report.accepted] == ["in_review"]
    (variant,) = db.query(PostVariant).all()
    assert variant.state == "in_review"
    assert variant.scheduled_at is None
    assert db.query(Publication).count() == 0


def test_someone_who_may_not_schedule_gets_approved_posts_to_schedule_later(
    db: Session, team: Team
) -> None:
    report = bulk.import_csv(
        db,
        team.actor("content_creator"),
        _csv("sandbox,@alpha,2030-03-20,10:30,Written by a creator,,,,,"),
        False,
    )
    assert [r.outcome for r in report.accepted] == ["approved"]
    assert db.query(Publication).count() == 0


def test_a_dry_run_reports_the_same_and_creates_nothing(db: Session, team: Team) -> None:
    data = _csv(
        "sandbox,@alpha,2030-03-20,10:30,Fine row,,,,,",
        "sandbox,@alpha,2030-03-31,02:30,In the DST gap,,,,,",
    )
    report = bulk.import_csv(db, team.actor(), data, dry_run=True)
    assert report.dry_run is True
    assert [(r.row, r.outcome, r.post_id) for r in report.accepted] == [(2, "scheduled", None)]
    assert _errors(report) == [(3, "time", "nonexistent_local_time")]
    assert db.query(Post).count() == 0
    assert db.query(Publication).count() == 0
    assert db.query(AuditEntry).filter(AuditEntry.action.like("post.%")).count() == 0


def test_people_who_may_not_write_posts_cannot_import(db: Session, team: Team) -> None:
    with pytest.raises(Forbidden):
        bulk.import_csv(db, team.actor("reviewer"), _csv(), dry_run=True)

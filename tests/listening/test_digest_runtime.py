"""The digest loop: made at the workspace's hour (DST included), once, emailed once to each
reader in their language through a real local SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.delivery.email import SmtpMailer, SmtpSettings
from orchestre.kit.clock import FrozenClock
from orchestre.listening import digest_runtime as runtime
from orchestre.listening import digest_service
from orchestre.listening import service as listening
from orchestre.models import Notification
from orchestre.models.listening import Mention
from orchestre.models.listening_topics import Digest
from tests.delivery.smtp_server import smtp_server
from tests.factories import make_member
from tests.listening.conftest import Listening

# The test clock is Friday 15 March 2030, 09:00 UTC; the workspace is in Paris (UTC+1).
MONDAY_EIGHT_PARIS = datetime(2030, 3, 11, 7, tzinfo=UTC)


def seed(t: Listening, end: datetime) -> None:
    rival = listening.create_query(
        t.db, t.actor, listening.QueryInput("Rival", "rival", about="competitor")
    )
    for i in range(12):
        _add(t, rival.id, f"rival {i}", ["velotaf"], end - timedelta(days=1, hours=i))
    for i in range(3):
        _add(t, rival.id, f"rival old {i}", ["velotaf"], end - timedelta(days=8, hours=i))
    t.db.flush()


def _add(t: Listening, query_id: object, text: str, tags: list[str], at: datetime) -> None:
    t.db.add(
        Mention(
            workspace_id=t.world.workspace.id,
            query_id=query_id,
            network="sandbox",
            external_id=text,
            text=text,
            hashtags=tags,
            published_at=at,
        )
    )


def sender_for(port: int) -> runtime.Sender:
    return SmtpMailer(SmtpSettings("127.0.0.1", port, starttls=False, timeout=5)).deliver


def test_made_once_and_emailed_once_in_each_readers_language(
    listening: Listening, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    seed(listening, MONDAY_EIGHT_PARIS)
    french = make_member(listening.db, listening.world.workspace, "analyst")
    french.locale = "fr"
    make_member(listening.db, listening.world.workspace, "community_manager").locale = "en"
    listening.db.flush()
    now = clock.now()
    with smtp_server() as (port, inbox):
        first = runtime.run_round(
            session_factory, now, sender_for(port), "digest@example.org", "http://o.test"
        )
        second = runtime.run_round(
            session_factory, now, sender_for(port), "digest@example.org", "http://o.test"
        )
    assert (first.made, first.emailed, first.failed) == (1, 1, 0)
    assert (second.made, second.emailed, second.failed) == (0, 0, 0)
    row = listening.db.scalars(select(Digest)).one()
    assert row.week_start == date(2030, 3, 11)
    assert row.period_end == MONDAY_EIGHT_PARIS
    assert row.emailed == 3
    assert len(inbox.messages) == 3  # owner, analyst, community manager: once each
    by_language = {m["Content-Language"]: m for m in inbox.messages}
    body_fr = by_language["fr"].get_body().get_content()
    assert "#velotaf a été multiplié par 4" in body_fr
    assert "(12 contre 3)" in body_fr
    assert f"/listening/digests/{row.id}" in body_fr
    body_en = by_language["en"].get_body().get_content()
    assert "#velotaf rose 4x in your competitors' posts this week (12 vs 3)" in body_en
    assert by_language["en"]["Subject"].startswith("Weekly digest of ")
    told = listening.db.scalars(select(Notification).where(Notification.kind == "listening.digest"))
    assert len(list(told)) == 3


def test_without_smtp_the_error_is_kept_and_retried(
    listening: Listening, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    seed(listening, MONDAY_EIGHT_PARIS)
    now = clock.now()
    failed = runtime.run_round(session_factory, now, None, "d@example.org", "http://o.test")
    assert (failed.made, failed.emailed, failed.failed) == (1, 0, 1)
    row = listening.db.scalars(select(Digest)).one()
    assert row.email_error == "SMTP is not configured (ORCHESTRE_SMTP_HOST): nothing was sent."
    again = runtime.run_round(session_factory, now, None, "d@example.org", "http://o.test")
    assert (again.made, again.emailed, again.failed) == (0, 0, 0)  # said once, not each round
    with smtp_server() as (port, inbox):
        later = now + timedelta(minutes=5)
        retried = runtime.run_round(session_factory, later, sender_for(port), "d@e.org", "http://o")
    assert (retried.made, retried.emailed) == (0, 1)
    assert len(inbox.messages) == 1
    listening.db.refresh(row)
    assert row.email_error is None


def test_two_senders_claim_one_digest_once(
    listening: Listening, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    seed(listening, MONDAY_EIGHT_PARIS)
    runtime.make_due(session_factory, clock.now())
    row = listening.db.scalars(select(Digest)).one()
    assert runtime._claim(listening.db, row.id, clock.now()) is True
    assert runtime._claim(listening.db, row.id, clock.now()) is False


def test_a_sunday_two_oclock_digest_comes_at_three_when_paris_springs_forward(
    listening: Listening, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    seed(listening, datetime(2030, 3, 31, 1, tzinfo=UTC))
    digest_service.update_settings(
        listening.db, listening.actor, digest_service.SettingsInput(True, 6, 2, False)
    )
    just_before = datetime(2030, 3, 31, 0, 59, tzinfo=UTC)  # 01:59 CET
    assert runtime.make_due(session_factory, just_before) == 0
    at_three = datetime(2030, 3, 31, 1, 0, tzinfo=UTC)  # 03:00 CEST: 02:00 never happens
    assert runtime.make_due(session_factory, at_three) == 1
    assert runtime.make_due(session_factory, at_three + timedelta(hours=5)) == 0
    row = listening.db.scalars(select(Digest)).one()
    assert row.week_start == date(2030, 3, 25)
    assert row.period_end == at_three


def test_a_disabled_digest_is_not_made(
    listening: Listening, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    seed(listening, MONDAY_EIGHT_PARIS)
    digest_service.update_settings(
        listening.db, listening.actor, digest_service.SettingsInput(False, 0, 8, True)
    )
    assert runtime.make_due(session_factory, clock.now()) == 0

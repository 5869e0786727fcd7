"""Jobs leave only after their transaction commits; a rollback sends nothing."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.models import Workspace
from orchestre.worker import bind_dispatcher, enqueue
from tests.worker.jobs import Recorder


@pytest.fixture
def recorder(session_factory: sessionmaker[Session]) -> Recorder:
    rec = Recorder()
    bind_dispatcher(session_factory, rec)
    return rec


def test_job_is_sent_only_after_commit(
    session_factory: sessionmaker[Session], recorder: Recorder
) -> None:
    session = session_factory()
    session.add(Workspace(name="Acme", slug="acme-enqueue"))
    job = enqueue(session, "testing.create_workspace", slug="x")
    session.flush()
    assert recorder.sent == []
    session.commit()
    assert recorder.sent == [job]
    assert job.kwargs == {"slug": "x"}


def test_rolled_back_transaction_sends_nothing(
    session_factory: sessionmaker[Session], recorder: Recorder
) -> None:
    session = session_factory()
    session.add(Workspace(name="Acme", slug="acme-rollback"))
    enqueue(session, "testing.create_workspace", slug="x")
    session.rollback()
    session.add(Workspace(name="Acme", slug="acme-after"))
    session.commit()
    assert recorder.sent == []


def test_session_closed_without_commit_sends_nothing(
    session_factory: sessionmaker[Session], recorder: Recorder
) -> None:
    session = session_factory()
    session.add(Workspace(name="Acme", slug="acme-closed"))
    enqueue(session, "testing.create_workspace", slug="x")
    session.close()
    session.commit()
    assert recorder.sent == []


def test_savepoint_rollback_drops_only_its_own_jobs(
    session_factory: sessionmaker[Session], recorder: Recorder
) -> None:
    session = session_factory()
    enqueue(session, "testing.create_workspace", slug="kept")
    nested = session.begin_nested()
    enqueue(session, "testing.create_workspace", slug="dropped")
    nested.rollback()
    with session.begin_nested():
        enqueue(session, "testing.create_workspace", slug="released")
    assert recorder.sent == []  # releasing a savepoint is not the commit
    session.commit()
    assert [job.kwargs["slug"] for job in recorder.sent] == ["kept", "released"]


def test_arguments_must_survive_json(session_factory: sessionmaker[Session]) -> None:
    session = session_factory()
    with pytest.raises(ValueError, match="JSON-safe"):
        enqueue(session, "testing.create_workspace", slug=object())
    with pytest.raises(ValueError, match=r"domain\.event"):
        enqueue(session, "NotAName")


def test_a_job_without_runner_is_reported_not_silently_lost(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    session = session_factory()
    enqueue(session, "testing.create_workspace", slug="orphan")
    with caplog.at_level(logging.WARNING, logger="orchestre.worker"):
        session.commit()
    assert "testing.create_workspace" in caplog.text
    assert "no job runner" in caplog.text


def test_a_send_failure_is_logged_and_the_commit_stands(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    class Down:
        def dispatch(self, jobs: list[object]) -> None:
            raise ConnectionError("broker unreachable")

    bind_dispatcher(session_factory, Down())
    session = session_factory()
    session.add(Workspace(name="Kept", slug="kept-after-send-failure"))
    enqueue(session, "testing.create_workspace", slug="lost")
    with caplog.at_level(logging.ERROR, logger="orchestre.worker"):
        session.commit()
    assert "could not send 1 job(s): testing.create_workspace" in caplog.text
    check = session_factory()
    assert check.query(Workspace).filter_by(slug="kept-after-send-failure").one()

"""The embedded runner runs committed jobs in their own transaction, retrying what may pass."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.models import Workspace
from orchestre.worker import enqueue
from orchestre.worker.embedded import EmbeddedRunner
from orchestre.worker.queue import bind_dispatcher
from tests.worker.jobs import attempts


@pytest.fixture
def runner(session_factory: sessionmaker[Session]) -> Iterator[EmbeddedRunner]:
    embedded = EmbeddedRunner(session_factory, threads=1, base_delay=0.01, max_attempts=3)
    bind_dispatcher(session_factory, embedded)
    embedded.start()
    yield embedded
    embedded.stop(timeout=5)


def _slug() -> str:
    return f"job-{uuid.uuid4().hex[:10]}"


def _send(factory: sessionmaker[Session], name: str, **kwargs: object) -> None:
    session = factory()
    enqueue(session, name, **kwargs)
    session.commit()
    session.close()


def _workspace(factory: sessionmaker[Session], slug: str) -> Workspace | None:
    with factory() as session:
        return session.query(Workspace).filter_by(slug=slug).one_or_none()


def test_committed_job_runs_and_its_writes_are_committed(
    session_factory: sessionmaker[Session], runner: EmbeddedRunner
) -> None:
    slug = _slug()
    _send(session_factory, "testing.create_workspace", slug=slug)
    assert runner.wait_idle(timeout=10)
    assert attempts[slug] == 1
    assert _workspace(session_factory, slug) is not None


def test_failing_job_is_retried_and_its_failed_attempts_leave_nothing(
    session_factory: sessionmaker[Session],
    runner: EmbeddedRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slug = _slug()
    with caplog.at_level(logging.WARNING, logger="orchestre.worker"):
        _send(session_factory, "testing.create_workspace", slug=slug, fail_times=2)
        assert runner.wait_idle(timeout=10)
    assert attempts[slug] == 3
    # Each failed attempt rolled back its row; only the successful one is left.
    with session_factory() as session:
        assert session.query(Workspace).filter_by(slug=slug).count() == 1
    assert "failed on attempt 1 of 3; retrying" in caplog.text
    assert "the network is down" in caplog.text


def test_job_that_keeps_failing_is_given_up_loudly(
    session_factory: sessionmaker[Session],
    runner: EmbeddedRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slug = _slug()
    with caplog.at_level(logging.WARNING, logger="orchestre.worker"):
        _send(session_factory, "testing.create_workspace", slug=slug, fail_times=99)
        assert runner.wait_idle(timeout=10)
    assert attempts[slug] == 3
    assert _workspace(session_factory, slug) is None
    assert "failed on attempt 3 and will not be retried" in caplog.text


def test_refused_use_case_is_not_retried(
    session_factory: sessionmaker[Session],
    runner: EmbeddedRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slug = _slug()
    with caplog.at_level(logging.ERROR, logger="orchestre.worker"):
        _send(session_factory, "testing.refused", slug=slug)
        _send(session_factory, "testing.no_such_task")
        assert runner.wait_idle(timeout=10)
    assert attempts[slug] == 1
    assert "That post no longer exists." in caplog.text
    assert "no task named 'testing.no_such_task'" in caplog.text


def test_stopped_runner_refuses_new_jobs_with_a_warning(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    embedded = EmbeddedRunner(session_factory, threads=1)
    bind_dispatcher(session_factory, embedded)
    embedded.stop(timeout=1)
    slug = _slug()
    with caplog.at_level(logging.WARNING, logger="orchestre.worker"):
        _send(session_factory, "testing.create_workspace", slug=slug)
    assert "shutting down: 1 job(s) not run" in caplog.text
    assert attempts[slug] == 0

"""Deliveries whose job was lost (the process stopped) are nudged again by the sweep."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from orchestre.delivery import dispatch, tasks
from orchestre.delivery.sweeper import DeliverySweeper, resume_stalled
from orchestre.kit.clock import FrozenClock
from orchestre.models.delivery import WebhookAttempt
from orchestre.worker.queue import JOBS_KEY, pending_jobs
from tests.delivery.conftest import Scripted, Setup


def _nudged(db: Session) -> list[str]:
    return [j.kwargs["delivery_id"] for j in pending_jobs(db) if j.name == dispatch.SEND_WEBHOOK]


def test_a_pending_delivery_without_news_is_sent_again(setup: Setup, clock: FrozenClock) -> None:
    setup.endpoint()
    (lost,) = dispatch.emit(setup.db, setup.workspace.id, "publication.failed", {})
    (done,) = dispatch.emit(setup.db, setup.workspace.id, "publication.failed", {})
    dispatch.deliver(setup.db, setup.context(Scripted([httpx.Response(200)])), done.id)
    setup.db.info.pop(JOBS_KEY, None)  # forget the jobs emit queued: they were "lost"
    assert resume_stalled(setup.db, clock.now() + timedelta(minutes=9)) == 0
    assert resume_stalled(setup.db, clock.now() + timedelta(minutes=11)) == 1
    assert _nudged(setup.db) == [str(lost.id)]


def test_a_delivery_retrying_right_now_is_left_to_its_job(setup: Setup, clock: FrozenClock) -> None:
    setup.endpoint()
    (busy,) = dispatch.emit(setup.db, setup.workspace.id, "publication.failed", {})
    setup.db.add(
        WebhookAttempt(
            delivery_id=busy.id,
            number=1,
            started_at=clock.now() + timedelta(minutes=8),
            status_code=503,
            retry_in_seconds=20,
        )
    )
    setup.db.flush()
    assert resume_stalled(setup.db, clock.now() + timedelta(minutes=11)) == 0
    assert resume_stalled(setup.db, clock.now() + timedelta(minutes=19)) == 1


def test_the_sweeper_and_the_task_commit_their_nudges(
    session_factory: sessionmaker[Session], clock: FrozenClock, setup: Setup
) -> None:
    setup.endpoint()
    dispatch.emit(setup.db, setup.workspace.id, "publication.failed", {})
    setup.db.info.pop(JOBS_KEY, None)
    setup.db.commit()
    clock.advance(minutes=30)
    assert DeliverySweeper(session_factory).run_once() == 1
    tasks.resume_stalled(setup.db)
    assert len(_nudged(setup.db)) == 1

"""The ticker claims what is due and the worker pool sends it: no cron, no lost nudge."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit import migrate
from orchestre.kit.clock import FrozenClock
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.models.publication import Publication, PublicationState
from orchestre.publishing import tasks
from orchestre.publishing.ticker import Ticker, tick
from orchestre.worker.embedded import EmbeddedRunner
from orchestre.worker.queue import bind_dispatcher, set_default_dispatcher
from tests.publishing.conftest import World, build_world


@pytest.fixture
def runner(session_factory: sessionmaker[Session], world: World) -> Iterator[EmbeddedRunner]:
    embedded = EmbeddedRunner(session_factory, threads=1)
    bind_dispatcher(session_factory, embedded)
    previous = tasks.configure(world.ctx)
    yield embedded
    embedded.stop()
    bind_dispatcher(session_factory, None)
    tasks.configure(previous)


def test_a_tick_claims_due_publications_and_the_pool_sends_them(
    world: World, runner: EmbeddedRunner, session_factory: sessionmaker[Session]
) -> None:
    first, second = world.schedule("Premier"), world.schedule("Second")
    later = world.schedule("Plus tard", due=world.clock.now() + timedelta(hours=1))
    world.db.commit()
    world.later(minutes=5)
    assert tick(session_factory, world.policy, now=world.clock.now()) == 2
    assert runner.wait_idle(10)
    assert world.publication(first).state == PublicationState.PUBLISHED
    assert world.publication(second).state == PublicationState.PUBLISHED
    assert world.publication(later).state == PublicationState.SCHEDULED
    assert tick(session_factory, world.policy, now=world.clock.now()) == 0


def test_the_ticker_thread_publishes_without_being_asked(
    tmp_path: Path, clock: FrozenClock
) -> None:
    # Threads need their own connections: a private database, not the test's transaction.
    engine = make_engine(f"sqlite:///{tmp_path / 'ticker.sqlite3'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as db:
        world = build_world(db, clock)
        variant = world.schedule()
        db.commit()
    runner = EmbeddedRunner(factory, threads=2)
    bind_dispatcher(factory, runner)
    previous = tasks.configure(world.ctx)
    clock.advance(minutes=5)
    ticker = Ticker(factory, world.policy, idle=0.02, clock=clock.now)
    ticker.start()
    try:
        for _ in range(500):
            # A short transaction each time: on SQLite every transaction takes the write lock.
            with factory() as db:
                if db.get(Publication, world_publication_id(db, variant.id)).state == "published":
                    break
            threading.Event().wait(0.01)
    finally:
        ticker.stop()
        runner.stop()
        tasks.configure(previous)
        engine.dispose()
    assert ticker.ticks >= 1
    with make_session_factory(make_engine(f"sqlite:///{tmp_path / 'ticker.sqlite3'}"))() as db:
        [publication] = db.scalars(select(Publication)).all()
        assert publication.state == PublicationState.PUBLISHED


def world_publication_id(db: Session, variant_id: uuid.UUID) -> uuid.UUID:
    return db.scalars(select(Publication.id).where(Publication.variant_id == variant_id)).one()


def test_no_more_is_claimed_while_enough_claims_wait_for_a_worker(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    # No runner: the claims stay waiting, as when the workers are behind in a burst.
    variants = [world.schedule(f"Post {i}") for i in range(3)]
    world.db.commit()
    world.later(minutes=5)
    policy = replace(world.policy, max_waiting_claims=2)
    with bind_nothing(session_factory):
        assert tick(session_factory, policy, now=world.clock.now()) == 2
        assert tick(session_factory, policy, now=world.clock.now()) == 0
        [first] = [v for v in variants if world.publication(v).state == PublicationState.CLAIMED][
            :1
        ]
        publication = world.publication(first)
        publication.state = PublicationState.SENDING.value  # a worker took it
        world.db.commit()
        assert tick(session_factory, policy, now=world.clock.now()) == 1
        # Lapsed claims no longer count as waiting: two of the three are claimed again.
        world.later(minutes=3)
        assert tick(session_factory, policy, now=world.clock.now()) == 2
        assert tick(session_factory, policy, now=world.clock.now()) == 0


@contextmanager
def bind_nothing(factory: sessionmaker[Session]) -> Iterator[None]:
    """Jobs enqueued by the ticks go nowhere (and say so in the log)."""
    bind_dispatcher(factory, None)
    previous = set_default_dispatcher(None)
    try:
        yield
    finally:
        set_default_dispatcher(previous)

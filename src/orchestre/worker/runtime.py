"""Choosing the runner from the settings: embedded (default) or broker."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.worker.broker import BrokerRunner
from orchestre.worker.embedded import EmbeddedRunner
from orchestre.worker.queue import bind_dispatcher

Runner = EmbeddedRunner | BrokerRunner


def make_runner(settings: Settings, factory: sessionmaker[Session]) -> Runner:
    """The runner for this process, bound so that `factory`'s sessions send their jobs to it."""
    runner: Runner
    if settings.job_backend == "broker":
        runner = BrokerRunner(settings.broker_url, factory, queue_name=settings.broker_queue)
    else:
        runner = EmbeddedRunner(factory, threads=max(1, settings.job_threads))
    bind_dispatcher(factory, runner)
    return runner


def consume(
    settings: Settings,
    factory: sessionmaker[Session],
    stop: threading.Event,
    threads: int,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Block running broker jobs until `stop` is set (the `orchestre worker` loop).

    `on_ready` runs once `factory`'s sessions send their jobs to the broker (the
    publishing ticker starts there, so its first claims are never left unsent)."""
    runner = BrokerRunner(settings.broker_url, factory, queue_name=settings.broker_queue)
    bind_dispatcher(factory, runner)
    if on_ready is not None:
        on_ready()
    runner.consume(stop, threads=threads)

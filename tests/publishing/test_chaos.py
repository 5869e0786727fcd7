"""Chaos, at small sizes: a misbehaving network, a worker killed with SIGKILL mid-send, and
PostgreSQL crashing during a burst. Afterwards every publication is published exactly once
or explicitly failed, as counted on the network: zero duplicates, zero lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orchestre.config import Settings
from orchestre.kit.crypto import new_key
from orchestre.kit.db import READ_ONLY, make_engine, make_session_factory
from orchestre.models import Publication
from orchestre.publishing.runtime import start_publishing
from orchestre.worker.embedded import EmbeddedRunner
from orchestre.worker.queue import bind_dispatcher
from tests.publishing.chaos import (
    ORCHESTRE,
    Plan,
    PrivatePostgres,
    delete_queue,
    free_port,
    fresh_postgres_database,
    in_seconds,
    sandbox_server,
    wait_for,
    worker_env,
)

PG_URL = os.environ.get("ORCHESTRE_TEST_DATABASE_URL", "")
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"
SHORT = {
    "publishing_claim_lease_seconds": 2.0,
    "publishing_send_lease_seconds": 3.0,
    "publishing_retry_base_seconds": 0.1,
    "publishing_retry_max_seconds": 1.0,
    "publishing_reconcile_delay_seconds": 0.2,
}


@contextmanager
def suite_database(tmp_path: Path) -> Iterator[str]:
    """The database kind this run of the suite tests: a SQLite file or a fresh PostgreSQL one."""
    if PG_URL:
        with fresh_postgres_database(PG_URL) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'chaos.sqlite3'}"


@contextmanager
def engine_in_process(plan: Plan, data_dir: Path, threads: int = 4) -> Iterator[None]:
    """The embedded engine (`orchestre serve` without the web): job pool and ticker."""
    settings = Settings(data_dir=data_dir, database_url=plan.url, encryption_keys=plan.key, **SHORT)
    engine = make_engine(plan.url)
    factory = make_session_factory(engine)
    runner = EmbeddedRunner(factory, threads=threads, base_delay=0.2, max_delay=1.0)
    bind_dispatcher(factory, runner)
    runner.start()
    publishing = start_publishing(settings, factory)
    try:
        yield
    finally:
        publishing.stop()
        runner.stop(timeout=10)
        engine.dispose()


def _assert_exactly_once(plan: Plan, at_least_published: int) -> None:
    result = plan.reckoning()
    assert result["duplicates"] == 0, result
    assert result["lost"] == 0, result
    assert result["published"] + result["failed"] == plan.n, result
    assert result["published"] >= at_least_published, result


def test_5xx_429_refusals_and_ambiguous_timeouts_end_exactly_once(tmp_path: Path) -> None:
    faults = (
        "--seed", "3", "--latency", "0.02",
        "--server-error-rate", "0.2",  # 503 before doing anything
        "--ambiguous-rate", "0.15",  # done, but answered after the client gave up
        "--hold-seconds", "0.8",
        "--error-rate", "0.03",  # refused for good
        "--rate-limit", "12", "--rate-window", "1",  # 429 with Retry-After
    )  # fmt: skip
    with sandbox_server(*faults) as sandbox, suite_database(tmp_path) as url:
        plan = Plan(url, new_key(), sandbox, n=48)
        plan.seed(channels=3, due=in_seconds(0.5), timeout=0.4)
        with engine_in_process(plan, tmp_path / "data"):
            plan.wait_done(90)
        _assert_exactly_once(plan, at_least_published=30)


def _sending(plan: Plan) -> int:
    # A read-only look: it must not queue behind the server's writers for SQLite's write
    # lock (under load it could wait through every send and only see them done; the likely
    # reason a CI run once saw "nothing was ever being sent" for 60 s).
    engine = make_engine(plan.url)
    try:
        with engine.connect().execution_options(**READ_ONLY) as conn:
            found = conn.scalar(
                select(func.count()).select_from(Publication).where(Publication.state == "sending")
            )
            return int(found or 0)
    finally:
        engine.dispose()


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    """SQLite: `orchestre serve` (embedded) is killed and started again. PostgreSQL: one of
    two `orchestre worker` processes is killed; the other takes over lapsed claims."""
    scaled = bool(PG_URL)
    queue = f"orchestre-chaos-{uuid.uuid4().hex[:8]}"
    with (
        sandbox_server("--seed", "5", "--latency", "0.3") as sandbox,
        suite_database(tmp_path) as url,
    ):
        plan = Plan(url, new_key(), sandbox, n=40)
        plan.seed(channels=4, due=in_seconds(3))
        env = worker_env(plan, tmp_path / "data", scaled=scaled, queue=queue)
        log = tmp_path / "processes.log"
        if scaled:
            command = [ORCHESTRE, "worker", "--threads", "4"]
            processes = [_start(command, env, log) for _ in range(2)]
        else:
            command = [ORCHESTRE, "serve", "--port", str(free_port())]
            processes = [_start(command, env, log)]
        try:
            wait_for(lambda: _sending(plan) > 0, 60, "nothing was ever being sent")
            victim = processes[0]
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            if not scaled:
                processes.append(_start(command, env, log))  # the operator starts it again
            plan.wait_done(90)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
            if scaled:
                delete_queue(BROKER_URL, queue)
        _assert_exactly_once(plan, at_least_published=plan.n)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    # Not under pytest's tmp_path: the postgres user cannot enter root's private folders.
    folder = Path(tempfile.mkdtemp(prefix="orchestre-chaos-pg-"))
    server = PrivatePostgres(folder)
    try:
        server.init()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_crashing_during_a_burst_loses_nothing_and_repeats_nothing(
    tmp_path: Path, private_postgres: PrivatePostgres
) -> None:
    with sandbox_server("--seed", "9", "--latency", "0.1") as sandbox:
        plan = Plan(private_postgres.url, new_key(), sandbox, n=40)
        plan.seed(channels=4, due=in_seconds(1))
        with engine_in_process(plan, tmp_path / "data"):
            wait_for(lambda: plan.finished() >= 5, 60, "the burst did not start")
            private_postgres.crash()
            time.sleep(1.0)
            private_postgres.start()
            plan.wait_done(90)
        _assert_exactly_once(plan, at_least_published=plan.n)

"""Test fixtures: a real database (SQLite or PostgreSQL), one rolled-back transaction per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from orchestre.app import create_app
from orchestre.assistant.runtime import use_box
from orchestre.config import Settings
from orchestre.kit import migrate
from orchestre.kit.clock import FrozenClock, set_clock
from orchestre.kit.crypto import new_key
from orchestre.kit.db import make_engine
from orchestre.kit.keys import secret_box

# ORCHESTRE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test runs the
# suite on PostgreSQL; each pytest process gets its own fresh database there.
PG_URL = os.environ.get("ORCHESTRE_TEST_DATABASE_URL", "")


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PG_URL:
        path = tmp_path_factory.mktemp("db") / "orchestre.sqlite3"
        yield f"sqlite:///{path}"
        return
    name = f"orchestre_test_{_worker_suffix()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = PG_URL.rpartition("/")
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    """Time is injected: a fixed instant relative to nothing that can expire."""
    frozen = FrozenClock(datetime(2030, 3, 15, 9, 0, tzinfo=UTC))
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


@pytest.fixture
def session_factory(engine: Engine, clock: FrozenClock) -> Iterator[sessionmaker[Session]]:
    """Every session of the test joins one outer transaction that is rolled back at the end.

    Commits done by the application become savepoint releases, so the app code runs
    exactly as in production while the test leaves nothing behind.
    """
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    yield factory
    if outer.is_active:
        outer.rollback()
    connection.close()


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        encryption_keys=new_key(),
        job_backend="embedded",
    )


# One application per test process, bound to each test's settings and database in turn:
# FastAPI builds a new application's routes on its first requests (about 0.3 s here), which
# every test would pay again. Everything a request reads comes from `app.state`, which is
# emptied between tests; an application whose routes or middleware a test changed is
# thrown away.
_shared_apps: list[FastAPI] = []


def _rebind(app: FastAPI, settings: Settings, session_factory: sessionmaker[Session]) -> None:
    html_error_handler = app.state.html_error_handler
    app.state._state.clear()
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.html_error_handler = html_error_handler
    app.dependency_overrides.clear()
    use_box(secret_box(settings))


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if _shared_apps:
        shared = _shared_apps[0]
        _rebind(shared, settings, session_factory)
    else:
        shared = create_app(settings, session_factory=session_factory)
        _shared_apps.append(shared)
    shape = (len(shared.router.routes), len(shared.user_middleware))
    yield shared
    if (len(shared.router.routes), len(shared.user_middleware)) != shape:
        _shared_apps.clear()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


# scripts/test sets ORCHESTRE_NO_SKIPS=1: there, the infrastructure a test skips without
# (ffmpeg, RabbitMQ, Chromium) is installed by the project, so a skip is a failure.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("ORCHESTRE_NO_SKIPS") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped where nothing may be skipped: {report.longrepr}"


# On the PostgreSQL pass, a test that reaches no database (rules, formulas, payload parsing,
# a TestClient on a throwaway SQLite file) would run exactly as it did on the SQLite pass:
# it is deselected there, and the pass reports how many. A test reaches the database
# through one of these fixtures, or its module picks the database itself from PG_URL.
DATABASE_FIXTURES = frozenset({"database_url", "e2e_database", "cli_database"})


# Browser tests run on the SQLite pass only, unless ORCHESTRE_PG_BROWSER_TESTS=1: they check
# what a person does on a page, and the server they drive runs the same code on either
# database; what those pages read and write is covered on PostgreSQL by the API and page
# tests of the same features, and real server and worker processes run on PostgreSQL in
# tests/cli and tests/publishing/test_chaos.py. This keeps the whole suite well under 15 min.
PG_BROWSER_TESTS = os.environ.get("ORCHESTRE_PG_BROWSER_TESTS") == "1"


def reaches_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & DATABASE_FIXTURES) or hasattr(getattr(item, "module", None), "PG_URL")


def runs_on_postgresql(item: pytest.Item) -> bool:
    if item.get_closest_marker("e2e") is not None and not PG_BROWSER_TESTS:
        return False
    return reaches_database(item)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL:
        return
    kept = [item for item in items if runs_on_postgresql(item)]
    if len(kept) < len(items):
        kept_ids = {id(item) for item in kept}
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in kept_ids])
        items[:] = kept

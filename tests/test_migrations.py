"""Migrations build the schema the models describe, from empty, and step back and forth."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

import orchestre.models  # noqa: F401
from orchestre.kit import migrate
from orchestre.kit.db import Base, make_engine
from tests.conftest import PG_URL


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    if not PG_URL:
        eng = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield eng
        eng.dispose()
        return
    name = f"orchestre_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(f"{PG_URL.rpartition('/')[0]}/{name}")
    yield eng
    eng.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_from_empty_match_the_models(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert _schema_drift(empty_engine) == []


def test_downgrade_one_step_then_upgrade_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    head = migrate.current(empty_engine)
    migrate.downgrade(empty_engine, "-1")
    assert migrate.current(empty_engine) != head
    migrate.upgrade(empty_engine)
    assert migrate.current(empty_engine) == head
    assert _schema_drift(empty_engine) == []


def test_downgrade_to_base_removes_every_table(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}

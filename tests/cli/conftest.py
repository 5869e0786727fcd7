"""CLI fixtures: a fresh data folder, and on PostgreSQL runs a fresh database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from tests.conftest import PG_URL


@dataclass
class Cli:
    """Runs `orchestre` commands against one data folder and database."""

    data_dir: Path
    env: dict[str, str]
    runner: CliRunner

    def __call__(self, *args: str, input: str | None = None, data_dir: bool = True) -> Result:
        from orchestre.cli import app

        argv = [*args, "--data-dir", str(self.data_dir)] if data_dir else list(args)
        return self.runner.invoke(app, argv, input=input, env=self.env)


@pytest.fixture
def cli_database() -> Iterator[str | None]:
    """None on SQLite (the data folder holds the database); a new empty database on PG."""
    if not PG_URL:
        yield None
        return
    name = f"orchestre_cli_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_URL.rpartition('/')[0]}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def cli(tmp_path: Path, cli_database: str | None) -> Cli:
    env = {
        "ORCHESTRE_DATABASE_URL": cli_database or "",
        "ORCHESTRE_ENCRYPTION_KEYS": "",
        "ORCHESTRE_JOB_BACKEND": "embedded",
    }
    return Cli(data_dir=tmp_path / "orchestre-data", env=env, runner=CliRunner())

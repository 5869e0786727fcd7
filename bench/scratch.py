"""What the benchmarks share: a scratch database for one run.

SQLite is a file in the run's temporary folder; PostgreSQL is a uniquely named database on
the server of ORCHESTRE_BENCH_PG_URL, dropped at the end even when connections are left.
The benchmarks run as scripts (`python bench/NAME.py`), so this folder is on their path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_URL = os.environ.get(
    "ORCHESTRE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def scratch_database(postgres: bool, workdir: Path, name: str) -> Iterator[str]:
    """The URL of an empty database named after `name`, gone when the block ends."""
    if not postgres:
        yield f"sqlite:///{workdir / f'{name}.sqlite3'}"
        return
    database = f"orchestre_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield f"{PG_URL.rpartition('/')[0]}/{database}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()

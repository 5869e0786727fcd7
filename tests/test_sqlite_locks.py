"""SQLite's write lock (ADR 0002): every transaction takes it up front, except a look marked
read-only, which reads beside a writer instead of queueing behind it."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from orchestre.kit.db import READ_ONLY, make_engine


def test_a_read_only_look_does_not_wait_for_the_writer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.sqlite3'}")
    try:
        with engine.begin() as setup:
            setup.execute(text("CREATE TABLE items (n INTEGER)"))
            setup.execute(text("INSERT INTO items VALUES (1)"))
        with engine.connect() as writer:
            writer.execute(text("INSERT INTO items VALUES (2)"))  # holds the write lock
            started = time.monotonic()
            with engine.connect().execution_options(**READ_ONLY) as look:
                seen = look.scalar(text("SELECT count(*) FROM items"))
            assert time.monotonic() - started < 2  # a writer's BEGIN would wait up to 30 s
            assert seen == 1  # the writer's row is not committed yet
            writer.commit()
        with engine.connect().execution_options(**READ_ONLY) as look:
            assert look.scalar(text("SELECT count(*) FROM items")) == 2
    finally:
        engine.dispose()

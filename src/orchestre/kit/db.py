"""Database plumbing: declarative base, UTC-aware column type, engine and session factory."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, Select, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from orchestre.kit.clock import utcnow

# Any SELECT, whatever its columns.
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
RowT = TypeVar("RowT")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    else:
        # A server restart leaves dead connections in the pool: test each before use, so
        # workers carry on after PostgreSQL comes back instead of failing once per thread.
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy drive transactions (pysqlite's implicit BEGIN is disabled) so that
    # _sqlite_begin can take the write lock up front and concurrent writers queue instead
    # of failing with "database is locked" on upgrade from a read lock.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


# An execution option for a look that writes nothing: on SQLite its transaction starts
# deferred and never takes the write lock, so it does not queue behind writers (WAL lets it
# read beside them). `engine.connect().execution_options(**READ_ONLY)`.
READ_ONLY = {"orchestre_read_only": True}


def _sqlite_begin(conn: Any) -> None:
    read_only = conn.get_execution_options().get("orchestre_read_only", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def commit_before_network(session: Session, *, commit: bool = True) -> None:
    """End the session's transaction before a network call (ADR 0002): on SQLite it holds
    the one write lock, on PostgreSQL row locks and a pooled connection, for as long as the
    network takes. The loaded objects stay readable (`expire_on_commit=False`); what the
    call brings back is written in a new, short transaction.

    `commit=False` is for work that stays in its caller's one transaction (a request, the
    demo building its history): nothing is committed, and the lock is held over the call."""
    if commit:
        session.commit()


def add_unique(session: Session, row: Base, conflict: Exception) -> None:
    """Add and flush a row; losing a race on a unique constraint raises `conflict`, not a 500.

    The savepoint keeps the request's transaction usable after the refused insert.
    """
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise conflict from exc


def for_update(
    session: Session, stmt: SelectT, *, skip_locked: bool = False, of: Any = None
) -> SelectT:
    """`stmt` locking the rows it reads on PostgreSQL (`skip_locked`: rows another worker
    holds are passed over, so workers share due rows without waiting on each other).
    SQLite has no row locks and needs none: BEGIN IMMEDIATE gives each write transaction
    the only write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return stmt
    return stmt.with_for_update(skip_locked=skip_locked, of=of)


def claim_leased(
    session: Session,
    stmt: Select[RowT],
    due_attribute: str,
    until: datetime,
    *,
    commit: bool = True,
) -> list[RowT]:
    """The rows `stmt` selects, locked without waiting on rows another worker holds, their
    `due_attribute` moved to `until` (a lease: a worker that dies leaves them to the next
    run once it is over), committed unless the caller keeps the transaction."""
    rows = list(session.scalars(for_update(session, stmt, skip_locked=True)))
    for row in rows:
        setattr(row, due_attribute, until)
    if commit:
        session.commit()
    return rows

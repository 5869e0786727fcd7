"""Listening stream: where a public event stream (Bluesky's Jetstream) was left, and which
process reads it now.

One row per stream. `cursor_us` is the `time_us` of the last event handled, sent back
(a few seconds earlier) when the stream is opened again; `holder` and `lease_until` make
one process of the deployment the reader (listening/stream_runtime.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base


class ListeningStream(Base):
    __tablename__ = "listening_streams"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor_us: Mapped[int | None] = mapped_column(BigInteger, default=None)
    holder: Mapped[str | None] = mapped_column(String(80), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

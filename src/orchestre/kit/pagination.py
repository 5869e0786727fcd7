"""Opaque cursors for keyset pagination over (sort value, id)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class Cursor:
    sort_value: str
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps([self.sort_value, str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            sort_value, raw_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(str(sort_value), uuid.UUID(raw_id))
        except (ValueError, TypeError) as exc:
            raise ValueError("malformed cursor") from exc

    @classmethod
    def after(cls, when: datetime, id_: uuid.UUID) -> Cursor:
        return cls(when.isoformat(), id_)

    def sort_datetime(self) -> datetime:
        return datetime.fromisoformat(self.sort_value)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

"""Opaque cursors for keyset pagination over (sort value, id), and the pages they cut."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from orchestre.errors import FieldError, Invalid

T = TypeVar("T")
U = TypeVar("U")

MAX_LIMIT = 200
BAD_CURSOR = "This cursor is not one this list gave out; start again from the first page."


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

    def sort_datetime(self) -> datetime:
        return datetime.fromisoformat(self.sort_value)

    def position(self) -> tuple[datetime, uuid.UUID]:
        """(sort time, id) of the last row of the previous page, to compare rows with."""
        return self.sort_datetime(), self.id


def decode_cursor_or_invalid(raw: str | None, *, by_time: bool = True) -> Cursor | None:
    """The cursor a client sent back (None for the first page), or Invalid on `cursor` when
    it was altered or comes from another list. Lists sorted by a name pass by_time=False."""
    if not raw:
        return None
    try:
        cursor = Cursor.decode(raw)
        if by_time and cursor.sort_datetime().tzinfo is None:
            raise ValueError("cursor time without zone")
    except ValueError as exc:
        raise Invalid(
            BAD_CURSOR, code="bad_cursor", errors=[FieldError("cursor", "cursor", BAD_CURSOR)]
        ) from exc
    return cursor


def clamp_limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[T],
        limit: int,
        key: Callable[[T], tuple[datetime | str, uuid.UUID]],
    ) -> Page[T]:
        """A page from up to `limit + 1` rows: the extra row only says that more follow, and
        the cursor points after the last row kept, by its (sort value, id) `key`."""
        items = list(rows[:limit])
        if len(rows) <= limit or not items:
            return cls(items, None)
        sort_value, last_id = key(items[-1])
        if isinstance(sort_value, datetime):
            sort_value = sort_value.isoformat()
        return cls(items, Cursor(sort_value, last_id).encode())

    def map(self, present: Callable[[T], U]) -> Page[U]:
        """The same page with each item presented otherwise (the cursor is unchanged)."""
        return Page([present(item) for item in self.items], self.next_cursor)

"""Cursor pages for the lists of the posts domain: reading a cursor, cutting a page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from orchestre.errors import FieldError, Invalid
from orchestre.kit.pagination import MAX_LIMIT, Cursor, Page

T = TypeVar("T")


def read_cursor(raw: str | None, *, by_time: bool = True) -> Cursor | None:
    """The cursor a client sent back, or Invalid when it was altered or comes from elsewhere."""
    if not raw:
        return None
    try:
        cursor = Cursor.decode(raw)
        if by_time and cursor.sort_datetime().tzinfo is None:
            raise ValueError("cursor time without zone")
    except ValueError as exc:
        message = "This cursor is not valid here; start again from the first page."
        raise Invalid(
            message, code="bad_cursor", errors=[FieldError("cursor", "cursor", message)]
        ) from exc
    return cursor


def clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def cut(rows: list[T], limit: int, key: Callable[[T], tuple[str, uuid.UUID]]) -> Page[T]:
    """A page from `limit + 1` rows: the extra row only says that more follow."""
    items = rows[:limit]
    if len(rows) <= limit or not items:
        return Page(items, None)
    sort_value, last_id = key(items[-1])
    return Page(items, Cursor(sort_value, last_id).encode())

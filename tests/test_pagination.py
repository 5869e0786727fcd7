"""Cursor pages: one extra row says more follow; a cursor we did not give out is refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from orchestre.errors import Invalid
from orchestre.kit.pagination import Cursor, Page, decode_cursor_or_invalid

START = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    created_at: datetime


def _rows(count: int) -> list[_Row]:
    return [_Row(uuid.uuid4(), START + timedelta(minutes=n)) for n in range(count)]


def test_the_extra_row_makes_a_cursor_after_the_last_row_kept() -> None:
    rows = _rows(3)
    page = Page.from_rows(rows, 2, key=lambda r: (r.created_at, r.id))
    assert page.items == rows[:2]
    assert page.next_cursor is not None
    cursor = decode_cursor_or_invalid(page.next_cursor)
    assert cursor is not None
    assert cursor.position() == (rows[1].created_at, rows[1].id)


def test_no_extra_row_means_the_last_page() -> None:
    page = Page.from_rows(_rows(2), 2, key=lambda r: (r.created_at, r.id))
    assert page.next_cursor is None
    assert page.map(lambda r: r.id).items == [r.id for r in page.items]


def test_no_cursor_is_the_first_page() -> None:
    assert decode_cursor_or_invalid(None) is None
    assert decode_cursor_or_invalid("") is None


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        Cursor("2030-03-15T09:00:00", uuid.UUID(int=1)).encode(),  # a time without its zone
        Cursor("Maison Lumière", uuid.UUID(int=2)).encode(),  # a by-name cursor on a by-time list
    ],
)
def test_a_cursor_not_given_out_by_this_list_is_invalid_on_cursor(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        decode_cursor_or_invalid(raw)
    assert [e.field for e in refused.value.errors] == ["cursor"]


def test_lists_sorted_by_name_take_name_cursors() -> None:
    raw = Cursor("Maison Lumière", uuid.uuid4()).encode()
    cursor = decode_cursor_or_invalid(raw, by_time=False)
    assert cursor is not None
    assert cursor.sort_value == "Maison Lumière"

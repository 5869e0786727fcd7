"""Reading CSV uploads: delimiters, byte order mark, quoted newlines, header errors."""

from __future__ import annotations

import pytest

from orchestre.calendar import csv_io
from orchestre.errors import Invalid

HEADER = "network,handle,date,time,text"


def test_comma_file_with_quoted_newline_and_comma() -> None:
    data = (HEADER + '\r\nx,@brand,2030-03-20,10:30,"Line one, still one\nline two"\r\n').encode()
    (row,) = csv_io.read_rows(data)
    assert row.number == 2
    assert row.get("text") == "Line one, still one\nline two"
    assert row.get("handle") == "@brand"


def test_semicolon_file_from_french_excel_with_bom() -> None:
    text = "Network;Handle;Date;Time;Text;Tags\r\nx;@marque;20/03/2030;10:30;Été, enfin !;a, b\r\n"
    rows = csv_io.read_rows(text.encode("utf-8-sig"))
    assert rows[0].get("network") == "x"  # the BOM is not part of the first header
    assert rows[0].get("text") == "Été, enfin !"
    assert csv_io.split_tags(rows[0].get("tags")) == ["a", "b"]


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    data = (
        HEADER + '\nx,@a,2030-03-20,10:30,"two\nlines"\n\nx,@a,2030-03-21,10:30,third\n'
    ).encode()
    rows = csv_io.read_rows(data)
    assert [r.number for r in rows] == [2, 3]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "csv_empty"),
        (b"network,handle,text\nx,@a,hi\n", "csv_columns_missing"),
        (b"network,handle,date,time,text,colour\n", "csv_columns_unknown"),
        (
            "network,handle,date,time,text\nx,@a,2030-03-20,10:30,é\n".encode("latin-1"),
            "csv_not_utf8",
        ),
    ],
)
def test_unusable_files_are_refused_as_a_whole(data: bytes, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        csv_io.read_rows(data)
    assert refused.value.code == code
    assert refused.value.errors[0].field == "file"


def test_written_files_read_back() -> None:
    record = (
        "x",
        "@a",
        "2030-03-20",
        "10:30",
        'Say "hi";\nbye',
        "",
        "",
        "",
        "",
        "a, b",
        "scheduled",
    )
    for delimiter in (",", ";"):
        data = csv_io.write_rows([record], delimiter)
        assert data.startswith(b"\xef\xbb\xbf")
        (row,) = csv_io.read_rows(data)
        assert row.get("text") == 'Say "hi";\nbye'
        assert row.get("status") == "scheduled"

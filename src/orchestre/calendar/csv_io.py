"""Posts as CSV: reading an upload into rows (UTF-8 with or without BOM, comma or semicolon)
and writing the posts of a period.

The columns, in this order on export (import reads them by header, in any order):

network, handle, date, time, text, link, first_comment, campaign, pillar, tags, status

`date` is YYYY-MM-DD (DD/MM/YYYY is read too) and `time` HH:MM, both the workspace's local
wall time; `tags` are separated by commas inside their cell; `status` is ignored on import.
French spreadsheets write semicolons between cells: the delimiter is read from the header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from orchestre.errors import FieldError, Invalid

COLUMNS = (
    "network",
    "handle",
    "date",
    "time",
    "text",
    "link",
    "first_comment",
    "campaign",
    "pillar",
    "tags",
    "status",
)
REQUIRED = ("network", "handle", "date", "time", "text")
MAX_BYTES = 2_000_000
MAX_ROWS = 1000


@dataclass(frozen=True)
class Row:
    """One data record: its number as a spreadsheet shows it (the header is row 1)."""

    number: int
    cells: dict[str, str] = field(default_factory=dict)

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def _file_error(
    message: str, code: str, rule: str, limit: object = None, actual: object = None
) -> Invalid:
    return Invalid(message, code=code, errors=[FieldError("file", rule, message, limit, actual)])


def decode(data: bytes) -> str:
    """The upload as text: UTF-8, a leading byte order mark dropped."""
    if len(data) > MAX_BYTES:
        raise _file_error(
            f"This file is larger than {MAX_BYTES // 1_000_000} MB; split it.",
            "csv_too_large",
            "max_size",
            limit=MAX_BYTES,
            actual=len(data),
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            f"This file is not UTF-8 text (byte {exc.start} is not valid); "
            "save it as 'CSV UTF-8' and upload it again.",
            "csv_not_utf8",
            "utf8",
        ) from exc


def delimiter_of(text: str) -> str:
    """';' when the header line holds more semicolons than commas (French Excel), else ','."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _header(raw: Sequence[str]) -> list[str]:
    names = [name.strip().casefold().replace(" ", "_") for name in raw]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise _file_error(
            f"The header row lacks the column(s) {', '.join(missing)}; the columns are "
            f"{', '.join(COLUMNS)}.",
            "csv_columns_missing",
            "columns",
            limit=list(COLUMNS),
            actual=[n for n in names if n],
        )
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise _file_error(
            f"Unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}.",
            "csv_columns_unknown",
            "columns",
            limit=list(COLUMNS),
            actual=unknown,
        )
    return names


def read_rows(data: bytes) -> list[Row]:
    """The data records of an upload, or Invalid (field 'file') when the file is unusable."""
    text = decode(data)
    if not text.strip():
        raise _file_error("This file is empty.", "csv_empty", "not_empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text))
    try:
        names = _header(next(reader))
        rows: list[Row] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank lines are skipped, as a spreadsheet shows them
            if len(rows) >= MAX_ROWS:
                raise _file_error(
                    f"At most {MAX_ROWS} posts per file; split it.",
                    "csv_too_many_rows",
                    "max_rows",
                    limit=MAX_ROWS,
                )
            # reader.line_num is the last physical line read: a quoted newline spans lines,
            # so the record's number is counted in records, as spreadsheets number rows.
            cells = {name: value for name, value in zip(names, record, strict=False) if name}
            rows.append(Row(number=len(rows) + 2, cells=cells))
    except csv.Error as exc:
        raise _file_error(
            f"This file is not valid CSV near line {reader.line_num}: {exc}.",
            "csv_malformed",
            "csv",
        ) from exc
    return rows


def split_tags(cell: str) -> list[str]:
    return [tag.strip() for tag in cell.split(",") if tag.strip()]


def write_rows(records: Iterable[Sequence[str]], delimiter: str = ",") -> bytes:
    """A CSV file with the header, UTF-8 with a BOM so that Excel reads accents right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8-sig")

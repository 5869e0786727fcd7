"""A report's blocks as data: one CSV (the blocks one after the other, each under its title
and separated by a blank line) or one XLSX workbook with a sheet per block.

Both read the flat tables of `report_render.build` (the KPI engine's `tables`), so an
export holds the same figures as the PDF: empty cells are "not available", never zero.
"""

from __future__ import annotations

import importlib
import io
import re

from orchestre.analytics import tables
from orchestre.analytics.report_render import Built

SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def report_csv(built: Built) -> bytes:
    parts = []
    for block in built.blocks:
        header, rows = block.table
        parts.append(tables.to_csv(([block.title], [])).removeprefix(b"\xef\xbb\xbf"))
        parts.append(tables.to_csv((header, rows)).removeprefix(b"\xef\xbb\xbf") + b"\r\n")
    return b"\xef\xbb\xbf" + b"".join(parts)


def _sheet_title(index: int, title: str) -> str:
    # Excel: 31 characters at most, none of []:*?/\ and unique in the workbook.
    return f"{index + 1} {SHEET_NAME.sub(' ', title)}"[:31]


def report_xlsx(built: Built) -> bytes:
    # openpyxl ships no type information: imported by name, used as Any.
    book = importlib.import_module("openpyxl").Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for i, block in enumerate(built.blocks):
        sheet = book.create_sheet(_sheet_title(i, block.title))
        header, rows = block.table
        sheet.append(header)
        for row in rows:
            sheet.append([_safe(c) for c in row])
    if not built.blocks:
        book.create_sheet("1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(value: tables.Cell) -> tables.Cell:
    """Text that a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value.startswith(tables.FORMULA_START):
        return "'" + value
    return value

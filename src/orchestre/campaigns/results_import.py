"""Campaign results from a CSV file: one line per campaign, day and (optional) channel.

Columns are read by header, in any order, in English or French (see HEADERS): date,
campaign (name or id), channel (handle, name or id; empty = the whole campaign), spend,
revenue, conversions, clicks, impressions, currency (empty = the campaign's), attribution
(the window conversions were counted with, e.g. "7d_click"; optional). Dates are
YYYY-MM-DD or DD/MM/YYYY; numbers take a decimal point or a decimal comma and spaces or
the other mark between thousands ("1 234,56", "1,234.56"), and a currency sign is ignored.

A file that cannot be read (not UTF-8, not CSV, no date or campaign column, too large)
writes nothing. Otherwise every good line is recorded with source "csv" (a line already
imported is replaced, never added twice) and every refused line is reported with why.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.calendar.bulk import RowError
from orchestre.calendar.csv_io import decode, delimiter_of
from orchestre.campaigns import repository
from orchestre.campaigns.results import (
    FIGURES,
    RecordSummary,
    ResultRow,
    check_rows,
    record_results,
)
from orchestre.errors import FieldError, Invalid
from orchestre.kit.text import fold
from orchestre.workspaces.permissions import Actor, Permission

MAX_ROWS = 20_000
SOURCE = "csv"
HEADERS = {
    "date": ("date", "day", "jour"),
    "campaign": ("campaign", "campaign_id", "campaign_name", "campagne", "nom_de_la_campagne"),
    "channel": ("channel", "channel_id", "account", "canal", "compte", "reseau_social"),
    "spend": ("spend", "cost", "amount_spent", "depense", "depenses", "cout", "montant_depense"),
    "revenue": ("revenue", "revenues", "sales", "revenu", "revenus", "chiffre_d_affaires", "ca"),
    "conversions": ("conversions", "conversion", "results", "resultats"),
    "clicks": ("clicks", "link_clicks", "clics", "clics_sur_le_lien"),
    "impressions": ("impressions",),
    "currency": ("currency", "devise", "monnaie"),
    "attribution": ("attribution", "attribution_window", "fenetre_d_attribution"),
}
_ALIASES = {alias: column for column, aliases in HEADERS.items() for alias in aliases}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f'€$£%]")


def _(message: str) -> str:
    """Marks a message for the catalog; the page translates it when it shows it."""
    return message


@dataclass
class ImportReport:
    rows: int = 0
    recorded: RecordSummary = field(default_factory=RecordSummary)
    rejected: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.rejected})


def _file_error(message: str, code: str, rule: str) -> Invalid:
    return Invalid(message, code=code, errors=[FieldError("file", rule, message)])


def header_column(name: str) -> str | None:
    """The column a header cell names ('Dépenses (EUR)' -> 'spend'), or None."""
    key = re.sub(r"\(.*?\)", "", fold(name))
    key = re.sub(r"[^a-z0-9]+", "_", key).strip("_")
    return _ALIASES.get(key)


def parse_number(cell: str) -> float | None:
    """'1 234,56' -> 1234.56, '1,234.56' -> 1234.56, '' -> None; ValueError if not a number."""
    text = _NUMBER_NOISE.sub("", cell)
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif "," in text:
        text = text.replace(",", "")
    return float(text)


def _parse_date(cell: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cell, fmt).date()  # noqa: DTZ007 - a local day
        except ValueError:
            continue
    return None


def read_lines(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number as a spreadsheet shows it, cells by column) or Invalid: nothing usable."""
    text = decode(data)
    if not text.strip():
        raise _file_error("This file is empty.", "csv_empty", "not_empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text))
    lines: list[tuple[int, dict[str, str]]] = []
    try:
        columns = [header_column(cell) for cell in next(reader)]
        missing = [c for c in ("date", "campaign") if c not in columns]
        if missing:
            raise _file_error(
                f"The header row lacks the column(s) {', '.join(missing)}.",
                "csv_columns_missing",
                "columns",
            )
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines) >= MAX_ROWS:
                raise _file_error(
                    f"At most {MAX_ROWS} lines per file; split it.", "csv_too_many_rows", "max_rows"
                )
            named = {c: v.strip() for c, v in zip(columns, cells, strict=False) if c}
            lines.append((len(lines) + 2, named))
    except csv.Error as exc:
        raise _file_error(
            f"This file is not valid CSV near line {reader.line_num}: {exc}.",
            "csv_malformed",
            "csv",
        ) from exc
    return lines


@dataclass(frozen=True)
class _Names:
    campaigns: dict[str, uuid.UUID]
    currencies: dict[uuid.UUID, str]
    channels: dict[str, uuid.UUID]


def _names(session: Session, workspace_id: uuid.UUID) -> _Names:
    campaigns: dict[str, uuid.UUID] = {}
    currencies: dict[uuid.UUID, str] = {}
    for c in repository.campaigns(session, workspace_id):
        campaigns[str(c.id)] = campaigns[fold(c.name)] = c.id
        currencies[c.id] = c.currency
    channels: dict[str, uuid.UUID] = {}
    for ch in repository.channels(session, workspace_id):
        for name in (str(ch.id), ch.handle, ch.handle.lstrip("@"), ch.display_name):
            channels.setdefault(fold(name.strip()), ch.id)
    return _Names(campaigns, currencies, channels)


def _parse(number: int, cells: dict[str, str], names: _Names) -> ResultRow | list[RowError]:
    errors = []

    def refuse(column: str, rule: str, message: str) -> None:
        errors.append(RowError(number, column, rule, message, cells.get(column, "")))

    day = _parse_date(cells.get("date", ""))
    if day is None:
        refuse("date", "date", _("A date is YYYY-MM-DD or DD/MM/YYYY."))
    campaign_id = names.campaigns.get(fold(cells.get("campaign", "")))
    if campaign_id is None:
        refuse("campaign", "exists", _("No campaign of this name or id here."))
    channel_id = None
    if cells.get("channel"):
        channel_id = names.channels.get(fold(cells["channel"]).lstrip("@"))
        channel_id = channel_id or names.channels.get(fold(cells["channel"]))
        if channel_id is None:
            refuse("channel", "exists", _("No channel of this handle, name or id here."))
    figures: dict[str, float | None] = {}
    for column in FIGURES:
        try:
            figures[column] = parse_number(cells.get(column, ""))
        except ValueError:
            refuse(column, "number", _("Not a number."))
    if errors or day is None or campaign_id is None:
        return errors
    currency = cells.get("currency", "").upper() or names.currencies[campaign_id]
    return ResultRow(
        campaign_id,
        day,
        channel_id,
        spend=figures["spend"],
        revenue=figures["revenue"],
        conversions=figures["conversions"],
        clicks=figures["clicks"],
        impressions=figures["impressions"],
        currency=currency,
        attribution=cells.get("attribution", ""),
    )


def import_results(session: Session, actor: Actor, data: bytes) -> ImportReport:
    """Record the good lines of a results CSV and report the others (see module doc)."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    lines = read_lines(data)
    names = _names(session, actor.workspace_id)
    report = ImportReport(rows=len(lines))
    parsed: list[tuple[int, ResultRow]] = []
    for number, cells in lines:
        found = _parse(number, cells, names)
        if isinstance(found, ResultRow):
            parsed.append((number, found))
        else:
            report.rejected.extend(found)
    refused = check_rows(session, actor.workspace_id, [row for _, row in parsed])
    for i, errors in refused.items():
        report.rejected.extend(_row_errors(parsed[i][0], errors))
    good = [row for i, (_, row) in enumerate(parsed) if i not in refused]
    report.recorded = record_results(session, actor.workspace_id, good, SOURCE)
    report.rejected.sort(key=lambda e: (e.row, e.column))
    record(
        session,
        actor,
        "campaign.results_imported",
        "workspace",
        actor.workspace_id,
        after={
            "rows": report.rows,
            "inserted": report.recorded.inserted,
            "updated": report.recorded.updated,
            "unchanged": report.recorded.unchanged,
            "rejected": report.rejected_rows,
        },
    )
    return report


def _row_errors(number: int, errors: Sequence[FieldError]) -> list[RowError]:
    """A line's errors from record_results' rules ('rows[3].spend' -> column 'spend')."""
    found = []
    for error in errors:
        column = error.field.partition(".")[2] or "line"
        value = "" if error.actual is None else str(error.actual)
        found.append(RowError(number, column, error.rule, error.message, value))
    return found

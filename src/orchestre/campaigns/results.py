"""The one write path of campaign results (spend, revenue, conversions by day).

CSV import, the signed webhook and the ad platforms' sync all call record_results(). A
result row is keyed by (campaign, day, channel or whole campaign, source): recording the
same key again replaces that source's figures for the day, so a re-import or a re-sync
never adds them up twice.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.errors import FieldError, Invalid
from orchestre.kit.clock import utcnow
from orchestre.models import Campaign, CampaignResult, Channel

FIGURES = ("spend", "revenue", "conversions", "clicks", "impressions")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SOURCE = re.compile(r"^[a-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class ResultRow:
    """One day of one campaign's results from one source (channel None = the whole campaign)."""

    campaign_id: uuid.UUID
    day: date
    channel_id: uuid.UUID | None = None
    spend: float | None = None
    revenue: float | None = None
    conversions: float | None = None
    clicks: float | None = None
    impressions: float | None = None
    currency: str = "EUR"
    # The window the source counted conversions with ("7d_click,1d_view"); "" if not said.
    attribution: str = ""

    @property
    def key(self) -> tuple[uuid.UUID, date, str]:
        return self.campaign_id, self.day, _channel_key(self.channel_id)


@dataclass(frozen=True)
class RecordSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _channel_key(channel_id: uuid.UUID | None) -> str:
    return "" if channel_id is None else str(channel_id)


def check_rows(
    session: Session, workspace_id: uuid.UUID, rows: Sequence[ResultRow]
) -> dict[int, list[FieldError]]:
    """Each refused row's index with the rules it breaks; rows not listed may be recorded."""
    campaigns = _known(session, Campaign, workspace_id, {r.campaign_id for r in rows})
    channels = _known(
        session, Channel, workspace_id, {r.channel_id for r in rows if r.channel_id is not None}
    )
    refused: dict[int, list[FieldError]] = {}
    seen: set[tuple[uuid.UUID, date, str]] = set()
    for i, row in enumerate(rows):
        errors = _row_errors(f"rows[{i}]", row, campaigns, channels)
        if row.key in seen:
            errors.append(
                FieldError(
                    f"rows[{i}]",
                    "unique",
                    "This campaign, day and channel appear twice in the same batch.",
                )
            )
        seen.add(row.key)
        if errors:
            refused[i] = errors
    return refused


def _known(
    session: Session,
    model: type[Campaign] | type[Channel],
    workspace_id: uuid.UUID,
    ids: set[uuid.UUID],
) -> set[uuid.UUID]:
    if not ids:
        return set()
    query = select(model.id).where(model.workspace_id == workspace_id, model.id.in_(ids))
    return set(session.scalars(query))


def _row_errors(
    where: str, row: ResultRow, campaigns: set[uuid.UUID], channels: set[uuid.UUID]
) -> list[FieldError]:
    errors = []
    if row.campaign_id not in campaigns:
        # Another workspace's campaign looks the same as one that does not exist.
        errors.append(FieldError(f"{where}.campaign", "exists", "No such campaign here."))
    if row.channel_id is not None and row.channel_id not in channels:
        errors.append(FieldError(f"{where}.channel", "exists", "No such channel here."))
    if not _CURRENCY.match(row.currency):
        errors.append(
            FieldError(
                f"{where}.currency",
                "iso4217",
                "A currency is three capital letters (ISO 4217), e.g. EUR.",
                actual=row.currency,
            )
        )
    if len(row.attribution) > 64:
        errors.append(
            FieldError(f"{where}.attribution", "length", "At most 64 characters.", limit=64)
        )
    for name in FIGURES:
        value = getattr(row, name)
        if value is None:
            continue
        if not math.isfinite(value):
            errors.append(FieldError(f"{where}.{name}", "finite", "Not a number.", actual=value))
        elif value < 0:
            errors.append(
                FieldError(f"{where}.{name}", "min", "Cannot be negative.", limit=0, actual=value)
            )
    return errors


def record_results(
    session: Session, workspace_id: uuid.UUID, rows: Sequence[ResultRow], source: str
) -> RecordSummary:
    """Upsert the rows for this source; all or nothing (Invalid lists every broken rule)."""
    errors = [e for found in check_rows(session, workspace_id, rows).values() for e in found]
    if not _SOURCE.match(source):
        errors.append(
            FieldError("source", "pattern", "A source is 1 to 32 of a-z, 0-9, '_', '.', '-'.")
        )
    if errors:
        raise Invalid("Some campaign results are refused.", errors=errors)
    if not rows:
        return RecordSummary()
    existing = _existing(session, workspace_id, rows, source)
    inserted = updated = unchanged = 0
    now = utcnow()
    for row in rows:
        found = existing.get(row.key)
        if found is None:
            session.add(
                CampaignResult(
                    workspace_id=workspace_id,
                    campaign_id=row.campaign_id,
                    channel_id=row.channel_id,
                    channel_key=_channel_key(row.channel_id),
                    day=row.day,
                    source=source,
                    updated_at=now,
                    **_values(row),
                )
            )
            inserted += 1
            continue
        values = _values(row)
        if all(getattr(found, name) == value for name, value in values.items()):
            unchanged += 1
            continue
        for name, value in values.items():
            setattr(found, name, value)
        found.updated_at = now
        updated += 1
    session.flush()
    return RecordSummary(inserted=inserted, updated=updated, unchanged=unchanged)


def _values(row: ResultRow) -> dict[str, object]:
    return {
        f.name: getattr(row, f.name)
        for f in fields(row)
        if f.name in FIGURES or f.name in ("currency", "attribution")
    }


def _existing(
    session: Session, workspace_id: uuid.UUID, rows: Sequence[ResultRow], source: str
) -> dict[tuple[uuid.UUID, date, str], CampaignResult]:
    keys = {row.key for row in rows}
    query = select(CampaignResult).where(
        CampaignResult.workspace_id == workspace_id,
        CampaignResult.source == source,
        CampaignResult.campaign_id.in_({k[0] for k in keys}),
        CampaignResult.day >= min(k[1] for k in keys),
        CampaignResult.day <= max(k[1] for k in keys),
    )
    found = {}
    for result in session.scalars(query):
        key = (result.campaign_id, result.day, result.channel_key)
        if key in keys:
            found[key] = result
    return found

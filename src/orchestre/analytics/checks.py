"""Checks of what a KPI query is asked: KPI names, groupings, intervals, formats, and
filters stored as JSON. Each refusal is Invalid naming the field and the rule broken."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from orchestre.analytics import kpis as k
from orchestre.analytics import localtime
from orchestre.analytics.repository import GROUPS, Filters
from orchestre.errors import FieldError, Invalid
from orchestre.models.analytics import PostFormat

_ = k._


def refuse(
    field: str, rule: str, message: str, *, limit: Any = None, actual: Any = None
) -> NoReturn:
    raise Invalid(
        message,
        code=f"bad_{field}",
        errors=[FieldError(field, rule, message, limit=limit, actual=actual)],
    )


def check_kpis(
    names: Sequence[str], allowed: Iterable[str] | None = None, field: str = "kpis"
) -> list[k.Kpi]:
    choices = list(allowed) if allowed is not None else list(k.CATALOGUE)
    wrong = [n for n in names if n not in choices]
    if wrong:
        message = _("Each KPI is one of: ") + ", ".join(choices) + "."
        refuse(field, "enum", message, limit=choices, actual=wrong)
    if not names:
        refuse(field, "required", _("Choose at least one KPI."))
    return [k.CATALOGUE[n] for n in dict.fromkeys(names)]


def check_group(group_by: str | None) -> None:
    if group_by is not None and group_by not in GROUPS:
        message = _("group_by is one of: ") + ", ".join(GROUPS) + "."
        refuse("group_by", "enum", message, limit=list(GROUPS), actual=group_by)


def check_interval(interval: str) -> None:
    if interval not in localtime.INTERVALS:
        message = _("The interval is one of: ") + ", ".join(localtime.INTERVALS) + "."
        refuse("interval", "enum", message, limit=list(localtime.INTERVALS), actual=interval)


def check_format(format: str | None, field: str = "format") -> None:
    names = [f.value for f in PostFormat]
    if format is not None and format not in names:
        message = _("The format is one of: ") + ", ".join(names) + "."
        refuse(field, "enum", message, limit=names, actual=format)


FILTER_KEYS = ("channel_ids", "network", "campaign_id", "pillar_id", "format", "post_id")


def _uuid(field: str, value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        refuse(field, "uuid", _("Not a valid id."), actual=str(value))


def filters_from(data: Mapping[str, object] | None) -> Filters:
    """Filters from stored JSON such as Report.filters ({"channel_ids": [...], "network": ...,
    "campaign_id": ..., "pillar_id": ..., "format": ..., "post_id": ...}); ids as text."""
    data = data or {}
    unknown = sorted(set(data) - set(FILTER_KEYS))
    if unknown:
        message = _("Filters are among: ") + ", ".join(FILTER_KEYS) + "."
        refuse("filters", "enum", message, limit=list(FILTER_KEYS), actual=unknown)
    channels = data.get("channel_ids") or []
    if not isinstance(channels, list | tuple):
        refuse("channel_ids", "list", _("A list of channel ids."))
    ids = {f: data.get(f) for f in ("campaign_id", "pillar_id", "post_id")}
    text = {f: data.get(f) for f in ("network", "format")}
    found = Filters(
        channel_ids=tuple(_uuid("channel_ids", c) for c in channels),
        campaign_id=_uuid("campaign_id", ids["campaign_id"]) if ids["campaign_id"] else None,
        pillar_id=_uuid("pillar_id", ids["pillar_id"]) if ids["pillar_id"] else None,
        post_id=_uuid("post_id", ids["post_id"]) if ids["post_id"] else None,
        network=str(text["network"]) if text["network"] else None,
        format=str(text["format"]) if text["format"] else None,
    )
    check_format(found.format)
    return found

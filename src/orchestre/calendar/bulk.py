"""Bulk scheduling from CSV, and the posts of a period as CSV.

Each imported row becomes one post on one channel through the same doors as the pages:
posts.service creates it (and its network's rules measure it), approvals.submit sends it
for review, and posts.scheduling.schedule plans it when the workspace has no review step
and the person may schedule. A row is all or nothing: it runs in a savepoint that is
rolled back when any rule refuses it (and always in a dry run), so a rejected row leaves
nothing behind, and the report names its row, its column and the exact rule.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from pydantic import ValidationError
from sqlalchemy.orm import Session

from orchestre.approvals import service as approvals
from orchestre.calendar import csv_io, repository
from orchestre.calendar.csv_io import Row
from orchestre.calendar.service import workspace_of
from orchestre.errors import DomainError, Forbidden
from orchestre.kit.clock import utcnow
from orchestre.kit.timezones import local_to_utc, utc_to_local
from orchestre.models import Channel, VariantState
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate, VariantCreate
from orchestre.workspaces.permissions import Actor, Permission

S = VariantState
P = Permission

# What became of an accepted row.
SCHEDULED = "scheduled"
IN_REVIEW = "in_review"
APPROVED = "approved"  # approved with no review step, but the person may not schedule

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
# A post's fields as the posts domain names them, and the column that carries each.
_FIELD_COLUMNS = {
    "text": "text",
    "base_text": "text",
    "link_url": "link",
    "first_comment": "first_comment",
    "tags": "tags",
    "campaign_id": "campaign",
    "pillar_id": "pillar",
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    rule: str
    message: str
    # What the rule measured (the cell, or the wall time), for pages that word it themselves.
    value: str = ""


@dataclass(frozen=True)
class RowResult:
    row: int
    outcome: str  # scheduled | in_review | approved
    post_id: uuid.UUID | None  # None in a dry run
    channel: str
    local_time: str


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    accepted: list[RowResult] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        """How many rows were refused (a row may break several rules)."""
        return len({error.row for error in self.rejected})


@dataclass(frozen=True)
class _Context:
    zone: str
    channels: dict[tuple[str, str], Channel]
    campaigns: dict[str, uuid.UUID]
    pillars: dict[str, uuid.UUID]
    schedules: bool  # no review step and the person may schedule


@dataclass
class _Parsed:
    channel: Channel | None = None
    wall: datetime | None = None
    campaign_id: uuid.UUID | None = None
    pillar_id: uuid.UUID | None = None
    errors: list[RowError] = field(default_factory=list)


def _handle_key(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def _context(session: Session, actor: Actor) -> _Context:
    workspace = workspace_of(session, actor)
    channels = {
        (c.network.casefold(), _handle_key(c.handle)): c
        for c in repository.channels(session, actor.workspace_id)
    }
    campaigns, pillars = repository.names(session, actor.workspace_id)
    no_steps = not approvals.list_steps(session, actor)
    return _Context(
        zone=workspace.timezone,
        channels=channels,
        campaigns={name.casefold(): i for i, name in campaigns.items()},
        pillars={name.casefold(): i for i, name in pillars.items()},
        schedules=no_steps and actor.can(P.POSTS_SCHEDULE),
    )


def _parse_date(cell: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cell, fmt).date()  # noqa: DTZ007 - a wall date
        except ValueError:
            continue
    return None


def _parse_time(cell: str) -> time | None:
    match = _TIME.match(cell)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _parse_when(row: Row, ctx: _Context, parsed: _Parsed) -> None:
    def refuse(column: str, rule: str, message: str, value: str = "") -> None:
        parsed.errors.append(RowError(row.number, column, rule, message, value))

    day = _parse_date(row.get("date"))
    if day is None:
        refuse(
            "date", "date", f"'{row.get('date')}' is not a date; write YYYY-MM-DD.", row.get("date")
        )
    at = _parse_time(row.get("time"))
    if at is None:
        refuse(
            "time",
            "time",
            f"'{row.get('time')}' is not a time; write HH:MM (24-hour).",
            row.get("time"),
        )
    if day is None or at is None:
        return
    wall = datetime.combine(day, at)
    try:
        instant = local_to_utc(wall, ctx.zone, field="time")
    except DomainError as exc:  # the clocks jump over this wall time
        refuse("time", "nonexistent_local_time", exc.detail, f"{wall:%Y-%m-%d %H:%M}")
        return
    if instant <= utcnow():
        now = utc_to_local(utcnow(), ctx.zone)
        refuse(
            "date",
            "in_future",
            f"{wall:%Y-%m-%d %H:%M} is already past ({now:%Y-%m-%d %H:%M} now in {ctx.zone}); "
            "choose a time in the future.",
            f"{wall:%Y-%m-%d %H:%M}",
        )
        return
    parsed.wall = wall


def _parse(row: Row, ctx: _Context) -> _Parsed:
    parsed = _Parsed()

    def refuse(column: str, rule: str, message: str, value: str = "") -> None:
        parsed.errors.append(RowError(row.number, column, rule, message, value))

    network, handle = row.get("network").casefold(), row.get("handle")
    parsed.channel = ctx.channels.get((network, _handle_key(handle)))
    if parsed.channel is None:
        refuse(
            "handle",
            "unknown_channel",
            f"No {network or '?'} channel {handle or '?'} in this workspace.",
            f"{network} {handle}".strip(),
        )
    _parse_when(row, ctx, parsed)
    if not row.get("text"):
        refuse("text", "required", "The text is empty.")
    for column, names, attr in (
        ("campaign", ctx.campaigns, "campaign_id"),
        ("pillar", ctx.pillars, "pillar_id"),
    ):
        name = row.get(column)
        if name:
            found = names.get(name.casefold())
            if found is None:
                refuse(
                    column,
                    f"unknown_{column}",
                    f"No {column} named '{name}' in this workspace.",
                    name,
                )
            setattr(parsed, attr, found)
    return parsed


def _column_of(error_field: str) -> str:
    """'variants[@brand].text' or 'variants[0].link_url' -> the CSV column."""
    last = error_field.rsplit(".", 1)[-1]
    last = re.sub(r"\[\d+\]$", "", last)
    return _FIELD_COLUMNS.get(last, "text" if last.startswith("variants") else last)


def _create(session: Session, actor: Actor, row: Row, parsed: _Parsed) -> uuid.UUID:
    assert parsed.channel is not None
    link = row.get("link") or None
    comment = row.get("first_comment") or None
    data = PostCreate.model_validate(
        {
            "base_text": row.get("text"),
            "channel_ids": [parsed.channel.id],
            "variants": [
                VariantCreate.model_validate(
                    {"channel_id": parsed.channel.id, "link_url": link, "first_comment": comment}
                )
            ],
            "campaign_id": parsed.campaign_id,
            "pillar_id": parsed.pillar_id,
            "tags": csv_io.split_tags(row.get("tags")),
        }
    )
    return posts.create_post(session, actor, data).post.id


def _publish_steps(
    session: Session, actor: Actor, post_id: uuid.UUID, ctx: _Context, wall: datetime
) -> str:
    """Submit the new post (its network's rules checked), then schedule it when allowed."""
    approvals.submit(session, actor, post_id)
    if not ctx.schedules:
        states = {v.state for v in posts.load_post(session, actor, post_id).variants}
        return APPROVED if states == {S.APPROVED.value} else IN_REVIEW
    scheduling.schedule(
        session, actor, post_id, ScheduleCreate(local_time=wall.strftime("%Y-%m-%dT%H:%M"))
    )
    return SCHEDULED


def _errors_of(row: Row, exc: DomainError | ValidationError) -> list[RowError]:
    if isinstance(exc, ValidationError):
        return [
            RowError(
                row.number,
                _column_of(".".join(str(p) for p in e["loc"] if not isinstance(p, int))),
                e["type"],
                e["msg"],
            )
            for e in exc.errors()
        ]
    if not exc.errors:
        return [RowError(row.number, "text", exc.code, exc.detail)]
    return [RowError(row.number, _column_of(e.field), e.rule, e.message) for e in exc.errors]


def _run_row(
    session: Session, actor: Actor, row: Row, ctx: _Context, dry_run: bool
) -> RowResult | list[RowError]:
    parsed = _parse(row, ctx)
    if parsed.errors:
        return parsed.errors
    assert parsed.channel is not None
    assert parsed.wall is not None
    savepoint = session.begin_nested()
    try:
        post_id = _create(session, actor, row, parsed)
        outcome = _publish_steps(session, actor, post_id, ctx, parsed.wall)
    except Forbidden:
        savepoint.rollback()
        raise
    except (DomainError, ValidationError) as exc:
        savepoint.rollback()
        return _errors_of(row, exc)
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return RowResult(
        row=row.number,
        outcome=outcome,
        post_id=None if dry_run else post_id,
        channel=parsed.channel.handle,
        local_time=parsed.wall.strftime("%Y-%m-%d %H:%M"),
    )


def import_csv(session: Session, actor: Actor, data: bytes, dry_run: bool) -> ImportReport:
    """Create (or, in a dry run, only check) one post per row; the report of every row."""
    actor.require(P.POSTS_CREATE)
    actor.require(P.POSTS_SUBMIT)
    rows = csv_io.read_rows(data)
    ctx = _context(session, actor)
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    for row in rows:
        result = _run_row(session, actor, row, ctx, dry_run)
        if isinstance(result, RowResult):
            report.accepted.append(result)
        else:
            report.rejected.extend(result)
    return report


# --- export ---------------------------------------------------------------------------------


def export_records(
    session: Session, actor: Actor, starts: datetime, ends: datetime
) -> list[Sequence[str]]:
    """One CSV record per dated variant of [starts, ends), in the workspace's wall time."""
    from orchestre.calendar.service import MAX_ENTRIES, check_range

    actor.require(P.POSTS_VIEW)
    starts, ends = check_range(starts, ends)
    zone = workspace_of(session, actor).timezone
    campaigns, pillars = repository.names(session, actor.workspace_id)
    rows = repository.dated_variants(
        session, actor.workspace_id, starts, ends, repository.EntryFilters(), MAX_ENTRIES
    )
    records: list[Sequence[str]] = []
    for variant, post, channel in rows:
        when = variant.published_at or variant.scheduled_at
        assert when is not None
        local = utc_to_local(when, zone)
        records.append(
            (
                channel.network,
                channel.handle,
                local.strftime("%Y-%m-%d"),
                local.strftime("%H:%M"),
                variant.text,
                variant.link_url or "",
                variant.first_comment or "",
                campaigns.get(post.campaign_id, "") if post.campaign_id else "",
                pillars.get(post.pillar_id, "") if post.pillar_id else "",
                ", ".join(post.tags or []),
                variant.state,
            )
        )
    return records

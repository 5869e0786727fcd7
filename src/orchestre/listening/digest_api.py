"""Routes of the weekly digest under /workspaces/{workspace_id}/listening: its settings
(listening.manage to change them) and the digests kept, newest week first."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.listening import digest_schemas as s
from orchestre.listening import digest_service as service
from orchestre.models.listening_topics import Digest, DigestSettings
from orchestre.workspaces.permissions import Actor

router = APIRouter(tags=["listening"])

BASE = "/workspaces/{workspace_id}/listening"


def settings_out(db: DB, actor: Actor, row: DigestSettings) -> s.DigestSettingsOut:
    return s.DigestSettingsOut(
        enabled=row.enabled,
        weekday=row.weekday,
        hour=row.hour,
        email=row.email,
        timezone=service.workspace_zone(db, actor.workspace_id).key,
        next_at=service.next_digest_at(db, actor),
    )


def summary_out(row: Digest) -> s.DigestSummary:
    return s.DigestSummary(
        id=row.id,
        week_start=row.week_start,
        period_start=row.period_start,
        period_end=row.period_end,
        created_at=row.created_at,
        lines=len(row.recommendations),
        emailed_at=row.emailed_at,
    )


@router.get(BASE + "/digest/settings", response_model=s.DigestSettingsOut, responses=problems())
def get_settings(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.DigestSettingsOut:
    """When the weekly digest is made (Monday 08:00 on the workspace's clock by default)."""
    return settings_out(db, actor, service.get_settings(db, actor))


@router.put(BASE + "/digest/settings", response_model=s.DigestSettingsOut, responses=problems(422))
def put_settings(
    workspace_id: uuid.UUID, body: s.DigestSettingsIn, actor: CurrentActor, db: DB
) -> s.DigestSettingsOut:
    """Change the digest's day, hour and email (listening.manage)."""
    data = service.SettingsInput(body.enabled, body.weekday, body.hour, body.email)
    return settings_out(db, actor, service.update_settings(db, actor, data))


@router.get(BASE + "/digests", response_model=list[s.DigestSummary], responses=problems())
def list_digests(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.DigestSummary]:
    return [summary_out(row) for row in service.list_digests(db, actor)]


@router.get(BASE + "/digests/{digest_id}", response_model=s.DigestOut, responses=problems())
def get_digest(
    workspace_id: uuid.UUID, digest_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.DigestOut:
    row = service.get_digest(db, actor, digest_id)
    return s.DigestOut(
        **summary_out(row).model_dump(),
        recommendations=[s.Recommendation.model_validate(r) for r in row.recommendations],
        facts=row.facts,
        email_error=row.email_error,
    )

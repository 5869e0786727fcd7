"""The workspace's editorial line (tone, banned words, required tags) and its content pillars."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.kit.text import fold
from orchestre.models import ContentPillar, EditorialLine, Severity
from orchestre.posts import repository
from orchestre.posts.schemas import EditorialLineUpdate, PillarCreate, PillarUpdate
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
MAX_TOTAL_SHARE = 100


def _distinct(values: list[str], prefix: str = "") -> list[str]:
    """Trimmed, with the prefix, each kept once whatever its case or accents."""
    kept: dict[str, str] = {}
    for raw in values:
        value = " ".join(raw.split()).lstrip(prefix) if prefix else " ".join(raw.split())
        if value:
            kept.setdefault(fold(value), prefix + value)
    return list(kept.values())


def get_line(session: Session, actor: Actor) -> EditorialLine:
    """The editorial line, or an empty one (not stored) when none was set yet."""
    actor.require(P.WORKSPACE_VIEW)
    line = repository.editorial_line(session, actor.workspace_id)
    if line is not None:
        return line
    return EditorialLine(
        workspace_id=actor.workspace_id,
        tone_notes="",
        banned_words=[],
        banned_words_severity=Severity.ERROR.value,
        required_hashtags=[],
        required_mentions=[],
        required_severity=Severity.WARNING.value,
    )


def put_line(session: Session, actor: Actor, data: EditorialLineUpdate) -> EditorialLine:
    """Replace the editorial line; every variant is checked against it from now on."""
    actor.require(P.WORKSPACE_MANAGE)
    line = repository.editorial_line(session, actor.workspace_id)
    before = snapshot(line) if line is not None else None
    if line is None:
        line = EditorialLine(workspace_id=actor.workspace_id)
        session.add(line)
    line.tone_notes = data.tone_notes
    line.banned_words = _distinct(data.banned_words)
    line.banned_words_severity = data.banned_words_severity
    line.required_hashtags = _distinct(data.required_hashtags, "#")
    line.required_mentions = _distinct(data.required_mentions, "@")
    line.required_severity = data.required_severity
    session.flush()
    record(
        session,
        actor,
        "editorial_line.update",
        "editorial_line",
        actor.workspace_id,
        before=before,
        after=snapshot(line),
    )
    return line


# --- content pillars --------------------------------------------------------------------------


def list_pillars(
    session: Session, actor: Actor, cursor: str | None = None, limit: int = 50
) -> Page[ContentPillar]:
    """Pillars by name."""
    actor.require(P.POSTS_VIEW)
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor, by_time=False)
    rows = repository.list_pillars(session, actor.workspace_id, after, limit)
    return Page.from_rows(rows, limit, key=lambda p: (p.name, p.id))


def _pillar(session: Session, actor: Actor, pillar_id: uuid.UUID) -> ContentPillar:
    pillar = repository.get_pillar(session, actor.workspace_id, pillar_id)
    if pillar is None:
        raise NotFound(
            "This content pillar does not exist in this workspace.", code="pillar_not_found"
        )
    return pillar


def _check_pillar(
    session: Session, actor: Actor, name: str, share: int, other_than: uuid.UUID | None
) -> None:
    if repository.pillar_named(session, actor.workspace_id, name, other_than) is not None:
        raise Conflict(
            f"A content pillar named \u201c{name}\u201d already exists; choose another name.",
            code="duplicate_pillar",
        )
    total = repository.pillar_share_total(session, actor.workspace_id, other_than) + share
    if total > MAX_TOTAL_SHARE:
        message = (
            f"The target shares of the pillars would add up to {total} %, over "
            f"{MAX_TOTAL_SHARE} %; lower this one or another pillar's first."
        )
        raise Invalid(
            message,
            code="pillar_share_over",
            errors=[
                FieldError(
                    "target_share",
                    "total_share",
                    message,
                    limit=MAX_TOTAL_SHARE,
                    actual=total,
                )
            ],
        )


def create_pillar(session: Session, actor: Actor, data: PillarCreate) -> ContentPillar:
    actor.require(P.WORKSPACE_MANAGE)
    name = " ".join(data.name.split())
    _check_pillar(session, actor, name, data.target_share, None)
    pillar = ContentPillar(
        workspace_id=actor.workspace_id,
        name=name,
        description=data.description,
        target_share=data.target_share,
        color=data.color.lower(),
    )
    repository.add(session, pillar)
    record(session, actor, "pillar.create", "content_pillar", pillar.id, after=snapshot(pillar))
    return pillar


def update_pillar(
    session: Session, actor: Actor, pillar_id: uuid.UUID, data: PillarUpdate
) -> ContentPillar:
    actor.require(P.WORKSPACE_MANAGE)
    pillar = _pillar(session, actor, pillar_id)
    before = snapshot(pillar)
    name = " ".join(data.name.split()) if data.name is not None else pillar.name
    share = data.target_share if data.target_share is not None else pillar.target_share
    _check_pillar(session, actor, name, share, pillar.id)
    pillar.name, pillar.target_share = name, share
    if data.description is not None:
        pillar.description = data.description
    if data.color is not None:
        pillar.color = data.color.lower()
    session.flush()
    record(
        session,
        actor,
        "pillar.update",
        "content_pillar",
        pillar.id,
        before=before,
        after=snapshot(pillar),
    )
    return pillar


def delete_pillar(session: Session, actor: Actor, pillar_id: uuid.UUID) -> None:
    """Posts of a deleted pillar keep existing, without a pillar."""
    actor.require(P.WORKSPACE_MANAGE)
    pillar = _pillar(session, actor, pillar_id)
    before = snapshot(pillar)
    repository.delete(session, pillar)
    record(session, actor, "pillar.delete", "content_pillar", pillar_id, before=before)

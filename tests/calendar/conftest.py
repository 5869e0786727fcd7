"""Fixtures of the calendar tests: a team (tests.posts), an X channel, dated variants."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from orchestre.models import Channel, PostVariant, VariantState
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from tests.factories import make_channel
from tests.posts.conftest import Team, build_team

S = VariantState


@pytest.fixture
def team(db: Session) -> Team:
    found = build_team(db)
    found.channels.append(make_channel(db, found.ws, network="x", handle="@xbrand"))
    return found


@pytest.fixture
def other(db: Session) -> Team:
    return build_team(db)


def scheduled_post(
    db: Session,
    team: Team,
    local_time: str,
    channels: list[Channel] | None = None,
    text: str = "Spring collection is out",
    **extra: object,
) -> uuid.UUID:
    """A post approved directly (review is tested elsewhere) and scheduled at a wall time."""
    actor = team.actor()
    targets = channels or [team.channels[0]]
    data = PostCreate.model_validate(
        {"base_text": text, "channel_ids": [c.id for c in targets], **extra}
    )
    post_id = posts.create_post(db, actor, data).post.id
    db.execute(
        update(PostVariant)
        .where(PostVariant.post_id == post_id)
        .values(state=S.APPROVED.value)
        .execution_options(synchronize_session="fetch")
    )
    scheduling.schedule(db, actor, post_id, ScheduleCreate(local_time=local_time))
    return post_id


def mark(db: Session, post_id: uuid.UUID, state: VariantState, **values: datetime) -> None:
    """Move a post's variants to a later state directly (the engine is tested elsewhere)."""
    db.execute(
        update(PostVariant)
        .where(PostVariant.post_id == post_id)
        .values(state=state.value, **values)
        .execution_options(synchronize_session="fetch")
    )

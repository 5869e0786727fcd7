"""JSON routes of the composer: live checks and adaptations of a variant being written."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.posts import compose
from orchestre.posts.compose_schemas import AdaptResult, CheckResult, ComposeAdapt, ComposeCheck

router = APIRouter(tags=["composer"])
COMPOSE = "/workspaces/{workspace_id}/compose"


@router.post(COMPOSE + "/check", response_model=CheckResult, responses=problems(422))
def check(workspace_id: uuid.UUID, body: ComposeCheck, actor: CurrentActor, db: DB) -> CheckResult:
    """Measure a text as its network counts it (needs posts.view): `{ok, length, limit,
    violations[]}` like `orchestre validate`, plus each counter with what is left."""
    return compose.check(db, actor, body)


@router.post(COMPOSE + "/adapt", response_model=AdaptResult, responses=problems(422))
def adapt(workspace_id: uuid.UUID, body: ComposeAdapt, actor: CurrentActor, db: DB) -> AdaptResult:
    """Adapt a text to its network (needs posts.create): `split_thread` into numbered posts,
    `shorten`, `hashtags_to_end`, `hashtags_to_first_comment`, `trim_hashtags`, `add_utm`."""
    return compose.adapt_text(db, actor, body)

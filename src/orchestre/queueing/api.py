"""JSON routes of queueing: posting slots per channel, "add to queue", a variant's repeat."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.posts.schemas import Post, post_out
from orchestre.queueing import repeats, schemas, service

router = APIRouter(tags=["queueing"])

BASE = "/workspaces/{workspace_id}"
SLOTS = BASE + "/channels/{channel_id}/slots"
REPEAT = BASE + "/posts/{post_id}/variants/{variant_id}/repeat"


def _listing(found: service.SlotListing) -> schemas.SlotList:
    return schemas.SlotList.model_validate(found)


@router.get(SLOTS, response_model=schemas.SlotList, responses=problems(400, 422))
def list_slots(
    workspace_id: uuid.UUID, channel_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.SlotList:
    """The channel's weekly posting slots (workspace's wall time) and its next free ones."""
    return _listing(service.list_slots(db, actor, channel_id))


@router.post(
    SLOTS,
    response_model=list[schemas.Slot],
    status_code=status.HTTP_201_CREATED,
    responses=problems(400, 422),
)
def add_slots(
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    body: schemas.SlotCreate,
    actor: CurrentActor,
    db: DB,
) -> list[schemas.Slot]:
    """Add a wall time on some weekdays (e.g. Monday to Friday at 09:00)."""
    made = service.add_slots(db, actor, channel_id, body.weekdays, body.time)
    return [schemas.Slot.model_validate(s) for s in made]


@router.delete(
    SLOTS + "/{slot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(400, 422),
)
def delete_slot(
    workspace_id: uuid.UUID, channel_id: uuid.UUID, slot_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Remove a slot; posts already queued on it keep their time."""
    service.delete_slot(db, actor, channel_id, slot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    BASE + "/posts/{post_id}/queue",
    response_model=Post,
    responses=problems(
        409, 422, described={409: "Not approved, or the channel has no free posting slot"}
    ),
)
def add_to_queue(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    body: schemas.QueueCreate | None = None,
) -> Post:
    """Each approved variant takes the next free posting slot of its channel."""
    variant_ids = body.variant_ids if body is not None else None
    return post_out(service.add_to_queue(db, actor, post_id, variant_ids))


@router.get(REPEAT, response_model=schemas.Repeat, responses=problems(400, 422))
def get_repeat(
    workspace_id: uuid.UUID, post_id: uuid.UUID, variant_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Repeat:
    """How the variant repeats, with its next dates in the workspace's wall time."""
    return schemas.Repeat.model_validate(repeats.get_repeat(db, actor, post_id, variant_id))


@router.put(
    REPEAT,
    response_model=schemas.Repeat,
    responses=problems(
        409, 422, described={409: "Not approved, being published, or no free posting slot"}
    ),
)
def set_repeat(
    workspace_id: uuid.UUID,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    body: schemas.RepeatSet,
    actor: CurrentActor,
    db: DB,
) -> schemas.Repeat:
    """Repeat the variant by an RRULE (every Monday, the first of the month, until a date or
    N times) or as evergreen content; its next occurrence is planned at once."""
    data = repeats.RepeatInput(body.kind, body.rule, body.start_local, body.min_gap_days)
    return schemas.Repeat.model_validate(repeats.set_repeat(db, actor, post_id, variant_id, data))


@router.delete(
    REPEAT,
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(400, 409, 422),
)
def clear_repeat(
    workspace_id: uuid.UUID, post_id: uuid.UUID, variant_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Stop repeating: occurrences that have not gone out are cancelled."""
    repeats.clear_repeat(db, actor, post_id, variant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

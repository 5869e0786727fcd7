"""Routes of the UGC board under /workspaces/{workspace_id}/ugc: collect, the board, an item
with its proof, rights requests and their templates, proposals, a post from an item."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.models.ugc import RightsRequest, UgcItem
from orchestre.posts.schemas import Post, post_out
from orchestre.ugc import rights, service
from orchestre.ugc import schemas as s
from orchestre.ugc.repository import ItemFilters

router = APIRouter(tags=["ugc"])

BASE = "/workspaces/{workspace_id}/ugc"
ITEMS = BASE + "/items"
ITEM = ITEMS + "/{item_id}"
TEMPLATES = BASE + "/templates"
TEMPLATE = TEMPLATES + "/{template_id}"


def _request_out(request: RightsRequest | None) -> s.RightsRequestOut | None:
    return s.RightsRequestOut.model_validate(request) if request is not None else None


def _template_out(template: rights.Template) -> s.TemplateOut:
    return s.TemplateOut(
        id=template.id,
        name=template.name,
        language=template.language,
        body=template.body,
        grant_keywords=list(template.grant_keywords),
        refuse_keywords=list(template.refuse_keywords),
        shipped=template.shipped,
    )


def _item_out(item: UgcItem) -> s.Item:
    return s.Item.model_validate(item)


@router.get(ITEMS, response_model=s.Board, responses=problems(422))
def board(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    status: str | None = None,
    network: str | None = None,
    tag: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> s.Board:
    """The board, newest collected first (200 at most), with each item's latest request."""
    found = service.board(db, actor, ItemFilters(status, network, tag, q))
    items = [
        s.BoardItem.model_validate(
            {
                **_item_out(i).model_dump(),
                "latest_request": _request_out(found.requests.get(i.id)),
            }
        )
        for i in found.items
    ]
    return s.Board(items=items, counts=found.counts)


@router.post(ITEMS, status_code=201, response_model=s.Item, responses=problems(409, 422))
def collect(workspace_id: uuid.UUID, body: s.ItemCollect, actor: CurrentActor, db: DB) -> s.Item:
    """Add an inbox message or a listening mention to the board (once: again is the same)."""
    return _item_out(service.collect(db, actor, body.message_id, body.mention_id))


@router.get(BASE + "/proposals", response_model=list[s.Proposal], responses=problems())
def proposals(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Proposal]:
    """Recent brand mentions with a photo or video link, not on the board yet."""
    return [
        s.Proposal(
            mention_id=p.mention.id,
            network=p.mention.network,
            author_handle=p.mention.author_handle,
            text=p.mention.text,
            url=p.mention.url,
            published_at=p.mention.published_at,
            media_urls=p.media_urls,
        )
        for p in service.proposals(db, actor)
    ]


@router.get(ITEM, response_model=s.ItemDetail, responses=problems())
def get_item(
    workspace_id: uuid.UUID, item_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.ItemDetail:
    """An item with every rights request (newest first) and the proof of the answer."""
    detail = service.item_detail(db, actor, item_id)
    return s.ItemDetail.model_validate(
        {
            **_item_out(detail.item).model_dump(),
            "requests": [_request_out(r) for r in detail.requests],
            "post_ids": detail.post_ids,
        }
    )


@router.patch(ITEM, response_model=s.Item, responses=problems(422))
def update_item(
    workspace_id: uuid.UUID, item_id: uuid.UUID, body: s.ItemUpdate, actor: CurrentActor, db: DB
) -> s.Item:
    item = service.update_item(db, actor, item_id, tags=body.tags, media_ids=body.media_ids)
    return _item_out(item)


@router.delete(ITEM, status_code=204, response_class=Response, responses=problems(409))
def delete_item(
    workspace_id: uuid.UUID, item_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    service.delete_item(db, actor, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _ask(body: s.RightsAsk) -> rights.RequestInput:
    return rights.RequestInput(
        language=body.language,
        text=body.text,
        template_id=body.template_id,
        wait_days=body.wait_days,
        values=dict(body.values),
    )


@router.post(ITEM + "/rights/preview", response_model=s.RightsPreview, responses=problems(422))
def preview_request(
    workspace_id: uuid.UUID, item_id: uuid.UUID, body: s.RightsAsk, actor: CurrentActor, db: DB
) -> s.RightsPreview:
    """The request's text filled for this creator, without sending it."""
    return s.RightsPreview(text=rights.preview(db, actor, item_id, _ask(body)))


@router.post(
    ITEM + "/rights",
    status_code=201,
    response_model=s.RightsRequestOut,
    responses=problems(409, 422),
)
def request_rights(
    workspace_id: uuid.UUID, item_id: uuid.UUID, body: s.RightsAsk, actor: CurrentActor, db: DB
) -> s.RightsRequestOut:
    """Reply to the creator in their thread; their #yes or #no there decides (watched)."""
    out = _request_out(rights.request_rights(db, actor, item_id, _ask(body)))
    assert out is not None
    return out


@router.post(ITEM + "/posts", status_code=201, response_model=Post, responses=problems(409, 422))
def create_post(
    workspace_id: uuid.UUID, item_id: uuid.UUID, body: s.PostFromItem, actor: CurrentActor, db: DB
) -> Post:
    """A draft post from a granted item, credited to its creator on each channel."""
    view = service.create_post(db, actor, item_id, body.channel_ids, body.text, body.language)
    return post_out(view)


@router.get(TEMPLATES, response_model=list[s.TemplateOut], responses=problems())
def list_templates(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.TemplateOut]:
    """The workspace's saved requests, then the shipped ones (English, French)."""
    return [_template_out(t) for t in rights.list_templates(db, actor)]


def _template_in(body: s.TemplateIn) -> rights.TemplateInput:
    return rights.TemplateInput(
        body.name, body.language, body.body, body.grant_keywords, body.refuse_keywords
    )


@router.post(TEMPLATES, status_code=201, response_model=s.TemplateOut, responses=problems(409, 422))
def create_template(
    workspace_id: uuid.UUID, body: s.TemplateIn, actor: CurrentActor, db: DB
) -> s.TemplateOut:
    return _template_out(rights.save_template(db, actor, _template_in(body)))


@router.put(TEMPLATE, response_model=s.TemplateOut, responses=problems(409, 422))
def update_template(
    workspace_id: uuid.UUID, template_id: uuid.UUID, body: s.TemplateIn, actor: CurrentActor, db: DB
) -> s.TemplateOut:
    return _template_out(rights.save_template(db, actor, _template_in(body), template_id))


@router.delete(TEMPLATE, status_code=204, response_class=Response, responses=problems())
def delete_template(
    workspace_id: uuid.UUID, template_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    rights.delete_template(db, actor, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

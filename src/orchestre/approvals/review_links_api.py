"""JSON routes of the review links (the reviewer's own page is web/views/review_links.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from orchestre.apischema import problems
from orchestre.approvals import review_links as links
from orchestre.approvals.review_links_schemas import (
    ReviewLink,
    ReviewLinkCreate,
    ReviewLinkCreated,
)
from orchestre.approvals.review_links_tokens import LinkSigner
from orchestre.deps import DB, AppSettings, CurrentActor
from orchestre.kit.keys import load_keys

router = APIRouter(tags=["approvals"])

LINKS = "/workspaces/{workspace_id}/review-links"


def _out(view: links.LinkView) -> dict[str, object]:
    link = view.link
    return {
        **{name: getattr(link, name) for name in ReviewLink.model_fields if hasattr(link, name)},
        "status": view.status,
        "post_ids": view.post_ids,
        "decisions": view.decisions,
        "comments": view.comments,
    }


@router.get(LINKS, response_model=list[ReviewLink], responses=problems())
def list_links(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[ReviewLink]:
    """Every review link of the workspace, newest first, with how it has been used."""
    return [ReviewLink.model_validate(_out(v)) for v in links.list_links(db, actor)]


@router.post(LINKS, status_code=201, response_model=ReviewLinkCreated, responses=problems(422))
def create_link(
    workspace_id: uuid.UUID,
    body: ReviewLinkCreate,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
) -> ReviewLinkCreated:
    """A signed link for a reviewer without an account; the token is shown only here."""
    data = links.LinkInput(**body.model_dump())
    made = links.create_link(db, actor, LinkSigner(load_keys(settings)), data)
    view = links.LinkView(made.link, "active", list(dict.fromkeys(body.post_ids)), 0, 0)
    return ReviewLinkCreated.model_validate(
        {**_out(view), "token": made.token, "url": settings.base_url.rstrip("/") + made.path}
    )


@router.delete(LINKS + "/{review_link_id}", status_code=204, responses=problems())
def revoke_link(
    workspace_id: uuid.UUID, review_link_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """The link stops working at once; what was done through it stays in the history."""
    links.revoke_link(db, actor, review_link_id)
    return Response(status_code=204)


@router.delete(LINKS + "/{review_link_id}/posts/{post_id}", status_code=204, responses=problems())
def remove_post(
    workspace_id: uuid.UUID,
    review_link_id: uuid.UUID,
    post_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
) -> Response:
    """Take a post out of the link: its reviewer no longer sees it."""
    links.remove_post(db, actor, review_link_id, post_id)
    return Response(status_code=204)

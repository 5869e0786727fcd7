"""Review links in the browser: the team's page to make and revoke them, and the page a
reviewer without an account opens (`/review/<token>`), where the token is the only key.

The reviewer's page has no session, so no CSRF token: a forged form would have to carry
the link's token, which is the very secret it would need to steal first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.approvals import review_links as links
from orchestre.approvals import service as approvals
from orchestre.approvals.review_links_tokens import LinkSigner
from orchestre.approvals.rules import refusal_to_decide
from orchestre.deps import DB, AppSettings
from orchestre.errors import FieldError, Forbidden, Invalid, NotFound
from orchestre.kit.keys import load_keys
from orchestre.models import ApprovalStep, Channel
from orchestre.posts.library_api import serve_stored
from orchestre.web import compose_preview, i18n
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceWrite, page_language
from orchestre.web.shell import shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter()
TEAM = "/w/{workspace_id}/review-links"
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}
PUBLIC = {**PRIVATE, "Referrer-Policy": "no-referrer"}
Language = Annotated[i18n.Language, Depends(page_language)]


def signer(settings: AppSettings) -> LinkSigner:
    return LinkSigner(load_keys(settings))


Signer = Annotated[LinkSigner, Depends(signer)]


# --- the team's page ----------------------------------------------------------------------


def _team_page(
    request: Request, view: CurrentWorkspace, status_code: int = 200, **extra: Any
) -> Response:
    view.actor.require(Permission.REVIEW_LINKS_MANAGE)
    context = shell_context(request, view, "approvals")
    posts = links.candidate_posts(view.db, view.actor)
    context.update(
        links=links.list_links(view.db, view.actor),
        posts=posts,
        titles={p.id: p.title or p.base_text[:60] for p in posts},
        steps=_steps(view),
        chosen=set(request.query_params.getlist("post")),
        max_days=links.MAX_DAYS,
        **extra,
    )
    return render(request, "review/team.html", context, status_code=status_code)


def _steps(view: CurrentWorkspace) -> list[ApprovalStep]:
    """The steps this member may hand to a link: those they may decide themselves."""
    steps = approvals.list_steps(view.db, view.actor)
    return [s for s in steps if refusal_to_decide(view.actor, s, None) is None]


@router.get(TEAM, response_class=HTMLResponse)
def team_page(request: Request, view: CurrentWorkspace) -> Response:
    return _team_page(request, view)


def _days(raw: str) -> int:
    try:
        return int(raw or links.DEFAULT_DAYS)
    except ValueError:
        return 0


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@router.post(TEAM, response_class=HTMLResponse)
def create(request: Request, view: WorkspaceWrite, form: Form, sign: Signer) -> Response:
    post_ids = [p for p in (_uuid_or_none(raw) for raw in texts(form, "post_ids")) if p]
    data = links.LinkInput(
        post_ids=post_ids,
        reviewer_name=text(form, "reviewer_name"),
        reviewer_email=text(form, "reviewer_email"),
        days=_days(text(form, "days")),
        allow_decisions=text(form, "permission", "decide") == "decide",
        step_id=_uuid_or_none(text(form, "step_id")),
    )
    made: links.Created | None = None
    with attempt(view.db) as errors:
        made = links.create_link(view.db, view.actor, sign, data)
    if errors or made is None:
        return _team_page(request, view, 422, errors=errors, form=form)
    url = str(request.base_url).rstrip("/") + made.path
    return _team_page(request, view, created_url=url, created=made.link)


@router.post(TEAM + "/{link_id}/revoke", response_class=HTMLResponse)
def revoke(view: WorkspaceWrite, link_id: uuid.UUID) -> Response:
    links.revoke_link(view.db, view.actor, link_id)
    return redirect(f"{view.base}/review-links")


# --- the reviewer's page ------------------------------------------------------------------


@dataclass(frozen=True)
class _Channel:
    id: str


@dataclass(frozen=True)
class Shown:
    """What posts/compose/_preview.html reads: a channel id and a network preview; and the
    files the reviewer sees (images, videos' cover frames) beside those they cannot."""

    channel: _Channel
    preview: compose_preview.Preview
    media_count: int
    shown_media: tuple[tuple[uuid.UUID, str], ...] = ()  # (media id, alt text)

    @property
    def hidden_media(self) -> int:
        return self.media_count - len(self.shown_media)


def _preview(variant: links.PublicVariant) -> Shown:
    v, channel = variant.variant, variant.channel
    options = dict(v.options or {})
    parts = options.pop("thread", None)
    thread = [str(part) for part in parts] if isinstance(parts, list) else []
    built = compose_preview.build(
        network=channel.network,
        name=channel.display_name,
        handle=channel.handle,
        avatar_url=None,  # an outside address would tell the network who looks
        text=v.text,
        thread=thread,
        first_comment=v.first_comment or "",
        link_url=v.link_url,
        options=options,
    )
    # Images and videos' cover frames are shown through the link; other files are counted.
    seen = tuple((a.id, a.alt_text) for a in variant.media if links.viewable(a))
    return Shown(_Channel(f"{v.id}"), replace(built, needs_media=False), len(v.media), seen)


def _public_context(review: links.PublicReview, token: str) -> dict[str, Any]:
    return {
        "review": review,
        "token": token,
        "previews": {p.post.id: [_preview(v) for v in p.variants] for p in review.posts},
        "channel_of": _channel_name,
    }


def _channel_name(channel: Channel) -> str:
    return channel.display_name or channel.handle


@router.get("/review/{token}", response_class=HTMLResponse)
def public_page(request: Request, token: str, db: DB, sign: Signer, language: Language) -> Response:
    try:
        review = links.open_review(db, sign, token)
    except NotFound:
        return render(request, "review/gone.html", {}, status_code=404, headers=PUBLIC)
    context = _public_context(review, token)
    context["done_post"] = request.query_params.get("done", "")
    return render(request, "review/public.html", context, headers=PUBLIC)


@router.get("/review/{token}/media/{media_id}", response_class=Response)
def public_media(
    token: str, media_id: uuid.UUID, db: DB, sign: Signer, settings: AppSettings
) -> Response:
    """An image of one of the link's posts, or a video's cover frame; nothing else."""
    asset, key = links.shown_media(db, sign, token, media_id)
    content_type = asset.content_type if key == asset.storage_key else "image/jpeg"
    response = serve_stored(settings, key, content_type, None, links.MISSING_FILE)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/review/{token}/posts/{post_id}", response_class=HTMLResponse)
def public_act(
    request: Request,
    token: str,
    post_id: uuid.UUID,
    db: DB,
    sign: Signer,
    form: Form,
    language: Language,
) -> Response:
    raw = text(form, "action")
    action: links.Act = "comment"
    if raw in ("approved", "changes_requested"):
        action = "approved" if raw == "approved" else "changes_requested"
    comment = text(form, "comment")
    errors: list[FieldError] = []
    try:
        with attempt(db) as errors:
            links.act(db, sign, token, post_id, action, comment)
    except Forbidden as exc:
        errors = [FieldError("form", exc.code, _(exc.detail))]
    review = links.review_of(db, links.resolve(db, sign, token))
    post = next((p for p in review.posts if p.post.id == post_id), None)
    if post is None:
        raise NotFound("This post is not in the review link.", code="post_not_found")
    context = _public_context(review, token)
    status = 422 if errors else 200
    if not request.headers.get("hx-request"):
        if errors:
            raise Invalid(errors[0].message, code="invalid_review_act", errors=errors)
        return redirect(f"/review/{token}?done={post_id}#post-{post_id}")
    context.update(p=post, errors=errors, comment=comment if errors else "", done=not errors)
    return render(request, "review/_post.html", context, status_code=status, headers=PUBLIC)

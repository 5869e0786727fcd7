"""Post pages: the list with its filters, the editor, and the detail with review and comments."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from orchestre.approvals import comments as post_comments
from orchestre.approvals import service as approvals
from orchestre.connectors.rules.poll import poll_of
from orchestre.errors import FieldError, Invalid
from orchestre.posts import campaigns as campaign_service
from orchestre.posts import editorial, scheduling
from orchestre.posts import service as posts
from orchestre.posts.repository import PostFilters
from orchestre.posts.schemas import (
    PostChannelCreate,
    PostCreate,
    PostUpdate,
    ScheduleCreate,
    UnscheduleCreate,
    VariantUpdate,
)
from orchestre.posts.service import PostView
from orchestre.web.forms import Form, attempt, optional, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.web.status import STATES, post_status
from orchestre.web.views import assistant as assistant_views
from orchestre.web.views.compose import OPTION_KEYS, live_for, variant_options
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _choices(view: WorkspaceView) -> dict[str, Any]:
    """What the editor and the filters offer: channels, campaigns and content pillars."""
    return {
        "channels": list_channels(view),
        "campaigns": campaign_service.list_campaigns(view.db, view.actor, limit=200).items,
        "pillars": editorial.list_pillars(view.db, view.actor, limit=200).items,
    }


@router.get("/posts", response_class=HTMLResponse)
def post_list(request: Request, view: CurrentWorkspace) -> Response:
    params = request.query_params
    status = params.get("status") if params.get("status") in STATES else None
    filters = PostFilters(
        status=status,
        channel_id=_uuid(params.get("channel")),
        campaign_id=_uuid(params.get("campaign")),
        q=(params.get("q") or "").strip() or None,
    )
    page = posts.list_posts(view.db, view.actor, filters, cursor=params.get("cursor"), limit=25)
    context = shell_context(request, view, "posts")
    context.update(_choices(view))
    context.update(
        page=page,
        rows=[(item, post_status(item)) for item in page.items],
        filters={
            "status": status or "",
            "channel": params.get("channel", ""),
            "campaign": params.get("campaign", ""),
            "q": filters.q or "",
        },
        filtered=any((status, filters.channel_id, filters.campaign_id, filters.q)),
        states=STATES,
    )
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "post-rows":
        return render(request, "posts/_rows.html", context)
    return render(request, "posts/list.html", context)


# --- editor -------------------------------------------------------------------------------


def _post_fields(form: FormData) -> dict[str, Any]:
    tags = [t.strip() for t in text(form, "tags").split(",") if t.strip()]
    return {
        "title": text(form, "title").strip(),
        "base_text": text(form, "base_text"),
        "campaign_id": optional(form, "campaign_id"),
        "pillar_id": optional(form, "pillar_id"),
        "tags": tags,
        "internal_notes": text(form, "internal_notes"),
    }


def _variant_fields(form: FormData, channel_id: str) -> dict[str, Any]:
    return {
        "text": optional(form, f"text-{channel_id}"),
        "link_url": optional(form, f"link-{channel_id}"),
        "first_comment": optional(form, f"first_comment-{channel_id}"),
        # Network options and thread parts (options["thread"]); None when the tab has none.
        "options": variant_options(form, channel_id) or None,
    }


def _invalid(exc: ValidationError, handles: dict[int, str]) -> Invalid:
    """Schema errors as field errors named like the service's (`variants[@handle].text`)."""
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if len(loc) >= 3 and loc[0] == "variants" and loc[1].isdigit():
            field = f"variants[{handles.get(int(loc[1]), loc[1])}].{loc[2]}"
        else:
            field = ".".join(loc)
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.append(FieldError(field, str(error["type"]), message))
    return Invalid(_("Some fields need fixing."), code="validation_failed", errors=errors)


def _create(view: WorkspaceView, form: FormData) -> PostView:
    channel_ids = texts(form, "channel_ids")
    handles = {c.id: c.handle for c in list_channels(view)}
    data = _post_fields(form) | {
        "channel_ids": channel_ids,
        "variants": [{"channel_id": cid} | _variant_fields(form, cid) for cid in channel_ids],
    }
    if not channel_ids:
        message = _("Choose at least one channel to publish on.")
        raise Invalid(
            message,
            code="validation_failed",
            errors=[FieldError("channel_ids", "required", message)],
        )
    try:
        spec = PostCreate.model_validate(data)
    except ValidationError as exc:
        by_index = {
            i: handles.get(_uuid(cid) or uuid.UUID(int=0), cid) for i, cid in enumerate(channel_ids)
        }
        raise _invalid(exc, by_index) from exc
    return posts.create_post(view.db, view.actor, spec)


def _update(view: WorkspaceView, post_id: uuid.UUID, form: FormData) -> PostView:
    """Apply the editor to a saved post: its fields, its variants, added and removed channels."""
    raw_version = text(form, "version")
    version = int(raw_version) if raw_version.isdigit() else 0
    try:
        spec = PostUpdate.model_validate(_post_fields(form) | {"version": version})
    except ValidationError as exc:
        raise _invalid(exc, {}) from exc
    current = posts.update_post(view.db, view.actor, post_id, spec)
    wanted = set(texts(form, "channel_ids"))
    if not wanted:
        message = _("Choose at least one channel to publish on.")
        raise Invalid(
            message,
            code="validation_failed",
            errors=[FieldError("channel_ids", "required", message)],
        )
    return _sync_variants(view, current, form, wanted)


def _sync_variants(
    view: WorkspaceView, current: PostView, form: FormData, wanted: set[str]
) -> PostView:
    post_id = current.post.id
    for item in list(current.variants):
        cid = str(item.channel.id)
        if cid not in wanted or item.variant.state in ("published", "publishing"):
            continue
        fields = _variant_fields(form, cid)
        fields["text"] = fields["text"] or current.post.base_text
        # An empty options dict and none are the same: no option set.
        changed = {k: v for k, v in fields.items() if (getattr(item.variant, k) or None) != v}
        if changed:
            try:
                spec = VariantUpdate.model_validate(changed | {"version": current.post.version})
            except ValidationError as exc:
                raise _invalid(exc, {0: item.channel.handle}) from exc
            current = posts.update_variant(view.db, view.actor, post_id, item.variant.id, spec)
    existing = {str(item.channel.id) for item in current.variants}
    # New channels first, so swapping a post's only channel never leaves it with none.
    for cid in sorted(wanted - existing):
        try:
            add = PostChannelCreate.model_validate(
                {"channel_id": cid, "version": current.post.version} | _variant_fields(form, cid)
            )
        except ValidationError as exc:
            raise _invalid(exc, {}) from exc
        current = posts.add_channel(view.db, view.actor, post_id, add)
    for item in list(current.variants):
        if str(item.channel.id) not in wanted:
            current = posts.remove_channel(
                view.db, view.actor, post_id, item.variant.id, version=current.post.version
            )
    return current


def _variant_values(item: Any) -> dict[str, Any]:
    """A saved variant as the editor's form fields."""
    cid = str(item.channel.id)
    variant = item.variant
    options = variant.options or {}
    values: dict[str, Any] = {
        f"text-{cid}": variant.text,
        f"link-{cid}": variant.link_url or "",
        f"first_comment-{cid}": variant.first_comment or "",
        f"thread-{cid}": [str(part) for part in options.get("thread") or []],
        f"media-{cid}": [str(asset.id) for asset in item.media],
    }
    for key in OPTION_KEYS:
        if options.get(key) is not None:
            values[f"opt-{cid}-{key}"] = str(options[key])
    poll = poll_of(options)
    if poll is not None:
        values[f"poll-{cid}"] = list(poll.options)
        values[f"poll_minutes-{cid}"] = str(poll.duration_minutes)
    return values


def _editor(
    request: Request,
    view: WorkspaceView,
    current: PostView | None,
    form: FormData | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    context = shell_context(request, view, "compose" if current is None else "posts")
    context.update(_choices(view))
    values: dict[str, Any] = {}
    if form is not None:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        selected = texts(form, "channel_ids")
    elif current is not None:
        post = current.post
        values = {
            "title": post.title,
            "base_text": post.base_text,
            "tags": ", ".join(post.tags),
            "internal_notes": post.internal_notes,
            "version": str(post.version),
            "campaign_id": str(post.campaign_id or ""),
            "pillar_id": str(post.pillar_id or ""),
        }
        for item in current.variants:
            values.update(_variant_values(item))
        selected = [str(item.channel.id) for item in current.variants]
    else:
        selected = [str(c.id) for c in context["channels"]][:1]
    if form is not None:
        for cid in selected:
            values[f"thread-{cid}"] = [p for p in texts(form, f"thread-{cid}") if p.strip()]
            values[f"poll-{cid}"] = texts(form, f"poll-{cid}")
            values[f"media-{cid}"] = texts(form, f"media-{cid}")
    lives = live_for(view, form if form is not None else values, selected, current)
    context.update(
        current=current,
        values=values,
        selected=selected,
        errors=errors or [],
        # The live check (lives) shows every finding of each variant, saved or not.
        findings={},
        lives=lives,
    )
    return render(request, "posts/editor.html", context, status_code=status_code)


@router.get("/posts/new", response_class=HTMLResponse)
def new_post(request: Request, view: CurrentWorkspace) -> Response:
    view.actor.require(Permission.POSTS_CREATE)
    return _editor(request, view, None)


def _after_save(
    request: Request, view: WorkspaceView, current: PostView, form: FormData
) -> Response:
    assistant_views.record_drafts(view, current.post.id, form)
    if text(form, "action") != "submit":
        return redirect(f"{view.base}/posts/{current.post.id}/edit", "draft_saved")
    with attempt(view.db) as errors:
        approvals.submit(view.db, view.actor, current.post.id)
    if errors:
        fresh = posts.get_post(view.db, view.actor, current.post.id)
        return _editor(request, view, fresh, None, errors, status_code=422)
    return redirect(f"{view.base}/posts/{current.post.id}", "submitted")


@router.post("/posts/new", response_class=HTMLResponse)
def create_post(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    with attempt(view.db) as errors:
        created = _create(view, form)
    if errors:
        return _editor(request, view, None, form, errors, status_code=422)
    return _after_save(request, view, created, form)


@router.get("/posts/{post_id}/edit", response_class=HTMLResponse)
def edit_post(request: Request, view: CurrentWorkspace, post_id: uuid.UUID) -> Response:
    return _editor(request, view, posts.get_post(view.db, view.actor, post_id))


@router.post("/posts/{post_id}/edit", response_class=HTMLResponse)
def save_post(request: Request, view: WorkspaceWrite, post_id: uuid.UUID, form: Form) -> Response:
    with attempt(view.db) as errors:
        saved = _update(view, post_id, form)
    if errors:
        current = posts.get_post(view.db, view.actor, post_id)
        return _editor(request, view, current, form, errors, status_code=422)
    return _after_save(request, view, saved, form)


# --- detail, review and schedule ------------------------------------------------------------


def _detail(
    request: Request,
    view: WorkspaceView,
    post_id: uuid.UUID,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    current = posts.get_post(view.db, view.actor, post_id)
    context = shell_context(request, view, "posts")
    members = _members(view)
    context.update(
        current=current,
        status=post_status(current),
        review=approvals.review_of(view.db, view.actor, post_id),
        comments=post_comments.list_comments(view.db, view.actor, post_id, limit=200).items,
        members=members,
        authors={m.id: m.name for m in members},
        errors=errors or [],
        may_schedule=view.can(Permission.POSTS_SCHEDULE)
        and any(item.variant.state == "approved" for item in current.variants),
        may_unschedule=view.can(Permission.POSTS_SCHEDULE)
        and any(item.variant.state == "scheduled" for item in current.variants),
        may_submit=view.can(Permission.POSTS_SUBMIT)
        and any(item.variant.state == "draft" for item in current.variants),
        workspace_zone=view.workspace.timezone,
    )
    return render(request, "posts/detail.html", context, status_code=status_code)


def _members(view: WorkspaceView) -> list[Any]:
    from orchestre.workspaces import service as workspaces

    return [user for _m, user in workspaces.list_members(view.db, view.actor, limit=200).items]


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_detail(request: Request, view: CurrentWorkspace, post_id: uuid.UUID) -> Response:
    return _detail(request, view, post_id)


@router.post("/posts/{post_id}/submit", response_class=HTMLResponse)
def submit_post(request: Request, view: WorkspaceWrite, post_id: uuid.UUID) -> Response:
    with attempt(view.db) as errors:
        approvals.submit(view.db, view.actor, post_id)
    if errors:
        return _detail(request, view, post_id, errors, status_code=422)
    return redirect(f"{view.base}/posts/{post_id}", "submitted")


@router.post("/posts/{post_id}/schedule", response_class=HTMLResponse)
def schedule_post(
    request: Request, view: WorkspaceWrite, post_id: uuid.UUID, form: Form
) -> Response:
    with attempt(view.db) as errors:
        try:
            spec = ScheduleCreate.model_validate({"local_time": text(form, "local_time")})
        except ValidationError as exc:
            message = _("Choose a date and a time.")
            raise Invalid(
                message,
                code="validation_failed",
                errors=[FieldError("local_time", "required", message)],
            ) from exc
        scheduling.schedule(view.db, view.actor, post_id, spec)
    if errors:
        return _detail(request, view, post_id, errors, status_code=422)
    return redirect(f"{view.base}/posts/{post_id}", "scheduled")


@router.post("/posts/{post_id}/unschedule", response_class=HTMLResponse)
def unschedule_post(request: Request, view: WorkspaceWrite, post_id: uuid.UUID) -> Response:
    scheduling.unschedule(view.db, view.actor, post_id, UnscheduleCreate())
    return redirect(f"{view.base}/posts/{post_id}", "unscheduled")


@router.post("/posts/{post_id}/comments", response_class=HTMLResponse)
def add_comment(request: Request, view: WorkspaceWrite, post_id: uuid.UUID, form: Form) -> Response:
    with attempt(view.db) as errors:
        post_comments.add_comment(view.db, view.actor, post_id, text(form, "body"))
    if not request.headers.get("hx-request"):
        if errors:
            return _detail(request, view, post_id, errors, status_code=422)
        return redirect(f"{view.base}/posts/{post_id}#comments", "comment_added")
    context = shell_context(request, view, "posts")
    context.update(
        current=posts.get_post(view.db, view.actor, post_id),
        comments=post_comments.list_comments(view.db, view.actor, post_id, limit=200).items,
        members=_members(view),
        errors=errors,
        body=text(form, "body") if errors else "",
    )
    return render(request, "posts/_comments.html", context, status_code=422 if errors else 200)

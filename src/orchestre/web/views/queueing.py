"""Pages of queueing: the posting slots of each channel (a settings tab) and "Add to queue"
on a post's page."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.channels import service as channels
from orchestre.errors import Conflict, FieldError, Invalid
from orchestre.queueing import service as queueing
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.web.views.posts import _detail as post_detail
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/settings/slots"


def weekday_names() -> list[str]:
    return [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]


def _page(
    request: Request,
    view: WorkspaceView,
    status_code: int = 200,
    errors: list[FieldError] | None = None,
    failed_channel: uuid.UUID | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    rows = channels.list_channels(view.db, view.actor, limit=200).items
    listings = {c.id: queueing.list_slots(view.db, view.actor, c.id) for c in rows}
    context = shell_context(request, view, "settings")
    context.update(
        tab="slots",
        errors=errors or [],
        failed_channel=failed_channel,
        form=form or {"weekdays": ["0", "1", "2", "3", "4"], "time": "09:00"},
        channels=rows,
        listings=listings,
        weekdays=weekday_names(),
        may_manage=view.can(Permission.CHANNELS_MANAGE),
        workspace_zone=view.workspace.timezone,
    )
    return render(request, "queueing/slots.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    return _page(request, view)


@router.post(PAGE + "/{channel_id}", response_class=HTMLResponse)
def add(request: Request, view: WorkspaceWrite, channel_id: uuid.UUID, form: Form) -> Response:
    picked, hhmm = texts(form, "weekdays"), text(form, "time").strip()
    with attempt(view.db) as errors:
        if not picked:
            message = _("Tick at least one day.")
            raise Invalid(
                message,
                code="weekdays_missing",
                errors=[FieldError("weekdays", "required", message)],
            )
        try:
            days = [int(d) for d in picked]
        except ValueError as exc:
            message = _("Tick at least one day.")
            raise Invalid(
                message, code="bad_weekday", errors=[FieldError("weekdays", "int", message)]
            ) from exc
        queueing.add_slots(view.db, view.actor, channel_id, days, hhmm)
    if errors:
        values = {"weekdays": picked, "time": hhmm}
        return _page(request, view, 422, errors, failed_channel=channel_id, form=values)
    return redirect(f"{view.base}{PAGE}", "settings_saved")


@router.post(PAGE + "/{channel_id}/{slot_id}/delete", response_class=HTMLResponse)
def delete(view: WorkspaceWrite, channel_id: uuid.UUID, slot_id: uuid.UUID) -> Response:
    queueing.delete_slot(view.db, view.actor, channel_id, slot_id)
    return redirect(f"{view.base}{PAGE}", "settings_saved")


def _queue_refusal(exc: Conflict) -> Invalid:
    """The refusal in the reader's language, naming the channel."""
    handle = next((e.actual for e in exc.errors if e.field == "channel_id"), "")
    if exc.code == "no_posting_slots":
        message = _(
            "%(channel)s has no posting slots yet: add some in Settings, Posting slots."
        ) % {"channel": handle}
    elif exc.code == "queue_full":
        message = _("Every posting slot of %(channel)s is taken for the coming year.") % {
            "channel": handle
        }
    else:
        message = _(exc.detail)
    return Invalid(message, code=exc.code, errors=[FieldError("queue", exc.code, message)])


@router.post("/posts/{post_id}/queue", response_class=HTMLResponse)
def add_to_queue(request: Request, view: WorkspaceWrite, post_id: uuid.UUID) -> Response:
    with attempt(view.db) as errors:
        try:
            queueing.add_to_queue(view.db, view.actor, post_id, None)
        except Conflict as exc:
            raise _queue_refusal(exc) from exc
    if errors:
        return post_detail(request, view, post_id, errors, status_code=422)
    return redirect(f"{view.base}/posts/{post_id}", "scheduled")

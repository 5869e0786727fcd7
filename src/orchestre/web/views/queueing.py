"""Pages of queueing: the posting slots of each channel (a settings tab) and "Add to queue"
on a post's page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.channels import service as channels
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.posts import service as post_service
from orchestre.queueing import repeats
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


# --- A post's repeats (a panel of the post's page, loaded with htmx) -------------------------

REPEAT_PANEL = "/posts/{post_id}/repeat"
REPEATABLE = {"approved", "scheduled", "failed", "published"}
# The simple choices of the form and the RRULE each stands for (the start gives the time,
# and the weekday for a weekly rule).
PRESETS = {"daily": "FREQ=DAILY", "weekly": "FREQ=WEEKLY", "monthly": "FREQ=MONTHLY;BYMONTHDAY=1"}


@dataclass(frozen=True)
class RepeatRow:
    variant_id: uuid.UUID
    handle: str
    network: str
    state: str
    repeat: repeats.RepeatView | None


def _repeat_panel(
    request: Request,
    view: WorkspaceView,
    post_id: uuid.UUID,
    errors: list[FieldError] | None = None,
    failed_variant: uuid.UUID | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    current = post_service.get_post(view.db, view.actor, post_id)
    rows = []
    for item in current.variants:
        variant = item.variant
        try:
            found: repeats.RepeatView | None = repeats.get_repeat(
                view.db, view.actor, post_id, variant.id
            )
        except NotFound:
            found = None
        rows.append(
            RepeatRow(variant.id, item.channel.handle, item.channel.network, variant.state, found)
        )
    context: dict[str, Any] = {
        "base": view.base,
        "csrf_token": view.viewer.csrf_token,
        "can": view.can,
        "P": Permission,
        "post_id": post_id,
        "rows": rows,
        "repeatable": REPEATABLE,
        "errors": errors or [],
        "failed_variant": failed_variant,
        "form": form or {},
        "workspace_zone": view.workspace.timezone,
    }
    return render(request, "queueing/_repeat.html", context, status_code=422 if errors else 200)


@router.get(REPEAT_PANEL, response_class=HTMLResponse)
def repeat_panel(request: Request, view: CurrentWorkspace, post_id: uuid.UUID) -> Response:
    return _repeat_panel(request, view, post_id)


def _done(request: Request, view: WorkspaceView, post_id: uuid.UUID) -> Response:
    """Back to the post's page (its variants' states changed): htmx follows HX-Redirect."""
    url = f"{view.base}/posts/{post_id}?done=scheduled"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return redirect(url)


def repeat_input(form: dict[str, str]) -> repeats.RepeatInput:
    """The form's choice as a repeat: a preset or a custom RRULE, ending after N times or on
    a date (local, inclusive), or evergreen with its gap."""
    how = form.get("how", "")
    if how == "evergreen":
        gap = form.get("min_gap_days", "").strip()
        if not gap.isdigit() or not 1 <= int(gap) <= 3650:
            message = _("Give the least number of days between two copies (1 to 3650).")
            raise Invalid(
                message,
                code="bad_gap",
                errors=[FieldError("min_gap_days", "range", message, limit=[1, 3650])],
            )
        return repeats.RepeatInput("evergreen", min_gap_days=int(gap))
    rule = PRESETS.get(how) or form.get("rule", "").strip()
    start = form.get("start_local", "").strip()
    if not start:
        message = _("Choose the date and time of the first one.")
        raise Invalid(
            message,
            code="start_missing",
            errors=[FieldError("start_local", "required", message)],
        )
    count, until = form.get("count", "").strip(), form.get("until", "").strip()
    if count:
        if not count.isdigit() or int(count) < 1:
            message = _("The number of times is a whole number from 1.")
            raise Invalid(message, code="bad_count", errors=[FieldError("count", "range", message)])
        rule += f";COUNT={int(count)}"
    elif until:
        rule += ";UNTIL=" + until.replace("-", "") + "T235959"
    return repeats.RepeatInput("rrule", rule=rule, start_local=start)


@router.post("/posts/{post_id}/variants/{variant_id}/repeat", response_class=HTMLResponse)
def set_repeat(
    request: Request, view: WorkspaceWrite, post_id: uuid.UUID, variant_id: uuid.UUID, form: Form
) -> Response:
    values = {k: text(form, k) for k in ("how", "rule", "start_local", "count", "until")}
    values["min_gap_days"] = text(form, "min_gap_days")
    with attempt(view.db) as errors:
        try:
            repeats.set_repeat(view.db, view.actor, post_id, variant_id, repeat_input(values))
        except Conflict as exc:
            if exc.code in {"no_posting_slots", "queue_full"}:
                raise _queue_refusal(exc) from exc
            raise
    if errors:
        return _repeat_panel(request, view, post_id, errors, variant_id, values)
    return _done(request, view, post_id)


@router.post("/posts/{post_id}/variants/{variant_id}/repeat/stop", response_class=HTMLResponse)
def stop_repeat(
    request: Request, view: WorkspaceWrite, post_id: uuid.UUID, variant_id: uuid.UUID
) -> Response:
    repeats.clear_repeat(view.db, view.actor, post_id, variant_id)
    return _done(request, view, post_id)

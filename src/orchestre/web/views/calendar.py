"""The calendar page: month, week and list views (FullCalendar), its feed address, CSV in and out.

The events themselves come from the JSON API (GET /api/v1/workspaces/{id}/calendar), which
static/js/calendar.js calls with the page's session; a drop calls the posts' schedule
route, the one door for scheduling, and reverts when it refuses.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from orchestre.calendar import bulk, csv_io, feeds
from orchestre.calendar.bulk import ImportReport, RowError
from orchestre.calendar.repository import DATED_STATES
from orchestre.errors import FieldError
from orchestre.posts import campaigns as campaign_service
from orchestre.posts import editorial
from orchestre.web.forms import attempt
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
VIEWS = ("dayGridMonth", "timeGridWeek", "listMonth")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _rule_labels() -> dict[str, str]:
    """Short words for the import rules, in the reader's language (the details stay below)."""
    return {
        "unknown_channel": _("Unknown channel"),
        "date": _("Not a date"),
        "time": _("Not a time"),
        "in_future": _("Time already past"),
        "nonexistent_local_time": _("Time skipped by the clocks (daylight saving)"),
        "unknown_campaign": _("Unknown campaign"),
        "unknown_pillar": _("Unknown pillar"),
        "required": _("Missing"),
    }


def _row_message(error: RowError, zone: str) -> str:
    """A rejected row's reason in the reader's language; the rules we word ourselves first."""
    words = {
        "unknown_channel": _(
            "No channel %(value)s in this workspace (network and handle as on the Channels page)."
        ),
        "date": _("'%(value)s' is not a date; write YYYY-MM-DD or DD/MM/YYYY."),
        "time": _("'%(value)s' is not a time; write HH:MM (24-hour)."),
        "in_future": _("%(value)s is already past; choose a time in the future."),
        "nonexistent_local_time": _(
            "%(value)s does not exist in %(zone)s: the clocks jump forward over it. "
            "Choose a time before or after the jump."
        ),
        "unknown_campaign": _("No campaign named '%(value)s' in this workspace."),
        "unknown_pillar": _("No pillar named '%(value)s' in this workspace."),
        "required": _("The text is empty."),
    }
    found = words.get(error.rule)
    if found is None or (error.value == "" and "%(value)s" in found):
        return _(error.message)
    return found % {"value": error.value, "zone": zone}


def _drop_refusals(zone: str) -> dict[str, str]:
    value = {"value": "{value}", "zone": zone}
    return {
        "nonexistent_local_time": _(
            "%(value)s does not exist in %(zone)s: the clocks jump forward over it. "
            "Choose a time before or after the jump."
        )
        % value,
        "schedule_in_past": _("%(value)s is already past; choose a time in the future.") % value,
        "forbidden": _("Your role does not allow scheduling posts in this workspace."),
    }


def _opening(request: Request) -> dict[str, str | None]:
    """?date=YYYY-MM-DD&view=timeGridWeek open the calendar there; anything else is ignored."""
    day = request.query_params.get("date", "")
    view_name = request.query_params.get("view", "")
    return {
        "initialDate": day if _DAY.match(day) else None,
        "initialView": view_name if view_name in VIEWS else VIEWS[0],
    }


def _feed_context(view: WorkspaceView, url: str | None = None) -> dict[str, Any]:
    return {
        "feed": feeds.feed_status(view.db, view.actor),
        "feed_url": url,
        "base": view.base,
        "csrf_token": view.viewer.csrf_token,
    }


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, view: CurrentWorkspace) -> Response:
    context = shell_context(request, view, "calendar")
    context.update(_feed_context(view))
    context.update(
        channels_filter=list_channels(view),
        campaigns=campaign_service.list_campaigns(view.db, view.actor, limit=200).items,
        pillars=editorial.list_pillars(view.db, view.actor, limit=200).items,
        statuses=[s.value for s in DATED_STATES],
        can_import=view.can(Permission.POSTS_CREATE) and view.can(Permission.POSTS_SUBMIT),
        calendar_config={
            "eventsUrl": f"/api/v1/workspaces/{view.workspace.id}/calendar",
            "scheduleUrl": f"/api/v1/workspaces/{view.workspace.id}/posts/{{post_id}}/schedule",
            "postUrl": f"{view.base}/posts/{{post_id}}",
            # The assistant's proposed drafts, a second source of events (assistant_plan).
            "planItemsUrl": f"/api/v1/workspaces/{view.workspace.id}/assistant/plan-items",
            "planItemUrl": f"{view.base}/assistant/plan-items/{{item_id}}",
            "timeZone": view.workspace.timezone,
            "locale": view.viewer.language.locale,
            **_opening(request),
            "messages": {
                "moved": _("Moved. The post will go out at its new time."),
                "refused": _("This post cannot move there:"),
                "loadFailed": _("The calendar could not load its posts. Try again."),
                "attention": _("Needs attention"),
                "aiDraft": _("AI draft"),
                # The refusals a drop meets most, in the reader's language ({value}: the
                # wall time of the drop); other refusals show the API's own words.
                "reasons": _drop_refusals(view.workspace.timezone),
            },
        },
        rules=_rule_labels(),
    )
    return render(request, "calendar/page.html", context)


@router.post("/calendar/feed", response_class=HTMLResponse)
def issue_feed(request: Request, view: WorkspaceWrite) -> Response:
    issued = feeds.issue_feed(view.db, view.actor)
    base_url = view.viewer.settings.base_url.rstrip("/")
    return render(request, "calendar/_feed.html", _feed_context(view, base_url + issued.path))


@router.post("/calendar/feed/revoke", response_class=HTMLResponse)
def revoke_feed(request: Request, view: WorkspaceWrite) -> Response:
    feeds.revoke_feed(view.db, view.actor)
    return render(request, "calendar/_feed.html", _feed_context(view))


@router.post("/calendar/import", response_class=HTMLResponse)
async def import_csv(request: Request, view: WorkspaceWrite) -> Response:
    form = await request.form()
    upload = form.get("file")
    dry_run = form.get("dry_run") == "1"
    report: ImportReport | None = None
    errors: list[FieldError] = []
    if not isinstance(upload, UploadFile):
        errors = [FieldError("file", "required", _("Choose a CSV file to import."))]
    else:
        data = await upload.read(csv_io.MAX_BYTES + 1)
        with attempt(view.db) as errors:
            report = bulk.import_csv(view.db, view.actor, data, dry_run=dry_run)
    zone = view.workspace.timezone
    context = {
        "report": report,
        "reasons": [_row_message(e, zone) for e in report.rejected] if report else [],
        "errors": errors,
        "rules": _rule_labels(),
        "base": view.base,
    }
    return render(request, "calendar/_import_report.html", context)

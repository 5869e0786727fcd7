"""The calendar's assistant: "Plan with the assistant" proposes AI drafts, and each draft
on the calendar opens a panel to accept it (as a draft, or scheduled through the one
door) or discard it.

Every answer is an htmx fragment; it also sends the `plan:changed` event, on which the
calendar fetches its events again. Permissions are checked by `planning_service`.
"""

from __future__ import annotations

import json
import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.assistant import planning_service as service
from orchestre.assistant.planning_schemas import PlanCreate
from orchestre.errors import FieldError
from orchestre.web.forms import attempt
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}/assistant")


def outcomes() -> dict[str, str]:
    return {
        "draft": _("Accepted: a draft post was created at this time. Open it to finish it."),
        "scheduled": _("Accepted and scheduled at this time."),
        "in_review": _("Accepted and sent for review: it can be scheduled once approved."),
        "approved": _(
            "Accepted and approved. Someone who may schedule posts can now place it "
            "on the calendar."
        ),
        "discarded": _("Discarded: it is gone from the calendar."),
    }


def sources(value: str) -> str:
    """Who wrote a text, in words."""
    if value.startswith("provider:"):
        return _("the model %(model)s") % {"model": value.removeprefix("provider:")}
    return _("the offline assistant")


def _context(view: WorkspaceView, **extra: object) -> dict[str, object]:
    return {
        "base": view.base,
        "csrf_token": view.viewer.csrf_token,
        "can": view.can,
        "P": Permission,
        "outcomes": outcomes(),
        "source_words": sources,
        "may_decide": view.can(Permission.ASSISTANT_USE) and view.can(Permission.POSTS_CREATE),
        **extra,
    }


def _changed(message: str | None = None) -> dict[str, str]:
    trigger: dict[str, object] = {"plan:changed": True}
    if message:
        trigger["toast"] = {"message": message, "kind": "success"}
    return {"HX-Trigger": json.dumps(trigger)}


def _ids(values: list[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _form_plan(form: dict[str, list[str]]) -> PlanCreate | list[FieldError]:
    def one(name: str) -> str:
        return (form.get(name) or [""])[0].strip()

    try:
        weeks = int(one("weeks") or 2)
        pace = int(one("posts_per_week")) if one("posts_per_week") else None
        starts = date.fromisoformat(one("starts_on")) if one("starts_on") else None
    except ValueError:
        return [FieldError("form", "number", _("Weeks and posts per week are whole numbers."))]
    if not 1 <= weeks <= 8:
        return [FieldError("weeks", "range", _("Plan between 1 and 8 weeks."))]
    if pace is not None and not 1 <= pace <= 21:
        return [FieldError("posts_per_week", "range", _("Plan between 1 and 21 posts a week."))]
    return PlanCreate(
        weeks=weeks,
        posts_per_week=pace,
        starts_on=starts,
        channel_ids=_ids(form.get("channel_ids", [])),
        pillar_ids=_ids(form.get("pillar_ids", [])),
    )


@router.post("/plan", response_class=HTMLResponse)
async def propose(request: Request, view: WorkspaceWrite) -> Response:
    raw = await request.form()
    form = {key: [str(v) for v in raw.getlist(key)] for key in raw}
    parsed = _form_plan(form)
    plan: service.PlanView | None = None
    errors: list[FieldError] = parsed if isinstance(parsed, list) else []
    if isinstance(parsed, PlanCreate):
        with attempt(view.db) as errors:
            plan = service.propose(view.db, view.actor, parsed)
    headers = _changed() if plan is not None else {}
    return render(
        request,
        "assistant/plan_result.html",
        _context(view, plan=plan, errors=errors),
        headers=headers,
    )


@router.get("/plan-items/{item_id}", response_class=HTMLResponse)
def item_panel(request: Request, item_id: uuid.UUID, view: CurrentWorkspace) -> Response:
    found = service.item(view.db, view.actor, item_id)
    return render(request, "assistant/plan_item.html", _context(view, entry=found, outcome=None))


@router.post("/plan-items/{item_id}/accept", response_class=HTMLResponse)
async def accept(request: Request, item_id: uuid.UUID, view: WorkspaceWrite) -> Response:
    schedule = (await request.form()).get("schedule") == "1"
    decided: service.DecisionView | None = None
    with attempt(view.db) as errors:
        decided = service.accept(view.db, view.actor, item_id, schedule=schedule)
    if decided is None:
        entry = service.item(view.db, view.actor, item_id)
        context = _context(view, entry=entry, outcome=None, errors=errors)
        return render(request, "assistant/plan_item.html", context)
    context = _context(view, entry=decided.item, outcome=decided.outcome, errors=[])
    return render(
        request, "assistant/plan_item.html", context, headers=_changed(outcomes()[decided.outcome])
    )


@router.post("/plan-items/{item_id}/discard", response_class=HTMLResponse)
def discard(request: Request, item_id: uuid.UUID, view: WorkspaceWrite) -> Response:
    decided: service.DecisionView | None = None
    with attempt(view.db) as errors:
        decided = service.discard(view.db, view.actor, item_id)
    entry = decided.item if decided else service.item(view.db, view.actor, item_id)
    outcome = decided.outcome if decided else None
    context = _context(view, entry=entry, outcome=outcome, errors=errors)
    headers = _changed(outcomes()["discarded"]) if decided else {}
    return render(request, "assistant/plan_item.html", context, headers=headers)


async def _decide_all(
    request: Request, plan_id: uuid.UUID, view: WorkspaceView, accept_items: bool
) -> Response:
    schedule = (await request.form()).get("schedule") == "1"
    with attempt(view.db) as errors:
        service.decide_all(
            view.db, view.actor, plan_id, accept_items=accept_items, schedule=schedule
        )
    plan = service.get_plan(view.db, view.actor, plan_id)
    if accept_items:
        message = _("Every proposed draft was accepted.")
    else:
        message = _("Every proposed draft was discarded.")
    headers = _changed(message) if not errors else {}
    context = _context(view, plan=plan, errors=errors)
    return render(request, "assistant/plan_result.html", context, headers=headers)


@router.post("/plans/{plan_id}/accept", response_class=HTMLResponse)
async def accept_all(request: Request, plan_id: uuid.UUID, view: WorkspaceWrite) -> Response:
    return await _decide_all(request, plan_id, view, accept_items=True)


@router.post("/plans/{plan_id}/discard", response_class=HTMLResponse)
async def discard_all(request: Request, plan_id: uuid.UUID, view: WorkspaceWrite) -> Response:
    return await _decide_all(request, plan_id, view, accept_items=False)

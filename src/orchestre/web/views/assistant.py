"""The assistant's pages: its provider in the settings (the key write-only, a connection
test) and the log of its calls (filters, each call's texts). The composer's assistant
panel calls the JSON routes (`assistant/api.py`) from `static/js/assistant.js`."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.assistant import calls, configuration, runtime
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.web.forms import Form, attempt, redirect, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
SETTINGS = "/settings/assistant"
CALLS = "/assistant/calls"


def outcome_labels() -> dict[str, str]:
    return {
        "offline": _("Offline assistant"),
        "ok": _("Provider answered"),
        "fell_back": _("Fell back to offline"),
    }


def feature_labels() -> dict[str, str]:
    return {
        "writing.caption": _("Caption from a brief"),
        "writing.adapt": _("Adapt to networks"),
        "writing.hashtags": _("Hashtag suggestions"),
        "writing.alt_text": _("Alt text"),
        "writing.video": _("Video title and description"),
    }


def _settings_page(
    request: Request,
    view: WorkspaceView,
    *,
    form: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    tested: configuration.ConnectionTest | None = None,
    status_code: int = 200,
) -> Response:
    shown = configuration.provider_settings(view.db, view.actor)
    context = shell_context(request, view, "settings")
    values = form or {
        "enabled": shown.enabled,
        "base_url": shown.base_url,
        "model": shown.model,
        "timeout_seconds": f"{shown.timeout_seconds:g}",
        "temperature": "" if shown.temperature is None else f"{shown.temperature:g}",
        "accepts_images": shown.accepts_images,
    }
    context.update(
        tab="assistant",
        errors=errors or [],
        provider=shown,
        values=values,
        tested=tested,
        notice={"provider_saved": _("Assistant settings saved.")}.get(
            request.query_params.get("done", "")
        ),
    )
    return render(request, "assistant/settings.html", context, status_code=status_code)


@router.get(SETTINGS, response_class=HTMLResponse)
def settings_page(request: Request, view: CurrentWorkspace) -> Response:
    return _settings_page(request, view)


def _number(form: FormData, name: str, default: float | None) -> float | None:
    raw = text(form, name).strip().replace(",", ".")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        message = _("Write a number, e.g. 30 or 0.7.")
        raise Invalid(message, errors=[FieldError(name, "number", message)]) from None


@router.post(SETTINGS, response_class=HTMLResponse)
def save_settings(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    with attempt(view.db) as errors:
        key = text(form, "api_key")
        change = configuration.ProviderChange(
            enabled=text(form, "enabled") == "on",
            base_url=text(form, "base_url"),
            model=text(form, "model"),
            timeout_seconds=_number(form, "timeout_seconds", 30.0) or 30.0,
            temperature=_number(form, "temperature", None),
            accepts_images=text(form, "accepts_images") == "on",
            api_key=key or None,
            clear_key=text(form, "clear_key") == "on",
        )
        configuration.set_provider(view.db, view.actor, runtime.box(), change)
    if errors:
        values: dict[str, Any] = {
            k: v for k, v in form.items() if isinstance(v, str) and k != "api_key"
        }
        values["enabled"] = text(form, "enabled") == "on"
        values["accepts_images"] = text(form, "accepts_images") == "on"
        return _settings_page(request, view, form=values, errors=errors, status_code=422)
    return redirect(f"{view.base}{SETTINGS}", "provider_saved")


@router.post(SETTINGS + "/test", response_class=HTMLResponse)
def test_settings(request: Request, view: WorkspaceWrite) -> Response:
    with attempt(view.db) as errors:
        tested = configuration.test_connection(view.db, view.actor, runtime.box())
    if errors:
        return _settings_page(request, view, errors=errors, status_code=422)
    return _settings_page(request, view, tested=tested)


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@router.get(CALLS, response_class=HTMLResponse)
def calls_page(request: Request, view: CurrentWorkspace) -> Response:
    params = request.query_params
    outcome = params.get("outcome") or None
    filters = calls.CallFilters(
        feature=params.get("feature") or None,
        user_id=_uuid(params.get("user_id")),
        outcome=outcome if outcome in calls.OUTCOMES else None,
    )
    page = calls.list_calls(view.db, view.actor, filters, params.get("cursor"), 50)
    context = shell_context(request, view, "settings")
    context.update(
        tab="assistant",
        errors=[],
        calls=page.items,
        next_cursor=page.next_cursor,
        features=calls.features(view.db, view.actor),
        feature_labels=feature_labels(),
        outcome_labels=outcome_labels(),
        people=_people(view),
        selection={
            "feature": filters.feature or "",
            "user_id": str(filters.user_id or ""),
            "outcome": filters.outcome or "",
        },
    )
    return render(request, "assistant/calls.html", context)


@router.get(CALLS + "/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, view: CurrentWorkspace, call_id: uuid.UUID) -> Response:
    found = calls.get_call(view.db, view.actor, call_id)
    context = shell_context(request, view, "settings")
    context.update(
        tab="assistant",
        errors=[],
        call=found,
        feature_labels=feature_labels(),
        outcome_labels=outcome_labels(),
        people=_people(view),
    )
    return render(request, "assistant/call.html", context)


def _people(view: WorkspaceView) -> dict[uuid.UUID, str]:
    """The members' names by id (the first 200: enough to name who asked)."""
    page = workspaces.list_members(view.db, view.actor, limit=200)
    return {user.id: user.name for _membership, user in page.items}


def record_drafts(view: WorkspaceView, post_id: uuid.UUID, form: FormData) -> None:
    """After the editor saved a post: remember the assistant calls whose drafts it used
    (the panel sends their ids as `assistant_call`). Ids that are not the workspace's
    calls, or a person without the assistant, record nothing."""
    ids = [found for raw in form.getlist("assistant_call") if (found := _uuid(str(raw)))]
    if not ids or not view.can(Permission.ASSISTANT_USE) or not view.can(Permission.POSTS_CREATE):
        return
    with contextlib.suppress(NotFound):
        calls.link_post(view.db, view.actor, post_id, ids)

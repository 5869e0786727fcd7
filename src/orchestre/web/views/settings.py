"""Workspace settings: name, time zone and language; editorial line; review steps; API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from orchestre.approvals import service as approvals
from orchestre.errors import FieldError, Invalid
from orchestre.posts import editorial
from orchestre.posts.schemas import EditorialLineUpdate
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.web.views.account import TIMEZONES
from orchestre.web.views.members import ROLES
from orchestre.workspaces import service as workspaces

router = APIRouter(prefix="/w/{workspace_id}")


def _settings(
    request: Request, view: WorkspaceView, tab: str, status_code: int = 200, **extra: Any
) -> Response:
    context = shell_context(request, view, "settings")
    context.update(tab=tab, errors=[], timezones=TIMEZONES, roles=ROLES)
    context.update(extra)
    return render(request, f"settings/{tab}.html", context, status_code=status_code)


@router.get("/settings", response_class=HTMLResponse)
def general(request: Request, view: CurrentWorkspace) -> Response:
    return _settings(request, view, "general", form={})


@router.post("/settings", response_class=HTMLResponse)
def save_general(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    values = {k: text(form, k) for k in ("name", "timezone", "locale")}
    with attempt(view.db) as errors:
        workspaces.update_workspace(
            view.db,
            view.actor,
            name=values["name"],
            timezone=values["timezone"],
            locale=values["locale"],
            track_links=form.get("track_links") == "on",
        )
    if errors:
        return _settings(request, view, "general", 422, form=values, errors=errors)
    return redirect(f"{view.base}/settings", "settings_saved")


def _lines(value: str) -> list[str]:
    return [
        part.strip() for chunk in value.splitlines() for part in chunk.split(",") if part.strip()
    ]


@router.get("/settings/editorial", response_class=HTMLResponse)
def editorial_line(request: Request, view: CurrentWorkspace) -> Response:
    return _settings(
        request, view, "editorial", line=editorial.get_line(view.db, view.actor), form=None
    )


@router.post("/settings/editorial", response_class=HTMLResponse)
def save_editorial_line(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    data = {
        "tone_notes": text(form, "tone_notes"),
        "banned_words": _lines(text(form, "banned_words")),
        "banned_words_severity": text(form, "banned_words_severity") or "error",
        "required_hashtags": _lines(text(form, "required_hashtags")),
        "required_mentions": _lines(text(form, "required_mentions")),
        "required_severity": text(form, "required_severity") or "warning",
    }
    with attempt(view.db) as errors:
        try:
            spec = EditorialLineUpdate.model_validate(data)
        except ValidationError as exc:
            raise Invalid(
                _("Some fields need fixing."),
                code="validation_failed",
                errors=[
                    FieldError(
                        str(e["loc"][0]),
                        str(e["type"]),
                        str(e["msg"]).removeprefix("Value error, "),
                    )
                    for e in exc.errors()
                ],
            ) from exc
        editorial.put_line(view.db, view.actor, spec)
    if errors:
        form_values = {k: text(form, k) for k in form}
        return _settings(
            request,
            view,
            "editorial",
            422,
            line=editorial.get_line(view.db, view.actor),
            form=form_values,
            errors=errors,
        )
    return redirect(f"{view.base}/settings/editorial", "editorial_saved")


@router.get("/settings/review", response_class=HTMLResponse)
def review_steps(request: Request, view: CurrentWorkspace) -> Response:
    steps = [{"name": s.name, "role": s.role} for s in approvals.list_steps(view.db, view.actor)]
    return _settings(request, view, "review", steps=steps)


@router.post("/settings/review", response_class=HTMLResponse)
def save_review_steps(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    names, roles = texts(form, "step_name"), texts(form, "step_role")
    specs = [
        approvals.StepSpec(name=n, role=r) for n, r in zip(names, roles, strict=False) if n.strip()
    ]
    with attempt(view.db) as errors:
        approvals.replace_steps(view.db, view.actor, specs)
    if errors:
        steps = [{"name": s.name, "role": s.role} for s in specs]
        return _settings(request, view, "review", 422, steps=steps, errors=errors)
    return redirect(f"{view.base}/settings/review", "steps_saved")


def _tokens(
    request: Request, view: WorkspaceView, status_code: int = 200, **extra: Any
) -> Response:
    tokens = workspaces.list_tokens(view.db, view.actor, limit=200).items
    return _settings(request, view, "tokens", status_code, tokens=tokens, **extra)


@router.get("/settings/tokens", response_class=HTMLResponse)
def tokens(request: Request, view: CurrentWorkspace) -> Response:
    return _tokens(request, view)


@router.post("/settings/tokens", response_class=HTMLResponse)
def create_token(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    with attempt(view.db) as errors:
        raw, token = workspaces.issue_token(view.db, view.actor, text(form, "name"))
    if errors:
        return _tokens(request, view, 422, errors=errors, name=text(form, "name"))
    # The raw token is shown on this response only: it is never stored, so no redirect.
    return _tokens(request, view, new_token=raw, new_token_name=token.name)


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(view: WorkspaceWrite, token_id: uuid.UUID) -> Response:
    workspaces.revoke_token(view.db, view.actor, token_id)
    return redirect(f"{view.base}/settings/tokens", "token_revoked")

"""Members and roles: who is in the workspace, inviting people, changing roles, removing."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.errors import FieldError
from orchestre.web.forms import Form, attempt, optional, redirect, text, texts
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Role

router = APIRouter(prefix="/w/{workspace_id}")

ROLES = [role.value for role in Role]


def _page(
    request: Request,
    view: WorkspaceView,
    errors: list[FieldError] | None = None,
    form: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    context = shell_context(request, view, "settings")
    context.update(
        members=workspaces.list_members(view.db, view.actor, limit=200).items,
        roles=ROLES,
        errors=errors or [],
        form=form or {},
        tab="members",
    )
    return render(request, "members/list.html", context, status_code=status_code)


@router.get("/members", response_class=HTMLResponse)
def members(request: Request, view: CurrentWorkspace) -> Response:
    return _page(request, view)


@router.post("/members", response_class=HTMLResponse)
def invite(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    values: dict[str, object] = {
        "email": text(form, "email").strip(),
        "name": text(form, "name"),
        "roles": texts(form, "roles"),
    }
    with attempt(view.db) as errors:
        workspaces.add_member(
            view.db,
            view.actor,
            text(form, "email").strip(),
            texts(form, "roles"),
            name=optional(form, "name"),
            password=optional(form, "password"),
        )
    if errors:
        return _page(request, view, errors, values, status_code=422)
    return redirect(f"{view.base}/members", "member_added")


@router.post("/members/{membership_id}/roles", response_class=HTMLResponse)
def change_roles(
    request: Request, view: WorkspaceWrite, membership_id: uuid.UUID, form: Form
) -> Response:
    with attempt(view.db) as errors:
        workspaces.change_roles(view.db, view.actor, membership_id, texts(form, "roles"))
    if errors:
        return _page(request, view, errors, status_code=422)
    return redirect(f"{view.base}/members", "roles_changed")


@router.post("/members/{membership_id}/remove", response_class=HTMLResponse)
def remove(request: Request, view: WorkspaceWrite, membership_id: uuid.UUID) -> Response:
    with attempt(view.db) as errors:
        workspaces.remove_member(view.db, view.actor, membership_id)
    if errors:
        return _page(request, view, errors, status_code=422)
    return redirect(f"{view.base}/members", "member_removed")

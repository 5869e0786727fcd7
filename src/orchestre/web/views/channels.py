"""Channels: their health, connecting one (OAuth 2 or app password), reconnecting, disconnecting.

The network's page sends the person back to `/oauth/callback/{network}`, outside any
workspace: the connection attempt knows which workspace it was started from.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orchestre.channels import apps, connect, credentials
from orchestre.channels import service as channels
from orchestre.channels.apps import NetworkAccess
from orchestre.config import Settings
from orchestre.errors import FieldError
from orchestre.models import Channel, ChannelStatus
from orchestre.web.forms import Form, attempt, optional, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentViewer, CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter()
W = "/w/{workspace_id}/channels"


def _access(request: Request, view_settings: Settings) -> NetworkAccess:
    return apps.access_for(view_settings, request.app.state)


def _server_of(view: WorkspaceView, access: NetworkAccess, channel: Channel) -> str | None:
    """The server a federated account lives on: kept with its credentials, else read from
    a user@server handle (a disconnected channel's credentials are wiped)."""
    try:
        stored = channels.read_credentials(view.db, access.box, channel)
    except channels.CredentialsUnreadable:
        stored = {}
    server = credentials.from_stored(stored)[1] if stored else None
    if server is None and "@" in channel.handle.strip("@"):
        server = "https://" + channel.handle.rsplit("@", 1)[1]
    return server


def _notices() -> dict[str, str]:
    return {
        "channel_connected": _("Channel connected."),
        "channel_disconnected": _("Channel disconnected. Its posts and history stay."),
    }


def _page(
    request: Request,
    view: WorkspaceView,
    errors: list[FieldError] | None = None,
    form: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    access = _access(request, view.viewer.settings)
    rows = channels.list_channels(view.db, view.actor, limit=200).items
    offers = connect.networks_offered(view.db, view.actor, access)
    context = shell_context(request, view, "channels")
    notice = _notices().get(request.query_params.get("done") or "")
    if notice:
        context["toasts"] = [*context["toasts"], {"kind": "success", "message": notice}]
    context.update(
        channels=rows,
        servers={
            c.id: _server_of(view, access, c)
            for c in rows
            if c.status != ChannelStatus.CONNECTED.value
        },
        networks=offers,
        methods={offer.network: offer.method for offer in offers},
        manage=view.can(Permission.CHANNELS_MANAGE),
        errors=errors or [],
        form=form or {},
    )
    return render(request, "channels/list.html", context, status_code=status_code)


@router.get(W, response_class=HTMLResponse)
def channels_page(request: Request, view: CurrentWorkspace) -> Response:
    return _page(request, view)


@router.post(W + "/connect", response_class=HTMLResponse)
def start(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    access = _access(request, view.viewer.settings)
    url = ""
    with attempt(view.db) as errors:
        url = connect.start_oauth(
            view.db,
            view.actor,
            access,
            text(form, "network"),
            optional(form, "base_url"),
            origin="web",
        )
    if errors:
        values = {"network": text(form, "network"), "base_url": text(form, "base_url")}
        return _page(request, view, errors, values, status_code=422)
    return RedirectResponse(url, status_code=303)


@router.post(W + "/connect/password", response_class=HTMLResponse)
def connect_password(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    access = _access(request, view.viewer.settings)
    with attempt(view.db) as errors:
        connect.connect_password(
            view.db,
            view.actor,
            access,
            text(form, "network"),
            text(form, "identifier"),
            text(form, "password"),
            optional(form, "base_url"),
        )
    if errors:
        values = {"network": text(form, "network"), "identifier": text(form, "identifier")}
        return _page(request, view, errors, values, status_code=422)
    return redirect(f"{view.base}/channels", "channel_connected")


@router.post(W + "/{channel_id}/disconnect", response_class=HTMLResponse)
def disconnect(request: Request, view: WorkspaceWrite, channel_id: uuid.UUID) -> Response:
    with attempt(view.db) as errors:
        channels.disconnect_channel(view.db, view.actor, channel_id)
    if errors:
        return _page(request, view, errors, status_code=422)
    return redirect(f"{view.base}/channels", "channel_disconnected")


@router.get(W + "/choose/{attempt_id}", response_class=HTMLResponse)
def choose_page(request: Request, view: CurrentWorkspace, attempt_id: uuid.UUID) -> Response:
    access = _access(request, view.viewer.settings)
    found, choices = connect.pending_choices(view.db, view.actor, access, attempt_id)
    context = shell_context(request, view, "channels")
    context.update(network=found.network, choices=choices, attempt_id=attempt_id, errors=[])
    return render(request, "channels/choose.html", context)


@router.post(W + "/choose/{attempt_id}", response_class=HTMLResponse)
def choose(request: Request, view: WorkspaceWrite, attempt_id: uuid.UUID, form: Form) -> Response:
    access = _access(request, view.viewer.settings)
    with attempt(view.db) as errors:
        connect.choose_accounts(view.db, view.actor, access, attempt_id, texts(form, "external_id"))
    if errors:
        found, choices = connect.pending_choices(view.db, view.actor, access, attempt_id)
        context = shell_context(request, view, "channels")
        context.update(network=found.network, choices=choices, attempt_id=attempt_id, errors=errors)
        return render(request, "channels/choose.html", context, status_code=422)
    return redirect(f"{view.base}/channels", "channel_connected")


def _failure(exc: connect.ConnectFailed, network: str) -> str:
    """Why the connection failed, in the reader's language."""
    messages = {
        "state_invalid": _(
            "This connection request is unknown; start again from the Channels page."
        ),
        "state_used": _("This connection request was already used; start again."),
        "state_expired": _("This connection request expired (after 10 minutes); start again."),
        "access_denied": _("Access was not granted on %(network)s; nothing was connected."),
        "refused": _("%(network)s refused the authorization (%(reason)s)."),
        "code_missing": _("%(network)s sent no authorization code back."),
        "code_refused": _("%(network)s refused the authorization: %(reason)s"),
        "network_unavailable": _("%(network)s did not answer; start again in a moment."),
        "network_app_missing": _("The %(network)s app is not set up."),
        "no_account": _("This %(network)s profile manages no account."),
    }
    message = messages.get(exc.code)
    if message is None:
        return _(exc.detail)
    return message % {"network": network.capitalize(), "reason": exc.reason}


@router.get("/oauth/callback/{network}", response_class=HTMLResponse)
def callback(
    request: Request,
    viewer: CurrentViewer,
    network: str,
    state: str = "",
    code: str | None = None,
    error: str | None = None,
) -> Response:
    """Where the network sends the person back. A refusal shows a page saying why; the
    state is spent either way (the request's transaction commits)."""
    access = _access(request, viewer.settings)
    try:
        outcome = connect.finish_oauth(
            viewer.db, viewer.user.id, access, network, state=state, code=code, error=error
        )
    except connect.ConnectFailed as exc:
        detail = _failure(exc, network)
        context = {"failed": True, "detail": detail, "code": exc.code, "network": network}
        return render(request, "channels/callback.html", context, status_code=400)
    base = f"/w/{outcome.workspace_id}/channels"
    if outcome.choices:
        return RedirectResponse(f"{base}/choose/{outcome.attempt_id}", status_code=303)
    if outcome.origin == "web":
        return redirect(base, "channel_connected")
    context = {"failed": False, "channels": outcome.channels, "network": network, "base": base}
    return render(request, "channels/callback.html", context)

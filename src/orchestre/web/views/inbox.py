"""The inbox page: the list of conversations, one conversation and its author, live updates.

Every read and write goes through `orchestre.inbox.service` (permissions are checked
there; buttons are only shown to people allowed to use them). Live updates poll a small
route that answers 204 while nothing changed, else the list (and the open thread) as
out-of-band swaps, so the reply being typed, the selection and the scroll stay put.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.inbox import authors, replies
from orchestre.inbox import bulk as bulk_actions
from orchestre.inbox import service as inbox
from orchestre.inbox.repository import ConversationFilters
from orchestre.kit.clock import utcnow
from orchestre.models import InboxMessage
from orchestre.web import i18n
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.inbox_detail import Detail, detail_of
from orchestre.web.inbox_present import (
    AUTHOR_TAGS,
    Filters,
    Row,
    names_of,
    rows_of,
)
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Permission, Role, permissions_of

router = APIRouter(prefix="/w/{workspace_id}")

POLL_SECONDS = 4
PAGE_SIZE = 50
FILTER_KEYS = (
    "status", "q", "network", "channel", "sentiment", "toxicity", "language",
    "assignee", "tag", "unanswered", "sort",
)  # fmt: skip


# --- reading the request ---------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    name: str


def read_filters(request: Request) -> Filters:
    params = request.query_params
    return Filters({k: params.get(k, "").strip()[:200] for k in FILTER_KEYS})


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _minutes(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= 60 * 24 * 365 else None


def query_of(view: WorkspaceView, filters: Filters, now: datetime) -> ConversationFilters:
    """The service's filters; a value that means nothing (a mistyped id) filters nothing."""
    f = filters
    assignee_id: uuid.UUID | None = None
    unassigned = False
    if f.assignee in ("me", "unassigned") or _uuid(f.assignee):
        assignee_id, unassigned = inbox.resolve_assignee_filter(view.actor, f.assignee)
    minutes = _minutes(f.unanswered)
    return ConversationFilters(
        network=f.network or None,
        channel_id=_uuid(f.channel),
        sentiment=f.sentiment or None,
        language=f.language or None,
        toxicity=f.toxicity or None,
        status=f.status if f.status in names_of()["status"] else None,
        assignee_id=assignee_id,
        unassigned=unassigned,
        tag=f.tag.lower() or None,
        unanswered_before=now - timedelta(minutes=minutes) if minutes else None,
        q=f.q or None,
    )


def members_of(view: WorkspaceView) -> list[Member]:
    """Members who work in the inbox (the ones a conversation can be given to)."""
    rows = workspaces.list_members(view.db, view.actor, limit=200).items
    found = []
    for membership, user in rows:
        if Permission.INBOX_VIEW in _permissions(membership.roles):
            found.append(Member(user.id, user.name or user.email))
    return found


def _permissions(roles: list[str]) -> frozenset[Permission]:
    known = frozenset(Role(r) for r in roles if r in Role._value2member_map_)
    return frozenset(permissions_of(known))


# --- building the page -----------------------------------------------------------------------


def list_context(
    request: Request, view: WorkspaceView, filters: Filters, members: list[Member]
) -> dict[str, Any]:
    """The list, its tabs' counts and the stamp live updates compare."""
    now = utcnow()
    query = query_of(view, filters, now)
    order = "due" if filters.sort == "due" else "activity"
    cursor = request.query_params.get("cursor") or None
    page = inbox.list_conversations(
        view.db, view.actor, query, order=order, cursor=cursor, limit=PAGE_SIZE
    )
    counts: dict[str, int] = dict(inbox.status_counts(view.db, view.actor, query))
    counts["all"] = sum(counts.values())
    names = {m.id: m.name for m in members}
    rows = rows_of(page.items, names, now)
    return {
        "rows": rows,
        "counts": counts,
        "next_cursor": page.next_cursor,
        "stamp": stamp_of(rows, counts, now),
    }


def stamp_of(rows: list[Row], counts: dict[str, int], now: datetime) -> str:
    """Changes when any listed conversation or count changes, and each minute (timers)."""
    digest = hashlib.sha256(str(int(now.timestamp()) // 60).encode())
    for row in rows:
        digest.update(f"{row.conversation.id}:{row.conversation.version};".encode())
    digest.update(json.dumps(counts, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def choices_of(view: WorkspaceView, members: list[Member]) -> dict[str, Any]:
    names = names_of()
    channels = list_channels(view)
    return {
        "networks": sorted({c.network for c in channels}),
        "channels": channels,
        "members": members,
        "sentiments": list(names["sentiment"].items()),
        "toxicities": [
            ("offensive", names["toxicity"]["offensive"]),
            ("hate", names["toxicity"]["hate"]),
            ("clean", names["toxicity"]["clean"]),
        ],
        "languages": [("fr", i18n.language_name("fr")), ("en", i18n.language_name("en"))],
        "tags": ["review", *AUTHOR_TAGS],
        "tag_presets": ["review", "urgent", "follow-up"],
        "waits": [
            (30, _("30 minutes")),
            (60, _("1 hour")),
            (240, _("4 hours")),
            (1440, _("1 day")),
        ],
    }


def _urls(view: WorkspaceView, filters: Filters) -> dict[str, Any]:
    def list_url(**changes: str) -> str:
        values = {k: v for k, v in filters.values.items() if v}
        values.pop("cursor", None)
        for key, value in changes.items():
            if value:
                values[key] = value
            else:
                values.pop(key, None)
        return f"{view.base}/inbox" + ("?" + urlencode(values) if values else "")

    def open_url(conversation_id: uuid.UUID) -> str:
        return list_url(c=str(conversation_id))

    return {"list_url": list_url, "open_url": open_url}


def page_context(
    request: Request,
    view: WorkspaceView,
    filters: Filters,
    members: list[Member],
    listing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    names = names_of()
    context: dict[str, Any] = {
        "filters": filters,
        "choices": choices_of(view, members),
        "status_names": names["status"],
        "priority_names": names["priority"],
        "author_tags": list(names["author_tag"].items()),
        "author_tag_keys": AUTHOR_TAGS,
        "status_tabs": [("", _("All")), *names["status"].items()],
        "poll_seconds": POLL_SECONDS,
        "user_id": view.user.id,
        "is_owner": view.actor.has_role(Role.OWNER),
        "ix_status_name": lambda s: names["status"].get(s, s),
        **_urls(view, filters),
    }
    context.update(listing or list_context(request, view, filters, members))
    return context


def _people(members: list[Member], detail: Detail | None) -> dict[str, str]:
    people = dict(detail.names) if detail else {}
    people.update({str(m.id): m.name for m in members})
    return people


# --- pages and fragments ---------------------------------------------------------------------


def _htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _inbox_context(request: Request, view: WorkspaceView) -> tuple[dict[str, Any], list[Member]]:
    members = members_of(view)
    context = shell_context(request, view, "inbox")
    context.update(page_context(request, view, read_filters(request), members))
    return context, members


@router.get("/inbox", response_class=HTMLResponse)
def page(request: Request, view: CurrentWorkspace) -> Response:
    if not view.can(Permission.INBOX_VIEW):
        context = shell_context(request, view, "inbox")
        return render(request, "inbox/not_allowed.html", context, status_code=403)
    context, members = _inbox_context(request, view)
    opened = _uuid(request.query_params.get("c", ""))
    detail = detail_of(view, opened) if opened else None
    context.update(detail=detail, people=_people(members, detail))
    return render(request, "inbox/page.html", context)


@router.get("/inbox/list", response_class=HTMLResponse)
def list_fragment(request: Request, view: CurrentWorkspace) -> Response:
    """The list under new filters; the address bar follows so a reload shows the same."""
    context, members = _inbox_context(request, view)
    opened = _uuid(request.query_params.get("open", ""))
    context.update(detail=None, open_id=opened, people=_people(members, None))
    url = context["open_url"](opened) if opened else context["list_url"]()
    return render(request, "inbox/_list.html", context, headers={"HX-Push-Url": url})


@router.get("/inbox/changes", response_class=HTMLResponse)
def changes(request: Request, view: CurrentWorkspace) -> Response:
    """204 while nothing changed; else the list and the open thread, swapped out of band.

    Asked every few seconds by each open inbox: the list and the open conversation's
    version are read first, the rest of the page only when something changed."""
    params = request.query_params
    filters, members = read_filters(request), members_of(view)
    listing = list_context(request, view, filters, members)
    opened = _uuid(params.get("open", ""))
    detail = None
    if opened:
        found = inbox.load_conversation(view.db, view.actor, opened)
        if str(found.version) != params.get("open_version", ""):
            detail = detail_of(view, opened)
    if listing["stamp"] == params.get("stamp") and detail is None:
        return Response(status_code=204)
    context = shell_context(request, view, "inbox")
    context.update(page_context(request, view, filters, members, listing))
    context.update(
        detail=detail,
        open_id=opened,
        people=_people(members, detail),
        list_changed=context["stamp"] != params.get("stamp"),
        oob=True,
    )
    return render(request, "inbox/_changes.html", context)


@router.get("/inbox/c/{conversation_id}", response_class=HTMLResponse)
def conversation(request: Request, view: CurrentWorkspace, conversation_id: uuid.UUID) -> Response:
    if not _htmx(request):
        return redirect(f"{view.base}/inbox?c={conversation_id}")
    return _thread(request, view, conversation_id)


def _thread(
    request: Request,
    view: WorkspaceView,
    conversation_id: uuid.UUID,
    *,
    toast: str | None = None,
    errors: list[FieldError] | None = None,
    reply_text: str = "",
    status_code: int = 200,
    whole: bool = True,
) -> Response:
    """The conversation pane with its author card out of band; or (`whole` False) only
    its head, messages and author card, so a reply being typed stays in its box."""
    filters = read_filters(request)
    members = members_of(view)
    detail = detail_of(view, conversation_id)
    names = names_of()
    context = shell_context(request, view, "inbox")
    context.update(
        detail=detail,
        filters=filters,
        choices={"members": members},
        status_names=names["status"],
        priority_names=names["priority"],
        author_tags=list(names["author_tag"].items()),
        author_tag_keys=AUTHOR_TAGS,
        ix_status_name=lambda s: names["status"].get(s, s),
        user_id=view.user.id,
        is_owner=view.actor.has_role(Role.OWNER),
        people=_people(members, detail),
        reply_errors=[e for e in errors or [] if e.field in ("text", "form", "body")],
        reply_text=reply_text,
        oob=not whole,
        list_changed=False,
        **_urls(view, filters),
    )
    trigger: dict[str, Any] = {"inbox-changed": True}
    if errors:
        trigger["toast"] = {"message": errors[0].message, "kind": "error"}
    elif toast:
        trigger["toast"] = {"message": toast, "kind": "success"}
    headers = {"HX-Trigger-After-Settle": json.dumps(trigger)}
    template = "inbox/_pane.html" if whole else "inbox/_changes.html"
    return render(request, template, context, status_code=status_code, headers=headers)


# --- actions ---------------------------------------------------------------------------------


def _answer(
    request: Request,
    view: WorkspaceView,
    conversation_id: uuid.UUID,
    errors: list[FieldError],
    toast: str,
    *,
    whole: bool = False,
    reply_text: str = "",
) -> Response:
    """htmx: the thread again, with a toast; a plain form: back to the page."""
    if not _htmx(request):
        return redirect(f"{view.base}/inbox?c={conversation_id}")
    code = 422 if errors else 200
    return _thread(
        request,
        view,
        conversation_id,
        toast=toast,
        errors=errors,
        status_code=code,
        whole=whole,
        reply_text=reply_text,
    )


@router.post("/inbox/c/{conversation_id}/assign", response_class=HTMLResponse)
def assign(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    raw = text(form, "assignee")
    assignee = view.user.id if raw == "me" else _uuid(raw)
    with attempt(view.db) as errors:
        inbox.assign(view.db, view.actor, conversation_id, assignee)
    return _answer(request, view, conversation_id, errors, _("Assignment saved."))


@router.post("/inbox/c/{conversation_id}/status", response_class=HTMLResponse)
def status(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    value = text(form, "status")
    with attempt(view.db) as errors:
        inbox.set_status(view.db, view.actor, conversation_id, value)
    done = _("Marked done.") if value == "done" else _("Status saved.")
    return _answer(request, view, conversation_id, errors, done)


@router.post("/inbox/c/{conversation_id}/priority", response_class=HTMLResponse)
def priority(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    with attempt(view.db) as errors:
        inbox.set_priority(view.db, view.actor, conversation_id, text(form, "priority"))
    return _answer(request, view, conversation_id, errors, _("Priority saved."))


@router.post("/inbox/c/{conversation_id}/notes", response_class=HTMLResponse)
def note(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    with attempt(view.db) as errors:
        inbox.add_note(view.db, view.actor, conversation_id, text(form, "body"))
    return _answer(request, view, conversation_id, errors, _("Note added."), whole=True)


@router.post("/inbox/c/{conversation_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    body = text(form, "text")
    message: InboxMessage | None = None
    with attempt(view.db) as errors:
        message = inbox.reply(view.db, view.actor, conversation_id, body)
    held = message is not None and message.outbound_state == "pending_approval"
    toast = _("Reply sent for approval.") if held else _("Reply on its way.")
    blank = "" if not errors else body
    return _answer(request, view, conversation_id, errors, toast, whole=True, reply_text=blank)


@router.post(
    "/inbox/c/{conversation_id}/messages/{message_id}/{action}", response_class=HTMLResponse
)
def moderate(
    request: Request,
    view: WorkspaceWrite,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
    action: str,
    form: Form,
) -> Response:
    """Hide (or show again), delete or like one message, through the network."""
    toasts = {
        "hide": _("Hidden on the network."),
        "unhide": _("Shown again on the network."),
        "delete": _("Deleted on the network."),
        "like": _("Liked."),
    }
    if action == "hide" and text(form, "hidden", "1") == "0":
        action = "unhide"
    if action not in toasts:
        raise NotFound("Unknown action.", code="unknown_action")
    with attempt(view.db) as errors:
        if action in ("hide", "unhide"):
            inbox.hide_message(view.db, view.actor, message_id, action == "hide")
        elif action == "delete":
            inbox.delete_message(view.db, view.actor, message_id)
        else:
            inbox.like_message(view.db, view.actor, message_id)
    return _answer(request, view, conversation_id, errors, toasts[action])


@router.post("/inbox/c/{conversation_id}/replies/{message_id}/decide", response_class=HTMLResponse)
def decide(
    request: Request,
    view: WorkspaceWrite,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
    form: Form,
) -> Response:
    approve = text(form, "decision") == "approve"
    with attempt(view.db) as errors:
        if approve:
            inbox.approve_reply(view.db, view.actor, message_id)
        else:
            inbox.reject_reply(view.db, view.actor, message_id, text(form, "reason"))
    toast = _("Reply approved: it is on its way.") if approve else _("Reply rejected.")
    return _answer(request, view, conversation_id, errors, toast)


BULK_DONE = "bulk_done"


@router.post("/inbox/bulk", response_class=HTMLResponse)
def bulk(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    """One action on the ticked conversations; each is checked, refusals are counted."""
    ids = [i for i in (_uuid(v) for v in texts(form, "ids")) if i is not None]
    kind, _sep, value = text(form, "action").partition(":")
    change: bulk_actions.BulkChange | None = None
    if kind == "done":
        change = bulk_actions.BulkChange("status", status="done")
    elif kind == "status":
        change = bulk_actions.BulkChange("status", status=value)
    elif kind == "assign":
        change = bulk_actions.BulkChange(
            "assign", assignee_id=view.user.id if value == "me" else _uuid(value)
        )
    elif kind == "tag":
        change = bulk_actions.BulkChange("add_tags", tags=[value])
    elif kind == "hide":
        change = bulk_actions.BulkChange("hide")
    outcomes: list[bulk_actions.BulkOutcome] = []
    with attempt(view.db) as errors:
        if change is None:
            message = _("Choose an action.")
            raise Invalid(
                message, code="bad_action", errors=[FieldError("action", "enum", message)]
            )
        outcomes = bulk_actions.bulk(view.db, view.actor, ids, change)
    done = sum(1 for o in outcomes if o.ok)
    refused = len(outcomes) - done
    if errors:
        toast = {"message": errors[0].message, "kind": "error"}
    elif refused:
        toast = {
            "message": _("%(done)d done, %(refused)d refused.")
            % {"done": done, "refused": refused},
            "kind": "error",
        }
    else:
        toast = {
            "message": i18n.ngettext(
                "%(num)d conversation changed.", "%(num)d conversations changed.", done
            )
            % {"num": done},
            "kind": "success",
        }
    if not _htmx(request):
        return redirect(f"{view.base}/inbox")
    trigger = {"inbox-changed": True, "toast": toast}
    return Response(status_code=204, headers={"HX-Trigger": json.dumps(trigger)})


@router.get("/inbox/c/{conversation_id}/saved-reply", response_class=HTMLResponse)
def saved_reply(request: Request, view: CurrentWorkspace, conversation_id: uuid.UUID) -> Response:
    """A saved reply filled for this conversation, into the reply box; a variable the
    conversation cannot fill ({order_id}) is asked for, and nothing half-filled is given."""
    params = request.query_params
    reply_id = _uuid(params.get("saved_reply_id", ""))
    values = {k[4:]: v for k, v in params.items() if k.startswith("var.") and v.strip()}
    context: dict[str, Any] = {"reply_text": params.get("text", ""), "reply_id": reply_id}
    if reply_id is not None:
        try:
            rendered = replies.render(view.db, view.actor, reply_id, conversation_id, values)
            context["reply_text"] = rendered.text
        except Invalid as exc:
            missing = [e.actual for e in exc.errors if e.rule == "missing_variable"]
            context.update(
                reply_errors=[FieldError("text", exc.code, _(exc.detail))] if not missing else [],
                missing=[str(name) for name in missing],
                values=values,
            )
    context.update(conversation_id=conversation_id, base=view.base)
    return render(request, "inbox/_reply_fields.html", context)


@router.post("/inbox/authors/{author_id}/tags", response_class=HTMLResponse)
def author_tags(
    request: Request, view: WorkspaceWrite, author_id: uuid.UUID, form: Form
) -> Response:
    conversation_id = _uuid(text(form, "conversation_id"))
    with attempt(view.db) as errors:
        authors.set_author_tags(view.db, view.actor, author_id, texts(form, "tags"))
    if conversation_id is None or not _htmx(request):
        return redirect(f"{view.base}/inbox" + (f"?c={conversation_id}" if conversation_id else ""))
    return _answer(request, view, conversation_id, errors, _("Tags saved."))


@router.post("/inbox/c/{conversation_id}/tags", response_class=HTMLResponse)
def tags(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    """The conversation's tags: those kept, plus the one typed, less the one removed."""
    removed = text(form, "remove").strip().lower()
    kept = [t for t in texts(form, "tags") if t.strip() and t.strip().lower() != removed]
    with attempt(view.db) as errors:
        inbox.set_tags(view.db, view.actor, conversation_id, kept)
    return _answer(request, view, conversation_id, errors, _("Tags saved."))

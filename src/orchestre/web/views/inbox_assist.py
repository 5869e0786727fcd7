"""The assistant in the inbox and on the crisis page: reply suggestions in the reply box,
a summary of a long conversation, a summary of a crisis alert's evidence.

Each answer is a fragment labelled as an AI draft with the provider and the prompt that
produced it. A suggestion only fills the reply box: the person edits it and sends it with
the inbox's own "Send reply" (which holds it for approval when their role needs it).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.assistant import community, community_crisis, community_summary
from orchestre.web import i18n
from orchestre.web.forms import Form, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import WorkspaceView, WorkspaceWrite

router = APIRouter(prefix="/w/{workspace_id}")


def source_label(source: str) -> str:
    """Who wrote a draft, in words: the offline assistant or the provider's model."""
    if source.startswith("provider:"):
        return source.removeprefix("provider:")
    return _("offline assistant")


def intent_labels() -> dict[str, str]:
    return {
        "question": _("a question"),
        "complaint": _("a complaint"),
        "request": _("a request"),
        "praise": _("praise"),
        "other": _("a message"),
    }


def grounding_labels() -> dict[str, str]:
    return {
        "saved_reply": _("Saved reply"),
        "past_answer": _("Past answer to"),
        "template": _("Written for the message's intent"),
    }


def _context(view: WorkspaceView) -> dict[str, object]:
    return {"base": view.base, "source_label": source_label}


@router.post("/inbox/c/{conversation_id}/assist/suggest", response_class=HTMLResponse)
def suggest(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID, form: Form
) -> Response:
    raw = text(form, "message_id")
    message_id = uuid.UUID(raw) if raw else None
    found = community.suggest_replies(
        view.db,
        view.actor,
        conversation_id,
        message_id=message_id,
        fallback_language=i18n.current().locale,
    )
    context = {
        **_context(view),
        "found": found,
        "intents": intent_labels(),
        "groundings": grounding_labels(),
    }
    return render(request, "inbox/_assist_suggestions.html", context)


@router.post("/inbox/c/{conversation_id}/assist/summary", response_class=HTMLResponse)
def summarize_conversation(
    request: Request, view: WorkspaceWrite, conversation_id: uuid.UUID
) -> Response:
    found = community_summary.summarize_conversation(
        view.db, view.actor, conversation_id, language=i18n.current().locale
    )
    context = {**_context(view), "found": found, "testid": "thread-summary"}
    return render(request, "inbox/_assist_summary.html", context)


@router.post("/crisis/{alert_id}/summary", response_class=HTMLResponse)
def summarize_alert(request: Request, view: WorkspaceWrite, alert_id: uuid.UUID) -> Response:
    found = community_crisis.summarize_alert(
        view.db, view.actor, alert_id, language=i18n.current().locale
    )
    context = {**_context(view), "found": found, "testid": "alert-summary"}
    return render(request, "crisis/_summary.html", context)

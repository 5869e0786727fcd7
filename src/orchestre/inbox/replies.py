"""Saved replies: reusable answers in French and English with variables ({first_name},
{handle}, {order_id}, {agent_name}...), and rendering one for a conversation.

Variables named in the body are filled from the conversation (the author's name and
handle, the channel, the person answering) and from values the person gives (an order
number, say). A variable left without a value refuses the whole rendering, naming each
one: a half-filled reply never goes out. `{{` and `}}` write a literal brace.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.inbox import repository as repo
from orchestre.inbox import service
from orchestre.inbox.actions import _
from orchestre.models import Conversation, InboxMessage, SavedReply
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
LANGUAGES = ("en", "fr")
MAX_BODY = 5000
MAX_VALUE = 500
# A variable, or an escaped brace; anything else with a brace is a mistake in the body.
TOKEN = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]{0,39})\}")
# Filled from the conversation and the person answering; any other name is given by them.
AUTOMATIC = (
    "first_name",
    "last_name",
    "name",
    "handle",
    "agent_name",
    "agent_first_name",
    "channel",
    "network",
)


@dataclass(frozen=True)
class SavedReplyInput:
    name: str
    language: str
    body: str
    tags: Sequence[str] = ()
    holding_statement: bool = False


@dataclass(frozen=True)
class Rendered:
    text: str
    variables: dict[str, str]


def variables_of(body: str) -> list[str]:
    """The variables a body names, each once, in order; a stray brace is refused."""
    names: list[str] = []
    position = 0
    for match in TOKEN.finditer(body):
        _refuse_stray(body[position : match.start()])
        if match.group(1):
            names.append(match.group(1))
        position = match.end()
    _refuse_stray(body[position:])
    return list(dict.fromkeys(names))


def _refuse_stray(text: str) -> None:
    if "{" in text or "}" in text:
        message = _(
            "A variable is written {name} in lower case (letters, digits, _); "
            "write {{ or }} for a brace itself."
        )
        raise Invalid(
            message,
            code="bad_variable",
            errors=[FieldError("body", "variable", message, actual=text.strip()[:80])],
        )


def fill(body: str, values: Mapping[str, str]) -> str:
    """The body with each variable replaced; every variable must have a non-empty value."""
    missing = [name for name in variables_of(body) if not values.get(name, "").strip()]
    if missing:
        listed = ", ".join("{" + name + "}" for name in missing)
        detail = f"No value for {listed}: give one, or edit the reply before sending it."
        message = _("Give a value for this variable, or edit the reply before sending it.")
        raise Invalid(
            detail,
            code="missing_variables",
            errors=[
                FieldError(f"values.{name}", "missing_variable", message, actual=name)
                for name in missing
            ],
        )

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values[match.group(1)].strip()

    return TOKEN.sub(replace, body)


def conversation_values(
    session: Session,
    conversation: Conversation,
    agent_id: uuid.UUID | None = None,
    answering: InboxMessage | None = None,
) -> dict[str, str]:
    """What the conversation and the person answering (none for a rule) fill in by
    themselves; empty values are left out, so a variable needing them is refused.

    The author is the one of the message answered (by default the latest inbound one): a
    post's thread gathers many people, and the reply greets the one it answers."""
    values: dict[str, str] = {}
    ws = conversation.workspace_id
    answered = answering or repo.latest_inbound(session, conversation.id)
    author_id = (answered.author_id if answered else None) or conversation.author_id
    author = repo.author(session, ws, author_id) if author_id else None
    if author is not None:
        full = author.name.strip()
        parts = full.split()
        values["name"] = full
        values["first_name"] = parts[0] if parts else ""
        values["last_name"] = " ".join(parts[1:])
        handle = author.handle.strip()
        values["handle"] = handle if not handle or handle.startswith("@") else f"@{handle}"
    if agent_id is not None:
        agent = repo.user_names(session, [agent_id]).get(agent_id, "").strip()
        values["agent_name"] = agent
        values["agent_first_name"] = agent.split()[0] if agent else ""
    channel = repo.channel(session, ws, conversation.channel_id)
    if channel is not None:
        values["channel"] = channel.display_name or channel.handle
        values["network"] = channel.network
    return {k: v for k, v in values.items() if v}


# --- CRUD --------------------------------------------------------------------------------


def _checked(data: SavedReplyInput) -> SavedReplyInput:
    errors: list[FieldError] = []
    name, body = data.name.strip(), data.body.strip()
    if not name or len(name) > 120:
        errors.append(FieldError("name", "length", "A name of 1 to 120 characters.", limit=120))
    if data.language not in LANGUAGES:
        errors.append(
            FieldError("language", "enum", "The language is en or fr.", actual=data.language)
        )
    if not body or len(body) > MAX_BODY:
        errors.append(
            FieldError("body", "length", "A body of 1 to 5000 characters.", limit=MAX_BODY)
        )
    if errors:
        raise Invalid("The saved reply is refused.", code="bad_saved_reply", errors=errors)
    variables_of(body)
    return SavedReplyInput(
        name=name,
        language=data.language,
        body=body,
        tags=service.clean_tags(data.tags),
        holding_statement=data.holding_statement,
    )


def _unique(session: Session, actor: Actor, data: SavedReplyInput, own: uuid.UUID | None) -> None:
    existing = repo.saved_reply_named(session, actor.workspace_id, data.name, data.language)
    if existing is not None and existing.id != own:
        raise Conflict(
            "A saved reply of this name already exists in this language.",
            code="duplicate_saved_reply",
        )


def list_saved_replies(
    session: Session, actor: Actor, language: str | None = None, q: str | None = None
) -> list[SavedReply]:
    """Holding statements first, then by name."""
    actor.require(P.INBOX_VIEW)
    return repo.saved_replies(session, actor.workspace_id, language, q)


def load_saved_reply(session: Session, actor: Actor, reply_id: uuid.UUID) -> SavedReply:
    actor.require(P.INBOX_VIEW)
    saved = repo.saved_reply(session, actor.workspace_id, reply_id)
    if saved is None:
        raise NotFound("Saved reply not found.", code="saved_reply_not_found")
    return saved


def create_saved_reply(session: Session, actor: Actor, data: SavedReplyInput) -> SavedReply:
    actor.require(P.INBOX_MODERATE)
    data = _checked(data)
    _unique(session, actor, data, None)
    saved = SavedReply(
        workspace_id=actor.workspace_id,
        name=data.name,
        language=data.language,
        body=data.body,
        tags=list(data.tags),
        holding_statement=data.holding_statement,
    )
    repo.add(session, saved)
    record(
        session, actor, "inbox.saved_reply.created", "saved_reply", saved.id, after=snapshot(saved)
    )
    return saved


def update_saved_reply(
    session: Session, actor: Actor, reply_id: uuid.UUID, data: SavedReplyInput
) -> SavedReply:
    actor.require(P.INBOX_MODERATE)
    saved = load_saved_reply(session, actor, reply_id)
    data = _checked(data)
    _unique(session, actor, data, saved.id)
    before = snapshot(saved)
    saved.name, saved.language, saved.body = data.name, data.language, data.body
    saved.tags, saved.holding_statement = list(data.tags), data.holding_statement
    session.flush()
    record(
        session,
        actor,
        "inbox.saved_reply.updated",
        "saved_reply",
        saved.id,
        before=before,
        after=snapshot(saved),
    )
    return saved


def delete_saved_reply(session: Session, actor: Actor, reply_id: uuid.UUID) -> None:
    actor.require(P.INBOX_MODERATE)
    saved = load_saved_reply(session, actor, reply_id)
    before = snapshot(saved)
    repo.delete(session, saved)
    record(session, actor, "inbox.saved_reply.deleted", "saved_reply", reply_id, before=before)


# --- using one -----------------------------------------------------------------------------


def render(
    session: Session,
    actor: Actor,
    reply_id: uuid.UUID,
    conversation_id: uuid.UUID,
    values: Mapping[str, str] | None = None,
    *,
    parent_message_id: uuid.UUID | None = None,
) -> Rendered:
    """The saved reply filled for this conversation (and the message answered, by default
    the latest one); the person's values win over the conversation's own."""
    actor.require(P.INBOX_VIEW)
    saved = load_saved_reply(session, actor, reply_id)
    conversation = service.load_conversation(session, actor, conversation_id)
    answering = None
    if parent_message_id is not None:
        answering = service.load_message(session, actor, parent_message_id)
    given = dict(values or {})
    too_long = [
        FieldError(
            f"values.{k}", "max_length", "A value is 500 characters at most.", limit=MAX_VALUE
        )
        for k, v in given.items()
        if len(v) > MAX_VALUE
    ]
    if too_long:
        raise Invalid("Some values are too long.", code="bad_values", errors=too_long)
    own = conversation_values(session, conversation, actor.user_id, answering)
    filled = {**own, **given}
    text = fill(saved.body, filled)
    used = {name: filled[name].strip() for name in variables_of(saved.body)}
    return Rendered(text=text, variables=used)


def reply_with(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    reply_id: uuid.UUID,
    values: Mapping[str, str] | None = None,
    *,
    parent_message_id: uuid.UUID | None = None,
) -> InboxMessage:
    """Answer with a saved reply, filled; refused whole if a variable has no value."""
    rendered = render(
        session, actor, reply_id, conversation_id, values, parent_message_id=parent_message_id
    )
    return service.reply(
        session, actor, conversation_id, rendered.text, parent_message_id=parent_message_id
    )
